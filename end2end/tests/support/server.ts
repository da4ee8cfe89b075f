// Starts the real bento-console binary on a free port with a fresh SQLite database, and reads
// the one-time setup URL from its log, as a person installing it would.
import { spawn, spawnSync, ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ADMIN = {
  organization: "Mybentocloud",
  name: "Ada Lovelace",
  email: "ada@example.com",
  password: "correct horse battery",
};

import type { APIRequestContext } from "@playwright/test";

/** Completes first-run setup through the server function, which also signs `request`'s
 * browser context in (it shares the context's cookies). */
export async function setupAdmin(server: Console, request: APIRequestContext) {
  const code = new URL(server.setupURL!).searchParams.get("code")!;
  const response = await request.post(`${server.baseURL}/rpc/setup`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: {
      code,
      organization_name: ADMIN.organization,
      name: ADMIN.name,
      email: ADMIN.email,
      password: ADMIN.password,
      password_confirmation: ADMIN.password,
    },
  });
  if (!response.ok()) throw new Error(`setup failed: ${response.status()} ${await response.text()}`);
}

export interface Console {
  baseURL: string;
  setupURL: string | undefined;
  log: () => string;
  stop: () => Promise<void>;
}

const repoRoot = resolve(__dirname, "../../..");
const binary = process.env.BENTO_CONSOLE_BIN ?? join(process.env.HOME ?? "", ".cache/bento-console/target/debug/bento-console");

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A fresh database: a SQLite file in `dir`, or, when BENTO_CONSOLE_TEST_POSTGRES names a
 * PostgreSQL server (scripts/with-postgres.sh), a new database there. */
function freshDatabase(dir: string): string {
  const server = process.env.BENTO_CONSOLE_TEST_POSTGRES;
  if (!server) return `sqlite://${join(dir, "console.db")}`;
  const name = `e2e_${Date.now()}_${Math.floor(Math.random() * 1e9)}`;
  const created = spawnSync("createdb", [name], { encoding: "utf8" });
  if (created.status !== 0) throw new Error(`createdb failed: ${created.stderr}`);
  return `${server}/${name}`;
}

export async function startConsole(): Promise<Console> {
  const dir = mkdtempSync(join(tmpdir(), "bento-console-e2e-"));
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(binary, ["serve"], {
    cwd: repoRoot,
    env: {
      ...process.env,
      BENTO_CONSOLE_ADDR: `127.0.0.1:${port}`,
      BENTO_CONSOLE_PUBLIC_URL: baseURL,
      DATABASE_URL: freshDatabase(dir),
      LEPTOS_SITE_ROOT: join(repoRoot, "target/site"),
      RUST_LOG: "info",
      NO_COLOR: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));

  const deadline = Date.now() + 30_000;
  while (!output.includes("bento-console listening")) {
    if (child.exitCode !== null) throw new Error(`bento-console exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`bento-console did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // The setup line follows the listening line.
  await new Promise((r) => setTimeout(r, 100));
  const setupURL = output.match(/open (http\S+\/setup\?code=\w+)/)?.[1];
  return {
    baseURL,
    setupURL,
    log: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
