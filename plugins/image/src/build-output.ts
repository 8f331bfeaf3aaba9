import { EnvforgeError, createError } from "@envforge/core/plugin-kit";

/** Control sequences (colours) the classic builder writes around a step's stderr. */
// eslint-disable-next-line no-control-regex -- matching ESC is the point
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export function stripAnsi(line: string): string {
  return line.replace(ANSI, "");
}

interface StepOutput {
  instruction: string;
  lines: string[];
  cached: boolean;
}

/** What a failed build says about the step that failed. */
export interface BuildFailure {
  /** The instruction that failed, as the builder printed it, when it could tell. */
  step?: string | undefined;
  exitCode?: number | undefined;
  /** The last lines that step printed (or of the whole build when no step is known). */
  tail: string[];
}

/**
 * The error of a failed image build (docker or podman), naming the failed step, its exit code and
 * its last output; `unreachableHint` is what to check when no step could be named.
 */
export function buildFailedError(tool: string, failure: BuildFailure, unreachableHint: string): EnvforgeError {
  const where = failure.step ? ` at step \`${failure.step}\`` : "";
  const code = failure.exitCode !== undefined ? ` (exit code ${failure.exitCode})` : "";
  return createError("E_BUILD_FAILED", `${tool} build failed${where}${code}; its last output:\n${failure.tail.map((l) => `  | ${l}`).join("\n")}`, {
    hint: failure.step ? "fix the step (or the package it installs) and build again; nothing was cached" : `${unreachableHint}; nothing was cached`,
    details: { step: failure.step, exitCode: failure.exitCode, outputTail: failure.tail },
  });
}

const TAIL = 40;

/**
 * What differs between engines' build output, as data; the parser is one. Both read the classic
 * builder's `Step 3/7 : RUN …` and buildah's `STEP 3/7: RUN …` headers and BuildKit's plain
 * `#7 [3/7] RUN …` records.
 */
export interface BuildOutputDialect {
  /** A line saying the current step failed; the first of its groups that matched is the exit code. */
  readonly failed: RegExp;
  /** The builder's own lines inside a step (layer IDs, commits, tags), not the step's output. */
  readonly chatter: RegExp;
  /**
   * A failure no line named (the classic builder stops at the step that fails to start) is the
   * last step's; buildah names its failed step, so without that line no step is blamed.
   */
  readonly blameLastStep: boolean;
}

/** docker: the classic builder, BuildKit, and buildah's form (an engine's CLI may be podman's docker shim). */
export const DOCKER_OUTPUT: BuildOutputDialect = Object.freeze({
  failed: /returned a non-zero code: (\d+)|^(?:Error|error): building at STEP .*exit status (\d+)/,
  chatter: /^ ---> |^--> |^Removing intermediate container /,
  blameLastStep: true,
});

/**
 * podman (buildah): `--> Using cache <id>` and `--> <id>` commits, and a final `Error: building at
 * STEP "…": … exit status N` (the step re-joined: the header kept it as written).
 */
export const PODMAN_OUTPUT: BuildOutputDialect = Object.freeze({
  failed: /^Error: building at STEP ".*": (?:.*?exit status (\d+).*|.*)$/,
  chatter: /^--> [0-9a-f]{6,}$|^COMMIT\b|^subprocess exited with status \d+$|^Successfully tagged |^[0-9a-f]{64}$/,
  blameLastStep: false,
});

/**
 * Follows image build output line by line so a failure can name its step and show that step's
 * own output, and a finished build can say which steps came from the cache.
 */
export class BuildOutputTracker {
  readonly #steps = new Map<string, StepOutput>();
  readonly #all: string[] = [];
  #current: string | undefined;
  #failedId: string | undefined;
  #exitCode: number | undefined;

  constructor(readonly dialect: BuildOutputDialect = DOCKER_OUTPUT) {}

  feed(raw: string): void {
    const line = stripAnsi(raw).replace(/\r$/, "");
    this.#all.push(line);
    if (this.#all.length > TAIL) this.#all.shift();

    // Classic builder `Step 3/7 : RUN …`; buildah/podman `STEP 3/7: RUN …`.
    let m = /^(?:Step \d+\/\d+ :|STEP \d+\/\d+:) (.*)$/.exec(line);
    if (m) {
      this.#current = `classic:${this.#steps.size}`;
      this.#steps.set(this.#current, { instruction: m[1]!, lines: [], cached: false });
      return;
    }
    if (this.#current?.startsWith("classic:")) {
      const step = this.#steps.get(this.#current)!;
      if (/^ ---> Using cache$|^--> Using cache /.test(line)) {
        step.cached = true;
        return;
      }
      m = this.dialect.failed.exec(line);
      if (m) {
        this.#failedId = this.#current;
        const code = m.slice(1).find((group) => group !== undefined);
        if (code !== undefined) this.#exitCode = Number(code);
        return;
      }
      if (!this.dialect.chatter.test(line)) push(step.lines, line);
      return;
    }

    m = /^#(\d+) \[(?:[^\]]*? )?\d+\/\d+\] (.*)$/.exec(line);
    if (m) {
      this.#steps.set(`bk:${m[1]}`, { instruction: m[2]!, lines: [], cached: false });
      return;
    }
    m = /^#(\d+) (.*)$/.exec(line);
    if (m) {
      const step = this.#steps.get(`bk:${m[1]}`);
      if (!step) return;
      const rest = m[2]!;
      if (rest === "CACHED") step.cached = true;
      else if (rest.startsWith("ERROR")) {
        this.#failedId = `bk:${m[1]}`;
        const code = /exit code: (\d+)/.exec(rest);
        if (code) this.#exitCode = Number(code[1]);
      } else {
        const output = /^\d+\.\d+ (.*)$/.exec(rest);
        if (output) push(step.lines, output[1]!);
      }
    }
  }

  /** Instructions whose layer came from the builder's cache, in order. */
  cachedSteps(): string[] {
    return [...this.#steps.values()].filter((s) => s.cached).map((s) => s.instruction);
  }

  /** Instructions that ran, in order. */
  steps(): string[] {
    return [...this.#steps.values()].map((s) => s.instruction);
  }

  /** Called once the build failed: the step that said so, else the last one that started. */
  failure(): BuildFailure {
    const id = this.#failedId ?? (this.dialect.blameLastStep && this.#current?.startsWith("classic:") ? this.#current : undefined);
    const step = id === undefined ? undefined : this.#steps.get(id);
    if (step && step.lines.length > 0) return { step: step.instruction, exitCode: this.#exitCode, tail: [...step.lines] };
    return { step: step?.instruction, exitCode: this.#exitCode, tail: this.#all.filter((l) => l.trim() !== "") };
  }
}

function push(lines: string[], line: string): void {
  lines.push(line);
  if (lines.length > TAIL) lines.shift();
}
