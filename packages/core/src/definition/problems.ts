import type { AsyncSeriesHook } from "tapable";
import { isEnvforgeError, type EnvforgeError } from "../errors/envforge-error.js";
import type { HashResult, ParsedSpec } from "./spec.js";

/** What `engine.validate` found: the hash when there is nothing wrong, else every problem. */
export type Validation =
  | { ok: true; parsed: ParsedSpec; result: HashResult; problems: [] }
  | { ok: false; parsed: ParsedSpec | undefined; problems: EnvforgeError[] };

/**
 * Problems in the order a person reads them: the definition first, then the files it references
 * in the order they were read; within a file by line and column. Problems without a place (a
 * plugin's fault) come last, in the order they were found.
 */
export function sortProblems(problems: readonly EnvforgeError[], fileOrder: readonly string[]): EnvforgeError[] {
  const rank = new Map<string, number>();
  for (const file of fileOrder) if (!rank.has(file)) rank.set(file, rank.size);
  const fileRank = (e: EnvforgeError) => (e.location ? (rank.get(e.location.file) ?? rank.size) : Number.POSITIVE_INFINITY);
  const indexed = problems.map((error, index) => ({ error, index }));
  indexed.sort((a, b) => {
    const byRank = fileRank(a.error) - fileRank(b.error);
    if (byRank !== 0 && !Number.isNaN(byRank)) return byRank;
    const la = a.error.location;
    const lb = b.error.location;
    if (la && lb) {
      if (la.file !== lb.file) return la.file < lb.file ? -1 : 1;
      if (la.line !== lb.line) return la.line - lb.line;
      if (la.column !== lb.column) return la.column - lb.column;
    }
    return a.index - b.index;
  });
  // One problem found twice (a file two sections read) is said once.
  const seen = new Set<string>();
  return indexed
    .map((i) => i.error)
    .filter((e) => {
      const key = JSON.stringify([e.code, e.message, e.location, e.field]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/**
 * Runs each `validate` tap on its own, so one cross-section check's refusal does not hide
 * another's. The taps are the guarded ones (intercept.ts): a plugin's fault is still a
 * `PluginError`.
 */
export async function validateEach(hook: AsyncSeriesHook<[ParsedSpec]>, parsed: ParsedSpec, problems: EnvforgeError[]): Promise<void> {
  for (const tap of hook.taps) {
    const fn = tap.fn as (...args: unknown[]) => unknown;
    try {
      if (tap.type === "async") {
        await new Promise<void>((resolve, reject) => fn(parsed, (err: unknown) => (err ? reject(err) : resolve())));
      } else await fn(parsed);
    } catch (cause) {
      if (!isEnvforgeError(cause)) throw cause;
      problems.push(cause);
    }
  }
}
