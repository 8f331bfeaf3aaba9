import { parseEntry } from "../cache/entry-schema.js";
import { DEFAULT_LOCK_STALE_MS } from "../cache/local-store.js";
import type { CacheEntry, CacheKey } from "../cache/types.js";
import { createError } from "../errors/factories.js";
import { readRegularFileSync } from "../files/regular-file.js";
import type { EngineCore } from "./core.js";

/** One generation of a (hash, target) in the local store, as `engine.generations` reports it. */
export interface GenerationInfo {
  generation: number;
  /** The current entry: what a lookup serves. */
  current: boolean;
  /** Its entry, when the entry file can be read (also when its artifact is gone). */
  entry?: CacheEntry | undefined;
  /** Whether it can be served: entry readable, artifact present and as sealed, and no `verify` tap says it is gone. */
  present: boolean;
  /** Why not, when it is not present. */
  problem?: string | undefined;
}

/**
 * Rollback over the generations the local store keeps (a rebuild makes generation n+1 and keeps
 * n under `generations/`): list them, serve one (`BuildRequest.generation`), make one current
 * again (`promote`). Only the local store keeps generations; other tiers know the current one.
 */
export function generationStages(core: EngineCore) {
  async function generations(key: CacheKey): Promise<GenerationInfo[]> {
    const local = core.local;
    const current = await local.get(key);
    const currentNumber = current.entry?.generation ?? rawCurrentGeneration(core, key);
    const numbers = new Set(await local.replacedGenerations(key));
    if (currentNumber !== undefined) numbers.add(currentNumber);
    const out: GenerationInfo[] = [];
    for (const n of [...numbers].sort((a, b) => a - b)) {
      const read = n === currentNumber ? current : await local.getGeneration(key, n);
      let problem = read.miss?.corrupt ?? (read.entry ? await artifactGone(core, read.entry) : "its entry file is gone");
      const entry = read.entry ?? rawEntry(core, key, n);
      if (!read.entry && !problem) problem = "its entry cannot be read";
      out.push({ generation: n, current: n === currentNumber, entry, present: problem === undefined, problem });
    }
    return out;
  }

  /** Generation n's entry, checked as any hit is; E_NOT_FOUND (naming what exists) when it cannot be served. */
  async function serve(key: CacheKey, generation: number): Promise<CacheEntry> {
    checkGeneration(generation);
    const read = await core.local.getGeneration(key, generation);
    const problem = read.miss?.corrupt ?? (read.entry ? await artifactGone(core, read.entry) : undefined);
    if (read.entry && problem === undefined) return read.entry;
    const all = await generations(key);
    const servable = all.filter((g) => g.present).map((g) => g.generation);
    const known = all.map((g) => `${g.generation}${g.current ? " (current)" : ""}${g.present ? "" : " (gone)"}`);
    throw createError(
      "E_NOT_FOUND",
      `generation ${generation} of ${key.target} ${key.hash} ${problem === undefined ? "does not exist" : `cannot be served: ${problem}`}`,
      {
        hint:
          all.length === 0
            ? "nothing of this hash and target is cached: build it first"
            : `generations kept: ${known.join(", ")}${servable.length > 0 ? `; servable: ${servable.join(", ")}` : ""}`,
        details: { generations: all.map((g) => ({ generation: g.generation, current: g.current, present: g.present })) },
      },
    );
  }

  /**
   * Makes generation n current again under the key's build lock (a concurrent build waits, then
   * finds it): the current entry is kept as a generation, n's entry becomes the entry file
   * atomically, and this process's memory tier serves n from now on (other processes' memory
   * tiers see the entry file change at their next re-check, within a second).
   */
  async function promote(key: CacheKey, generation: number): Promise<CacheEntry> {
    if (core.options.readOnly) {
      throw createError("E_INVALID_VALUE", `this engine is read-only (a dry run): it does not promote generation ${generation}`, { hint: "promote with an engine without readOnly" });
    }
    checkGeneration(generation);
    const release = await core.local.lock(key, undefined, { staleMs: core.options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS });
    try {
      const entry = await serve(key, generation);
      const current = (await core.local.get(key)).entry;
      if (current?.generation !== generation) {
        await core.local.promote(entry);
        await pointNamesAt(core, entry);
      }
      core.memory.delete(key);
      core.memory.put(entry);
      return entry;
    } finally {
      await release().catch(() => undefined);
    }
  }

  return { generations, serve, promote };
}

/** The target's `promote` taps (an image's tags moved back to it); a failure warns, the promote stands. */
async function pointNamesAt(core: EngineCore, entry: CacheEntry): Promise<void> {
  const hook = core.hooks.promote.get(entry.target);
  if (!hook?.isUsed()) return;
  await hook.promise(entry).catch((cause: unknown) =>
    core.emit({
      type: "warning",
      code: "W_PROMOTE_INCOMPLETE",
      message: `generation ${entry.generation} of ${entry.target} ${entry.hash} is current again, but ${(cause as Error).message}`,
      hint: "run and shell use the promoted image by its ID; tag it by hand for other tools",
    }),
  );
}

function checkGeneration(generation: number): void {
  if (!Number.isInteger(generation) || generation < 1) {
    throw createError("E_INVALID_VALUE", `generation ${String(generation)} is not valid: generations are numbered from 1`, { field: "generation", hint: "e.g. generation 1" });
  }
}

/** What a target's `verify` taps say of an artifact outside the cache folder (an image removed from its engine). */
async function artifactGone(core: EngineCore, entry: CacheEntry): Promise<string | undefined> {
  const hook = core.hooks.verify.get(entry.target);
  return hook?.isUsed() ? hook.promise(entry) : undefined;
}

/** The current entry file's generation even when its artifact is gone (listed, marked gone). */
function rawCurrentGeneration(core: EngineCore, key: CacheKey): number | undefined {
  return rawEntry(core, key)?.generation;
}

/** An entry file read without any check, for listing only; `generation` given: the replaced one. */
function rawEntry(core: EngineCore, key: CacheKey, generation?: number): CacheEntry | undefined {
  const file = generation === undefined ? core.local.entryPath(key) : core.local.generationPath(key, generation);
  const current = generation === undefined ? undefined : rawEntry(core, key);
  if (current?.generation === generation) return current;
  return readRaw(file, key);
}

function readRaw(file: string, key: CacheKey): CacheEntry | undefined {
  try {
    const entry = parseEntry(readRegularFileSync(file, "utf8"));
    return entry && entry.hash === key.hash && entry.target === key.target ? entry : undefined;
  } catch {
    return undefined;
  }
}
