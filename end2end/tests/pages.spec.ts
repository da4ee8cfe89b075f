// Every page and dialog as people meet them, at a desktop width and on a phone (issue 14): nothing
// wider than the screen, dialogs on screen with their main button in reach, no axe-core
// violation at WCAG A/AA, and a screenshot of each saved with the test results for a reviewer.
import { test, expect, Page, TestInfo } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { ADMIN, Console, setupAdmin, startConsole } from "./support/server";

let server: Console;

test.describe.configure({ mode: "serial" });

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 667 };
const WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];

test.beforeAll(async () => {
  server = await startConsole();
});

test.afterAll(async () => {
  await server.stop();
});

async function signIn(page: Page) {
  const response = await page.request.post(`${server.baseURL}/rpc/login`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { email: ADMIN.email, password: ADMIN.password },
  });
  expect(response.ok()).toBe(true);
}

async function post(page: Page, fn: string, form: Record<string, string>) {
  const response = await page.request.post(`${server.baseURL}/rpc/${fn}`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form,
  });
  expect(response.ok(), await response.text()).toBe(true);
  return response.json();
}

/** Waits until the page has loaded its WebAssembly and settled (a dialog is then a real modal). */
async function settled(page: Page) {
  await page.waitForLoadState("networkidle");
  if (await page.locator("dialog").count()) {
    await page.waitForFunction(() => document.querySelector("dialog")?.matches(":modal"));
  }
}

/** Nothing sideways; an open dialog lies within the screen with its last button (the primary
 * one) visible without scrolling; axe finds nothing at A/AA; a screenshot for the record. */
async function check(page: Page, name: string, testInfo: TestInfo) {
  const viewport = page.viewportSize()!;
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  expect(overflow, `${name}: page wider than the screen`).toBeLessThanOrEqual(0);
  // Column headings and dates stay on one line at desktop widths (they wrapped: "CREATED / BY").
  if (viewport.width >= 1280) {
    const wrapped = await page.evaluate(() =>
      [...document.querySelectorAll(".data-table thead th, .data-table td time")]
        .filter((el) => !el.querySelector(".visually-hidden"))
        .filter((el) => {
          const range = document.createRange();
          range.selectNodeContents(el);
          const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          return lines.size > 1;
        })
        .map((el) => el.textContent),
    );
    expect(wrapped, `${name}: headings or dates broken over lines`).toEqual([]);
  }
  const dialog = page.locator("dialog[open]");
  const hasDialog = (await dialog.count()) > 0;
  if (hasDialog) {
    const box = (await dialog.boundingBox())!;
    expect(box.x, `${name}: dialog off the left edge`).toBeGreaterThanOrEqual(0);
    expect(box.y, `${name}: dialog off the top`).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, `${name}: dialog off the right edge`).toBeLessThanOrEqual(viewport.width);
    expect(box.y + box.height, `${name}: dialog off the bottom`).toBeLessThanOrEqual(viewport.height);
    const primary = dialog.locator(".dialog-buttons > :last-child");
    await expect(primary).toBeInViewport({ ratio: 1 });
  }
  const results = await new AxeBuilder({ page }).withTags(WCAG_A_AA).analyze();
  const violations = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(violations, `${name}: axe violations`).toEqual([]);
  const file = testInfo.outputPath(`${name}-${viewport.width}.png`);
  // A page whole; a dialog as it appears on the screen.
  await page.screenshot({ path: file, fullPage: !hasDialog });
}

for (const size of [DESKTOP, PHONE]) {
  test.describe(`${size.width}×${size.height}`, () => {
    test.use({ viewport: size });

    test("first: the setup page, the sign-in page and the 404 page", async ({ page }, testInfo) => {
      // The same server serves both widths: the first run sees setup, the second its spent link.
      await page.goto(server.setupURL!);
      await settled(page);
      await check(page, "setup", testInfo);
      if (size === DESKTOP) {
        await setupAdmin(server, page.request);
        await page.context().clearCookies();
        await seed(page);
      }
      await page.goto(`${server.baseURL}/login`);
      await settled(page);
      await check(page, "login", testInfo);
      await page.goto(`${server.baseURL}/no-such-page`);
      await check(page, "not-found", testInfo);
    });

    test("the console pages and every dialog", async ({ page }, testInfo) => {
      await signIn(page);
      const tokenId = (await post(page, "list_api_tokens", { search: "ci-deployer", page: "1" })).items[0].id;
      for (const [name, path] of [
        ["deployments", "/deployments"],
        ["deployment-create", "/deployments?create"],
        ["deployment-edit", "/deployments?edit=summarize"],
        ["deployment-delete", "/deployments?delete=summarize"],
        ["tokens", "/api_tokens"],
        ["token-create", "/api_tokens?create"],
        ["token-delete", `/api_tokens?delete=${tokenId}`],
        ["token-page", `/api_tokens/${tokenId}`],
        ["token-regenerate", `/api_tokens/${tokenId}?regenerate`],
        ["token-edit", `/api_tokens/${tokenId}?edit`],
        ["members", "/members"],
        ["member-invite", "/members?invite"],
        ["activity", "/activity"],
      ]) {
        await page.goto(`${server.baseURL}${path}`);
        await settled(page);
        await check(page, name, testInfo);
      }
      // A short page with the sidebar fits the window: no few pixels of vertical scroll.
      await page.goto(`${server.baseURL}/members`);
      await settled(page);
      if (size.width >= 1280) {
        const tall = await page.evaluate(() => document.documentElement.scrollHeight - innerHeight);
        expect(tall, "members: page taller than the window").toBeLessThanOrEqual(0);
      }

      // The account menu, open: a real button and its popover.
      await page.goto(`${server.baseURL}/deployments`);
      await settled(page);
      await page.getByRole("button", { name: `Account menu for ${ADMIN.name}` }).click();
      await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
      await check(page, "account-menu", testInfo);

      // The Create dialog at its longest: a User token lists the deployments.
      await page.goto(`${server.baseURL}/api_tokens?create`);
      await settled(page);
      await page.getByLabel("User (Deployment Endpoint Access)").check();
      await check(page, "token-create-user", testInfo);

      // The reveal: the secret in a monospace font, all of it in view.
      await page.getByLabel("Name", { exact: true }).fill(`reveal-${size.width}`);
      await page.getByLabel("summarize").check();
      await page.getByLabel("Developer (API access)").check();
      await page.getByRole("button", { name: "Create" }).click();
      const secret = page.getByRole("dialog").getByLabel("API token", { exact: true });
      await expect(secret).toHaveValue(/^bcst_\w{49}$/);
      expect(await secret.evaluate((el) => getComputedStyle(el).fontFamily)).toMatch(/monospace/);
      const clipped = await secret.evaluate((el) => [el.scrollWidth - el.clientWidth, el.scrollHeight - el.clientHeight]);
      expect(clipped, "the secret is cut off").toEqual([0, 0]);
      await check(page, "token-reveal", testInfo);
      await page.keyboard.press("Escape");
      await check(page, "token-reveal-question", testInfo);
    });
  });
}

