// Stored text is shown as text, never run, and the Content-Security-Policy holds while the pages
// still hydrate (issue 10, items 1 and 10).
import { test, expect, Page, APIRequestContext } from "@playwright/test";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ADMIN, Console, setupAdmin, startConsole } from "./support/server";

let server: Console;

test.describe.configure({ mode: "serial" });

// Each payload, run, would set `window.__pwned` and ask the server for /pwned-….
const SCRIPT = `</textarea><script>window.__pwned = "script"; fetch("/pwned-script")</script>`;
const IMG = `</textarea><img src="/pwned-img" onerror="window.__pwned = 'img'; fetch('/pwned-onerror')">`;
const TOKEN_NAME = `</script><script>window.__pwned = "name"</script>`;
const TOKEN_NOTE = `</textarea></script><!-- <img src="/pwned-note" onerror="window.__pwned = 'note'">`;

test.beforeAll(async ({ request }) => {
  server = await startConsole();
  await setupAdmin(server, request);
  // A Developer token, as an API client with no console access would use it.
  const secret = await createToken(request, { name: "ci", developer: "on" });
  for (const [name, description] of [
    ["xss-script", SCRIPT],
    ["xss-img", IMG],
  ]) {
    const response = await request.post(`${server.baseURL}/api/v2/deployments`, {
      headers: { "X-YATAI-API-TOKEN": secret },
      data: { name, description, upstream_url: "http://127.0.0.1:3999", access_type: "protected" },
    });
    expect(response.status(), await response.text()).toBe(201);
  }
  await createToken(request, { name: TOKEN_NAME, description: TOKEN_NOTE, developer: "on" });
});

test.afterAll(async () => {
  await server.stop();
});

async function createToken(request: APIRequestContext, form: Record<string, string>): Promise<string> {
  const response = await request.post(`${server.baseURL}/rpc/create_api_token`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { description: "", expiration: "never", confirm_never: "on", ...form },
  });
  expect(response.ok(), await response.text()).toBe(true);
  return (await response.json()).secret;
}

async function signIn(request: APIRequestContext) {
  const response = await request.post(`${server.baseURL}/rpc/login`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { email: ADMIN.email, password: ADMIN.password },
  });
  expect(response.ok()).toBe(true);
}

/** Records what would show an attack or a policy problem: requests for /pwned-…, CSP
 * violations, console errors and uncaught exceptions. */
async function watch(page: Page) {
  const seen: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/pwned")) seen.push(`request ${r.url()}`);
  });
  page.on("console", (m) => {
    if (m.type() === "error") seen.push(`console ${m.text()}`);
  });
  page.on("pageerror", (e) => seen.push(`pageerror ${e.message}`));
  await page.exposeFunction("__reportViolation", (v: string) => seen.push(`csp ${v}`)).catch(() => {});
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      (window as any).__reportViolation?.(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return seen;
}

/** The dialog became a real modal: the WebAssembly loaded and hydrated the page. */
async function hydrated(page: Page) {
  await page.waitForFunction(() => document.querySelector("dialog.modal")?.matches(":modal"));
}

async function expectNothingInjected(page: Page) {
  await expect(page.locator("dialog script")).toHaveCount(0);
  await expect(page.locator("img[onerror]")).toHaveCount(0);
  await expect(page.locator("textarea")).toHaveCount(1);
}

