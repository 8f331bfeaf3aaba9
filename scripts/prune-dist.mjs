#!/usr/bin/env node
// `prepack` of every published package: deletes what `tsc -b` left in dist/ from source files that
// no longer exist (a renamed or moved module keeps its old .js/.d.ts until removed by hand), so a
// tarball never ships a module that the source no longer has. Runs in the package's folder.
import { readdirSync, rmSync, existsSync, statSync } from "node:fs";
import path from "node:path";

const dist = path.resolve("dist");
const src = path.resolve("src");
const outputs = /(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js)$/;

function prune(dir) {
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) {
      prune(file);
      if (readdirSync(file).length === 0) rmSync(file, { recursive: true });
      continue;
    }
    if (!outputs.test(entry)) continue;
    const source = path.join(src, path.relative(dist, file)).replace(outputs, ".ts");
    if (!existsSync(source)) {
      rmSync(file);
      console.log(`prune-dist: removed ${path.relative(process.cwd(), file)} (no ${path.relative(process.cwd(), source)})`);
    }
  }
}

if (existsSync(dist)) prune(dist);
