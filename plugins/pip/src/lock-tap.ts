import { hash as cryptoHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createError, type BuildContext, type LockContext, type LockedDistribution, type LockPart, type LockRequest } from "@envforge/core/plugin-kit";
import { assertNoVariables, canonicalName, parsePep508, pipCanonicalParts, pipIndexSetup, pipInstallFiles, readBuilderOptions } from "@envforge/python";
import { probe } from "./interpreter-discovery.js";
import { runLogged } from "./process.js";
import { PIP_SECTION } from "./section.js";
import { baseInterpreter, failed, type PythonSection } from "./venv.js";

/** What pip's `--report` says of one distribution it would install (pip >= 22.2). */
interface ReportItem {
  metadata: { name: string; version: string };
  download_info: { url: string; archive_info?: { hash?: string; hashes?: Record<string, string> } };
}

/**
 * The pip section's `lock` tap: pip's own resolver (`install --dry-run --ignore-installed
 * --report`) with the same index options a build takes, for the target Python — every
 * distribution it would install, with its file name and sha256. What the previous lock pinned is
 * kept (as constraints) while it still resolves; `--upgrade`/`--upgrade-package` drop those pins.
 */
export async function lockPip(request: LockRequest, ctx: LockContext, pluginPython: string | undefined): Promise<LockPart | undefined> {
  const canonical = ctx.canonical.sections[PIP_SECTION];
  const parts = pipCanonicalParts(canonical);
  if (parts.requirements.length === 0) return undefined;
  // The build's own helpers take a build's context: the lock's has all they read.
  const bctx = { ...ctx, target: "lock", artifactDir: path.join(ctx.workDir, "none"), generation: 0, previous: undefined, leftOut: [] } as BuildContext;
  const options = readBuilderOptions(ctx.options[PIP_SECTION]);
  const { env, baseEnv, args: indexArgs, redact } = await pipIndexSetup(bctx, options);
  const python = (ctx.spec.sections.python ?? {}) as PythonSection;
  const interpreter = request.foreign
    ? await probe(options.python ?? pluginPython ?? "python3", ctx, baseEnv, "E_TOOL_NOT_FOUND")
    : (await baseInterpreter(bctx, python, options.python ?? pluginPython, baseEnv)).interpreter;

  const files = pipInstallFiles(canonical);
  assertNoVariables(files.requirements, "requirements.txt");
  assertNoVariables(files.constraints ?? "", "constraints.txt");
  await writeFile(path.join(ctx.workDir, "requirements.txt"), files.requirements);
  if (files.constraints !== undefined) await writeFile(path.join(ctx.workDir, "constraints.txt"), files.constraints);

  const upgrade = new Set(request.upgradePackages.map(canonicalName));
  const kept = request.upgrade ? [] : (request.previous?.pip ?? []).filter((d) => !upgrade.has(canonicalName(d.name)));
  const named = new Set(parts.requirements.map((r) => { try { return canonicalName(parsePep508(r).name); } catch { return ""; } }));
  // Kept pins first; if they no longer resolve (a changed requirement), the definition's own
  // packages are freed, then everything: re-resolving just what it must, as far as pip lets us.
  const attempts = [kept, kept.filter((d) => !named.has(canonicalName(d.name))), []];
  const target = foreignArgs(request, path.join(ctx.workDir, "target"));
  let last: Awaited<ReturnType<typeof runLogged>> | undefined;
  for (const [i, pins] of attempts.entries()) {
    if (i > 0 && pins.length === attempts[i - 1]!.length) continue;
    const keep = path.join(ctx.workDir, "kept.txt");
    await writeFile(keep, pins.map((d) => `${d.name}==${d.version}\n`).join(""));
    const report = path.join(ctx.workDir, "report.json");
    const args = ["-m", "pip", "install", "--dry-run", "--ignore-installed", "--report", report, "--no-input", "--disable-pip-version-check", "-r", path.join(ctx.workDir, "requirements.txt"), "-c", keep, ...target, ...indexArgs];
    ctx.log(`$ ${[interpreter.executable, ...args].join(" ")}`, "info");
    last = await runLogged(interpreter.executable, args, bctx, { env, cwd: ctx.workDir, redact });
    ctx.signal.throwIfAborted();
    if (last.exitCode !== 0) continue;
    if (i > 0) ctx.log(`the previous lock's pins no longer resolve with this definition: ${i === 1 ? "re-resolved its own requirements" : "re-resolved everything"}`, "info");
    const pip = await distributions(JSON.parse(await readFile(report, "utf8")) as { install?: ReportItem[] });
    const pythonVersion = request.python ?? interpreter.version.split(".").slice(0, 2).join(".");
    return { pip, python: pythonVersion };
  }
  throw failed("pip install --dry-run (lock)", last!);
}

/** pip's flags to resolve for another interpreter and platform: binary-only, as pip requires. */
function foreignArgs(request: LockRequest, targetDir: string): string[] {
  if (!request.foreign) return [];
  // pip takes platform options only with --target, even for a dry run (nothing is written there).
  const args = ["--only-binary=:all:", "--target", targetDir];
  if (request.python !== undefined) args.push("--python-version", request.python);
  for (const tag of pipPlatformTags(request.platform)) args.push("--platform", tag);
  return args;
}

/** `linux-x86_64` → manylinux and linux tags pip accepts for it; a pip tag (`manylinux2014_x86_64`) as is. */
export function pipPlatformTags(platform: string): string[] {
  if (platform.includes("_") && !platform.includes("-")) return [platform];
  const [system, arch = ""] = platform.split("-") as [string, string | undefined];
  if (system === "linux") return [`manylinux_2_28_${arch}`, `manylinux_2_17_${arch}`, `manylinux2014_${arch}`, `linux_${arch}`];
  if (system === "macos") return [`macosx_11_0_${arch}`, `macosx_10_9_${arch}`];
  if (system === "windows") return [arch === "x86_64" ? "win_amd64" : `win_${arch}`];
  return [platform.replace(/[-.]/g, "_")];
}

async function distributions(report: { install?: ReportItem[] }): Promise<LockedDistribution[]> {
  const out: LockedDistribution[] = [];
  for (const item of report.install ?? []) {
    const name = canonicalName(item.metadata.name);
    const url = item.download_info.url;
    const archive = item.download_info.archive_info;
    if (archive === undefined) {
      throw createError("E_INVALID_REQUIREMENT", `${name} comes from ${url.startsWith("file:") ? "a local folder" : "a version-control URL"}, which a lock cannot pin by digest`, {
        hint: "require a released version (a wheel or sdist on an index or in a find-links folder)",
      });
    }
    const pathname = new URL(url).pathname;
    let sha256 = archive.hashes?.sha256 ?? (archive.hash?.startsWith("sha256=") ? archive.hash.slice(7) : undefined);
    // A local find-links file carries no hash in the report: its bytes are right here.
    if (sha256 === undefined && url.startsWith("file:")) sha256 = cryptoHash("sha256", await readFile(fileURLToPath(url)), "hex");
    if (sha256 === undefined) {
      throw createError("E_BUILD_FAILED", `pip gave no sha256 for ${name} ${item.metadata.version} (${url.split("?")[0]})`, {
        hint: "use an index that publishes sha256 digests (PEP 503 #sha256= fragments)",
      });
    }
    out.push({ name, version: item.metadata.version, file: decodeURIComponent(path.posix.basename(pathname)), sha256 });
  }
  return out;
}
