import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import type { CacheAudit } from "../support/cache-audit.js";
import type { ChildJob } from "../support/reliability-child.js";
import { reliabilityChild, spawnTs, type TsChild } from "../support/ts-child.js";

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

/** What a later run reads after a kill: every entry parses, is accepted and points at a whole artifact. */
export function expectConsistent(audit: CacheAudit, where: string): void {
  expect(audit.broken, where).toEqual([]);
  expect(audit.incomplete, where).toEqual([]);
  expect(audit.brokenGenerations, where).toEqual([]);
}

/**
 * Processes whose command line names any of `needles` (a killed build's folders): tools run in
 * their own process groups, or are plain children, and outlive a SIGKILLed host either way.
 */
export function strays(...needles: string[]): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (needles.some((n) => cmd.includes(n))) out.push(`${pid}: ${cmd.trim()}`);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Starts a build process (the reliability child) and SIGKILLs it `delayMs` after it is ready. */
export async function killAfter(job: ChildJob, delayMs: number): Promise<{ child: TsChild; killed: boolean; code: number | null }> {
  const child = spawnTs(reliabilityChild, [JSON.stringify(job)]);
  await child.waitFor("ready");
  await sleep(delayMs);
  child.child.kill("SIGKILL");
  const exit = await child.exited;
  return { child, killed: exit.signal === "SIGKILL", code: exit.code };
}
