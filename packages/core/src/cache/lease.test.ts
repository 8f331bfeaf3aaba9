import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { acquireLease, leaseDir, leaseHeld, LEASE_STALE_MS } from "./lease.js";

const key = { hash: `efh1:${"b".repeat(64)}` as const, target: "venv" };
const pidns = (() => {
  try {
    return readlinkSync("/proc/self/ns/pid").replace(/\D/g, "");
  } catch {
    return "";
  }
})();

describe("run leases", () => {
  it("hold an entry while the run holds it, and not after", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "envforge-lease-"));
    expect(await leaseHeld(root, key)).toBe(false);
    const first = await acquireLease(root, key);
    const second = await acquireLease(root, key); // runs of one environment never wait for each other
    expect(await leaseHeld(root, key)).toBe(true);
    await first();
    expect(await leaseHeld(root, key)).toBe(true);
    await second();
    expect(await leaseHeld(root, key)).toBe(false);
    expect(readdirSync(leaseDir(root, key))).toEqual([]);
  });

  it.skipIf(pidns === "")("a record of a process that died on this machine holds nothing, and is removed", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "envforge-lease-"));
    const dead = spawnSync("true").pid!;
    const dir = leaseDir(root, key);
    mkdirSync(dir, { recursive: true });
    const record = path.join(dir, `${encodeURIComponent(os.hostname())}~${pidns}~${dead}~x-1`);
    writeFileSync(record, "{}");
    expect(await leaseHeld(root, key)).toBe(false);
    expect(existsSync(record)).toBe(false);
  });

  it("a record of another machine holds while it is refreshed", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "envforge-lease-"));
    const dir = leaseDir(root, key);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "other-host.example~4026531836~123~x-1"), "{}");
    expect(await leaseHeld(root, key)).toBe(true);
    expect(await leaseHeld(root, key, Date.now() + LEASE_STALE_MS + 1000)).toBe(false);
  });
});
