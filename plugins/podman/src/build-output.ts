import { stripAnsi, type BuildFailure } from "@envforge/plugin-docker";

interface Step {
  instruction: string;
  lines: string[];
  cached: boolean;
}

const TAIL = 40;

/**
 * Follows `podman build` (buildah) output line by line — `STEP 3/7: RUN …` headers, the step's
 * own output, `--> Using cache <id>` and `--> <id>` commits, and a final
 * `Error: building at STEP "…": … exit status N` — so a failure can name its step and show that
 * step's output, and a finished build can say which steps came from the layer cache.
 */
export class PodmanOutputTracker {
  readonly #steps: Step[] = [];
  readonly #all: string[] = [];
  #failedStep: string | undefined;
  #exitCode: number | undefined;

  feed(raw: string): void {
    const line = stripAnsi(raw).replace(/\r$/, "");
    this.#all.push(line);
    if (this.#all.length > TAIL) this.#all.shift();

    let m = /^STEP \d+\/\d+: (.*)$/.exec(line);
    if (m) {
      this.#steps.push({ instruction: m[1]!, lines: [], cached: false });
      return;
    }
    m = /^Error: building at STEP "(.*)": (.*)$/.exec(line);
    if (m) {
      // buildah prints the step here re-joined (exec form without JSON); the header kept it as written.
      this.#failedStep = m[1]!;
      const code = /exit status (\d+)/.exec(m[2]!);
      if (code) this.#exitCode = Number(code[1]);
      return;
    }
    const step = this.#steps.at(-1);
    if (!step) return;
    if (/^--> Using cache /.test(line)) step.cached = true;
    else if (/^--> [0-9a-f]{6,}$|^COMMIT\b|^subprocess exited with status \d+$/.test(line)) return;
    else if (!/^Successfully tagged |^[0-9a-f]{64}$/.test(line)) {
      step.lines.push(line);
      if (step.lines.length > TAIL) step.lines.shift();
    }
  }

  /** Instructions whose layer came from podman's layer cache, in order. */
  cachedSteps(): string[] {
    return this.#steps.filter((s) => s.cached).map((s) => s.instruction);
  }

  /** Instructions that ran or were reused, in order. */
  steps(): string[] {
    return this.#steps.map((s) => s.instruction);
  }

  failure(): BuildFailure {
    // The failing step is the last one started: buildah stops at the first failure.
    const step = this.#failedStep !== undefined ? this.#steps.at(-1) : undefined;
    const instruction = step?.instruction ?? this.#failedStep;
    if (step && step.lines.length > 0) return { step: instruction, exitCode: this.#exitCode, tail: [...step.lines] };
    return { step: instruction, exitCode: this.#exitCode, tail: this.#all.filter((l) => l.trim() !== "") };
  }
}
