/**
 * The source memo: which hash a definition file resolved to, and from which bytes.
 *
 * A cache hit costs a fresh process more in loading code (a YAML parser, the plugins' version
 * grammars, the hook machinery) than in anything it computes. When the engine is given a
 * `pipelineId` — its plugins and their versions, named by the host — resolving a definition file
 * records here the hash it got, with the SHA-256 of every file that went into it (the definition
 * and each file it referenced). `@envforge/core/quick` reads the record in a process that has
 * loaded none of that code, checks every one of those files still has the same bytes (and still
 * resolves inside the definition's folder), and answers the hit from the entry file — or says
 * nothing, and the host runs the engine as usual.
 *
 * The key names everything besides file content that decides the hash or whether the definition
 * is accepted at all: the pipeline, the definition's absolute path, and the host policy with the
 * input limits in force (`policyFingerprint`: a process with a stricter policy never reads a memo
 * a looser one recorded; the memo carries it too and is checked against it). A plugin that read a
 * file other than through `ParseContext.readFile` would escape the record: the bundled ones do
 * not, and a host that uses such a plugin must not set `pipelineId`.
 *
 * Besides the hash, the memo keeps what a hit reports of the definition without reading it again:
 * whether it is named, its parse warnings (redacted) and its runtime `variables` (never hashed, but
 * read from the same bytes) — except when they hold a secret the engine masks: the memo records no
 * secret, so it then has no `variables` and a host that needs them runs the engine.
 *
 * This module is lean on purpose (Node built-ins only): the quick path imports it.
 */
import { hash as cryptoHash } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { EngineEvent } from "../engine/events.js";
import { isHash } from "../hash/hash-format.js";
import { readRegularFileSync } from "../files/regular-file.js";

export const SOURCE_MEMO_VERSION = 4;

type WarningEvent = Extract<EngineEvent, { type: "warning" }>;

export interface SourceMemoInput {
  /** As the parser resolved it (before following links). */
  path: string;
  digest: string;
}

export interface SourceMemo {
  v: typeof SOURCE_MEMO_VERSION;
  pipeline: string;
  /** The policy it was accepted under (`policyFingerprint`). */
  policy: string;
  /** The definition file, absolute (references resolve from its folder, links not followed). */
  file: string;
  digest: string;
  inputs: SourceMemoInput[];
  hash: string;
  /** Whether the definition has a `name` (the CLI registers named definitions on every build). */
  named: boolean;
  /** The parse warnings, redacted: replayed on a quick hit, so it says what a full run says. */
  warnings: WarningEvent[];
  /**
   * The definition's runtime `variables` as the parse gave them (`ParsedSpec.variables`: strings,
   * in its order), for a hit that reports them (the CLI's `build --json`). Absent when a name or
   * value holds a secret the engine masks: the memo records none.
   */
  variables?: Record<string, string> | undefined;
  /**
   * Targets the pipeline has `verify` taps for (artifacts outside the cache, such as images):
   * only the engine can check those, so the quick path leaves them to it.
   */
  verifiedTargets: string[];
  /**
   * Targets whose artifact would leave out a section of this definition (targets.ts): the engine
   * refuses them before any lookup, so the quick path never answers them (an entry an older
   * envforge built for one stays unserved).
   */
  unfitTargets: string[];
}

export interface SourceMemoKey {
  pipeline: string;
  file: string;
  /** `policyFingerprint(policy, limits)`: the whole host policy and the input limits in force. */
  policy: string;
}

export function sourceMemoPath(layoutRoot: string, key: SourceMemoKey): string {
  const id = cryptoHash("sha256", JSON.stringify([SOURCE_MEMO_VERSION, key.pipeline, key.file, key.policy]), "hex");
  return path.join(layoutRoot, "sources", id.slice(0, 2), `${id}.json`);
}

