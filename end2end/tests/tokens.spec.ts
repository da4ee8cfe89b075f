import { test, expect, Page } from "@playwright/test";
import { Console, setupAdmin, startConsole } from "./support/server";

let server: Console;

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ request }) => {
  server = await startConsole();
  await setupAdmin(server, request);
  for (const [name, access] of [
    ["summarize", "protected"],
    ["open-model", "public"],
  ]) {
    const response = await request.post(`${server.baseURL}/rpc/create_deployment`, {
      headers: { Origin: server.baseURL, Accept: "application/json" },
      form: { name, description: "", upstream_url: "http://127.0.0.1:3999", access },
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
    form: { email: "ada@example.com", password: "correct horse battery" },
  });
});

const TOKEN = /^bcst_[0-9A-Za-z]{49}$/;

function createDialog(page: Page) {
  return page.getByRole("dialog", { name: "Create API token" });
}

test("the empty state explains both token types", async ({ page }) => {
  await page.goto(`${server.baseURL}/api_tokens`);
  await expect(page.getByRole("heading", { name: "No API tokens yet" })).toBeVisible();
  await expect(page.getByText("call Protected deployments")).toBeVisible();
  await expect(page.getByText("manage resources through the API")).toBeVisible();
});

test("at least one type is required, a User token needs a deployment, then the secret is revealed once", async ({
  page,
  context,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.goto(`${server.baseURL}/api_tokens`);
  await page.getByRole("link", { name: "Create", exact: true }).click();
  const dialog = createDialog(page);
  await dialog.getByLabel("Name").fill("frontend");
  await dialog.getByLabel("Description (optional)").fill("The web app calls summarize");
  // The browser-side check needs the page's script.
  await page.waitForFunction(() => document.querySelector("dialog.modal")?.matches(":modal"));

  // No type: an inline error, and nothing is sent.
  let posted = false;
  page.on("request", (r) => {
    if (r.url().includes("/rpc/create_api_token")) posted = true;
  });
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.getByText("Select at least one token type: User or Developer.")).toBeVisible();
  expect(posted).toBe(false);

  // User without a deployment.
  await dialog.getByLabel("User (Deployment Endpoint Access)").check();
  await expect(dialog.getByText("Select at least one token type")).toBeHidden();
  await expect(dialog.getByRole("group", { name: "Deployments this token may call" })).toBeVisible();
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.getByText("Choose at least one deployment for the User token, or All deployments.")).toBeVisible();
  expect(posted).toBe(false);

  // A Public deployment warns but does not block.
  await dialog.getByLabel("open-model").check();
  await expect(dialog.getByText("Public deployments need no token")).toBeVisible();
  await dialog.getByLabel("open-model").uncheck();
  await dialog.getByLabel("summarize").check();
  await dialog.getByLabel("Expiration").selectOption("30");
  await dialog.getByRole("button", { name: "Create" }).click();

  const reveal = page.getByRole("dialog", { name: /API token “frontend” created/ });
  await expect(reveal.getByText("This is the only opportunity")).toBeVisible();
  const secret = await reveal.getByLabel("API token", { exact: true }).inputValue();
  expect(secret).toMatch(TOKEN);
  const port = new URL(server.baseURL).port;
  await expect(reveal.getByLabel("curl", { exact: true })).toHaveValue(
    new RegExp(`curl "http://summarize\\.mybentocloud\\.apps\\.localhost:${port}/YOUR_ROUTE"[\\s\\S]*Authorization: Bearer ${secret}`),
  );

  await reveal.getByRole("button", { name: "Copy API token" }).click();
  await expect(reveal.getByText("Copied")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

  await reveal.getByRole("link", { name: "Done" }).click();
  await expect(reveal).toBeHidden();
  const row = page.getByRole("row", { name: /frontend/ });
  await expect(row).toContainText("User");
  await expect(row).toContainText("summarize");
  await expect(row).toContainText(`${secret.slice(0, 9)}…`);
  await expect(row).toContainText("Never");
  await expect(page.content()).resolves.not.toContain(secret);

  // Not with Back, straight after the reveal: the dialog's URL opens an empty form again.
  await page.goBack();
  await expect(page).toHaveURL(/\/api_tokens\?create$/);
  await expect(createDialog(page).getByLabel("Name")).toHaveValue("");
  await expect(page.getByRole("dialog", { name: /created/ })).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);

  // Nor after a reload.
  await page.goForward();
  await page.reload();
  await expect(page.getByRole("row", { name: /frontend/ })).toBeVisible();
  expect(await page.content()).not.toContain(secret);
});

