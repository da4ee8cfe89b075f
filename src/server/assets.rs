//! The browser bundle under `/pkg`: the JS glue, the WebAssembly and the stylesheet.
//!
//! `scripts/build.sh` publishes each file twice, under a name with the bundle's hash
//! (`bento-console.<16 hex digits>.wasm`, one hash for the three files) and under its plain
//! name, each with a brotli (`.br`) and a gzip (`.gz`) compression next to it, plus
//! `pkg/hash.txt`, from which the server learns the hash once at startup (`bundle_name`).
//!
//! Here the files are served with the compression the request accepts (brotli first), with
//! `Vary: Accept-Encoding`, and cached accordingly: a hashed name never changes content, so
//! browsers keep it a year without asking again (`immutable`); a plain name is revalidated on
//! every use (`no-cache`, answered 304 when unchanged). The site's other files (`public/`, the
//! favicon), served by the router's fallback, are kept a day.

use std::path::Path;

use axum::{
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::Response,
    routing::MethodRouter,
};
use tower_http::services::ServeDir;

/// The site's directory the bundle lives in, under the site root (as URL path and directory).
pub const PKG_DIR: &str = "pkg";
/// The bundle's files are `<OUTPUT_NAME>.js`, `.wasm` and `.css`, then hashed.
pub const OUTPUT_NAME: &str = "bento-console";
/// Written by `scripts/build.sh` (`scripts/publish-bundle.mjs`): `css: <hash>`, `js: <hash>`,
/// `wasm: <hash>`, one a line, the same hash on each.
pub const HASH_FILE: &str = "hash.txt";

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");
/// The site's other files (`public/`, the favicon), which keep their names: a day.
const A_DAY: HeaderValue = HeaderValue::from_static("public, max-age=86400");

/// The name pages give the bundle's files (Leptos's `output_name`): `bento-console.<hash>` when
/// the build wrote its hash file, the plain `bento-console` without one (e.g. under `cargo
/// leptos watch`) or when it cannot be read.
///
/// Read once, at startup: Leptos's own `hash_files` reads the file on every render, blocking
/// the thread that renders (and panicking if a rebuild replaces it at the wrong moment).
pub fn bundle_name(site_root: &Path) -> String {
    let path = site_root.join(PKG_DIR).join(HASH_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return OUTPUT_NAME.to_owned();
    };
    match bundle_hash(&text) {
        Some(hash) => format!("{OUTPUT_NAME}.{hash}"),
        None => {
            tracing::warn!(path = %path.display(), "unreadable hash file: pages name the bundle's plain files");
            OUTPUT_NAME.to_owned()
        }
    }
}

/// The one hash of a hash file whose `css`, `js` and `wasm` lines all carry it.
fn bundle_hash(text: &str) -> Option<&str> {
    let mut entries = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.split_once(':').map(|(key, hash)| (key.trim(), hash.trim())))
        .collect::<Option<Vec<_>>>()?;
    entries.sort_unstable();
    match entries[..] {
        [("css", css), ("js", js), ("wasm", wasm)] if css == js && js == wasm && is_hash(css) => Some(css),
        _ => None,
    }
}

/// Serves `<site_root>/pkg`, to be nested at `/pkg`.
pub fn service(site_root: &Path) -> MethodRouter {
    let files = ServeDir::new(site_root.join(PKG_DIR)).precompressed_br().precompressed_gzip();
    axum::routing::get_service(files).layer(axum::middleware::from_fn(cache_headers))
}

async fn cache_headers(request: Request, next: Next) -> Response {
    let hashed = is_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, if hashed { IMMUTABLE } else { REVALIDATE });
        // Which file answered depended on Accept-Encoding, also when it was the plain one.
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// For what the router's fallback answers: a file of the site root when it is a success (a
/// page it renders is a 404, or a redirect), which browsers may then keep a day.
pub fn cache_site_file(mut response: Response) -> Response {
    if response.status() == StatusCode::OK {
        response.headers_mut().entry(header::CACHE_CONTROL).or_insert(A_DAY);
    }
    response
}

/// Whether the file name carries a content hash: a dot-separated part of exactly 16
/// lowercase hexadecimal digits, as `scripts/publish-bundle.mjs` names files.
fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let mut parts = name.split('.');
    // The first part is the name itself, the last the extension.
    parts.next();
    let mut middle: Vec<&str> = parts.collect();
    middle.pop();
    middle.iter().any(|part| is_hash(part))
}

