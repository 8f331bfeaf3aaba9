import type { EngineEvent } from "../engine/events.js";
import type { WarningCode } from "../errors/registry.js";

/** What a coordinator is told of the build it is asked about. */
export interface CoordinateContext {
  /** The build's signal: a coordinator that waits stops waiting when it aborts. */
  readonly signal: AbortSignal;
  emit(event: EngineEvent): void;
  warn(code: WarningCode, message: string, hint?: string): void;
}

/**
 * A coordinator's answer (`hooks.coordinate`):
 * - `build`: this worker builds; `release` is called once the build ended, however it ended.
 *   `fence` (a number that grows with every lease) and `holder` are written into the entry, so a
 *   record left by a holder that lost its lease can be told from the current holder's.
 * - `released`: another worker held the key and let go (it finished, or its lease expired): the
 *   engine looks the key up again — a shared tier such as the registry cache now answers — and
 *   asks again only if it still misses.
 */
export type Claim =
  | { readonly kind: "build"; readonly fence?: number | undefined; readonly holder?: string | undefined; release(): Promise<void> }
  | { readonly kind: "released" };
