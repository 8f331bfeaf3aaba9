import { afterEach, describe, expect, it, vi } from "vitest";
import { compareCold, type ColdSubject } from "../benchmarks/src/cold.js";
import { readConfig } from "../benchmarks/src/config.js";

/** The cold harness's own rules: which calls are timed, and how often each operation runs. */
describe("compareCold", () => {
  const config = { ...readConfig(["--smoke"], {}), rounds: 2 };
  afterEach(() => vi.restoreAllMocks());

  it("runs an inCache subject's operation once untimed just before its timed run, and a plain one once, timed", async () => {
    // One log of the operations and of the harness's clock readings, in the order they happen.
    const log: string[] = [];
    const now = performance.now.bind(performance);
    vi.spyOn(performance, "now").mockImplementation(() => {
      log.push("clock");
      return now();
    });
    const subjects: ColdSubject[] = [
      { name: "plain", role: "envforge", prepare: () => [() => void log.push("plain")] },
      { name: "in cache", role: "info", inCache: true, prepare: () => [() => void log.push("in cache")] },
    ];
    await compareCold(subjects, config);
    const rounds = 3 + config.rounds; // the warm-up rounds run too
    expect(log.filter((e) => e === "plain")).toHaveLength(rounds);
    expect(log.filter((e) => e === "in cache")).toHaveLength(2 * rounds);
    // Every round, in whichever order the subjects take: the plain call between two clock readings;
    // the in-cache call once before the clock starts and once between the readings.
    const text = log.join(" ");
    expect(text.match(/clock plain clock/g)).toHaveLength(rounds);
    expect(text.match(/in cache clock in cache clock/g)).toHaveLength(rounds);
    expect(text).not.toMatch(/clock in cache in cache/);
  });
});
