import { isDeepStrictEqual } from "node:util";
import { createError, type Hash } from "@envforge/core/plugin-kit";
import { withIdentity, type EnvironmentDefinition } from "../definition.js";
import { checkLabel, checkName, checkVersion, formatRef, LATEST, parseRef, type EnvironmentRef } from "./refs.js";
import type { EnvironmentRecord, EnvironmentSummary, ListOptions, RegisterInput } from "./types.js";

/**
 * The registry as data, and every change to it as an operation applied by a pure function. The
 * file registry journals operations and snapshots the state; a host's own store can reuse both.
 */
export interface StoredVersion {
  version: string;
  hash: Hash;
  definition: EnvironmentDefinition;
  createdAt: string;
  archived: boolean;
}

export interface StoredEnvironment {
  /** In registration order: `latest` is the last one not archived. */
  versions: StoredVersion[];
  /** User labels → version. */
  labels: Record<string, string>;
}

export interface RegistryState {
  format: 1;
  /** Sequence number of the last operation applied. */
  seq: number;
  environments: Record<string, StoredEnvironment>;
}

export type RegistryOperation =
  | { op: "register"; name: string; version: StoredVersion; labels: string[] }
  | { op: "label"; name: string; label: string; version: string | null }
  | { op: "archive"; name: string; versions: string[]; archived: boolean }
  | { op: "rename"; from: string; to: string };

export function emptyState(): RegistryState {
  return { format: 1, seq: 0, environments: {} };
}

/** Applies one operation in place. Operations were validated when planned; replay trusts them. */
export function applyOperation(state: RegistryState, operation: RegistryOperation): void {
  switch (operation.op) {
    case "register": {
      const env = (state.environments[operation.name] ??= { versions: [], labels: {} });
      env.versions.push(operation.version);
      for (const label of operation.labels) env.labels[label] = operation.version.version;
      return;
    }
    case "label": {
      const env = state.environments[operation.name];
      if (!env) return;
      if (operation.version === null) delete env.labels[operation.label];
      else env.labels[operation.label] = operation.version;
      return;
    }
    case "archive": {
      const env = state.environments[operation.name];
      for (const v of env?.versions ?? []) if (operation.versions.includes(v.version)) v.archived = operation.archived;
      return;
    }
    case "rename": {
      const env = state.environments[operation.from];
      if (!env) return;
      delete state.environments[operation.from];
      state.environments[operation.to] = {
        labels: env.labels,
        versions: env.versions.map((v) => ({ ...v, definition: withIdentity(v.definition, operation.to, v.version) })),
      };
      return;
    }
  }
}

/** What a register call does: an operation to commit, or the existing record (a no-op). */
export function planRegister(
  state: RegistryState,
  input: RegisterInput,
  now: Date,
): { operation?: RegistryOperation; record: EnvironmentRecord } {
  const name = checkName(input.name, { curated: input.curated });
  const labels = (input.labels ?? []).map((l) => checkLabel(l));
  const env = state.environments[name];
  const versions = env?.versions ?? [];
  const given = input.version === undefined ? undefined : checkVersion(String(input.version));
  if (given !== undefined) {
    const existing = versions.find((v) => v.version === given);
    if (existing) {
      if (sameDefinition(existing, input.hash, input.definition)) return { record: toRecord(state, name, existing) };
      throw createError("E_CONFLICT", `${name}@${given} is already registered with a different definition (${existing.hash})`, {
        hint: "registered versions are immutable: register without a version to get the next one, or choose a new version",
      });
    }
  } else {
    const latest = latestOf(env);
    if (latest && sameDefinition(latest, input.hash, input.definition) && labels.every((l) => env?.labels[l] === latest.version)) {
      return { record: toRecord(state, name, latest) };
    }
  }
  const version = given ?? nextVersion(versions);
  const stored: StoredVersion = {
    version,
    hash: input.hash,
    definition: withIdentity(input.definition, name, version),
    createdAt: now.toISOString(),
    archived: false,
  };
  const operation: RegistryOperation = { op: "register", name, version: stored, labels };
  const preview = structuredClone(state);
  applyOperation(preview, operation);
  return { operation, record: toRecord(preview, name, stored) };
}

/** Next integer version: one past the largest integer version so far. */
function nextVersion(versions: StoredVersion[]): string {
  let max = 0;
  for (const v of versions) if (/^\d+$/.test(v.version)) max = Math.max(max, Number(v.version));
  return String(max + 1);
}

/** Identity fields (name, version) are not part of what a version is: they are set by the registry. */
function sameDefinition(stored: StoredVersion, hash: Hash, definition: EnvironmentDefinition): boolean {
  if (stored.hash !== hash) return false;
  const strip = (d: EnvironmentDefinition) => {
    const { name: _n, version: _v, ...rest } = d.document;
    return { document: rest, files: d.files };
  };
  return isDeepStrictEqual(strip(stored.definition), strip(definition));
}

export function latestOf(env: StoredEnvironment | undefined): StoredVersion | undefined {
  if (!env) return undefined;
  for (let i = env.versions.length - 1; i >= 0; i--) if (!env.versions[i]!.archived) return env.versions[i];
  return undefined;
}

