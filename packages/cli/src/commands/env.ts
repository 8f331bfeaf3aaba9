import type { Command } from "commander";
import { listCurated } from "@envforge/workspace";
import { FileRegistry } from "@envforge/workspace";
import { cacheDirOf, printJson, resolvePath, workspaceFor, type CommandContext, type GlobalFlags } from "../context.js";
import { describeDifference } from "./explain.js";
import { describeVariableChange, runtimeVariables, variableChanges } from "../variables-diff.js";
import { createError, defaultCacheDir } from "@envforge/core/plugin-kit";

interface RegisterFlags extends GlobalFlags {
  name?: string;
  version?: string;
  label: string[];
}

const collect = (v: string, p: string[]) => [...p, v];

/** `variables NAME=value, …` (runtime settings, not hashed); nothing when there are none. */
function variablesLine(variables: Record<string, string>): string {
  const names = Object.keys(variables).sort();
  return names.length === 0 ? "" : `variables (runtime, not hashed) ${names.map((n) => `${n}=${JSON.stringify(variables[n])}`).join(" ")}\n`;
}

/** The workspace: named, versioned environments beside the cache. */
export function registerEnvCommands(program: Command, ctx: CommandContext): void {
  program
    .command("register")
    .description("register a definition as a new version of a named environment (versions are immutable)")
    .argument("<ref>", "definition file or folder, NAME[@VERSION|:LABEL] (copied as a new version), or curated:NAME")
    .option("--name <name>", "environment name (default: the definition's name)")
    .option("--version <version>", "version (default: the next integer)")
    .option("--label <label>", "label to point at this version (repeatable)", collect, [])
    .action(async (ref: string, flags: RegisterFlags) => {
      const { workspace } = workspaceFor(ctx, flags);
      const { record, created } = await workspace.register(ref, { name: flags.name, version: flags.version, labels: flags.label });
      if (flags.json) printJson(ctx, { created, name: record.name, version: record.version, hash: record.hash, labels: record.labels });
      else ctx.io.out(`${created ? "registered" : "already registered as"} ${record.name}@${record.version} ${record.hash}\n`);
    });

  program
    .command("save")
    .description("write a definition with its referenced files to a folder that builds to the same hash anywhere")
    .argument("<ref>", "NAME[@VERSION|:LABEL], curated:NAME, or a file or folder")
    .argument("<dir>", "folder to write")
    .option("--force", "overwrite files that exist with other content")
    .action(async (ref: string, dir: string, flags: GlobalFlags & { force?: boolean }) => {
      const { workspace } = workspaceFor(ctx, flags);
      const saved = await workspace.save(ref, resolvePath(ctx.io, dir), { overwrite: flags.force });
      if (flags.json) printJson(ctx, saved);
      else ctx.io.out(`saved ${saved.file} (+${saved.files.length - 1} files) ${saved.hash}\n`);
    });

  const env = program.command("env").description("named, versioned environments (the workspace registry)");
  env
    .command("list")
    .description("registered environments with their latest version and labels")
    .option("--all", "include archived ones")
    .action(async (flags: GlobalFlags & { all?: boolean }) => {
      const { workspace } = workspaceFor(ctx, flags);
      const list = await workspace.registry.list({ includeArchived: flags.all });
      if (flags.json) return printJson(ctx, list);
      if (list.length === 0) ctx.io.out("no registered environments\n");
      for (const e of list) {
        const labels = Object.entries(e.labels).map(([l, v]) => `${l}=${v}`).join(" ");
        ctx.io.out(`${e.name.padEnd(24)} ${String(e.latest ?? "-").padEnd(6)} ${e.versions} version(s) ${e.archived ? "[archived] " : ""}${labels}\n`);
      }
    });
  env
    .command("get")
    .description("show one version: NAME (latest), NAME@VERSION or NAME:LABEL (or a curated:NAME, a file or a folder: its definition and hash)")
    .argument("<ref>")
    .action(async (ref: string, flags: GlobalFlags) => {
      const { workspace } = workspaceFor(ctx, flags);
      const resolved = await workspace.resolve(ref);
      if (resolved.kind !== "registry") {
        const { definition, hash } = await workspace.definition(ref);
        const where = resolved.kind === "curated" ? `curated:${resolved.name}` : resolved.path;
        const path = resolved.kind === "curated" ? (resolved.source as { path: string }).path : resolved.path;
        const variables = runtimeVariables(definition.document);
        if (flags.json) return printJson(ctx, { kind: resolved.kind, name: resolved.kind === "curated" ? resolved.name : (definition.document.name ?? null), path, hash, variables, definition });
        ctx.io.out(`${where} ${hash}\n${path}\n`);
        ctx.io.out(variablesLine(variables));
        ctx.io.out(`${definition.text ?? JSON.stringify(definition.document, null, 2)}\n`);
        return;
      }
      const r = resolved.record;
      const variables = runtimeVariables(r.definition.document);
      if (flags.json) return printJson(ctx, { ...r, variables });
      ctx.io.out(`${r.name}@${r.version} ${r.hash}\ncreated ${r.createdAt}\nlabels ${r.labels.join(", ") || "-"}${r.archived ? "\narchived" : ""}\n`);
      ctx.io.out(variablesLine(variables));
      ctx.io.out(`${r.definition.text ?? JSON.stringify(r.definition.document, null, 2)}\n`);
    });
  env
    .command("versions")
    .description("every version of a name, oldest first")
    .argument("<name>")
    .option("--all", "include archived versions")
    .action(async (name: string, flags: GlobalFlags & { all?: boolean }) => {
      const { workspace } = workspaceFor(ctx, flags);
      const versions = await workspace.registry.versions(name, { includeArchived: flags.all });
      if (flags.json) return printJson(ctx, versions.map(({ definition: _d, ...v }) => v));
      for (const v of versions) ctx.io.out(`${v.version.padEnd(6)} ${v.hash} ${v.createdAt} ${v.labels.join(",")}${v.archived ? " [archived]" : ""}\n`);
    });
  env
    .command("label")
    .description("point a label at a version (`latest` is maintained automatically)")
    .argument("<name>")
    .argument("<label>")
    .argument("[version]", "version the label points at")
    .option("--remove", "remove the label")
    .action(async (name: string, label: string, version: string | undefined, flags: GlobalFlags & { remove?: boolean }) => {
      const { workspace } = workspaceFor(ctx, flags);
      if (flags.remove) {
        await workspace.registry.removeLabel(name, label);
        ctx.io.out(`removed ${name}:${label}\n`);
        return;
      }
      if (!version) throw createError("E_MISSING_FIELD", "which version should the label point at?", { hint: `envforge env label ${name} ${label} VERSION` });
      const r = await workspace.registry.setLabel(name, label, version);
      ctx.io.out(`${name}:${label} → ${r.version}\n`);
    });
  env
    .command("diff")
    .description("which canonical fields differ between two versions (NAME@1 NAME@2)")
    .argument("<a>")
    .argument("<b>")
    .action(async (a: string, b: string, flags: GlobalFlags) => {
      const { workspace } = workspaceFor(ctx, flags);
      const explanation = await workspace.diff(a, b);
      // Runtime variables are not hashed: a change in them is shown beside the hash, never hidden by it.
      const [da, db] = await Promise.all([workspace.definition(a), workspace.definition(b)]);
      const variables = variableChanges(runtimeVariables(da.definition.document), runtimeVariables(db.definition.document));
      if (flags.json) return printJson(ctx, { ...explanation, variables });
      const changed = variables.length > 0 ? `; variables differ: ${variables.map((v) => v.name).join(", ")}` : "";
      if (explanation.equal) ctx.io.out(`same hash ${explanation.a}${changed}\n`);
      else {
        ctx.io.out(`${a}: ${explanation.a}\n${b}: ${explanation.b}\n`);
        for (const d of explanation.differences) ctx.io.out(`${describeDifference(d).join("\n")}\n`);
        if (variables.length > 0) ctx.io.out(`variables differ (runtime settings, not hashed):\n`);
      }
      for (const v of variables) ctx.io.out(`${describeVariableChange(v)}\n`);
    });
  for (const [verb, text] of [
    ["archive", "archive NAME (every version) or NAME@VERSION; archived versions stay readable"],
    ["restore", "restore what archive archived"],
  ] as const) {
    env
      .command(verb)
      .description(text)
      .argument("<ref>")
      .action(async (ref: string, flags: GlobalFlags) => {
        const { workspace } = workspaceFor(ctx, flags);
        const records = await workspace.registry[verb](ref);
        ctx.io.out(`${verb}d ${records.map((r) => `${r.name}@${r.version}`).join(", ")}\n`);
      });
  }
  env
    .command("rename")
    .description("move every version and label of a name to a new name (hashes do not change)")
    .argument("<from>")
    .argument("<to>")
    .action(async (from: string, to: string, flags: GlobalFlags) => {
      const { workspace } = workspaceFor(ctx, flags);
      await workspace.registry.rename(from, to);
      ctx.io.out(`renamed ${from} → ${to}\n`);
    });
  env
    .command("curated")
    .description("the curated environments shipped with envforge (build them as curated:NAME)")
    .action((flags: GlobalFlags) => {
      const list = listCurated();
      if (flags.json) return printJson(ctx, list);
      for (const c of list) ctx.io.out(`curated:${c.name.padEnd(24)} ${c.path}\n`);
    });
  env
    .command("repair")
    .description("rebuild a damaged registry from what can still be read")
    .action(async (flags: GlobalFlags) => {
      const registry = FileRegistry.beside(cacheDirOf(ctx, flags) ?? defaultCacheDir());
      const report = await registry.repair();
      printJson(ctx, report);
    });
}
