// The token list keeps its page and search through its dialogs (issue 10, item 14).
import { test, expect, Page } from "@playwright/test";
import { ADMIN, Console, setupAdmin, startConsole } from "./support/server";

let server: Console;

test.describe.configure({ mode: "serial" });

const numbered = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(2, "0")}`);

// 52 tokens match "batch": page 1 of the search holds batch-52 … batch-03, page 2 batch-02 and
// batch-01 (newest first, 50 to a page). 51 match "solo": page 2 holds solo-01 alone.
test.beforeAll(async ({ request }) => {
  server = await startConsole();
  await setupAdmin(server, request);
  const names = ["other-1", ...numbered("solo", 51), ...numbered("batch", 52), "other-2"];
  for (const name of names) {
    const response = await request.post(`${server.baseURL}/rpc/create_api_token`, {
      headers: { Origin: server.baseURL, Accept: "application/json" },
      form: { name, description: "", developer: "on", expiration: "never", confirm_never: "on" },
    });
    expect(response.ok()).toBe(true);
  }
});

test.afterAll(async () => {
  await server.stop();
});

test.beforeEach(async ({ page }) => {
  await page.request.post(`${server.baseURL}/rpc/login`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { email: ADMIN.email, password: ADMIN.password },
  });
});

const PAGE_2 = /\/api_tokens\?page=2&q=batch$/;

async function openPage2(page: Page) {
  await page.goto(`${server.baseURL}/api_tokens`);
  await page.getByRole("searchbox", { name: "Search tokens by name" }).fill("batch");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(PAGE_2);
}

test("Cancel and Create keep the page and the search", async ({ page }) => {
  await openPage2(page);
  await page.getByRole("link", { name: "Delete batch-02" }).click();
  await expect(page).toHaveURL(/\?page=2&q=batch&delete=\d+$/);
  await page.getByRole("dialog").getByRole("link", { name: "Cancel" }).click();
  await expect(page).toHaveURL(PAGE_2);

  await page.getByRole("link", { name: "Create", exact: true }).click();
  await expect(page).toHaveURL(/\?page=2&q=batch&create$/);
  await page.getByRole("dialog").getByRole("link", { name: "Cancel" }).click();
  await expect(page).toHaveURL(PAGE_2);
  await expect(page.getByText("Showing 51–52 of 52")).toBeVisible();
});

test("delete a token on page 2 of a search: it goes, the list stays on that page of that search", async ({ page }) => {
  await openPage2(page);
  await page.getByRole("link", { name: "Delete batch-02" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete API token “batch-02”?" });
  await dialog.getByRole("button", { name: "Delete token" }).click();
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(PAGE_2);
  await expect(page.getByText("Showing 51–51 of 51")).toBeVisible();
  await expect(page.getByRole("link", { name: "Delete batch-02" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Delete batch-01" })).toBeVisible();
});

test("the Delete dialog finds a token that is not on the page shown", async ({ page }) => {
  await openPage2(page);
  const href = await page.getByRole("link", { name: "Delete batch-01" }).getAttribute("href");
  const id = href!.match(/delete=(\d+)/)![1];
  await page.goto(`${server.baseURL}/api_tokens?delete=${id}`);
  await expect(page.getByRole("dialog", { name: "Delete API token “batch-01”?" })).toBeVisible();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("deleting the last token of page 2 lands on the last page of the same search", async ({ page }) => {
    await page.goto(`${server.baseURL}/api_tokens?page=2&q=solo`);
    await expect(page.getByText("Showing 51–51 of 51")).toBeVisible();
    await page.getByRole("link", { name: "Delete solo-01" }).click();
    await page.locator("dialog").getByRole("button", { name: "Delete token" }).click();
    await expect(page).toHaveURL(/\/api_tokens\?q=solo$/);
    await expect(page.getByText("Showing 1–50 of 50")).toBeVisible();
    await expect(page.getByRole("link", { name: "Delete solo-01" })).toHaveCount(0);
  });

  test("a token created from a search comes back to that search", async ({ page }) => {
    await page.goto(`${server.baseURL}/api_tokens?q=batch`);
    await page.getByRole("link", { name: "Create", exact: true }).click();
    await page.locator("dialog").getByLabel("Name").fill("batch-new");
    await page.locator("dialog").getByLabel("Developer (API access)").check();
    await page.locator("dialog").getByRole("button", { name: "Create" }).click();
    await expect(page).toHaveURL(/\/api_tokens\?q=batch&created$/);
    await page.locator("dialog").getByRole("link", { name: "Done" }).click();
    await expect(page).toHaveURL(/\/api_tokens\?q=batch$/);
    await expect(page.getByRole("link", { name: "Delete batch-new" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Delete other-2" })).toHaveCount(0);
  });
});