test.describe("a deployment description written through the API", () => {
  for (const [name, payload] of [
    ["xss-script", SCRIPT],
    ["xss-img", IMG],
  ]) {
    test(`${name}: shown literally in the Edit dialog, nothing runs (server-rendered, then hydrated)`, async ({ page }) => {
      await signIn(page.request);
      const seen = await watch(page);
      await page.goto(`${server.baseURL}/deployments?edit=${name}`);
      const dialog = page.getByRole("dialog", { name: `Edit ${name}` });
      await expect(dialog.getByLabel("Description (optional)")).toHaveValue(payload);
      await hydrated(page);
      await expect(dialog.getByLabel("Description (optional)")).toHaveValue(payload);
      await expectNothingInjected(page);
      expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
      // The list shows it as text too.
      await expect(page.locator(`#deployment-${name} .cell-note`)).toHaveText(payload);
      expect(seen).toEqual([]);
    });

    test(`${name}: shown literally when the dialog is rendered in the browser`, async ({ page }) => {
      await signIn(page.request);
      const seen = await watch(page);
      await page.goto(`${server.baseURL}/deployments`);
      await page.getByRole("link", { name: "Create", exact: true }).click();
      await hydrated(page);
      await page.keyboard.press("Escape");
      await page.getByRole("link", { name: `Edit ${name}` }).click();
      const dialog = page.getByRole("dialog", { name: `Edit ${name}` });
      await expect(dialog.getByLabel("Description (optional)")).toHaveValue(payload);
      await expectNothingInjected(page);
      expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
      expect(seen).toEqual([]);
    });

    test(`${name}: shown literally without JavaScript`, async ({ browser }) => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      await signIn(context.request);
      const page = await context.newPage();
      const requested: string[] = [];
      page.on("request", (r) => {
        if (r.url().includes("/pwned")) requested.push(r.url());
      });
      await page.goto(`${server.baseURL}/deployments?edit=${name}`);
      const dialog = page.locator("dialog");
      await expect(dialog.getByRole("heading", { name: `Edit ${name}` })).toBeVisible();
      await expect(dialog.getByLabel("Description (optional)")).toHaveValue(payload);
      await expectNothingInjected(page);
      // Saving it unchanged keeps it byte for byte.
      await dialog.getByRole("button", { name: "Save changes" }).click();
      await expect(page).toHaveURL(/\/deployments$/);
      await page.goto(`${server.baseURL}/deployments?edit=${name}`);
      await expect(page.locator("dialog").getByLabel("Description (optional)")).toHaveValue(payload);
      expect(requested).toEqual([]);
      await context.close();
    });
  }
});

test("a token name and note with </script> stay text, and the page's serialized data still hydrates", async ({
  page,
}) => {
  await signIn(page.request);
  const seen = await watch(page);
  await page.goto(`${server.baseURL}/api_tokens`);
  const row = page.getByRole("row", { name: /pwned = "name"/ });
  await expect(row.locator(".strong")).toHaveText(TOKEN_NAME);
  await expect(row.locator(".cell-note")).toHaveText(TOKEN_NOTE);
  // Hydrated from the serialized list: the Delete dialog opens client-side, as a modal, and
  // names the token literally.
  await row.getByRole("link", { name: /^Delete / }).click();
  await hydrated(page);
  await expect(page.getByRole("dialog")).toHaveAccessibleName(`Delete API token “${TOKEN_NAME}”?`);
  await expect(page.locator("dialog script")).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect(seen).toEqual([]);
});

