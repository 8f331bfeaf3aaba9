import { readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import {
  createError,
  diffLocks,
  formatLock,
  formatLockChange,
  LOCK_SECTION,
  lockPathFor,
  parseLockText,
  resolveLock,
  type EnvLock,
} from "@envforge/core/plugin-kit";
import { builderOptionsOf, type BuildRequestFlags } from "../build-request.js";
import { addFlags } from "../flag-options.js";
import { BUILD_REQUEST_FLAGS } from "../flag-table.js";
import { resolvePath, workspaceFor, type CommandContext } from "../context.js";
import { requirementsWithHashes } from "../lock-export.js";

interface LockFlags extends BuildRequestFlags {
  output?: string;
  pythonVersion?: string;
  platform?: string;
  export?: string;
  check?: boolean;
  dryRun?: boolean;
  upgrade?: boolean;
  upgradePackage: string[];
}

/** The index flags a build takes: the lock resolves where the build will fetch from. */
const INDEX_FLAGS = BUILD_REQUEST_FLAGS.filter((f) => /--option|--find-links|--index-url|--no-index/.test(f.flags));

/**
 * `envforge lock REF`: resolves every section completely (pip's resolver, conda's solver, Ivy,
 * the base image's digest) without building, and writes the lock beside the definition
 * (`env.yaml` → `env.lock`; LOCK.md).
 */
export function registerLock(program: Command, ctx: CommandContext): void {
  const command = program
    .command("lock")
    .description("resolve every package of a definition without building; writes the lock beside it (env.yaml → env.lock)")
    .argument("<ref>", "a definition file or folder, NAME[@VERSION|:LABEL], or curated:NAME")
    .option("--output <file>", "write the lock here (default: beside the definition; stdout for a registered one)")
    .option("--python-version <version>", "resolve for this Python (an image's lock): pip resolves binary-only")
    .option("--platform <platform>", "resolve for this platform (linux-x86_64, linux-aarch64…): pip resolves binary-only")
    .option("--export <format>", "print the lock as `requirements` (pip, with --hash lines) instead of writing it")
    .option("--check", "exit 1, naming what differs, when the lock no longer matches a fresh resolution")
    .option("--dry-run", "print what would move and write nothing")
    .option("--upgrade", "re-resolve everything (default: keep what is locked while it still resolves)")
    .option("--upgrade-package <name>", "re-resolve this package only (repeatable)", (v: string, p: string[]) => [...p, v], []);
  addFlags(command, INDEX_FLAGS);
  command.action(async (ref: string, flags: LockFlags) => {
    const { engine, workspace } = workspaceFor(ctx, flags);
    const resolved = await workspace.resolve(ref);
    // A file's lock lives beside it; a registered or curated definition's goes to --output or stdout.
    const file = resolved.kind === "file" ? resolved.path : undefined;
    const lockFile = flags.output !== undefined ? resolvePath(ctx.io, flags.output) : file !== undefined ? lockPathFor(file) : undefined;
    // The lock the definition has now: the one at --output, else the one it was read with
    // (beside the file, or stored with a registered version).
    const current = await workspace.withSource(ref, async (source) => (await engine.resolve(source)).parsed.sections[LOCK_SECTION] as EnvLock | undefined);
    const previous = (flags.output !== undefined && lockFile !== undefined ? await readLock(lockFile) : undefined) ?? current;

    if (flags.export !== undefined) {
      if (flags.export !== "requirements") {
        throw createError("E_INVALID_VALUE", `--export ${flags.export}: the format is not known`, { hint: "--export requirements" });
      }
      if (!previous) throw createError("E_NOT_FOUND", `${ref} has no lock to export`, { hint: `write it first: envforge lock ${ref}` });
      ctx.io.out(requirementsWithHashes(previous));
      return;
    }

    const fresh = await workspace.withSource(ref, async (source) => {
      const found = await engine.resolve(source);
      return resolveLock(engine, found, {
        python: flags.pythonVersion,
        platform: flags.platform ?? previous?.platform,
        previous,
        upgrade: flags.upgrade === true,
        upgradePackages: flags.upgradePackage,
        builderOptions: builderOptionsOf(ctx, flags),
        signal: ctx.interrupt.signal(),
      });
    });
    for (const section of fresh.unlocked) ctx.io.err(`warning: no loaded plugin locks the section ${section}: its packages are not in the lock\n`);
    const changes = diffLocks(previous, fresh.lock);
    if (flags.check) {
      if (!previous) throw createError("E_LOCK_MISMATCH", `${ref} has no lock${lockFile ? ` (${lockFile})` : ""}`, { hint: `write it: envforge lock ${ref}` });
      if (changes.length === 0) {
        ctx.io.err(`${lockFile}: up to date\n`);
        return;
      }
      throw createError("E_LOCK_MISMATCH", `the lock no longer matches ${ref}:\n${changes.map((c) => `  ${formatLockChange(c)}`).join("\n")}`, {
        hint: `run envforge lock ${ref} to update it`,
        details: { changes },
      });
    }
    if (flags.json) ctx.io.out(`${JSON.stringify({ lockFile, changes, lock: fresh.lock })}\n`);
    for (const change of changes) ctx.io.err(`${formatLockChange(change)}\n`);
    if (flags.dryRun) {
      ctx.io.err(changes.length === 0 ? "nothing would move\n" : `${changes.length} change(s) would be written (dry run: nothing written)\n`);
      return;
    }
    const text = formatLock(fresh.lock);
    if (lockFile === undefined) {
      if (!flags.json) ctx.io.out(text);
      return;
    }
    if (previous === undefined || changes.length > 0 || (await readFile(lockFile, "utf8").catch(() => "")) !== text) await writeFile(lockFile, text);
    ctx.io.err(`wrote ${lockFile}${changes.length === 0 && previous ? " (unchanged)" : ""}\n`);
  });
}

async function readLock(file: string): Promise<EnvLock | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return undefined;
  }
  return parseLockText(text, file);
}