test("a Developer token shows the CLI login command", async ({ page }) => {
  await page.goto(`${server.baseURL}/api_tokens?create`);
  const dialog = createDialog(page);
  await dialog.getByLabel("Name").fill("ci");
  await dialog.getByLabel("Developer (API access)").check();
  await dialog.getByRole("button", { name: "Create" }).click();
  const reveal = page.getByRole("dialog", { name: /API token “ci” created/ });
  const secret = await reveal.getByLabel("API token", { exact: true }).inputValue();
  await expect(reveal.getByLabel("Command", { exact: true })).toHaveValue(
    `bentoml cloud login --api-token ${secret} --endpoint ${server.baseURL}`,
  );
  // Nothing copied yet: Esc asks first, and a second Esc goes back to the token.
  await page.keyboard.press("Escape");
  const question = reveal.getByRole("group", { name: "Have you copied the token? It will not be shown again." });
  await expect(question).toBeVisible();
  await expect(question.getByRole("button", { name: "Back to the token" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(question).toBeHidden();
  await expect(reveal.getByLabel("API token", { exact: true })).toBeFocused();
  // So does a click on the backdrop, and Done; the answer closes it.
  await page.mouse.click(5, 5);
  await expect(question).toBeVisible();
  await question.getByRole("button", { name: "Back to the token" }).click();
  await reveal.getByRole("link", { name: "Done" }).click();
  await question.getByRole("link", { name: "Close without copying" }).click();
  await expect(reveal).toBeHidden();
  await expect(page.getByRole("row", { name: /ci/ })).toContainText("Developer");
});

test("a duplicate name is refused inline, whatever its case", async ({ page }) => {
  await page.goto(`${server.baseURL}/api_tokens?create`);
  const dialog = createDialog(page);
  await dialog.getByLabel("Name").fill("FRONTEND");
  await dialog.getByLabel("Developer (API access)").check();
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.getByText('A token named "FRONTEND" already exists.')).toBeVisible();
  await expect(dialog.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");
});

test("a custom date hidden again by choosing a preset does not block Create; a visible bad one is answered inline", async ({
  page,
}) => {
  await page.goto(`${server.baseURL}/api_tokens?create`);
  const dialog = createDialog(page);
  await expect(dialog).toBeVisible();
  await page.waitForFunction(() => document.querySelector("dialog.modal")?.matches(":modal"));
  await dialog.getByLabel("Name").fill("dated");
  await dialog.getByLabel("Developer (API access)").check();
  await dialog.getByLabel("Expiration").selectOption("custom");

  // Visible and half-typed, then visible and in the past: a message next to the field.
  await dialog.getByLabel("Expires after (UTC)").click();
  await page.keyboard.type("12");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.getByText("Enter the expiry date as YYYY-MM-DD.")).toBeVisible();
  await dialog.getByLabel("Expires after (UTC)").fill("2020-01-01");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.getByText("The expiry date must be in the future.")).toBeVisible();

  // Half-typed again, then hidden by choosing 30 days: Create works and the date is ignored.
  await dialog.getByLabel("Expires after (UTC)").fill("");
  await dialog.getByLabel("Expires after (UTC)").click();
  await page.keyboard.type("12");
  await dialog.getByLabel("Expiration").selectOption("30");
  await expect(dialog.getByLabel("Expires after (UTC)")).toBeHidden();
  await dialog.getByRole("button", { name: "Create" }).click();
  const reveal = page.getByRole("dialog", { name: /API token “dated” created/ });
  await expect(reveal.getByLabel("API token", { exact: true })).toHaveValue(TOKEN);
  await page.keyboard.press("Escape");
  await reveal.getByRole("link", { name: "Close without copying" }).click();
  await expect(reveal).toBeHidden();
  const in30Days = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  await expect(page.getByRole("row", { name: /dated/ }).locator("time[datetime]").last()).toHaveAttribute(
    "datetime",
    new RegExp(`^${in30Days}`),
  );
});

test("search filters by name", async ({ page }) => {
  await page.goto(`${server.baseURL}/api_tokens`);
  await page.getByRole("searchbox", { name: "Search tokens by name" }).fill("FRONT");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/q=FRONT/);
  await expect(page.getByRole("row", { name: /frontend/ })).toBeVisible();
  await expect(page.getByRole("row", { name: /^ci / })).toHaveCount(0);
  await expect(page.getByText("Showing 1–1 of 1")).toBeVisible();
});