test.describe("security headers", () => {
  test("pages carry a fresh nonce that matches every script, and hydrate with no violation", async ({ page }) => {
    await signIn(page.request);
    const seen = await watch(page);
    const first = await page.goto(`${server.baseURL}/api_tokens`);
    const policy = first!.headers()["content-security-policy"];
    const nonce = policy.match(/script-src 'nonce-([A-Za-z0-9_-]{16,})' 'strict-dynamic' 'wasm-unsafe-eval'/)?.[1];
    expect(nonce, policy).toBeTruthy();
    for (const directive of ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "form-action 'self'"]) {
      expect(policy).toContain(directive);
    }
    const html = await first!.text();
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(script).toContain(`nonce="${nonce}"`);
    expect(first!.headers()["x-frame-options"]).toBe("DENY");
    expect(first!.headers()["x-content-type-options"]).toBe("nosniff");
    expect(first!.headers()["referrer-policy"]).toBe("same-origin");
    expect(first!.headers()["strict-transport-security"]).toBeUndefined();

    // Hydrated under the policy: a dialog opens client-side as a modal, and a server function
    // (a search, fetched by the client router) works.
    await page.getByRole("link", { name: "Create", exact: true }).click();
    await hydrated(page);
    await page.keyboard.press("Escape");
    await expect(page.locator("dialog")).toHaveCount(0);
    await page.getByRole("searchbox", { name: "Search tokens by name" }).fill("ci");
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page.getByText("Showing 1–1 of 1")).toBeVisible();
    expect(seen).toEqual([]);

    const second = await page.request.get(`${server.baseURL}/api_tokens`);
    expect(second.headers()["content-security-policy"]).not.toContain(nonce);
    // Static files: nothing to run if opened as a document, and never sniffed.
    const asset = await page.request.get(`${server.baseURL}/pkg/bento-console.js`);
    expect(asset.headers()["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(asset.headers()["x-content-type-options"]).toBe("nosniff");
  });

  test("a script the page did not send does not run", async ({ page }) => {
    await signIn(page.request);
    const seen = await watch(page);
    // Stands in for any markup injection the escaping might miss: the real response, with its
    // real policy, plus an inline script and an inline handler.
    await page.route(`${server.baseURL}/deployments`, async (route) => {
      const response = await route.fetch();
      // In <head>: the body must stay as rendered for hydration.
      const body = (await response.text()).replace(
        "</head>",
        `<script>window.__pwned = "inline"</script><link rel="preload" as="image" href="/favicon.svg?x" onload="window.__pwned = 'handler'"></head>`,
      );
      await route.fulfill({ response, body });
    });
    await page.goto(`${server.baseURL}/deployments`);
    await page.getByRole("link", { name: "Create", exact: true }).click();
    await hydrated(page);
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    expect(seen.filter((s) => s.startsWith("csp ")).length).toBeGreaterThanOrEqual(2);
  });

  test("the pages cannot be framed", async ({ page }) => {
    // Another origin on this machine (a routed public one would be refused anyway, as a public
    // page framing a loopback address).
    const framer = createServer((_, res) => {
      res.setHeader("Content-Type", "text/html");
      res.end(`<iframe src="${server.baseURL}/login"></iframe>`);
    });
    await new Promise<void>((resolve) => framer.listen(0, "127.0.0.1", resolve));
    const { port } = framer.address() as AddressInfo;
    try {
      await page.goto(`http://127.0.0.1:${port}/`);
      const frame = await (await page.locator("iframe").elementHandle())!.contentFrame();
      await page.waitForTimeout(1000);
      // Refused: the frame holds the browser's error page, not the sign-in form.
      expect(frame!.url()).not.toContain(server.baseURL);
      await expect(frame!.getByLabel("Password")).toHaveCount(0);
    } finally {
      framer.close();
    }
  });
});

test("a member's name is shown literally: the join page, Members and the activity log", async ({ browser, page }) => {
  const MEMBER_NAME = `</script><img src="/pwned-member" onerror="window.__pwned='m'">`;
  await signIn(page.request);
  const seen = await watch(page);
  const response = await page.request.post(`${server.baseURL}/rpc/invite_member`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { name: MEMBER_NAME, email: "hostile@example.com", role: "developer" },
  });
  expect(response.ok(), await response.text()).toBe(true);
  const { link } = await response.json();

  // The pending invitation, on the admin's Members page.
  await page.goto(`${server.baseURL}/members`);
  await expect(page.getByText(MEMBER_NAME, { exact: true })).toHaveCount(1);

  // The invitee's join page, server-rendered and hydrated, then the join itself.
  const invitee = await (await browser.newContext()).newPage();
  const seenByInvitee = await watch(invitee);
  await invitee.goto(link);
  await expect(invitee.getByLabel("Your name")).toHaveValue(MEMBER_NAME);
  await invitee.getByLabel("Password", { exact: true }).fill("a hostile but long password");
  await invitee.getByLabel("Confirm password").fill("a hostile but long password");
  await invitee.getByRole("button", { name: "Join and sign in" }).click();
  await expect(invitee.getByRole("heading", { name: "Deployments" })).toBeVisible();
  await expect(invitee.getByText(MEMBER_NAME, { exact: true }).first()).toBeVisible();

  // The member, and the activity that names them.
  await page.goto(`${server.baseURL}/members`);
  await expect(page.getByText(MEMBER_NAME, { exact: true })).toHaveCount(1);
  await page.goto(`${server.baseURL}/activity`);
  // "Member joined": the member is its actor and its subject.
  await expect(page.getByRole("rowheader", { name: MEMBER_NAME, exact: true })).toBeVisible();
  await expect(page.getByRole("cell", { name: MEMBER_NAME, exact: true })).toBeVisible();
  await expect(page.locator("img[onerror]")).toHaveCount(0);
  for (const p of [page, invitee]) expect(await p.evaluate(() => (window as any).__pwned)).toBeUndefined();
  expect([...seen, ...seenByInvitee]).toEqual([]);
});
