import type { LocalStore } from "../cache/local-store.js";
import type { EngineEvent } from "../engine/events.js";
import type { EngineHooks } from "../hooks.js";
import { recordSourceMemo, type SourceMemoKey } from "./source-memo.js";
import type { HashResult, ParsedSpec } from "../definition/spec.js";

type WarningEvent = Extract<EngineEvent, { type: "warning" }>;

/**
 * The engine's side of the source memo (source-memo.ts), for an engine given a `pipelineId`:
 * records each resolved definition file with the targets that have `verify` taps at that time
 * (tracked as their hooks are created, so the quick path leaves those targets to the engine), and
 * its runtime variables unless `redact` (the engine's masking of its secrets) would change them.
 */
export function sourceRecorder(
  hooks: EngineHooks,
  local: LocalStore,
  key: Omit<SourceMemoKey, "file">,
  unfitTargets: (parsed: ParsedSpec, result: HashResult) => string[],
  redact: (text: string) => string,
): (parsed: ParsedSpec, result: HashResult, warnings: WarningEvent[]) => boolean {
  const verifyTargets = new Set<string>();
  hooks.verify.intercept({
    factory: (target, hook) => {
      verifyTargets.add(String(target));
      return hook;
    },
  });
  return (parsed, result, warnings) => {
    const loaded = parsed.loaded;
    const variables = JSON.stringify(parsed.variables);
    return recordSourceMemo(local.root, local.tmpDir(), { ...key, file: loaded.file }, {
      file: loaded.file,
      digest: loaded.digest,
      referenced: loaded.files,
      hash: result.hash,
      named: parsed.identity.name !== undefined,
      warnings,
      variables: redact(variables) === variables ? parsed.variables : undefined,
      verifiedTargets: [...verifyTargets].filter((t) => hooks.verify.get(t)?.isUsed()),
      unfitTargets: unfitTargets(parsed, result),
    });
  };
}
