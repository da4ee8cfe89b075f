// Forms that refuse input say everything at once and keep what was typed: every broken field
// gets its message, focus goes to the first, and without JavaScript the page comes back with
// the input and the errors, and no error payload in the address.
import { test, expect, Page } from "@playwright/test";
import { ADMIN, Console, setupAdmin, startConsole } from "./support/server";

let server: Console;

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ request }) => {
  server = await startConsole();
  await setupAdmin(server, request);
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

test("every broken field is reported, and focus goes to the first", async ({ page }) => {
  await signIn(page);
  await page.goto(`${server.baseURL}/deployments?create`);
  await page.waitForFunction(() => document.querySelector("dialog")?.matches(":modal"));
  const dialog = page.getByRole("dialog", { name: "Create deployment" });
  // No empty alert regions waiting around: an alert appears with its message.
  await expect(page.locator('[role="alert"]')).toHaveCount(0);
  await dialog.getByLabel("Name").fill("Not A DNS Label!");
  await dialog.getByLabel("Upstream URL").fill("ftp://example.com");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.locator("#name-error")).not.toBeEmpty();
  await expect(dialog.locator("#upstream_url-error")).not.toBeEmpty();
  await expect(dialog.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByLabel("Upstream URL")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByLabel("Name")).toBeFocused();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a wrong password keeps the email", async ({ page }) => {
    await page.goto(`${server.baseURL}/login`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Incorrect email or password." })).toBeVisible();
    await expect(page.getByLabel("Email")).toHaveValue(ADMIN.email);
    await expect(page.getByLabel("Password")).toHaveValue("");
    expect(page.url()).not.toContain("__err");
    expect(page.url()).not.toContain("__path");
    // Shown once: the same address again is a clean form.
    await page.reload();
    await expect(page.getByLabel("Email")).toHaveValue("");
    await expect(page.getByRole("alert").filter({ hasText: "Incorrect" })).toHaveCount(0);
  });

  test("an invalid token keeps what was typed and shows every error", async ({ page }) => {
    await signIn(page);
    await page.goto(`${server.baseURL}/api_tokens?create`);
    const dialog = page.locator("dialog");
    await dialog.getByLabel("Name").fill("typed-name");
    await dialog.getByLabel("Description (optional)").fill("what it is for");
    await dialog.getByLabel("Expiration").selectOption("never");
    // No type, and No expiration without its confirmation: two errors.
    await dialog.getByRole("button", { name: "Create" }).click();
    await expect(page).toHaveURL(/\/api_tokens\?create$/);
    await expect(dialog.getByText("Select at least one token type: User or Developer.")).toBeVisible();
    await expect(dialog.locator(".expiration .field-error")).not.toBeEmpty();
    await expect(dialog.getByLabel("Name")).toHaveValue("typed-name");
    await expect(dialog.getByLabel("Description (optional)")).toHaveValue("what it is for");
    await expect(dialog.getByLabel("Expiration")).toHaveValue("never");
    // Fixed, it goes through.
    await dialog.getByLabel("Developer (API access)").check();
    await dialog.getByLabel("Never expire").check();
    await dialog.getByRole("button", { name: "Create" }).click();
    await expect(page).toHaveURL(/\/api_tokens\?created$/);
    await expect(page.locator("dialog").getByLabel("API token", { exact: true })).toHaveValue(/^bcst_/);
  });
});
