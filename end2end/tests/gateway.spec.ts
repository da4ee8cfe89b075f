import { test, expect } from "@playwright/test";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { Console, setupAdmin, startConsole } from "./support/server";

let server: Console;
let upstream: Server;
let upstreamURL: string;

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ request }) => {
  server = await startConsole();
  await setupAdmin(server, request);
  // A real upstream: answers with what it received.
  upstream = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ path: req.url, authorization: req.headers.authorization ?? null }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreamURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await server.stop();
  upstream.close();
});

test("a User token created in the console opens a Protected deployment, and its use shows", async ({ page }) => {
  await page.request.post(`${server.baseURL}/rpc/login`, {
    headers: { Origin: server.baseURL, Accept: "application/json" },
    form: { email: "ada@example.com", password: "correct horse battery" },
  });
  await page.goto(`${server.baseURL}/deployments?create`);
  const create = page.getByRole("dialog", { name: "Create deployment" });
  await create.getByLabel("Name").fill("summarize");
  await create.getByLabel("Upstream URL").fill(upstreamURL);
  await create.getByRole("radio", { name: /^Protected/ }).check();
  await create.getByRole("button", { name: "Create" }).click();
  const external = await page.locator("#deployment-summarize a.url").textContent();
  const host = new URL(external!).host;

  await page.goto(`${server.baseURL}/api_tokens?create`);
  const dialog = page.getByRole("dialog", { name: "Create API token" });
  await dialog.getByLabel("Name").fill("frontend");
  await dialog.getByLabel("User (Deployment Endpoint Access)").check();
  await dialog.getByLabel("summarize").check();
  await dialog.getByRole("button", { name: "Create" }).click();
  const secret = await page.getByLabel("API token", { exact: true }).inputValue();
  await page.getByRole("link", { name: "Done" }).click();
  await page.getByRole("link", { name: "Close without copying" }).click();
  await expect(page.getByRole("row", { name: /frontend/ }).locator("td.last-used")).toHaveText("Never");

  // Through the gateway with Playwright's request API: the console's address, the deployment's host.
  const without = await page.request.get(`${server.baseURL}/generate`, { headers: { Host: host } });
  expect(without.status()).toBe(401);
  expect(without.headers()["www-authenticate"]).toBe("Bearer");
  const wrong = await page.request.get(`${server.baseURL}/generate`, {
    headers: { Host: host, Authorization: "Bearer bcst_not_a_real_token" },
  });
  expect(wrong.status()).toBe(401);
  const ok = await page.request.get(`${server.baseURL}/generate?q=1`, {
    headers: { Host: host, Authorization: `Bearer ${secret}` },
  });
  expect(ok.status()).toBe(200);
  expect(await ok.json()).toEqual({ path: "/generate?q=1", authorization: null });

  // And the browser itself at the external URL (*.localhost resolves to this machine).
  await page.setExtraHTTPHeaders({ Authorization: `Bearer ${secret}` });
  const direct = await page.goto(`${external}/from-the-browser`);
  expect(direct?.status()).toBe(200);
  await page.setExtraHTTPHeaders({});

  await page.goto(`${server.baseURL}/api_tokens`);
  await expect(page.getByRole("row", { name: /frontend/ }).locator("td.last-used")).toHaveText("just now");
});
