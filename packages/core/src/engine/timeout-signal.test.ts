import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { anyWithTimeout, timeoutSignal } from "./timeout-signal.js";

// A full collection on demand: a composite of AbortSignal.timeout never aborts after one.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

describe("timeoutSignal", () => {
  it("aborts with a TimeoutError, and not once cleared", async () => {
    const fired = timeoutSignal(20);
    const cleared = timeoutSignal(20);
    cleared.clear();
    await new Promise((r) => setTimeout(r, 60));
    expect(fired.signal.aborted).toBe(true);
    expect((fired.signal.reason as Error).name).toBe("TimeoutError");
    expect(cleared.signal.aborted).toBe(false);
  });

  it("aborts a composite that is the only holder of the timeout, whatever the collector does", async () => {
    const host = new AbortController();
    const { signal } = anyWithTimeout([host.signal], 50);
    const aborted = new Promise<string>((resolve) => signal.addEventListener("abort", () => resolve((signal.reason as Error).name), { once: true }));
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await Promise.race([aborted, new Promise((r) => setTimeout(() => r("never aborted"), 2000))])).toBe("TimeoutError");
    expect(host.signal.aborted).toBe(false);
  });

  it("follows the host's signal first", () => {
    const host = new AbortController();
    const { signal, clear } = anyWithTimeout([host.signal, undefined], 10_000);
    host.abort(new Error("stop"));
    expect((signal.reason as Error).message).toBe("stop");
    clear();
  });
});
