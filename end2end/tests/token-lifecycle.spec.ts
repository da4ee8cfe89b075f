// A token's life after Create (issue 13): regenerate from its page with the one-time reveal,
// edit its deployments, expiry that defaults, asks and warns.
import { test, expect, Page, APIRequestContext } from "@playwright/test";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { ADMIN, Console, setupAdmin, startConsole } from "./support/server";

let server: Console;
let upstream: Server;
const hosts: Record<string, string> = {};

test.describe.configure({ mode: "serial" });

async function rpc(request: APIRequestContext, name: string, form: Record<string, string>) {
  const response = await request.post(`${server.baseURL}/rpc/${name}`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form,
  });
  expect(response.ok(), `${name}: ${await response.text()}`).toBe(true);
  return response.json();
}

test.beforeAll(async ({ request }) => {
  server = await startConsole();
  await setupAdmin(server, request);
  upstream = createServer((req, res) => res.end(JSON.stringify({ path: req.url })));
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const upstreamURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  for (const name of ["summarize", "translate"]) {
    await rpc(request, "create_deployment", { name, description: "", upstream_url: upstreamURL, access: "protected" });
  }
  const list = await rpc(request, "list_deployments", {});
  for (const d of list.items) hosts[d.name] = new URL(d.external_url).host;
});

test.afterAll(async () => {
  await server.stop();
  upstream.close();
});

test.beforeEach(async ({ page }) => {
  await page.request.post(`${server.baseURL}/rpc/login`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { email: ADMIN.email, password: ADMIN.password },
  });
});

/** The gateway's answer to `secret` for `deployment`. */
async function call(page: Page, deployment: string, secret: string) {
  const response = await page.request.get(`${server.baseURL}/generate`, {
    headers: { Host: hosts[deployment], Authorization: `Bearer ${secret}` },
  });
  return response.status();
}

async function deploymentId(request: APIRequestContext, name: string) {
  const list = await rpc(request, "list_deployments", {});
  return String(list.items.find((d: { name: string }) => d.name === name).id);
}

test("regenerate from the token's page: the new secret is revealed once and the old one stops", async ({ page }) => {
  const created = await rpc(page.request, "create_api_token", {
    name: "rotating",
    description: "the web shop",
    user: "on",
    "deployment_ids[]": await deploymentId(page.request, "summarize"),
    expiration: "30",
  });
  const old = created.secret as string;
  expect(await call(page, "summarize", old)).toBe(200);

  await page.goto(`${server.baseURL}/api_tokens`);
  await page.getByRole("link", { name: "rotating", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "rotating" })).toBeVisible();
  await expect(page.locator(".token-facts")).toContainText("summarize");
  await expect(page.locator(".token-facts")).toContainText("Protected");

  const regenerate = page.getByRole("link", { name: "Regenerate", exact: true });
  await regenerate.click();
  const dialog = page.getByRole("dialog", { name: /Regenerate/ });
  await expect(dialog.getByRole("link", { name: "Cancel" })).toBeFocused();
  await expect(dialog.getByLabel("Expiration")).toHaveValue("keep");
  await dialog.getByRole("button", { name: "Regenerate token" }).click();

  const reveal = page.getByRole("dialog", { name: /regenerated/ });
  const secret = await reveal.getByLabel("API token", { exact: true }).inputValue();
  expect(secret).toMatch(/^bcst_/);
  expect(secret).not.toBe(old);
  expect(await call(page, "summarize", old)).toBe(401);
  expect(await call(page, "summarize", secret)).toBe(200);

  // The same guard as Create's reveal, then focus comes back to Regenerate.
  await reveal.getByRole("link", { name: "Done" }).click();
  await expect(reveal.getByText("Have you copied the token?")).toBeVisible();
  await reveal.getByRole("link", { name: "Close without copying" }).click();
  await expect(reveal).toBeHidden();
  await expect(regenerate).toBeFocused();
  await expect(page.getByRole("status")).toHaveText("Token rotating regenerated.");
  await expect(page.locator(".token-facts")).toContainText(`${secret.slice(0, 9)}…`);
  await expect(page.locator(".token-facts")).toContainText("summarize");
  expect(await page.content()).not.toContain(secret);
});

test("edit a token's deployments: the change applies on the next request", async ({ page }) => {
  const created = await rpc(page.request, "create_api_token", {
    name: "grants",
    description: "",
    user: "on",
    "deployment_ids[]": await deploymentId(page.request, "summarize"),
    expiration: "30",
  });
  const secret = created.secret as string;
  expect(await call(page, "translate", secret)).toBe(403);

  await page.goto(`${server.baseURL}/api_tokens/${created.token.id}?edit`);
  const dialog = page.getByRole("dialog", { name: /Edit/ });
  await expect(dialog.getByLabel("Name")).toHaveValue("grants");
  await expect(dialog.getByLabel("summarize")).toBeChecked();
  await dialog.getByLabel("summarize").uncheck();
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog.getByText("Choose at least one deployment")).toBeVisible();

  await dialog.getByLabel("translate").check();
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status")).toHaveText("Token grants saved.");
  await expect(page.locator(".token-facts")).toContainText("translate");
  expect(await call(page, "translate", secret)).toBe(200);
  expect(await call(page, "summarize", secret)).toBe(403);

  await page.getByRole("link", { name: "Edit", exact: true }).click();
  await page.getByRole("dialog").getByText("All deployments").click();
  await page.getByRole("dialog").getByRole("button", { name: "Save" }).click();
  await expect(page.locator(".token-facts")).toContainText("All deployments");
  expect(await call(page, "summarize", secret)).toBe(200);
});

test("new tokens expire in 30 days unless No expiration is confirmed", async ({ page }) => {
  await page.goto(`${server.baseURL}/api_tokens?create`);
  const dialog = page.getByRole("dialog", { name: "Create API token" });
  await expect(dialog.getByLabel("Expiration")).toHaveValue("30");
  await dialog.getByLabel("Name").fill("forever");
  await dialog.getByLabel("Developer (API access)").check();
  await dialog.getByLabel("Expiration").selectOption("never");
  const confirm = dialog.getByRole("checkbox", { name: /Never expire/ });
  await expect(confirm).toBeVisible();
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.getByText("Confirm No expiration, or choose an expiry.")).toBeVisible();
  await confirm.check();
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("dialog").getByLabel("API token", { exact: true })).toBeVisible();
});

test("tokens about to expire are marked, counted and filtered", async ({ page }) => {
  await rpc(page.request, "create_api_token", { name: "short-lived", description: "", developer: "on", expiration: "7" });
  await page.goto(`${server.baseURL}/api_tokens`);
  const row = page.getByRole("row", { name: /short-lived/ });
  await expect(row.locator(".status-expiring")).toHaveText(/Expires in (6|7) days/);
  await expect(page.locator(".expiring-notice")).toContainText("1 token expires within 7 days.");
  await page.locator(".expiring-notice").getByRole("link", { name: "Show them" }).click();
  await expect(page).toHaveURL(/status=expiring/);
  await expect(page.getByRole("row", { name: /short-lived/ })).toBeVisible();
  await expect(page.getByRole("row", { name: /rotating/ })).toBeHidden();
  await expect(page.getByLabel("Show")).toHaveValue("expiring");
});
