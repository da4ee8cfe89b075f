//! The real `bento-console` binary in a process of its own, for what an in-process app cannot
//! show: its own memory, its own log, signals.

use std::{
    io::Read,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

pub struct Server {
    child: Child,
    pub base_url: String,
    pub port: u16,
    pub db_url: String,
    stderr: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

/// Runs a `bento-console` command on `db_url` with `stdin`; panics if it fails.
fn command(db_url: &str, args: &[&str], stdin: &str) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_bento-console"))
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

impl Server {
    /// Serves on a free local port with an empty database; `args` are extra `serve` flags.
    pub async fn start(args: &[&str]) -> Server {
        Self::start_with(args, |_| {}).await
    }

    /// Serves a database with one organization, `acme`, whose admin is `ops@example.com`
    /// (password `correct horse battery`), and two deployments on `upstream`: `open`
    /// (Public, id 1, reached with `Host: open.acme.apps.localhost`) and `guarded` (Protected,
    /// id 2).
    pub async fn start_with_deployment(args: &[&str], upstream: &str) -> Server {
        Self::start_with(args, |db_url| {
            let admin = ["user", "create", "--email", "ops@example.com", "--name", "Ops", "--admin"];
            command(db_url, &[&admin[..], &["--organization", "Acme"]].concat(), "correct horse battery\n");
            for (name, access) in [("open", "public"), ("guarded", "protected")] {
                let create = ["deployment", "create", "--name", name, "--upstream", upstream, "--access", access];
                command(db_url, &create, "");
            }
        })
        .await
    }

    async fn start_with(args: &[&str], prepare: impl FnOnce(&str)) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let db_url = crate::helpers::database_url(dir.path());
        crate::helpers::create_database(&db_url).await;
        prepare(&db_url);
        // Port 0: the server binds a free port itself and logs it. (Picking a free port here
        // and passing it on races with the other tests' listeners.)
        let mut child = Command::new(env!("CARGO_BIN_EXE_bento-console"))
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .env("DATABASE_URL", &db_url)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        });
        let started = Instant::now();
        let port = loop {
            let logged = stderr.lock().unwrap().clone();
            let port = logged
                .split("bento-console listening addr=127.0.0.1:")
                .nth(1)
                .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse::<u16>().ok());
            if let Some(port) = port {
                break port;
            }
            assert!(child.try_wait().unwrap().is_none(), "the server exited: {logged}");
            assert!(started.elapsed() < Duration::from_secs(20), "did not start: {logged}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let server = Server { child, base_url: format!("http://127.0.0.1:{port}"), port, db_url, stderr, _dir: dir };
        while reqwest::get(format!("{}/healthz", server.base_url)).await.map(|r| r.status().as_u16()).ok() != Some(200)
        {
            assert!(started.elapsed() < Duration::from_secs(20), "did not start: {}", server.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        server
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the server has written to stderr so far.
    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Resident memory, from /proc (Linux).
    pub fn resident_bytes(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
    }

    /// Sends SIGTERM and waits up to `limit` for the process to exit; how long it took.
    pub async fn terminate(&mut self, limit: Duration) -> Option<Duration> {
        let started = Instant::now();
        let status = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status().unwrap();
        assert!(status.success());
        while started.elapsed() < limit {
            if self.child.try_wait().unwrap().is_some() {
                return Some(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
