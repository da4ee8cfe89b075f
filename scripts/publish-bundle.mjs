// Publishes the browser bundle (the JS glue, the WebAssembly, the CSS) from STAGE into the
// site's pkg directory, for scripts/build.sh:
//   - each file under a name with the bundle's hash, `bento-console.<16 hex>.wasm`, which the
//     server sends with a year of immutable caching (src/server/assets.rs), and under its plain
//     name, revalidated on every use. The three files share one hash, taken over all three:
//     they are one release, and a page then names them all from one `output_name` that the
//     server reads once at startup, instead of Leptos reading this file on every render;
//   - next to each, its brotli (`.br`) and gzip (`.gz`) compressions, which the server picks
//     by the request's Accept-Encoding. Best quality (brotli 11, gzip 9), except for files over
//     4 MB (an unoptimized development build), which get quick settings. A hashed file that is
//     already there is not compressed again;
//   - `hash.txt` (`css: <hash>`, `js: <hash>`, `wasm: <hash>`, Leptos's format), read by the
//     server at startup, written last and atomically;
//   - and nothing else: files of earlier builds are removed.
// Usage: node scripts/publish-bundle.mjs STAGE PKG_DIR
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const [stage, pkg] = process.argv.slice(2);
if (!stage || !pkg) {
  console.error("usage: node scripts/publish-bundle.mjs STAGE PKG_DIR");
  process.exit(2);
}
// The keys Leptos's HydrationScripts and HashedStylesheet look for in hash.txt.
const KEYS = { ".js": "js", ".wasm": "wasm", ".css": "css" };
const QUICK_ABOVE = 4 * 1024 * 1024;

mkdirSync(pkg, { recursive: true });
const keep = new Set(["hash.txt"]);
const files = [];
for (const entry of readdirSync(stage, { withFileTypes: true })) {
  if (entry.name.startsWith(".")) continue;
  const source = join(stage, entry.name);
  if (entry.isDirectory()) {
    // wasm-bindgen's `snippets/` (inline JS of dependencies), imported by relative path.
    cpSync(source, join(pkg, entry.name), { recursive: true });
    keep.add(entry.name);
    continue;
  }
  const ext = Object.keys(KEYS).find((ext) => entry.name.endsWith(ext));
  if (ext) files.push({ name: entry.name, ext, data: readFileSync(source) });
}
if (files.length !== Object.keys(KEYS).length || new Set(files.map((file) => file.ext)).size !== files.length) {
  console.error(`expected a .js, a .wasm and a .css file in ${stage}, found: ${files.map((file) => file.name).join(", ")}`);
  process.exit(1);
}
files.sort((a, b) => a.ext.localeCompare(b.ext));
const digest = createHash("sha256");
for (const file of files) digest.update(`${file.name}\0${file.data.length}\0`).update(file.data);
const hash = digest.digest("hex").slice(0, 16);
for (const { name, ext, data } of files) {
  const hashed = `${name.slice(0, -ext.length)}.${hash}${ext}`;
  if (!existsSync(join(pkg, `${hashed}.gz`))) {
    writeFileSync(join(pkg, hashed), data);
    writeFileSync(join(pkg, `${hashed}.br`), brotli(data, ext));
    // The .gz is the mark of a complete set: written last, atomically.
    writeFileSync(join(pkg, `${hashed}.gz.tmp`), gzipSync(data, { level: data.length > QUICK_ABOVE ? 6 : 9 }));
    renameSync(join(pkg, `${hashed}.gz.tmp`), join(pkg, `${hashed}.gz`));
  }
  for (const suffix of ["", ".br", ".gz"]) {
    copyFileSync(join(pkg, hashed + suffix), join(pkg, name + suffix));
    keep.add(hashed + suffix).add(name + suffix);
  }
  const size = (name) => statSync(join(pkg, name)).size.toLocaleString("en-US");
  console.log(`${hashed}: ${size(hashed)} bytes, brotli ${size(`${hashed}.br`)}, gzip ${size(`${hashed}.gz`)}`);
}
const hashes = files.map((file) => `${KEYS[file.ext]}: ${hash}`);
writeFileSync(join(pkg, "hash.txt.tmp"), `${hashes.sort().join("\n")}\n`);
renameSync(join(pkg, "hash.txt.tmp"), join(pkg, "hash.txt"));
for (const name of readdirSync(pkg)) {
  if (!keep.has(name)) rmSync(join(pkg, name), { recursive: true, force: true });
}

function brotli(data, ext) {
  const quick = data.length > QUICK_ABOVE;
  return brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_MODE]: ext === ".wasm" ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: quick ? 5 : constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: quick ? 22 : 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
}
