import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** A count from the environment (so CI can run more), else the default. */
export function envCount(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number.parseInt(raw, 10);
  if (!Number.isFinite(n) || n < 1) throw new Error(`${name}=${raw} is not a positive integer`);
  return n;
}

/** The seed of a randomized suite: from the environment, else fresh (and printed, to replay). */
export function envSeed(name: string): number {
  const raw = process.env[name];
  if (raw !== undefined && raw !== "") return Number.parseInt(raw, 10) >>> 0;
  return (Date.now() ^ (process.pid << 8)) >>> 0;
}

/** mulberry32: a small seeded generator, so the points a test picks can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function tmp(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `envforge-rel-${prefix}-`));
}

/** One line of figures, prefixed so `grep '\[reliability\]'` collects them for RELIABILITY.md. */
export function report(suite: string, figures: Record<string, unknown>): void {
  console.log(`[reliability] ${suite}: ${JSON.stringify(figures)}`);
}
