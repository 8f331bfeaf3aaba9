import type { ErrorCode, WarningCode } from "../errors/registry.js";
import type { SourceLocation } from "../definition/location.js";
import type { Hash } from "../definition/spec.js";

export type StageName =
  | "load"
  | "parse"
  | "validate"
  | "canonicalize"
  | "hash"
  | "lookup"
  | "build"
  | "store";

/**
 * When an event happened: epoch milliseconds, stamped by `engine.emit` (the one place every event
 * passes), so every listener of `hooks.event` sees it — a renderer's elapsed times, a JSON-lines
 * log's timeline. An event a host or plugin builds is unstamped until it is emitted.
 */
export interface EventTime {
  time?: number | undefined;
}

/**
 * Everything the engine reports while it works. Core never prints: a host (the CLI, an IDE, a CI
 * log) taps `hooks.event` and renders these however it likes.
 */
export type EngineEvent = EventTime & (
  | { type: "stage.start"; stage: StageName; hash?: Hash | undefined; target?: string | undefined }
  | {
      type: "stage.finish";
      stage: StageName;
      durationMs: number;
      hash?: Hash | undefined;
      target?: string | undefined;
    }
  | { type: "cache.hit"; hash: Hash; target: string; store: string; generation: number }
  | { type: "cache.miss"; hash: Hash; target: string }
  /**
   * Another process holds the build lock of this key: this build waits for it (once per holder).
   * `holder` as its record says (absent: unknown); a holder that stops refreshing the lock for
   * `staleMs` is taken over.
   */
  | { type: "lock.wait"; hash: Hash; target: string; holder?: { host: string; pid: number; since: string } | undefined; staleMs: number }
  | { type: "build.start"; hash: Hash; target: string; builder: string }
  | { type: "build.finish"; hash: Hash; target: string; durationMs: number; ok: boolean }
  | { type: "log"; hash?: Hash | undefined; target?: string | undefined; stream: "stdout" | "stderr" | "info"; line: string }
  | {
      type: "warning";
      /** A warning's code, or an error's when a fault was recovered from (a corrupt entry moved aside). */
      code: WarningCode | ErrorCode;
      message: string;
      location?: SourceLocation | undefined;
      hint?: string | undefined;
    }
);

export type EngineEventType = EngineEvent["type"];
