import { DockerfileParser } from "dockerfile-ast";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPlainRun } from "./dockerfile-check.js";

/** What checkStep asks of the parser: one complete instruction, RUN, no flag (so no mount, no image). */
function parserAccepts(step: string): boolean {
  const all = DockerfileParser.parse(`${step}\nLABEL dev.envforge.sentinel=1`).getInstructions();
  if (all.length !== 2) return false;
  const [run, sentinel] = all as [(typeof all)[number], (typeof all)[number]];
  const flags = "getFlags" in run && typeof run.getFlags === "function" ? (run.getFlags as () => unknown[])() : [];
  return run.getKeyword() === "RUN" && flags.length === 0 && sentinel.getKeyword() === "LABEL" && sentinel.getArgumentsContent() === "dev.envforge.sentinel=1";
}

describe("isPlainRun (checkStep's path that skips the Dockerfile parser)", () => {
  it("lets through only steps the parser reads as one complete RUN without flags", () => {
    const unit = fc.constantFrom("a", " ", "\t", "-", "\\", "<", "\n", "\r", "#", "$", "'", '"', "[", "]", "=", "\u2028", "\u00a0", "\f", "\v", "&", "|");
    const step = fc.tuple(fc.constantFrom("RUN", "run", "Run", "RUN ", "RUN\t", "RUNX", " RUN", "COPY", ""), fc.string({ unit, maxLength: 20 })).map(([k, rest]) => `${k}${rest}`);
    fc.assert(
      fc.property(step, (s) => {
        if (isPlainRun(s)) expect(parserAccepts(s), JSON.stringify(s)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it("takes the common steps, leaves flags, continuations and heredocs to the parser", () => {
    expect(isPlainRun("RUN echo step-1 > /tmp/step-1")).toBe(true);
    expect(isPlainRun("run apt-get update && apt-get install -y curl")).toBe(true);
    expect(isPlainRun("RUN --mount=type=bind,target=/x true")).toBe(false);
    expect(isPlainRun("RUN apt-get update \\\n && true")).toBe(false);
    expect(isPlainRun("RUN <<EOF\necho\nEOF")).toBe(false);
    expect(isPlainRun("COPY a b")).toBe(false);
    expect(isPlainRun("RUN")).toBe(false);
  });
});
