import { test, expect, Page } from "@playwright/test";
import { Console, setupAdmin, startConsole } from "./support/server";

let server: Console;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  server = await startConsole();
});

test.afterAll(async () => {
  await server.stop();
});

test.beforeEach(async ({ page }, testInfo) => {
  if (testInfo.title.startsWith("first:")) await setupAdmin(server, page.request);
  else await signIn(page);
});

async function signIn(page: Page) {
  await page.request.post(`${server.baseURL}/rpc/login`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { email: "ada@example.com", password: "correct horse battery" },
  });
}

function row(page: Page, name: string) {
  return page.locator(`#deployment-${name}`);
}

async function createDeployment(page: Page, name: string, access: "Private" | "Protected" | "Public") {
  await page.getByRole("link", { name: "Create", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Create deployment" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Upstream URL").fill("http://127.0.0.1:3999");
  await dialog.getByRole("radio", { name: new RegExp(`^${access}`) }).check();
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog).toBeHidden();
  await expect(row(page, name)).toBeVisible();
  await expect(page.locator(".status-line")).toHaveText(`Deployment ${name} created.`);
}

test("first: the empty state explains deployments and offers Create", async ({ page }) => {
  await page.goto(`${server.baseURL}/deployments`);
  await expect(page.getByRole("heading", { name: "No deployments yet" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Create a deployment" })).toBeVisible();
});

test("create one deployment of each access type and see their external URLs", async ({ page }) => {
  await page.goto(`${server.baseURL}/deployments`);
  const port = new URL(server.baseURL).port;
  await createDeployment(page, "open-model", "Public");
  await createDeployment(page, "summarize", "Protected");
  await createDeployment(page, "internal", "Private");

  await expect(row(page, "open-model").locator(".badge")).toHaveText("Public");
  await expect(row(page, "summarize").locator(".badge")).toHaveText("Protected");
  await expect(row(page, "summarize").getByRole("link", { name: /summarize\.mybentocloud/ })).toHaveText(
    `http://summarize.mybentocloud.apps.localhost:${port}`,
  );
  await expect(row(page, "internal")).toContainText("Private: reachable only inside the cluster");
  await expect(row(page, "summarize").locator("time")).toHaveAttribute("title", /UTC$/);
});

test("bad input is answered next to the field and nothing is created", async ({ page }) => {
  await page.goto(`${server.baseURL}/deployments?create`);
  const dialog = page.getByRole("dialog", { name: "Create deployment" });
  await dialog.getByLabel("Name").fill("summarize");
  await dialog.getByLabel("Upstream URL").fill("http://127.0.0.1:1");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.getByText("A deployment named summarize already exists.")).toBeVisible();
  await expect(dialog.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");

  await dialog.getByLabel("Name").fill("Bad_Name");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.getByText("Name may only contain lowercase letters, digits and hyphens (-).")).toBeVisible();
  await dialog.getByRole("link", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator("tbody tr")).toHaveCount(3);
});

test("edit the access type; it shows at once", async ({ page }) => {
  await page.goto(`${server.baseURL}/deployments`);
  await page.getByRole("link", { name: "Edit summarize" }).click();
  const dialog = page.getByRole("dialog", { name: "Edit summarize" });
  await expect(dialog.getByRole("radio", { name: /^Protected/ })).toBeChecked();
  await dialog.getByRole("radio", { name: /^Private/ }).check();
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(dialog).toBeHidden();
  await expect(row(page, "summarize").locator(".badge")).toHaveText("Private");
  await expect(page.locator(".status-line")).toHaveText("Deployment summarize saved.");
  await expect(row(page, "summarize")).toContainText("Private: reachable only inside the cluster");
});

test("delete asks for confirmation naming the deployment, starting on Cancel", async ({ page }) => {
  await page.goto(`${server.baseURL}/deployments`);
  await page.getByRole("link", { name: "Delete internal" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete deployment internal?" });
  await expect(dialog).toContainText("No API tokens are granted access to it.");
  await expect(dialog.getByRole("link", { name: "Cancel" })).toBeFocused();
  await dialog.getByRole("link", { name: "Cancel" }).click();
  await expect(row(page, "internal")).toBeVisible();
  await expect(page.getByRole("link", { name: "Delete internal" })).toBeFocused();

  // Rows by name: internal, open-model, summarize. Focus goes on to the next row.
  await page.getByRole("link", { name: "Delete internal" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete deployment" }).click();
  await expect(row(page, "internal")).toHaveCount(0);
  await expect(row(page, "open-model").getByRole("rowheader")).toBeFocused();
  await expect(page.locator(".status-line")).toHaveRole("status");
  await expect(page.locator(".status-line")).toHaveText("Deployment internal deleted.");
});

test("keyboard only: open with Enter, fill with Tab and Space, submit with Enter, close with Esc", async ({ page }) => {
  await page.goto(`${server.baseURL}/deployments`);
  await page.getByRole("link", { name: "Create", exact: true }).focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Create deployment" });
  await expect(dialog.getByLabel("Name")).toBeFocused();
  // Enter before the page's script has loaded opens the dialog as a page (a plain link); it
  // becomes modal once the script runs.
  await page.waitForFunction(() => document.querySelector("dialog.modal")?.matches(":modal"));

  // Focus stays inside the modal dialog.
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => !!document.activeElement?.closest("dialog"))).toBe(true);
  }
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(/\/deployments$/);
  await expect(page.getByRole("link", { name: "Create", exact: true })).toBeFocused();

  await page.keyboard.press("Enter");
  await expect(dialog.getByLabel("Name")).toBeFocused();
  await page.keyboard.type("keyboard-made");
  await page.keyboard.press("Tab");
  await page.keyboard.type("http://127.0.0.1:4000");
  await page.keyboard.press("Tab"); // description
  await page.keyboard.press("Tab"); // the checked radio (Protected)
  await page.keyboard.press("ArrowDown"); // Public
  await page.keyboard.press("Space");
  await expect(dialog.getByRole("radio", { name: /^Public/ })).toBeChecked();
  await page.keyboard.press("Tab"); // Cancel
  await page.keyboard.press("Tab"); // Create
  await page.keyboard.press("Enter");
  await expect(dialog).toBeHidden();
  await expect(row(page, "keyboard-made").locator(".badge")).toHaveText("Public");
  await expect(page.getByRole("link", { name: "Create", exact: true })).toBeFocused();

  // Edit and save: focus comes back to the row's Edit link, after the list has re-rendered.
  await page.getByRole("link", { name: "Edit keyboard-made" }).focus();
  await page.keyboard.press("Enter");
  const edit = page.getByRole("dialog", { name: "Edit keyboard-made" });
  await edit.getByRole("radio", { name: /^Protected/ }).check();
  await edit.getByRole("button", { name: "Save changes" }).press("Enter");
  await expect(edit).toBeHidden();
  await expect(row(page, "keyboard-made").locator(".badge")).toHaveText("Protected");
  await expect(page.getByRole("link", { name: "Edit keyboard-made" })).toBeFocused();
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("create, see an error, and delete", async ({ page }) => {
    await page.goto(`${server.baseURL}/deployments`);
    await page.getByRole("link", { name: "Create", exact: true }).click();
    const dialog = page.locator("dialog");
    await dialog.getByLabel("Name").fill("no-js");
    await dialog.getByLabel("Upstream URL").fill("ftp://127.0.0.1");
    await dialog.getByRole("button", { name: "Create" }).click();
    await expect(page.locator("dialog").getByText("Upstream URL must use http or https, not ftp.")).toBeVisible();

    await page.locator("dialog").getByLabel("Name").fill("no-js");
    await page.locator("dialog").getByLabel("Upstream URL").fill("http://127.0.0.1:5000");
    await page.locator("dialog").getByRole("button", { name: "Create" }).click();
    await expect(page).toHaveURL(/\/deployments$/);
    await expect(row(page, "no-js")).toBeVisible();

    await page.getByRole("link", { name: "Delete no-js" }).click();
    await page.locator("dialog").getByRole("button", { name: "Delete deployment" }).click();
    await expect(row(page, "no-js")).toHaveCount(0);
  });
});
