// An example cache store for `pnpm bench --store benchmarks/examples/json-file-store.mjs`: one JSON
// file per entry, in folders of 256 by the hash's first two hex digits — the simplest store
// anyone writes. The default export follows the BenchStore interface (benchmarks/src/store.ts):
// `name`, `get(key)`, `put(entry)`, and optional `note`, `open({ dir })` and `close()`.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

let root;

/** `efh1:<64 hex>` + target → `<root>/<target>/<2 hex>/<62 hex>.json` */
function fileOf(key) {
  const hex = key.hash.slice(key.hash.indexOf(":") + 1);
  return path.join(root, key.target, hex.slice(0, 2), `${hex.slice(2)}.json`);
}

/** @type {import("../src/store.js").BenchStore} */
export default {
  name: "json-file-store",
  note: "atomic rename, not synced to disk",

  async open({ dir }) {
    root = dir;
  },

  async get(key) {
    try {
      return JSON.parse(await readFile(fileOf(key), "utf8"));
    } catch (error) {
      if (error.code === "ENOENT") return undefined;
      throw error;
    }
  },

  // Atomic (write a temporary file, then rename) but not synced to disk: a crash may lose it.
  async put(entry) {
    const file = fileOf(entry);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(entry));
    await rename(tmp, file);
  },
};
