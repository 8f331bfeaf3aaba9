import type { CacheKey } from "../cache/types.js";
import type { EngineCore } from "../engine/core.js";
import { lookupStage } from "../engine/lookup.js";
import type { BuildResult } from "./build-types.js";
import type { Claim, CoordinateContext } from "./coordinate-types.js";
import type { BuildPlan } from "./build-run.js";

/** A `released` answer is followed by a lookup; after this many rounds without a hit the build goes on. */
const MAX_ROUNDS = 5;

export type BuildClaim = Extract<Claim, { kind: "build" }>;

/**
 * Asks the coordinator (if a plugin taps `hooks.coordinate`) who builds a key that missed on
 * this machine. Either this worker builds (with the claim to release afterwards, or none), or
 * another worker built it meanwhile and the lookup that follows its release answers.
 */
export async function coordinateBuild(core: EngineCore, key: CacheKey, plan: BuildPlan, signal: AbortSignal): Promise<{ claim?: BuildClaim | undefined; hit?: BuildResult }> {
  const hook = core.hooks.coordinate;
  // A forced rebuild builds whatever others did; the local lock still keeps it to one per machine.
  if (!hook.isUsed() || plan.request.rebuild) return {};
  const ctx: CoordinateContext = {
    signal,
    emit: core.emit,
    warn: (code, message, hint) => core.emit({ type: "warning", code, message, hint }),
  };
  const lookup = lookupStage(core);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    signal.throwIfAborted();
    const claim = await hook.promise(key, ctx);
    if (claim === undefined) return {};
    // Looked up again either way: a `build` claim may come just after another machine finished
    // and let go (its lookup missed before that build was published).
    const hit = await lookup(key.hash, key.target, plan.result.canonical);
    if (hit) {
      if (claim.kind === "build") await claim.release().catch(() => undefined);
      const totalMs = performance.now() - plan.started;
      return { hit: { hash: key.hash, target: key.target, cached: true, store: hit.store, entry: hit.entry, timings: { totalMs } } };
    }
    if (claim.kind === "build") return { claim };
  }
  return {};
}
