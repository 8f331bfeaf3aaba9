import { writeFileSync } from "node:fs";
import path from "node:path";
import { EnvforgeError } from "@envforge/core/plugin-kit";
import { describe, expect, it } from "vitest";
import { tempDir, testEngine } from "../support/engine.js";
import { HANG_TARGET, hangPlugin, hangSpec } from "../support/hang-plugin.js";
import { runCli } from "./support.js";

/**
 * `--timeout SECONDS` takes a number above 0 and at most 604800 (7 days); anything else is a usage
 * error (exit 1) naming the flag and the range, before any work. Node timers hold at most 2^31-1
 * ms: past that they fire at once, so the engine refuses such a `timeoutMs` too (never a
 * RangeError of AbortSignal.timeout).
 */
async function project(): Promise<{ file: string; cache: string }> {
  const dir = await tempDir("envforge-timeout-");
  const file = path.join(dir, "env.yaml");
  writeFileSync(file, "hang:\n  id: timeout-flag\n");
  return { file, cache: path.join(dir, "cache") };
}

/** A build of the hang probe: "cancel" hangs until the build's signal stops it, "quick" finishes at once. */
const build = (file: string, cache: string, mode: "cancel" | "quick", ...extra: string[]) =>
  runCli(["build", file, "--target", HANG_TARGET, "--cache-dir", cache, "-o", `hang.mode=${mode}`, ...extra], { plugins: [hangPlugin()] });

describe("envforge build --timeout", () => {
  it.each([["abc"], ["0"], ["-1"], ["3000000"], [""], ["1e3"], ["Infinity"], ["NaN"], ["0x10"]])("--timeout %j exits 1 naming the flag and the valid range, before building", async (value) => {
    const { file, cache } = await project();
    const t0 = performance.now();
    const out = await build(file, cache, "cancel", `--timeout=${value}`);
    expect(out.code, out.stderr).toBe(1);
    expect(out.stderr).toContain("E_INVALID_VALUE");
    expect(out.stderr).toContain("--timeout");
    expect(out.stderr).toMatch(/above 0 and at most 604800/);
    expect(out.stderr).not.toContain("build hang"); // refused before the build started
    expect(out.stderr, "no stack trace").not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it("--timeout 0.5 is taken: a hanging build stops with E_TIMEOUT (exit 2) after about half a second, not at once and not never", { timeout: 60_000 }, async () => {
    const { file, cache } = await project();
    const t0 = performance.now();
    const out = await build(file, cache, "cancel", "--timeout", "0.5");
    const ms = performance.now() - t0;
    expect(out.code, out.stderr).toBe(2);
    expect(out.stderr).toContain("E_TIMEOUT");
    expect(out.stderr).toContain("timed out after 500 ms");
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(20_000);
  });

  it("the largest value (604800) is accepted: the build is not cut short", { timeout: 60_000 }, async () => {
    const { file, cache } = await project();
    const out = await build(file, cache, "quick", "--timeout", "604800");
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain("status: built");
  });
});

describe("the engine's timeoutMs", () => {
  it.each([[0], [-1], [Number.NaN], [Number.POSITIVE_INFINITY], [2 ** 31], [3_000_000_000], ["5000"]])("timeoutMs %j is E_INVALID_VALUE naming the field, never a RangeError, and nothing is built", async (timeoutMs) => {
    const { engine, events } = await testEngine({ plugins: [hangPlugin()] });
    const error = await engine.build(hangSpec("engine-timeout"), { target: HANG_TARGET, timeoutMs: timeoutMs as number }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EnvforgeError);
    expect((error as EnvforgeError).code).toBe("E_INVALID_VALUE");
    expect((error as EnvforgeError).field).toBe("timeoutMs");
    expect((error as EnvforgeError).message).toContain(String(2 ** 31 - 1));
    expect(events.filter((e) => e.type === "build.start")).toEqual([]);
  });

  it("a fractional timeoutMs (1500.5) and the largest (2^31-1) are accepted", async () => {
    const { engine } = await testEngine({ plugins: [hangPlugin()] });
    for (const timeoutMs of [1500.5, 2 ** 31 - 1]) {
      const quick = await engine.build(hangSpec(`engine-timeout-${timeoutMs}`), { target: HANG_TARGET, timeoutMs, rebuild: true, builderOptions: { hang: { mode: "quick" } } });
      expect(quick.cached).toBe(false);
    }
  });
});