test("delete asks for confirmation naming the token, starting on Cancel; focus comes back to the list", async ({
  page,
}) => {
  await page.goto(`${server.baseURL}/api_tokens`);
  await page.getByRole("link", { name: "Delete ci" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete API token “ci”?" });
  await expect(dialog).toContainText("stops working at once");
  await expect(dialog.getByRole("link", { name: "Cancel" })).toBeFocused();
  // Enter on the first focus cancels, it does not delete.
  await page.keyboard.press("Enter");
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("link", { name: "Delete ci" })).toBeFocused();

  // Rows, newest first: dated, ci, frontend. After ci goes, focus is on the next row, frontend's.
  await page.keyboard.press("Enter");
  await expect(dialog.getByRole("link", { name: "Cancel" })).toBeFocused();
  await dialog.getByRole("button", { name: "Delete token" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("link", { name: "Delete ci" })).toHaveCount(0);
  await expect(page.getByRole("rowheader", { name: /^frontend/ })).toBeFocused();
  // Said in the page's live region.
  await expect(page.getByRole("status")).toHaveText("Token ci deleted.");
});

test("keyboard only: create a Developer token, close the reveal with Esc past its question", async ({ page }) => {
  await page.goto(`${server.baseURL}/api_tokens`);
  await page.getByRole("link", { name: "Create", exact: true }).focus();
  await page.keyboard.press("Enter");
  const dialog = createDialog(page);
  await expect(dialog.getByLabel("Name")).toBeFocused();
  await page.keyboard.type("keyboard");
  await page.keyboard.press("Tab"); // description
  await page.keyboard.press("Tab"); // User
  await page.keyboard.press("Tab"); // Developer (the deployment picker is hidden)
  await page.keyboard.press("Space");
  await expect(dialog.getByLabel("Developer (API access)")).toBeChecked();
  await page.keyboard.press("Tab"); // expiration
  await page.keyboard.press("Tab"); // Organization token (offered to admins)
  await page.keyboard.press("Tab"); // Cancel
  await page.keyboard.press("Tab"); // Create
  await page.keyboard.press("Enter");
  const reveal = page.getByRole("dialog", { name: /API token “keyboard” created/ });
  await expect(reveal.getByLabel("API token", { exact: true })).toHaveValue(TOKEN);
  await expect(reveal.getByLabel("API token", { exact: true })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(reveal.getByText("Have you copied the token?")).toBeVisible();
  // As a person would, wait for the focus to land on the question before moving on.
  await expect(reveal.getByRole("button", { name: "Back to the token" })).toBeFocused();
  await page.keyboard.press("Tab"); // from "Back to the token" to "Close without copying"
  await page.keyboard.press("Enter");
  await expect(reveal).toBeHidden();
  await expect(page).toHaveURL(/\/api_tokens$/);
  // Focus is back where the dialog was opened, not at the top of the page.
  await expect(page.getByRole("link", { name: "Create", exact: true })).toBeFocused();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the page lists, creates with a one-time reveal, and deletes", async ({ page }) => {
    await page.goto(`${server.baseURL}/api_tokens`);
    await expect(page.getByRole("row", { name: /frontend/ })).toBeVisible();

    await page.getByRole("link", { name: "Create", exact: true }).click();
    const dialog = page.locator("dialog");
    await dialog.getByLabel("Name").fill("no-js");
    await dialog.getByRole("button", { name: "Create" }).click();
    await expect(page.locator("dialog").getByText("Select at least one token type: User or Developer.")).toBeVisible();

    await page.locator("dialog").getByLabel("Name").fill("no-js");
    await page.locator("dialog").getByLabel("Developer (API access)").check();
    await page.locator("dialog").getByRole("button", { name: "Create" }).click();
    await expect(page).toHaveURL(/\/api_tokens\?created$/);
    const secret = await page.locator("dialog").getByLabel("API token", { exact: true }).inputValue();
    expect(secret).toMatch(TOKEN);
    // Back after leaving the reveal: the page is not kept (no-store), and the reveal is gone
    // from the server (one time).
    await page.locator("dialog").getByRole("link", { name: "Done" }).click();
    await expect(page).toHaveURL(/\/api_tokens$/);
    await page.goBack();
    await expect(page).toHaveURL(/\/api_tokens\?created$/);
    await expect(page.getByRole("row", { name: /no-js/ })).toBeVisible();
    await expect(page.locator("dialog")).toHaveCount(0);
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    expect(await page.content()).not.toContain(secret);

    // A past custom date, hidden again by choosing a preset, does not block Create.
    await page.getByRole("link", { name: "Create", exact: true }).click();
    await page.locator("dialog").getByLabel("Name").fill("no-js-dated");
    await page.locator("dialog").getByLabel("Developer (API access)").check();
    await page.locator("dialog").getByLabel("Expiration").selectOption("custom");
    await page.locator("dialog").getByLabel("Expires after (UTC)").fill("2020-01-01");
    await page.locator("dialog").getByLabel("Expiration").selectOption("7");
    await page.locator("dialog").getByRole("button", { name: "Create" }).click();
    await expect(page).toHaveURL(/\/api_tokens\?created$/);
    await expect(page.locator("dialog").getByRole("heading", { name: /“no-js-dated” created/ })).toBeVisible();
    await page.locator("dialog").getByRole("link", { name: "Done" }).click();

    // Visible and in the past: the server answers next to the field.
    await page.getByRole("link", { name: "Create", exact: true }).click();
    await page.locator("dialog").getByLabel("Name").fill("no-js-past");
    await page.locator("dialog").getByLabel("Developer (API access)").check();
    await page.locator("dialog").getByLabel("Expiration").selectOption("custom");
    await page.locator("dialog").getByLabel("Expires after (UTC)").fill("2020-01-01");
    await page.locator("dialog").getByRole("button", { name: "Create" }).click();
    await expect(page.locator("dialog").getByText("The expiry date must be in the future.")).toBeVisible();
    await page.locator("dialog").getByRole("link", { name: "Cancel" }).click();

    await page.getByRole("link", { name: "Delete no-js", exact: true }).click();
    await page.locator("dialog").getByRole("button", { name: "Delete token" }).click();
    await expect(page).toHaveURL(/\/api_tokens$/);
    await expect(page.getByRole("link", { name: "Delete no-js", exact: true })).toHaveCount(0);
  });
});
