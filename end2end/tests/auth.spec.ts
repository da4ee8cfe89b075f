import { test, expect, Page } from "@playwright/test";
import { ADMIN, Console, startConsole } from "./support/server";

let server: Console;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  server = await startConsole();
});

test.afterAll(async () => {
  await server.stop();
});

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${server.baseURL}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("first-run setup with the code from the log signs the admin in", async ({ page }) => {
  expect(server.setupURL, "the server logs a setup link").toBeTruthy();
  await page.goto(`${server.baseURL}/setup?code=wrong`);
  await expect(page.getByRole("heading", { name: "Setup is not available" })).toBeVisible();

  await page.goto(server.setupURL!);
  await page.getByLabel("Organization name").fill(ADMIN.organization);
  await page.getByLabel("Your name").fill(ADMIN.name);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByLabel("Confirm password").fill("a different password");
  await page.getByRole("button", { name: "Create organization and sign in" }).click();
  await expect(page.getByText("Passwords do not match.")).toBeVisible();

  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByLabel("Confirm password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create organization and sign in" }).click();
  await expect(page).toHaveURL(/\/deployments$/);
  await expect(page.locator(".topbar .org")).toHaveText(ADMIN.organization);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API Tokens" })).toBeVisible();

  // The link is spent.
  await page.goto(server.setupURL!);
  await expect(page.getByRole("heading", { name: "Setup is not available" })).toBeVisible();
});

test("sign in, see the shell, navigate, sign out", async ({ page }) => {
  await page.goto(`${server.baseURL}/api_tokens`);
  await expect(page).toHaveURL(/\/login\?next=%2Fapi_tokens$/);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/api_tokens$/);
  await expect(page.getByRole("heading", { level: 1, name: "API Tokens" })).toBeVisible();
  await expect(page.locator(".topbar .org")).toHaveText(ADMIN.organization);

  await page.getByRole("link", { name: "Deployments" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Deployments" })).toBeVisible();

  await page.getByRole("button", { name: `Account menu for ${ADMIN.name}` }).click();
  await expect(page.getByText(ADMIN.email)).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto(`${server.baseURL}/deployments`);
  await expect(page).toHaveURL(/\/login\?next=%2Fdeployments$/);
});

test("a wrong password shows one generic error and keeps you signed out", async ({ page }) => {
  await signIn(page, ADMIN.email, "not the password");
  await expect(page.getByRole("alert").filter({ hasText: "Incorrect email or password." })).toBeVisible();
  await signIn(page, "nobody@example.com", ADMIN.password);
  await expect(page.getByRole("alert").filter({ hasText: "Incorrect email or password." })).toBeVisible();
  await page.goto(`${server.baseURL}/deployments`);
  await expect(page).toHaveURL(/\/login/);
});

test("keyboard only: sign in with Tab and Enter", async ({ page }) => {
  await page.goto(`${server.baseURL}/login`);
  await expect(page.getByLabel("Email")).toBeFocused();
  await page.keyboard.type(ADMIN.email);
  await page.keyboard.press("Tab");
  await page.keyboard.type(ADMIN.password);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/deployments$/);

  // The account menu opens with Enter and closes with Esc, handing focus back to its button.
  const menuButton = page.getByRole("button", { name: `Account menu for ${ADMIN.name}` });
  await menuButton.focus();
  await page.keyboard.press("Enter");
  await expect(page.getByText(ADMIN.email)).toBeVisible();
  // Esc needs the page's script; retry until it has loaded.
  await expect(async () => {
    await page.keyboard.press("Escape");
    await expect(page.getByText(ADMIN.email)).toBeHidden({ timeout: 500 });
  }).toPass();
  await expect(menuButton).toBeFocused();
});

test("unknown pages show a 404 page", async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/deployments$/);
  const response = await page.goto(`${server.baseURL}/no-such-page`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the sign-in page works, errors included", async ({ page }) => {
    await signIn(page, ADMIN.email, "not the password");
    await expect(page.getByRole("alert").filter({ hasText: "Incorrect email or password." })).toBeVisible();
    await signIn(page, ADMIN.email, ADMIN.password);
    await expect(page).toHaveURL(/\/deployments$/);
    await expect(page.locator(".topbar .org")).toHaveText(ADMIN.organization);
    // The user menu is a popover: it opens without JavaScript, and sign-out posts a form.
    await page.getByRole("button", { name: `Account menu for ${ADMIN.name}` }).click();
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
  });
});
