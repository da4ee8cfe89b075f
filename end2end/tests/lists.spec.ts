// Lists people can work through: tokens sorted by name, created, last used or expiry, page
// numbers with a page-size choice that links and forms keep; deployments say whether their
// upstream answered its last health check.
import { test, expect, Page } from "@playwright/test";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { ADMIN, Console, setupAdmin, startConsole } from "./support/server";

let server: Console;
let upstream: Server;

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ request }) => {
  // Probe upstreams every second, so the test need not wait for the default 30.
  process.env.BENTO_CONSOLE_HEALTH_CHECK_INTERVAL = "1";
  try {
    server = await startConsole();
  } finally {
    delete process.env.BENTO_CONSOLE_HEALTH_CHECK_INTERVAL;
  }
  await setupAdmin(server, request);
  upstream = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const live = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  for (const [name, url] of [
    ["live", live],
    ["gone", "http://127.0.0.1:9"],
  ]) {
    const response = await request.post(`${server.baseURL}/rpc/create_deployment`, {
      headers: { Origin: server.baseURL, Accept: "application/json" },
      form: { name, description: "", upstream_url: url, access: "protected" },
    });
    expect(response.ok()).toBe(true);
  }
  // 25 tokens, created in an order that is not alphabetical.
  for (let i = 0; i < 25; i++) {
    const name = `token-${String((i * 7) % 25).padStart(2, "0")}`;
    const response = await request.post(`${server.baseURL}/rpc/create_api_token`, {
      headers: { Origin: server.baseURL, Accept: "application/json" },
      form: { name, description: "", developer: "on", expiration: String([7, 30, 90][i % 3]) },
    });
    expect(response.ok()).toBe(true);
  }
});

test.afterAll(async () => {
  await server.stop();
  upstream.close();
});

async function signIn(page: Page) {
  const response = await page.request.post(`${server.baseURL}/rpc/login`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { email: ADMIN.email, password: ADMIN.password },
  });
  expect(response.ok()).toBe(true);
}

function names(page: Page) {
  return page.locator("tbody tr th a").allTextContents();
}

test("tokens sort by name, page by number, and the page size sticks", async ({ page }) => {
  await signIn(page);
  await page.goto(`${server.baseURL}/api_tokens`);
  await page.getByLabel("Sort by").selectOption("name");
  await page.getByLabel("Tokens per page").selectOption("20");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/sort=name/);
  await expect(page).toHaveURL(/per_page=20/);
  const first = await names(page);
  expect(first).toHaveLength(20);
  expect(first).toEqual([...first].sort());
  expect(first[0]).toBe("token-00");

  const pages = page.getByRole("navigation", { name: "Pages" });
  await expect(pages.getByRole("link", { name: "Page 1" })).toHaveAttribute("aria-current", "page");
  await pages.getByRole("link", { name: "Page 2" }).click();
  await expect(page).toHaveURL(/page=2/);
  const second = await names(page);
  expect(second).toEqual(["token-20", "token-21", "token-22", "token-23", "token-24"]);
  // The form remembers the choices.
  await expect(page.getByLabel("Sort by")).toHaveValue("name");
  await expect(page.getByLabel("Tokens per page")).toHaveValue("20");

  // Expiring first: the 7-day tokens lead.
  await page.goto(`${server.baseURL}/api_tokens?sort=expires&per_page=20`);
  const byExpiry = page.locator("tbody tr td[data-label='Expires'] time");
  const dates = await byExpiry.evaluateAll((els) => els.map((el) => el.getAttribute("datetime")!));
  expect(dates).toEqual([...dates].sort());
});

test("deployments show whether their upstream answered its last health check", async ({ page }) => {
  await signIn(page);
  await expect(async () => {
    await page.goto(`${server.baseURL}/deployments`);
    await expect(page.locator("#deployment-live .health")).toContainText("Answering (HTTP 200)", { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await expect(page.locator("#deployment-gone .health")).toContainText("Not answering");
  await expect(page.locator("#deployment-live .health time")).toHaveAttribute("title", /UTC|\d{4}/);
});
