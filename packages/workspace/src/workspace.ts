import path from "node:path";
import {
  createError,
  isEnvforgeError,
  type EnvforgeError,
  readOnlyWarning,
  type BuildRequest,
  type BuildResult,
  type CacheKey,
  type CanonicalSpec,
  type Engine,
  type Explanation,
  type Hash,
  type Lock,
  type ParsedSpec,
  type SpecSource,
} from "@envforge/core/plugin-kit";
import { check, type CheckOptions, type ReproducibilityReport } from "./check.js";
import { defaultTarget, definitionLock, latestEntry, lockPackagesOf } from "./check-resolved.js";
import { curatedEnvironment, listCurated } from "./curated.js";
import {
  captureDefinition,
  definitionOf,
  documentText,
  safeRelativePath,
  withDefinitionSource,
  type EnvironmentDefinition,
} from "./definition.js";
import { lockDrift, type LockDrift } from "./drift.js";
import { gc, type Discarder, type GcOptions, type GcReport } from "./gc/gc.js";
import { removeEntry, type RemoveEntryOptions, type RemoveEntryReport } from "./gc/remove-entry.js";
import { saveDefinition, type SaveOptions } from "./io.js";
import { pin, type PinResult } from "./pin.js";
import { resolveReference, type Resolved } from "./reference.js";
import { FileRegistry } from "./registry/file-registry.js";
import type { EnvironmentRecord, EnvironmentRegistry, RegisterResult, RegistryWarning } from "./registry/types.js";
import { writeFileAtomic } from "./write-atomic.js";

export type { Resolved } from "./reference.js";

export interface WorkspaceOptions {
  engine: Engine;
  /** Default: the file registry beside the engine's cache (`<cacheDir>/registry`). */
  registry?: EnvironmentRegistry | undefined;
  /** Register named definitions when they are built (default true). */
  autoRegister?: boolean | undefined;
  /** Registry warnings (damage it recovered from). Default: emitted as engine `warning` events. */
  onWarning?: ((warning: RegistryWarning) => void) | undefined;
  /** What relative references are relative to (a CLI's working directory). Default: `process.cwd()`. */
  cwd?: string | undefined;
}

export interface WorkspaceBuildResult {
  result: BuildResult;
  /** The definition as parsed for this build: its runtime `variables`, for `run` and `--json`. */
  spec?: ParsedSpec | undefined;
  /** What the reference resolved to. */
  resolved: Resolved;
  /** The registered version the build belongs to (registered now, or the one built by name). */
  record?: EnvironmentRecord | undefined;
  /** Why auto-registration did not happen although the definition is named (e.g. E_CONFLICT). */
  registerError?: EnvforgeError | undefined;
  /** For `rebuild`: what moved between the previous generation's lock and the new one. */
  drift?: LockDrift | undefined;
  /** For `rebuild`: the generation that was current before (kept until garbage-collected). */
  previousGeneration?: number | undefined;
}

/**
 * Named, versioned environments over an engine: a reference is `curated:<name>`, a definition
 * file, or a registered `NAME[@VERSION|:LABEL]`. Everything a CLI command needs is one call.
 */
export class Workspace {
  readonly engine: Engine;
  readonly registry: EnvironmentRegistry;
  readonly cacheDir: string;
  readonly #autoRegister: boolean;
  readonly #cwd: string | undefined;

  constructor(options: WorkspaceOptions) {
    this.engine = options.engine;
    this.cacheDir = options.engine.cacheDir;
    const onWarning =
      options.onWarning ?? ((w: RegistryWarning) => this.engine.emit({ type: "warning", code: w.code, message: w.message, hint: w.hint }));
    this.registry = options.registry ?? FileRegistry.beside(this.cacheDir, { onWarning });
    this.#autoRegister = options.autoRegister ?? true;
    this.#cwd = options.cwd;
  }

