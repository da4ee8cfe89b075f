// Teams in two browsers: an admin invites an Endpoint User, who joins through the one-time
// link, cannot create a Developer token (not offered, and refused if forced), creates a User
// token and calls a Protected deployment through the gateway; the admin removes them and the
// same call is refused on the next request. An organization token outlives its creator's role.
import { test, expect, Browser, Page } from "@playwright/test";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { ADMIN, Console, setupAdmin, startConsole } from "./support/server";

let server: Console;
let upstream: Server;
let host: string;

test.describe.configure({ mode: "serial" });

const ENDPOINT_USER = { name: "Grace Hopper", email: "grace@example.com", password: "a different long password" };

test.beforeAll(async ({ request }) => {
  server = await startConsole();
  await setupAdmin(server, request);
  upstream = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const upstreamURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const response = await request.post(`${server.baseURL}/rpc/create_deployment`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { name: "summarize", description: "", upstream_url: upstreamURL, access: "protected" },
  });
  expect(response.ok()).toBe(true);
  host = `summarize.mybentocloud.apps.localhost:${new URL(server.baseURL).port}`;
});

test.afterAll(async () => {
  await server.stop();
  upstream.close();
});

async function signedIn(browser: Browser, email: string, password: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.request.post(`${server.baseURL}/rpc/login`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { email, password },
  });
  expect(response.ok()).toBe(true);
  return page;
}

async function call(page: Page, secret: string) {
  return page.request.get(`${server.baseURL}/generate`, { headers: { Host: host, Authorization: `Bearer ${secret}` } });
}

async function revealedSecret(page: Page): Promise<string> {
  const secret = await page.getByLabel("API token", { exact: true }).inputValue();
  expect(secret).toMatch(/^bcst_/);
  await page.getByRole("button", { name: "Copy API token" }).click().catch(() => {});
  return secret;
}

