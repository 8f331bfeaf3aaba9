import { createHash, hash as cryptoHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { CacheEntry, Hash } from "@envforge/core/plugin-kit";

/**
 * Writes cache entries straight into each store's on-disk layout, so a million entries take a
 * minute instead of an hour of `put`s. Each filled store is checked afterwards by reading a sample
 * through the store's own API (see the cache suite and the smoke test).
 */

const FILL_FORMAT = 1;

export function fillerHash(i: number): Hash {
  return `efh1:${cryptoHash("sha256", `envforge-bench-filler-${i}`, "hex")}`;
}

export function missHash(i: number): Hash {
  return `efh1:${cryptoHash("sha256", `envforge-bench-miss-${i}`, "hex")}`;
}

/** An entry like a venv build leaves: artifact folder, a small lock, timings, the canonical text. */
export function sampleEntry(hash: Hash, target: string, artifactPath: string, canonicalText: string): CacheEntry {
  return {
    schema: 1,
    hash,
    target,
    generation: 1,
    builder: target,
    artifact: { kind: "venv", path: artifactPath },
    lock: {
      packages: [
        { ecosystem: "pypi", name: "numpy", version: "1.26.4" },
        { ecosystem: "pypi", name: "requests", version: "2.31.0" },
      ],
    },
    timings: { startedAt: "2024-01-01T00:00:00.000Z", finishedAt: "2024-01-01T00:00:42.000Z", durationMs: 42_000 },
    canonicalText,
    name: "bench",
  };
}

const FILLER_CANONICAL = '{"contract":"efh1","sections":{"pip":["numpy==1.26.4","requests==2.31.0"],"python":{"version":"3.11"}}}';

/** The hashes a filled store holds: fillers 0..n-1, with `real` taking the first slots. */
export function filledHashes(n: number, real: readonly Hash[]): Hash[] {
  return Array.from({ length: n }, (_, i) => real[i] ?? fillerHash(i));
}

interface Marker {
  format: number;
  entries: number;
  real: string;
}

function markerMatches(file: string, marker: Marker): boolean {
  if (!existsSync(file)) return false;
  try {
    const found = JSON.parse(readFileSync(file, "utf8")) as Marker;
    return found.format === marker.format && found.entries === marker.entries && found.real === marker.real;
  } catch {
    return false;
  }
}

/** Digest of the real entries' hashes, so a changed spec generator refills instead of reusing. */
function realDigest(real: readonly Hash[]): string {
  return cryptoHash("sha256", real.join("\n"), "hex").slice(0, 16);
}

/**
 * An envforge local cache (`<dir>/v1/entries/<target>/<hex>.json`, as `LocalStore.put` writes it)
 * with `n` entries. `real` entries (hashes of generated specs) come first, then fillers.
 * Reused when a previous run filled the same size with the same real hashes.
 */
export function fillLocalCache(dir: string, n: number, target: string, real: readonly Hash[], log: (line: string) => void): { artifactPath: string; reused: boolean } {
  const marker: Marker = { format: FILL_FORMAT, entries: n, real: realDigest(real) };
  const markerFile = path.join(dir, "filled.json");
  const artifactPath = path.join(dir, "v1", "artifacts", target, "shared.1");
  if (markerMatches(markerFile, marker)) return { artifactPath, reused: true };
  rmSync(dir, { recursive: true, force: true });
  const entriesDir = path.join(dir, "v1", "entries", target);
  mkdirSync(entriesDir, { recursive: true });
  mkdirSync(artifactPath, { recursive: true });
  const started = performance.now();
  const hashes = filledHashes(n, real);
  for (let i = 0; i < n; i++) {
    const hash = hashes[i]!;
    const entry = sampleEntry(hash, target, artifactPath, FILLER_CANONICAL);
    writeFileSync(path.join(entriesDir, `${hash.slice(5)}.json`), `${JSON.stringify(entry, null, 2)}\n`);
    if (i > 0 && i % 100_000 === 0) log(`  envforge cache: ${i.toLocaleString("en")} / ${n.toLocaleString("en")} entries`);
  }
  writeFileSync(markerFile, JSON.stringify(marker));
  log(`  envforge cache: ${n.toLocaleString("en")} entries written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { artifactPath, reused: false };
}

export function cacacheKey(hash: Hash, target: string): string {
  return `${target}:${hash}`;
}

/**
 * A cacache folder with the same `n` entries (same keys, same entry JSON as content), written in
 * cacache 20's layout: `index-v5/<sha256(key) split 2/2/rest>` bucket lines
 * `\n<sha1(json)>\t<json>` and `content-v2/sha512/<hex split 2/2/rest>`.
 */
export function fillCacache(dir: string, n: number, target: string, real: readonly Hash[], artifactPath: string, log: (line: string) => void): { reused: boolean } {
  const marker: Marker = { format: FILL_FORMAT, entries: n, real: realDigest(real) };
  const markerFile = path.join(dir, "filled.json");
  if (markerMatches(markerFile, marker)) return { reused: true };
  rmSync(dir, { recursive: true, force: true });
  const made = new Set<string>();
  const ensureDir = (d: string) => {
    if (made.has(d)) return;
    mkdirSync(d, { recursive: true });
    made.add(d);
  };
  const started = performance.now();
  const hashes = filledHashes(n, real);
  for (let i = 0; i < n; i++) {
    const hash = hashes[i]!;
    const content = `${JSON.stringify(sampleEntry(hash, target, artifactPath, FILLER_CANONICAL), null, 2)}\n`;
    const digest = createHash("sha512").update(content).digest();
    const hex = digest.toString("hex");
    const contentDir = path.join(dir, "content-v2", "sha512", hex.slice(0, 2), hex.slice(2, 4));
    ensureDir(contentDir);
    writeFileSync(path.join(contentDir, hex.slice(4)), content);
    const key = cacacheKey(hash, target);
    const hk = cryptoHash("sha256", key, "hex");
    const bucketDir = path.join(dir, "index-v5", hk.slice(0, 2), hk.slice(2, 4));
    ensureDir(bucketDir);
    const json = JSON.stringify({ key, integrity: `sha512-${digest.toString("base64")}`, time: 1_700_000_000_000, size: Buffer.byteLength(content) });
    writeFileSync(path.join(bucketDir, hk.slice(4)), `\n${cryptoHash("sha1", json, "hex")}\t${json}`);
    if (i > 0 && i % 100_000 === 0) log(`  cacache: ${i.toLocaleString("en")} / ${n.toLocaleString("en")} entries`);
  }
  writeFileSync(markerFile, JSON.stringify(marker));
  log(`  cacache: ${n.toLocaleString("en")} entries written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { reused: false };
}