/// 16 lowercase hexadecimal digits, as `scripts/publish-bundle.mjs` writes a hash.
fn is_hash(text: &str) -> bool {
    text.len() == 16 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{body::Body, Router};
    use tower::ServiceExt;

    #[test]
    fn hashed_names() {
        assert!(is_hashed("/bento-console.0123456789abcdef.wasm"));
        assert!(is_hashed("/bento-console.0123456789abcdef.js"));
        assert!(!is_hashed("/bento-console.wasm"));
        assert!(!is_hashed("/bento-console.css"));
        assert!(!is_hashed("/hash.txt"));
        // Not 16 digits, not lowercase hexadecimal, or the extension itself.
        assert!(!is_hashed("/bento-console.0123456789abcde.wasm"));
        assert!(!is_hashed("/bento-console.0123456789ABCDEF.wasm"));
        assert!(!is_hashed("/bento-console.0123456789abcdeg.wasm"));
        assert!(!is_hashed("/0123456789abcdef.0123456789abcdef"));
    }

    #[test]
    fn the_bundle_hash_is_the_one_its_three_files_share() {
        let h = "0123456789abcdef";
        assert_eq!(bundle_hash(&format!("css: {h}\njs: {h}\nwasm: {h}\n")), Some(h));
        assert_eq!(bundle_hash(&format!("wasm:{h}\n\njs:{h}\ncss:{h}")), Some(h));
        // Not all three, not the same hash, not a hash, or another key.
        assert_eq!(bundle_hash(&format!("js: {h}\nwasm: {h}\n")), None);
        assert_eq!(bundle_hash(&format!("css: {h}\njs: {h}\nwasm: 0123456789abcdee\n")), None);
        assert_eq!(bundle_hash("css: ../../etc\njs: ../../etc\nwasm: ../../etc\n"), None);
        assert_eq!(bundle_hash(&format!("css: {h}\njs: {h}\nsplit: {h}\n")), None);
        assert_eq!(bundle_hash(&format!("css: {h}\ncss: {h}\ncss: {h}\n")), None);
        assert_eq!(bundle_hash(&format!("css: {h}\njs: {h}\nwasm: {h}\nwasm: {h}\n")), None);
        assert_eq!(bundle_hash(""), None);
    }

    #[test]
    fn pages_name_the_hashed_bundle_only_when_the_build_wrote_its_hash() {
        let site = site();
        assert_eq!(bundle_name(site.path()), OUTPUT_NAME, "a hash file without css and js lines");
        let h = "0123456789abcdef";
        std::fs::write(site.path().join(PKG_DIR).join(HASH_FILE), format!("css: {h}\njs: {h}\nwasm: {h}\n")).unwrap();
        assert_eq!(bundle_name(site.path()), format!("bento-console.{h}"));
        assert_eq!(bundle_name(&site.path().join("nowhere")), OUTPUT_NAME);
    }

    /// A site with one file published the way `scripts/publish-bundle.mjs` does it.
    fn site() -> tempfile::TempDir {
        let site = tempfile::tempdir().unwrap();
        let pkg = site.path().join(PKG_DIR);
        std::fs::create_dir(&pkg).unwrap();
        for name in ["app.0123456789abcdef.wasm", "app.wasm"] {
            std::fs::write(pkg.join(name), b"plain").unwrap();
            std::fs::write(pkg.join(format!("{name}.br")), b"brotli").unwrap();
            std::fs::write(pkg.join(format!("{name}.gz")), b"gzip").unwrap();
        }
        std::fs::write(pkg.join(HASH_FILE), "wasm: 0123456789abcdef\n").unwrap();
        site
    }

    async fn get(site: &Path, path: &str, accept_encoding: Option<&str>) -> (Response, String) {
        let router = Router::new().nest_service("/pkg", service(site));
        let mut request = Request::builder().uri(path);
        if let Some(accept) = accept_encoding {
            request = request.header(header::ACCEPT_ENCODING, accept);
        }
        let response = router.oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, 1024).await.unwrap();
        (Response::from_parts(parts, Body::empty()), String::from_utf8_lossy(&body).into_owned())
    }

    fn header_of(response: &Response, name: header::HeaderName) -> &str {
        response.headers().get(name).map(|value| value.to_str().unwrap()).unwrap_or_default()
    }

    #[tokio::test]
    async fn serves_the_compression_the_request_accepts() {
        let site = site();
        for (accept, body, encoding) in [
            (Some("gzip, deflate, br, zstd"), "brotli", "br"),
            (Some("gzip, deflate"), "gzip", "gzip"),
            (None, "plain", ""),
        ] {
            let (response, text) = get(site.path(), "/pkg/app.0123456789abcdef.wasm", accept).await;
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(text, body, "{accept:?}");
            assert_eq!(header_of(&response, header::CONTENT_ENCODING), encoding, "{accept:?}");
            assert_eq!(header_of(&response, header::VARY), "accept-encoding");
            assert_eq!(header_of(&response, header::CONTENT_TYPE), "application/wasm");
            assert_eq!(header_of(&response, header::CACHE_CONTROL), "public, max-age=31536000, immutable");
        }
    }

    #[tokio::test]
    async fn plain_names_are_revalidated_and_missing_files_not_cached() {
        let site = site();
        let (response, text) = get(site.path(), "/pkg/app.wasm", Some("br")).await;
        assert_eq!((response.status(), text.as_str()), (StatusCode::OK, "brotli"));
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");

        let (response, _) = get(site.path(), "/pkg/app.fedcba9876543210.wasm", Some("br")).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "");
    }

    #[test]
    fn site_files_are_kept_a_day_and_nothing_else_is() {
        let answer = |status: StatusCode, cache_control: Option<&'static str>| {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = status;
            if let Some(value) = cache_control {
                response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
            }
            let response = cache_site_file(response);
            header_of(&response, header::CACHE_CONTROL).to_owned()
        };
        assert_eq!(answer(StatusCode::OK, None), "public, max-age=86400");
        assert_eq!(answer(StatusCode::OK, Some("no-store")), "no-store");
        assert_eq!(answer(StatusCode::NOT_FOUND, None), "");
        assert_eq!(answer(StatusCode::FOUND, None), "");
    }
}
