import type { Command } from "commander";
import { createError, isHash, type CacheEntry, type Engine, type Hash } from "@envforge/core/plugin-kit";
import { Sizer } from "@envforge/workspace";
import { printJson, workspaceFor, type CommandContext } from "../context.js";
import { humanBytes } from "../human.js";
import { showImageDetails, type ImageDetailsFlags } from "./image-details.js";

/** Targets whose artifact is an image: `image-details` answers for them (engine, registry). */
const IMAGE_TARGETS = new Set(["docker", "podman"]);

interface DetailsFlags extends Omit<ImageDetailsFlags, "target"> {
  target?: string;
}

/** One local build as `details` shows it (`--json` prints these). */
export interface EntryDetails {
  hash: Hash;
  target: string;
  name: string | undefined;
  generation: number;
  builder: string;
  kind: string;
  path: string | undefined;
  /** Disk use of the artifact folder, hard links counted once (as `cache ls`). */
  sizeBytes: number | undefined;
  pythonVersion: string | undefined;
  packageCount: number;
  /** Locked packages per ecosystem (pip, conda, maven). */
  lock: Record<string, number>;
  created: string;
  buildDurationMs: number;
  /** A python-only venv: the sections it leaves out. */
  leftOut: string[] | undefined;
  logPath: string | undefined;
}

export function registerDetails(program: Command, ctx: CommandContext): void {
  program
    .command("details")
    .description("what a build holds: path, size on disk, Python version, packages, lock summary, created, builder, generation (images: as image-details)")
    .argument("<ref-or-hash>", "definition file or folder, NAME[@VERSION|:LABEL], curated:NAME, or an efh1: hash")
    .option("-t, --target <target>", "venv, conda, spark, docker, podman (default: every target built locally)")
    .option("-H, --host <url>", "image targets: the engine to ask (default: DOCKER_HOST / CONTAINER_HOST or the local socket)")
    .action(async (what: string, flags: DetailsFlags) => {
      const { engine, workspace } = workspaceFor(ctx, flags);
      const hash = isHash(what) ? (what as Hash) : (await workspace.definition(what)).hash;
      if (flags.target !== undefined && IMAGE_TARGETS.has(flags.target)) {
        await showImageDetails(ctx, engine, hash, { ...flags, target: flags.target });
        return;
      }
      const entries = await entriesOf(engine, hash, flags.target);
      if (entries.length === 0) {
        throw createError("E_NOT_FOUND", `${what} is not built${flags.target ? ` for the target ${flags.target}` : ""} in ${engine.cache.local.root}`, {
          hint: `build it first (envforge build ${what}${flags.target ? ` --target ${flags.target}` : ""}); envforge cache ls lists what is cached`,
        });
      }
      const details = await Promise.all(entries.map(entryDetails));
      if (flags.json) {
        printJson(ctx, flags.target === undefined ? details : details[0]);
        return;
      }
      ctx.io.out(details.map(render).join("\n"));
    });
}

async function entriesOf(engine: Engine, hash: Hash, target: string | undefined): Promise<CacheEntry[]> {
  if (target !== undefined) {
    const { entry } = await engine.cache.local.get({ hash, target });
    return entry ? [entry] : [];
  }
  return (await engine.cache.local.list()).filter((e) => e.hash === hash).sort((a, b) => a.target.localeCompare(b.target));
}

export async function entryDetails(entry: CacheEntry): Promise<EntryDetails> {
  const { artifact } = entry;
  const details = artifact.details ?? {};
  const packages = entry.lock?.packages ?? [];
  const lock: Record<string, number> = {};
  for (const p of packages) lock[p.ecosystem] = (lock[p.ecosystem] ?? 0) + 1;
  // A venv records its interpreter's version; a conda prefix locks the python package it holds.
  const pythonVersion =
    typeof details.pythonVersion === "string" ? details.pythonVersion : packages.find((p) => p.name === "python" && p.ecosystem === "conda")?.version;
  return {
    hash: entry.hash,
    target: entry.target,
    name: entry.name,
    generation: entry.generation,
    builder: entry.builder,
    kind: artifact.kind,
    path: artifact.path,
    sizeBytes: artifact.path !== undefined ? await new Sizer().size(artifact.path) : artifact.sizeBytes,
    pythonVersion,
    packageCount: packages.length,
    lock,
    created: entry.timings.finishedAt,
    buildDurationMs: entry.timings.durationMs,
    leftOut: Array.isArray(details.leftOut) ? (details.leftOut as string[]) : undefined,
    logPath: entry.logPath,
  };
}

function render(d: EntryDetails): string {
  const lock = Object.entries(d.lock)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ecosystem, n]) => `${n} ${ecosystem}`)
    .join(", ");
  const rows: [string, string | undefined][] = [
    ["hash", d.hash],
    ["target", d.target],
    ["name", d.name],
    ["path", d.path],
    ["size", d.sizeBytes === undefined ? undefined : humanBytes(d.sizeBytes)],
    ["python", d.pythonVersion],
    ["packages", String(d.packageCount)],
    ["lock", lock || "(no packages locked)"],
    ["created", d.created],
    ["build time", `${(d.buildDurationMs / 1000).toFixed(1)} s`],
    ["builder", d.builder],
    ["generation", String(d.generation)],
    ["python-only", d.leftOut ? `left out: ${d.leftOut.join(", ")}` : undefined],
    ["log", d.logPath],
  ];
  return rows
    .filter((r): r is [string, string] => r[1] !== undefined)
    .map(([k, v]) => `${k.padEnd(11)} ${v}\n`)
    .join("");
}