test("an invited Endpoint User joins, calls a Protected deployment, and loses access when removed", async ({ browser }) => {
  const admin = await signedIn(browser, ADMIN.email, ADMIN.password);
  await admin.goto(`${server.baseURL}/members`);
  await expect(admin.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Members" })).toBeVisible();
  await admin.getByRole("link", { name: "Invite" }).click();
  const invite = admin.getByRole("dialog", { name: "Invite a member" });
  await invite.getByLabel("Name").fill(ENDPOINT_USER.name);
  await invite.getByLabel("Email").fill(ENDPOINT_USER.email);
  await invite.getByRole("radio", { name: /^Endpoint User/ }).check();
  await invite.getByRole("button", { name: "Create invitation link" }).click();
  const link = await admin.getByRole("textbox", { name: "Invitation link" }).inputValue();
  expect(link).toContain("/join?code=");
  await expect(admin.getByRole("status")).toContainText(`Invitation for ${ENDPOINT_USER.email} created.`);
  await admin.getByRole("link", { name: "Done" }).click();
  await expect(admin.getByRole("row", { name: new RegExp(ENDPOINT_USER.email) })).toBeVisible();

  // The invitee, in a browser of their own.
  const invitee = await (await browser.newContext()).newPage();
  await invitee.goto(link);
  await expect(invitee.getByRole("heading", { name: `Join ${ADMIN.organization}` })).toBeVisible();
  await expect(invitee.getByText("Endpoint User")).toBeVisible();
  await invitee.getByLabel("Password", { exact: true }).fill(ENDPOINT_USER.password);
  await invitee.getByLabel("Confirm password").fill(ENDPOINT_USER.password);
  await invitee.getByRole("button", { name: "Join and sign in" }).click();
  await expect(invitee.getByRole("heading", { name: "Deployments" })).toBeVisible();
  // Viewing, not changing: no Create, and a line that says why.
  await expect(invitee.getByText("Only admins and developers create, change or delete deployments.")).toBeVisible();
  await expect(invitee.getByRole("link", { name: "Create", exact: true })).toHaveCount(0);
  await expect(invitee.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Members" })).toHaveCount(0);
  // The link worked once.
  const again = await (await browser.newContext()).newPage();
  await again.goto(link);
  await expect(again.getByRole("heading", { name: "This invitation is not valid" })).toBeVisible();

  // Developer tokens are not offered…
  await invitee.goto(`${server.baseURL}/api_tokens?create`);
  const create = invitee.getByRole("dialog", { name: "Create API token" });
  await expect(create.getByLabel("Developer (API access)")).toHaveCount(0);
  await expect(create.getByText(/Only admins and developers create tokens with Developer/)).toBeVisible();
  // …and refused when forced.
  const forced = await invitee.request.post(`${server.baseURL}/rpc/create_api_token`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { name: "sneaky", description: "", developer: "on", expiration: "30" },
  });
  expect(forced.status()).toBe(403);
  expect(JSON.stringify(await forced.json())).toContain("Only admins and developers create tokens with Developer");

  // A User token for the Protected deployment works through the gateway.
  await create.getByLabel("Name").fill("grace-frontend");
  await create.getByLabel("User (Deployment Endpoint Access)").check();
  await create.getByLabel("summarize").check();
  await create.getByRole("button", { name: "Create" }).click();
  const secret = await revealedSecret(invitee);
  expect((await call(invitee, secret)).status()).toBe(200);

  // Asked to sign the BentoML CLI in (a Developer token), they are told they cannot.
  const { code } = await (await invitee.request.get(`${server.baseURL}/api/v1/auth/code`)).json();
  await invitee.goto(`${server.baseURL}/api_tokens?code=${code}`);
  const signIn = invitee.getByRole("dialog", { name: "Sign in the BentoML CLI?" });
  await expect(signIn.getByRole("alert")).toContainText("Only admins and developers create tokens with Developer");
  await expect(signIn.getByRole("button", { name: "Create token for the CLI" })).toBeHidden();
  await expect(signIn.getByRole("button", { name: "Decline" })).toBeVisible();

  // The admin sees the member's token, with its owner.
  await admin.goto(`${server.baseURL}/api_tokens`);
  await expect(admin.getByRole("row", { name: /grace-frontend/ })).toContainText(ENDPOINT_USER.name);

  // The admin removes the member: the same call is refused on the next request.
  await admin.goto(`${server.baseURL}/members`);
  await admin.getByRole("link", { name: `Remove ${ENDPOINT_USER.name}` }).click();
  const remove = admin.getByRole("dialog", { name: `Remove ${ENDPOINT_USER.name}?` });
  await expect(remove.getByRole("link", { name: "Cancel" })).toBeFocused();
  await remove.getByRole("button", { name: "Remove member" }).click();
  await expect(admin.getByRole("status")).toContainText(`${ENDPOINT_USER.name} removed.`);
  expect((await call(admin, secret)).status()).toBe(401);
  // Their session has ended too.
  await invitee.goto(`${server.baseURL}/api_tokens`);
  await expect(invitee).toHaveURL(/\/login/);

  // And the log says who did what.
  await admin.goto(`${server.baseURL}/activity`);
  for (const what of ["Member invited", "Member joined", "Token created", "Member removed"]) {
    await expect(admin.getByRole("cell", { name: what, exact: true }).first()).toBeVisible();
  }
  const log = await admin.locator("table").innerText();
  expect(log).not.toContain(secret);
  expect(log).not.toContain(new URL(link).searchParams.get("code")!);
});

test("an organization token created by an admin keeps working after its creator is demoted", async ({ browser }) => {
  const admin = await signedIn(browser, ADMIN.email, ADMIN.password);
  // A second admin, so the first may be demoted.
  const invited = await admin.request.post(`${server.baseURL}/rpc/invite_member`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { name: "Barbara Liskov", email: "barbara@example.com", role: "admin" },
  });
  expect(invited.ok()).toBe(true);
  const { link } = await invited.json();
  const joined = await (await browser.newContext()).request.post(`${server.baseURL}/rpc/join`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { code: new URL(link).searchParams.get("code")!, name: "Barbara Liskov", password: "yet another long password", password_confirmation: "yet another long password" },
  });
  expect(joined.ok()).toBe(true);

  await admin.goto(`${server.baseURL}/api_tokens?create`);
  const create = admin.getByRole("dialog", { name: "Create API token" });
  await create.getByLabel("Name").fill("shared-frontend");
  await create.getByLabel("User (Deployment Endpoint Access)").check();
  await create.getByLabel("summarize").check();
  await create.getByLabel(/^Organization token/).check();
  await create.getByRole("button", { name: "Create" }).click();
  const secret = await revealedSecret(admin);
  expect((await call(admin, secret)).status()).toBe(200);

  // Barbara demotes Ada to Endpoint User.
  const barbara = await signedIn(browser, "barbara@example.com", "yet another long password");
  await barbara.goto(`${server.baseURL}/members`);
  const row = barbara.getByRole("row", { name: /ada@example.com/ });
  await row.getByLabel(`Role of ${ADMIN.name}`).selectOption("endpoint_user");
  await row.getByRole("button", { name: "Change" }).click();
  await expect(barbara.getByRole("status")).toContainText(`${ADMIN.name} is now Endpoint User.`);

  // The organization token still works; Ada sees it but may no longer manage it.
  expect((await call(barbara, secret)).status()).toBe(200);
  await admin.goto(`${server.baseURL}/api_tokens`);
  const tokenRow = admin.getByRole("row", { name: /shared-frontend/ });
  await expect(tokenRow).toContainText("Organization");
  await expect(tokenRow.getByRole("link", { name: /Delete/ })).toHaveCount(0);
});

test("without JavaScript, an admin invites and sees the link once, after the redirect", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const response = await page.request.post(`${server.baseURL}/rpc/login`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { email: "barbara@example.com", password: "yet another long password" },
  });
  expect(response.ok()).toBe(true);
  await page.goto(`${server.baseURL}/members?invite`);
  await page.getByLabel("Name").fill("Katherine Johnson");
  await page.getByLabel("Email").fill("katherine@example.com");
  await page.getByRole("radio", { name: /^Developer/ }).check();
  await page.getByRole("button", { name: "Create invitation link" }).click();
  await expect(page).toHaveURL(/\/members\?invited$/);
  const link = page.getByRole("textbox", { name: "Invitation link" });
  await expect(link).toHaveValue(/\/join\?code=\w{32}$/);
  await expect(page.getByRole("row", { name: /katherine@example.com/ })).toBeVisible();
  // Shown once: the same address again shows no link.
  await page.reload();
  await expect(page.getByRole("textbox", { name: "Invitation link" })).toHaveCount(0);
  await context.close();
});