/**
 * Writes a quick-path record (a source memo, a registration receipt) atomically: a temporary file
 * in the cache's `tmp/` (which gc clears of what a killed writer left) renamed over it. No fsync:
 * a record lost in a crash only means the next process takes the long way. Best effort — a
 * failure is ignored for the same reason; `false` tells a caller that may warn (a read-only cache).
 */
export function writeQuickRecord(file: string, tmpDir: string, record: unknown): boolean {
  const tmp = path.join(tmpDir, `quick-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    mkdirSync(tmpDir, { recursive: true });
    writeFileSync(tmp, JSON.stringify(record));
    renameSync(tmp, file);
    return true;
  } catch {
    rmSync(tmp, { force: true });
    return false;
  }
}

/** The record at `file` when it is whole and for this key's pipeline, definition and policy. */
export function readSourceMemo(file: string, key: SourceMemoKey): SourceMemo | undefined {
  let data: unknown;
  try {
    data = JSON.parse(readRegularFileSync(file, "utf8")); // a FIFO there: no memo, never a wait
  } catch {
    return undefined;
  }
  if (typeof data !== "object" || data === null) return undefined;
  const m = data as Partial<SourceMemo>;
  if (m.v !== SOURCE_MEMO_VERSION || m.pipeline !== key.pipeline || m.file !== key.file || m.policy !== key.policy) return undefined;
  if (typeof m.digest !== "string" || typeof m.hash !== "string" || typeof m.named !== "boolean") return undefined;
  if (!isHash(m.hash)) return undefined;
  if (!Array.isArray(m.inputs) || !m.inputs.every((i) => typeof i?.path === "string" && typeof i.digest === "string")) return undefined;
  if (!Array.isArray(m.verifiedTargets) || !m.verifiedTargets.every((t) => typeof t === "string")) return undefined;
  if (!Array.isArray(m.unfitTargets) || !m.unfitTargets.every((t) => typeof t === "string")) return undefined;
  if (!Array.isArray(m.warnings) || !m.warnings.every((w) => w?.type === "warning" && typeof w.code === "string" && typeof w.message === "string")) return undefined;
  if (m.variables !== undefined && !isStringRecord(m.variables)) return undefined;
  return m as SourceMemo;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");
}

export function digestOf(bytes: Uint8Array): string {
  return cryptoHash("sha256", bytes, "hex");
}

/** What the engine knows after resolving a definition file, for `recordSourceMemo`. */
export interface ResolvedSource {
  file: string;
  /** The definition's digest and the files it referenced (all read from disk), from the parse. */
  digest: string | undefined;
  referenced: readonly { absolutePath: string; digest?: string | undefined }[];
  hash: string;
  named: boolean;
  warnings: WarningEvent[];
  /** `undefined`: not recorded (they hold a secret). */
  variables: Record<string, string> | undefined;
  verifiedTargets: string[];
  unfitTargets: string[];
}

/**
 * Records the memo of a resolved definition file; skipped when an input was not read from disk.
 * `false` when the write failed (best effort: the caller may warn).
 */
export function recordSourceMemo(layoutRoot: string, tmpDir: string, key: SourceMemoKey, source: ResolvedSource): boolean {
  if (source.digest === undefined || source.referenced.some((f) => f.digest === undefined)) return true;
  const file = sourceMemoPath(layoutRoot, key);
  const record = {
    v: SOURCE_MEMO_VERSION,
    pipeline: key.pipeline,
    policy: key.policy,
    file: source.file,
    digest: source.digest,
    inputs: source.referenced.map((f) => ({ path: f.absolutePath, digest: f.digest! })),
    hash: source.hash,
    named: source.named,
    warnings: source.warnings,
    variables: source.variables,
    verifiedTargets: source.verifiedTargets,
    unfitTargets: source.unfitTargets,
  };
  // A host building the same file again records what is there already: a read, not a write.
  if (sameRecord(file, record)) return true;
  return writeQuickRecord(file, tmpDir, record);
}

function sameRecord(file: string, record: unknown): boolean {
  try {
    return readRegularFileSync(file, "utf8") === JSON.stringify(record);
  } catch {
    return false;
  }
}
