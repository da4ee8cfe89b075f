// `bentoml cloud login` through the browser: the real CLI, driven through its prompts by
// scripts/cli_browser_login.py (pexpect), prints a sign-in URL; a signed-in browser opens it and
// confirms or declines.
import { test, expect } from "@playwright/test";
import { spawn, ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { Console, setupAdmin, startConsole } from "./support/server";

let server: Console;

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ request }) => {
  server = await startConsole();
  await setupAdmin(server, request);
  const response = await request.post(`${server.baseURL}/rpc/create_deployment`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { name: "summarize", description: "", upstream_url: "http://127.0.0.1:3999", access: "protected" },
  });
  expect(response.ok()).toBe(true);
});

test.afterAll(async () => {
  await server.stop();
});

test.beforeEach(async ({ page }) => {
  await page.request.post(`${server.baseURL}/rpc/login`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { email: "ada@example.com", password: "correct horse battery" },
  });
});

const venv = process.env.BENTO_CONSOLE_VENV ?? join(process.env.HOME ?? "", ".cache/bento-console/venv");
const driver = resolve(__dirname, "../../scripts/cli_browser_login.py");

/** The CLI, logging in against the console; its JSON lines, one at a time. */
function bentomlLogin(mode: "approve" | "decline") {
  const child: ChildProcess = spawn(join(venv, "bin/python"), [driver, server.baseURL, mode], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let log = "";
  child.stderr?.on("data", (chunk) => (log += chunk));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((r) => child.once("exit", r));
  return {
    next: async () => {
      const line = await lines.next();
      if (line.done) throw new Error(`the CLI driver ended early:\n${log}`);
      return JSON.parse(line.value);
    },
    tell: (text: string) => child.stdin?.write(`${text}\n`),
    exited,
    log: () => log,
  };
}

function signIn(page: import("@playwright/test").Page) {
  return page.getByRole("dialog", { name: "Sign in the BentoML CLI?" });
}

test("the CLI signs in after the browser confirms, and then lists deployments", async ({ page }) => {
  const cli = bentomlLogin("approve");
  const { url } = await cli.next();
  expect(url).toMatch(new RegExp(`^${server.baseURL}/api_tokens\\?code=[0-9A-Za-z]{32}$`));

  await page.goto(url);
  const dialog = signIn(page);
  await expect(dialog.getByText("The BentoML CLI is asking for a Developer token.")).toBeVisible();
  await expect(dialog.getByText("bentoml cloud login", { exact: true })).toBeVisible();
  await expect(dialog.getByText("127.0.0.1", { exact: true })).toBeVisible();
  await expect(dialog.getByText("just now", { exact: true })).toBeVisible();
  const today = new Date().toISOString().slice(0, 10);
  await expect(dialog.getByLabel("Token name")).toHaveValue(`bentoml CLI on ${today}`);
  await expect(dialog.getByLabel("Expiration")).toHaveValue("30");
  await dialog.getByRole("button", { name: "Create token for the CLI" }).click();

  const done = page.getByRole("dialog", { name: "Return to your terminal" });
  await expect(done).toBeVisible();
  const result = await cli.next();
  expect(result.logged_in).toBe("Logged in as ada@example.com at Mybentocloud organization");
  expect(result.deployments).toContain("summarize");
  expect(await cli.exited).toBe(0);

  // The page never showed the secret; the list has the token.
  expect(await page.content()).not.toMatch(/bcst_[0-9A-Za-z]{49}/);
  await page.reload();
  await expect(page.getByRole("dialog", { name: "Return to your terminal" })).toContainText("has its token");
  await done.getByRole("link", { name: "Back to API tokens" }).click();
  await expect(page.getByRole("row", { name: new RegExp(`bentoml CLI on ${today}`) })).toBeVisible();
});

test("a declined sign-in leaves the CLI without a token and the link dead", async ({ page }) => {
  const cli = bentomlLogin("decline");
  const { url } = await cli.next();
  await page.goto(url);
  await signIn(page).getByRole("button", { name: "Decline" }).click();
  await expect(page.getByRole("dialog", { name: "Sign-in declined" })).toBeVisible();
  cli.tell("declined");

  const result = await cli.next();
  expect(result.logged_in).toBe(false);
  expect(result.context).not.toContain("api_token");
  expect(await cli.exited).toBe(0);
  const code = new URL(url).searchParams.get("code")!;
  const poll = await page.request.get(`${server.baseURL}/api/v1/auth/token?code=${code}`);
  expect(poll.status()).toBe(403);
  expect((await poll.json()).status).toBe("access_denied");
  await page.goto(url);
  await expect(page.getByRole("dialog", { name: "Sign-in declined" })).toBeVisible();
});

test("a signed-out visitor signs in first and comes back to the request", async ({ page, context }) => {
  const code = (await (await page.request.get(`${server.baseURL}/api/v1/auth/code`)).json()).code;
  await context.clearCookies();
  await page.goto(`${server.baseURL}/api_tokens?code=${code}`);
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel("Email").fill("ada@example.com");
  await page.getByLabel("Password").fill("correct horse battery");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(signIn(page)).toBeVisible();
  expect(new URL(page.url()).searchParams.get("code")).toBe(code);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the form posts, and the page says to return to the terminal", async ({ page }) => {
    const code = (await (await page.request.get(`${server.baseURL}/api/v1/auth/code`)).json()).code;
    await page.goto(`${server.baseURL}/api_tokens?code=${code}`);
    const dialog = signIn(page);
    await dialog.getByLabel("Token name").fill("no-js CLI");
    await dialog.getByRole("button", { name: "Create token for the CLI" }).click();
    await expect(page.getByRole("dialog", { name: "Return to your terminal" })).toBeVisible();
    const poll = await page.request.get(`${server.baseURL}/api/v1/auth/token?code=${code}`);
    expect(poll.status()).toBe(200);
    expect((await poll.json()).token).toMatch(/^bcst_/);
  });
});