  /** A file, a folder holding a definition, `NAME[@VERSION|:LABEL]` or `curated:NAME` (reference.ts: the one resolver). */
  async resolve(ref: string): Promise<Resolved> {
    return resolveReference(ref, { cwd: this.#cwd, registry: this.registry });
  }

  /** Runs `use` with an engine source for any reference (a registered definition's files stay readable meanwhile). */
  async withSource<T>(ref: string, use: (source: SpecSource, resolved: Resolved) => Promise<T>): Promise<T> {
    const resolved = await this.resolve(ref);
    if (resolved.kind !== "registry") return use(resolved.source, resolved);
    return withDefinitionSource(resolved.record.definition, (source) => use(source, resolved), `${resolved.record.name}@${resolved.record.version}`);
  }

  /** The self-contained definition behind a reference. */
  async definition(ref: string): Promise<{ definition: EnvironmentDefinition; hash: Hash }> {
    const resolved = await this.resolve(ref);
    if (resolved.kind === "registry") return { definition: resolved.record.definition, hash: resolved.record.hash };
    const captured = await captureDefinition(this.engine, resolved.source);
    return { definition: captured.definition, hash: captured.result.hash };
  }

  /** `envforge register FILE [--name N] [--version V] [--label L]`. */
  async register(
    ref: string,
    options: { name?: string; version?: string; labels?: string[] } = {},
    known?: { definition: EnvironmentDefinition; hash: Hash },
  ): Promise<RegisterResult> {
    const resolved = await this.resolve(ref);
    // `known`: the caller already parsed the definition (a build), so it is not read twice.
    const { definition, hash } = known ?? (await this.definition(ref));
    const name =
      options.name ??
      (resolved.kind === "curated" ? curatedEnvironment(ref).registryName : undefined) ??
      (typeof definition.document.name === "string" ? definition.document.name : undefined);
    if (!name) {
      throw createError("E_MISSING_FIELD", "the definition has no name to register it under", { field: "name", hint: "add `name:` to the file, or pass a name (envforge register FILE --name NAME)" });
    }
    // A file's (or curated definition's) own `version:` is honoured; a registered one is copied as new.
    const version = options.version ?? (resolved.kind !== "registry" && definition.document.version !== undefined ? String(definition.document.version) : undefined);
    return this.registry.register({ name, version, hash, definition, labels: options.labels, curated: resolved.kind === "curated" });
  }

  /** `envforge diff A B`: which canonical fields differ (refs of any kind, e.g. train@1 train@2). */
  async diff(a: string, b: string): Promise<Explanation> {
    return this.withSource(a, (sa) => this.withSource(b, (sb) => this.engine.explain(sa, sb)));
  }

  /** `envforge save REF DIR`: the definition and its files, ready to build elsewhere. */
  async save(ref: string, dir: string, options: SaveOptions = {}): Promise<{ file: string; files: string[]; hash: Hash }> {
    const { definition, hash } = await this.definition(ref);
    return { ...(await saveDefinition(definition, dir, options)), hash };
  }

  /**
   * `envforge build REF`: builds (or finds) it; a named file definition is registered
   * afterwards. With `rebuild`, a new generation is built and its lock compared with the
   * previous generation's (the drift preview); the old generation answers until the new one is
   * stored and stays on disk until garbage collection.
   */
  async build(ref: string, request: BuildRequest, options: { register?: boolean | undefined } = {}): Promise<WorkspaceBuildResult> {
    return this.withSource(ref, async (source, resolved) => {
      const { parsed, result: hashed } = await this.engine.resolve(source);
      const before = request.rebuild ? (await this.engine.cache.local.get({ hash: hashed.hash, target: request.target })).entry : undefined;
      const result = await this.engine.build(parsed, request);
      const out: WorkspaceBuildResult = { result, resolved, spec: parsed };
      if (request.rebuild) {
        out.drift = lockDrift(before?.lock, result.entry.lock);
        out.previousGeneration = before?.generation;
      }
      if (resolved.kind === "registry") out.record = resolved.record;
      else if (resolved.kind === "file" && parsed.identity.name && (options.register ?? this.#autoRegister)) {
        try {
          const captured = await definitionOf(parsed, hashed, source);
          out.record = (await this.register(resolved.path, {}, { definition: captured.definition, hash: hashed.hash })).record;
        } catch (error) {
          if (!isEnvforgeError(error)) throw error;
          out.registerError = error;
          const errno = error.code === "E_CACHE_IO" ? error.details?.errno : undefined;
          if (errno === "EROFS" || errno === "EACCES") {
            // A read-only cache still answers: registration is skipped, with one warning per process.
            const warning = readOnlyWarning(this.cacheDir, errno);
            if (warning) this.engine.emit(warning);
            const latest = await this.registry.get(parsed.identity.name).catch(() => undefined);
            if (latest?.hash === hashed.hash) out.record = latest;
          } else this.engine.emit({ type: "warning", code: error.code, message: `built, but not registered: ${error.message}`, hint: error.hint });
        }
      }
      return out;
    });
  }

  /**
   * `envforge pin FILE [--target T]`: rewrites the file (and the requirements/conda files it
   * references) with the versions its last build locked. Returns the old and new hashes.
   */
  async pinFile(file: string, options: { target?: string | undefined; lock?: Lock | undefined } = {}): Promise<PinResult & { before: Hash; after: Hash; written: string[] }> {
    const captured = await captureDefinition(this.engine, { path: path.resolve(file) });
    const lock = options.lock ?? (await this.#lockOf(captured, options.target));
    const pinned = await pin(this.engine, captured.definition, lock);
    const dir = captured.parsed.loaded.dir;
    const written: string[] = [];
    for (const [rel, content] of Object.entries(pinned.definition.files)) {
      if (captured.definition.files[rel] === content) continue;
      const target = path.join(dir, ...safeRelativePath(rel).split("/"));
      await writeFileAtomic(target, content);
      written.push(target);
    }
    const text = documentText(pinned.definition);
    if (text !== documentText(captured.definition)) {
      await writeFileAtomic(path.resolve(file), text);
      written.unshift(path.resolve(file));
    }
    const after = await this.engine.hash({ path: path.resolve(file) });
    return { ...pinned, before: captured.result.hash, after: after.hash, written };
  }

  /**
   * `envforge pin NAME[@V|:LABEL]` or `pin curated:NAME`: a registered version (or a shipped
   * definition) is immutable, so its pinned form is registered as the name's next version,
   * with the versions its last build locked. Returns the old and new hashes and the new record.
   */
  async pinRegistered(
    ref: string,
    options: { target?: string | undefined; labels?: string[] | undefined } = {},
  ): Promise<PinResult & { before: Hash; after: Hash; record: RegisterResult }> {
    const resolved = await this.resolve(ref);
    if (resolved.kind === "file") throw new Error(`pinRegistered: ${ref} is a file; use pinFile`);
    const { definition, hash } = await this.definition(ref);
    const resolvedSpec = await withDefinitionSource(definition, (source) => this.engine.resolve(source));
    const lock = await this.#lockOf(resolvedSpec, options.target);
    const pinned = await pin(this.engine, definition, lock);
    const label = resolved.kind === "registry" ? `${resolved.record.name}@${resolved.record.version}` : ref;
    const after = await withDefinitionSource(pinned.definition, (source) => this.engine.hash(source), `${label} (pinned)`);
    const name = resolved.kind === "registry" ? resolved.record.name : curatedEnvironment(ref).registryName;
    const record = await this.registry.register({ name, hash: after.hash, definition: pinned.definition, labels: options.labels, curated: resolved.kind === "curated" });
    return { ...pinned, before: hash, after: after.hash, record };
  }

  /**
   * What `pin` writes from: the named target's current build (its resolved set); without a
   * target, the definition's lock file when it has one, else its default target's build — never
   * the newest build of any target.
   */
  async #lockOf(resolved: { parsed: ParsedSpec; result: { hash: Hash; canonical: CanonicalSpec } }, named: string | undefined): Promise<Lock> {
    const { parsed, result } = resolved;
    const file = definitionLock(parsed);
    if (named === undefined && file !== undefined) return lockPackagesOf(file);
    const target = named ?? defaultTarget(this.engine, parsed, result.canonical);
    const entry = await latestEntry(this.engine, result.hash, target);
    if (!entry?.lock?.packages.length) {
      throw createError("E_NOT_FOUND", `no ${target} build of ${result.hash} with a lock was found in ${this.cacheDir}${named === undefined ? ` (${target} is the definition's default target)` : ""}`, {
        hint: `build it first (envforge build REF --target ${target}): the build records what it resolved, which pin writes back; or name the target whose build to read (--target T), or lock the definition (envforge lock)`,
      });
    }
    return entry.lock;
  }

  /** `envforge check REF [--min-score N]`. */
  async check(ref: string, options: CheckOptions & { target?: string | undefined } = {}): Promise<ReproducibilityReport> {
    return this.withSource(ref, (source) => check(this.engine, source, options));
  }

  /**
   * `envforge cache gc`: registered, non-archived environments and the curated ones are roots.
   * What a collected entry made outside the cache (an image) goes through core's `hooks.discard`
   * of its target (`registryTags`: sets `ctx.registry`, for a plugin that removes registry tags:
   * the registry cache does, `cache gc --registry`).
   */
  async gc(options: Omit<GcOptions, "registry" | "discard"> & { registryTags?: boolean | undefined } = {}): Promise<GcReport> {
    const roots = new Set<Hash>(options.roots ?? []);
    for (const curated of listCurated()) {
      // A curated environment whose plugins are not loaded has no build here to keep.
      const hash = await this.engine.hash({ path: curated.path }).then((r) => r.hash, () => undefined);
      if (hash) roots.add(hash);
    }
    const report = await gc(this.cacheDir, { ...options, registry: this.registry, roots, discard: this.#discard(options.registryTags) });
    // This process's memory tier must not answer for an entry that is gone from disk.
    if (!report.dryRun) {
      for (const item of report.removed) {
        if (item.kind === "entry" && item.hash && item.target) this.engine.cache.memory.delete({ hash: item.hash, target: item.target });
      }
    }
    return report;
  }

  /**
   * `envforge cache rm REF --target T`: the current entry of one key and its artifact (with
   * `allGenerations`, every generation); this process's memory tier stops serving it.
   */
  async removeEntry(key: CacheKey, options: Omit<RemoveEntryOptions, "discard"> & { registryTags?: boolean | undefined } = {}): Promise<RemoveEntryReport> {
    const report = await removeEntry(this.cacheDir, key, { ...options, discard: this.#discard(options.registryTags) });
    if (!report.dryRun && report.removed.some((item) => item.kind === "entry")) this.engine.cache.memory.delete(key);
    return report;
  }

  /** Core's `hooks.discard` of the entry's target, when a plugin taps it. */
  #discard(registry: boolean | undefined): Discarder {
    const hooks = this.engine.hooks.discard;
    return {
      covers: (target) => hooks.get(target)?.isUsed() ?? false,
      remove: async (entry) => hooks.get(entry.target)?.promise(entry, { registry: registry ?? false }),
    };
  }
}