export function toRecord(state: RegistryState, name: string, stored: StoredVersion): EnvironmentRecord {
  const env = state.environments[name]!;
  const labels = Object.entries(env.labels)
    .filter(([, v]) => v === stored.version)
    .map(([l]) => l)
    .sort();
  if (latestOf(env)?.version === stored.version) labels.unshift(LATEST);
  return {
    name,
    version: stored.version,
    hash: stored.hash,
    definition: structuredClone(stored.definition),
    createdAt: stored.createdAt,
    labels,
    archived: stored.archived,
  };
}

/** Finds the version a reference names, or throws `E_NOT_FOUND` saying what exists. */
export function resolveRef(state: RegistryState, ref: string | EnvironmentRef): { name: string; stored: StoredVersion } {
  const parsed = typeof ref === "string" ? parseRef(ref) : ref;
  const env = state.environments[parsed.name];
  if (!env || env.versions.length === 0) {
    const known = Object.keys(state.environments).sort();
    throw createError("E_NOT_FOUND", `no environment named "${parsed.name}" is registered`, {
      hint: known.length > 0 ? `registered: ${known.slice(0, 20).join(", ")}` : "the registry is empty: register one first",
    });
  }
  let stored: StoredVersion | undefined;
  if (parsed.kind === "latest") stored = latestOf(env);
  else if (parsed.kind === "version") stored = env.versions.find((v) => v.version === parsed.version);
  else {
    const version = env.labels[parsed.label];
    stored = version === undefined ? undefined : env.versions.find((v) => v.version === version);
  }
  if (!stored) {
    const labels = [LATEST, ...Object.keys(env.labels).sort()];
    throw createError("E_NOT_FOUND", parsed.kind === "latest"
          ? `every version of "${parsed.name}" is archived`
          : `"${formatRef(parsed)}" is not registered`, {
      hint:
        parsed.kind === "latest"
          ? `restore one (versions: ${env.versions.map((v) => v.version).join(", ")}) or name a version with ${parsed.name}@VERSION`
          : `versions: ${env.versions.map((v) => v.version).join(", ")}; labels: ${labels.join(", ")}`,
    });
  }
  return { name: parsed.name, stored };
}

export function planLabel(state: RegistryState, name: string, label: string, version: string | null): RegistryOperation {
  checkLabel(label);
  if (version === null) {
    if (state.environments[name]?.labels[label] === undefined) {
      throw createError("E_NOT_FOUND", `"${name}" has no label "${label}"`);
    }
  } else resolveRef(state, { name, kind: "version", version });
  return { op: "label", name, label, version };
}

export function planArchive(state: RegistryState, ref: string, archived: boolean): { operation: RegistryOperation; name: string; versions: string[] } {
  const parsed = parseRef(ref);
  let versions: string[];
  if (parsed.kind === "latest" && !ref.includes("@") && !ref.includes(":")) {
    // A bare name means the whole environment, whatever state its versions are in.
    const env = state.environments[parsed.name];
    if (!env) resolveRef(state, parsed);
    versions = env!.versions.map((v) => v.version);
  } else versions = [resolveRef(state, parsed).stored.version];
  return { operation: { op: "archive", name: parsed.name, versions, archived }, name: parsed.name, versions };
}

export function planRename(state: RegistryState, from: string, to: string): RegistryOperation {
  if (!state.environments[from]) resolveRef(state, { name: from, kind: "latest" });
  checkName(to);
  if (state.environments[to]) {
    throw createError("E_CONFLICT", `an environment named "${to}" is already registered`, {
      hint: "choose a name that is not in use, or archive the other environment and pick a new name",
    });
  }
  return { op: "rename", from, to };
}

export function summaries(state: RegistryState, options: ListOptions = {}): EnvironmentSummary[] {
  const out: EnvironmentSummary[] = [];
  for (const name of Object.keys(state.environments).sort()) {
    const env = state.environments[name]!;
    const latest = latestOf(env);
    if (!latest && !options.includeArchived) continue;
    const labels: Record<string, string> = { ...env.labels };
    if (latest) labels[LATEST] = latest.version;
    const last = env.versions[env.versions.length - 1];
    out.push({
      name,
      latest: latest?.version,
      hash: latest?.hash,
      versions: options.includeArchived ? env.versions.length : env.versions.filter((v) => !v.archived).length,
      labels,
      archived: !latest,
      updatedAt: last?.createdAt ?? "",
    });
  }
  return out;
}

export function versionRecords(state: RegistryState, name: string, options: ListOptions = {}): EnvironmentRecord[] {
  const env = state.environments[name];
  if (!env) resolveRef(state, { name, kind: "latest" });
  return env!.versions.filter((v) => options.includeArchived || !v.archived).map((v) => toRecord(state, name, v));
}

export function liveHashes(state: RegistryState): Set<Hash> {
  const out = new Set<Hash>();
  for (const env of Object.values(state.environments)) for (const v of env.versions) if (!v.archived) out.add(v.hash);
  return out;
}
