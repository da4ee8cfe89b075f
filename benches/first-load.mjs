// The browser half of benches/first-load.sh: opens BASE/api_tokens in Chromium with the
// session cookie, in a fresh context (cold cache), and records every response the page's
// network stack saw through the DevTools protocol: `Network.loadingFinished`'s
// encodedDataLength is what came over the wire for it, headers included. Then it checks that
// the page hydrated (the Create dialog opens client-side, as a modal), and loads the page
// again in the same context: what the second load fetched, and what came from the cache.
// Usage: node benches/first-load.mjs BASE SESSION_COOKIE_VALUE
import { createRequire } from "node:module";

// Playwright comes with the end-to-end tests' packages (scripts/install-tools.sh e2e).
const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("@playwright/test");

const [base, session] = process.argv.slice(2);
if (!base || !session) {
  console.error("usage: node benches/first-load.mjs BASE SESSION_COOKIE_VALUE");
  process.exit(2);
}
const url = `${base}/api_tokens`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking", "--no-first-run"],
});
try {
  const context = await browser.newContext();
  await context.addCookies([{ name: "bento_console_session", value: session, url: base }]);

  const first = await load(context, url);
  const hydrated = await first.page
    .getByRole("link", { name: "Create", exact: true })
    .click()
    .then(() => first.page.waitForFunction(() => document.querySelector("dialog.modal")?.matches(":modal"), null, { timeout: 10_000 }))
    .then(() => true, () => false);
  const second = await load(context, url);

  console.log(`Accept-Encoding sent by Chromium: ${first.acceptEncoding ?? "?"}`);
  console.log();
  console.log("First load, cold cache:");
  table(first.responses);
  console.log();
  const byKind = new Map();
  for (const r of first.responses) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + r.bytes);
  console.log("| kind | bytes on the wire |");
  console.log("| --- | ---: |");
  for (const [kind, bytes] of [...byKind].sort((a, b) => b[1] - a[1])) console.log(`| ${kind} | ${fmt(bytes)} |`);
  console.log(`| **total, cold** | **${fmt(sum(first.responses))}** |`);
  console.log();
  console.log(`Hydrated (the Create dialog opened client-side as a modal): ${hydrated ? "yes" : "NO"}`);
  console.log();
  console.log("Second load, same context:");
  table(second.responses);
  const fetched = second.responses.filter((r) => !r.cached);
  console.log();
  console.log(
    `Second load: ${fetched.length} response(s) from the network, ${fmt(sum(fetched))} bytes ` +
      `(${fetched.map((r) => r.path).join(", ") || "none"}); ` +
      `${second.responses.length - fetched.length} from the cache`,
  );
  if (!hydrated) process.exitCode = 1;
} finally {
  await browser.close();
}

/** Opens `url` in a new page of `context` and returns the page and its responses. */
async function load(context, url) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  const seen = new Map();
  let acceptEncoding;
  const entry = (id) => seen.get(id) ?? seen.set(id, { bytes: 0, cached: false }).get(id);
  cdp.on("Network.requestWillBeSent", (e) => {
    Object.assign(entry(e.requestId), { url: e.request.url, type: e.type });
  });
  cdp.on("Network.requestWillBeSentExtraInfo", (e) => {
    acceptEncoding ??= Object.entries(e.headers).find(([k]) => k.toLowerCase() === "accept-encoding")?.[1];
  });
  cdp.on("Network.requestServedFromCache", (e) => (entry(e.requestId).cached = true));
  cdp.on("Network.responseReceived", (e) => {
    const headers = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    Object.assign(entry(e.requestId), {
      type: e.type,
      status: e.response.status,
      mime: e.response.mimeType,
      encoding: headers["content-encoding"] ?? "",
      cacheControl: headers["cache-control"] ?? "",
    });
    if (e.response.fromDiskCache || e.response.fromPrefetchCache || e.response.fromServiceWorker) entry(e.requestId).cached = true;
  });
  cdp.on("Network.loadingFinished", (e) => (entry(e.requestId).bytes = e.encodedDataLength));
  cdp.on("Network.loadingFailed", (e) => (entry(e.requestId).failed = e.errorText));
  await cdp.send("Network.enable");
  await page.goto(url, { waitUntil: "networkidle" });
  // Anything the hydrated page fetches right after it starts.
  await page.waitForTimeout(500);
  const responses = [...seen.values()]
    .filter((r) => r.url && !r.url.startsWith("data:"))
    .map((r) => ({ ...r, path: new URL(r.url).pathname + new URL(r.url).search, kind: kind(r) }));
  return { page, responses, acceptEncoding };
}

function kind(r) {
  const path = new URL(r.url).pathname;
  if (path.endsWith(".wasm") || r.mime === "application/wasm") return "wasm";
  if (r.type === "Document") return "html";
  if (path.endsWith(".js") || r.type === "Script") return "js";
  if (path.endsWith(".css") || r.type === "Stylesheet") return "css";
  if (path.startsWith("/rpc/") || path.startsWith("/api/")) return "data (server functions, API)";
  return "other";
}

function table(responses) {
  console.log("| resource | kind | status | encoding | cache-control | bytes on the wire |");
  console.log("| --- | --- | --- | --- | --- | ---: |");
  for (const r of responses) {
    const status = r.failed ? `failed: ${r.failed}` : r.cached ? `${r.status ?? ""} (cache)` : `${r.status ?? "?"}`;
    console.log(`| ${r.path} | ${r.kind} | ${status} | ${r.encoding || "-"} | ${r.cacheControl || "-"} | ${fmt(r.bytes)} |`);
  }
}

function sum(responses) {
  return responses.reduce((total, r) => total + r.bytes, 0);
}

function fmt(bytes) {
  return bytes.toLocaleString("en-US");
}