test.describe("on a phone", () => {
  test.use({ viewport: PHONE });

  test("create a token and delete it", async ({ page, context }) => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    await signIn(page);
    await page.goto(`${server.baseURL}/api_tokens`);
    await page.getByRole("link", { name: "Create", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Create API token" });
    await dialog.getByLabel("Name", { exact: true }).fill("phone-made");
    await dialog.getByLabel("Developer (API access)").check();
    await expect(dialog.getByRole("button", { name: "Create" })).toBeInViewport({ ratio: 1 });
    await dialog.getByRole("button", { name: "Create" }).click();

    const reveal = page.getByRole("dialog", { name: /“phone-made” created/ });
    await expect(reveal.getByLabel("API token", { exact: true })).toHaveValue(/^bcst_/);
    await reveal.getByRole("button", { name: "Copy API token" }).click();
    await expect(reveal.getByText("Copied")).toBeVisible();
    await reveal.getByRole("link", { name: "Done" }).click();
    await expect(reveal).toBeHidden();

    await page.getByRole("link", { name: "Delete phone-made" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete API token “phone-made”?" });
    await expect(confirm.getByRole("button", { name: "Delete token" })).toBeInViewport({ ratio: 1 });
    await confirm.getByRole("button", { name: "Delete token" }).click();
    await expect(confirm).toBeHidden();
    await expect(page.getByRole("link", { name: "Delete phone-made" })).toHaveCount(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - innerWidth)).toBeLessThanOrEqual(0);
  });
});

/** Rows with what makes tables hard: long descriptions, long URLs, both token types. */
async function seed(page: Page) {
  await signIn(page);
  const long = "Summarizes long documents into a few sentences, for the support team's inbox. ".repeat(4);
  for (const [name, access, description] of [
    ["summarize", "protected", long],
    ["open-model-with-a-rather-long-name", "public", ""],
    ["internal", "private", "Only inside the cluster."],
  ]) {
    await post(page, "create_deployment", { name, description, upstream_url: "http://127.0.0.1:3999", access });
  }
  const deployments = (await post(page, "list_deployments", {})).items;
  const summarize = deployments.find((d: { name: string }) => d.name === "summarize").id;
  await post(page, "create_api_token", {
    name: "ci-deployer",
    description: "Deploys from CI. ".repeat(12),
    developer: "on",
    expiration: "30",
  });
  await post(page, "create_api_token", {
    name: "frontend",
    description: "",
    user: "on",
    developer: "on",
    "deployment_ids[]": String(summarize),
    expiration: "never", confirm_never: "on",
  });
  await page.context().clearCookies();
}

test("a page names the bundle by the build's hash, and browsers keep those files a year", async ({ page }) => {
  await page.goto(`${server.baseURL}/login`);
  const names = await page.evaluate(() =>
    [...document.querySelectorAll('head link[rel="stylesheet"], head link[rel="modulepreload"], head link[rel="preload"]')].map(
      (link) => new URL((link as HTMLLinkElement).href).pathname,
    ),
  );
  expect(names).toHaveLength(3);
  // One hash for the stylesheet, the JS glue and the WebAssembly: the server reads it once.
  const hashes = new Set(names.map((name) => name.match(/^\/pkg\/bento-console\.([0-9a-f]{16})\.(css|js|wasm)$/)?.[1]));
  expect([...hashes], names.join(" ")).toHaveLength(1);
  expect([...hashes][0]).toBeTruthy();
  for (const name of names) {
    const response = await page.request.get(`${server.baseURL}${name}`);
    expect(response.status(), name).toBe(200);
    expect(response.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
  }
});
