import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { BuildContext, EnvLock, LockedCondaPackage, LockedDistribution } from "@envforge/core/plugin-kit";
import { channelLocation } from "./lock-section.js";
import { createArgs, type CondaTool, type CreateRequest } from "./tool.js";

/**
 * Installing a conda lock: conda's explicit spec (`@EXPLICIT`, one package URL a line with its
 * digest), which micromamba, mamba and conda install as listed — no solve, no other package. The
 * lock names channels only; the URLs are the build's (`conda.channelUrls`, else the channel
 * itself when it is a URL or a folder, else conda's default alias conda.anaconda.org/<name>).
 */

/** The conda part of the definition's lock, when it has one (`lock` section: LOCK.md). */
export function condaLockOf(canonical: BuildContext["canonical"]): LockedCondaPackage[] | undefined {
  const conda = lockOf(canonical)?.conda;
  return Array.isArray(conda) && conda.length > 0 ? conda : undefined;
}

/** The lock's pip distributions (installed `--no-deps --require-hashes` by the pip part), when it has any. */
export function pipLockOf(canonical: BuildContext["canonical"]): LockedDistribution[] | undefined {
  const pip = lockOf(canonical)?.pip;
  return Array.isArray(pip) && pip.length > 0 ? pip : undefined;
}

/** The platform the definition's lock was made for. */
export function lockPlatformOf(canonical: BuildContext["canonical"]): string | undefined {
  return lockOf(canonical)?.platform;
}

function lockOf(canonical: BuildContext["canonical"]): Partial<EnvLock> | undefined {
  return (canonical.sections as Record<string, unknown>).lock as Partial<EnvLock> | undefined;
}

/** A channel's URL with a trailing slash: a URL as is, a folder as `file://`, a name under conda.anaconda.org. */
export function channelUrl(channel: string, channelUrls: Readonly<Record<string, string>> = {}): string {
  const where = channelLocation(channel, channelUrls);
  let url: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(where)) url = where;
  else if (path.isAbsolute(where) || where.startsWith("./") || where.startsWith("../") || where === ".") url = pathToFileURL(path.resolve(where)).href;
  else if (where === "~" || where.startsWith("~/")) url = pathToFileURL(path.join(os.homedir(), where.slice(1))).href;
  else url = `https://conda.anaconda.org/${where}`;
  return url.endsWith("/") ? url : `${url}/`;
}

/**
 * One line of the explicit spec: `URL#sha256:<hex>` (conda ≥ 24, mamba, micromamba check it),
 * else `URL#<md5>` (every version checks that).
 */
export function explicitLine(p: LockedCondaPackage, channelUrls: Readonly<Record<string, string>> = {}): string {
  const url = `${channelUrl(p.channel, channelUrls)}${p.subdir}/${encodeURIComponent(p.file)}`;
  if (p.sha256) return `${url}#sha256:${p.sha256}`;
  if (p.md5) return `${url}#${p.md5}`;
  return url;
}

/** The whole explicit file, in the lock's (name) order. */
export function explicitFile(packages: readonly LockedCondaPackage[], channelUrls: Readonly<Record<string, string>> = {}): string {
  return [
    "# Written by envforge from the definition's lock: every conda package, installed as listed.",
    "@EXPLICIT",
    ...packages.map((p) => explicitLine(p, channelUrls)),
    "",
  ].join("\n");
}

/**
 * `create --yes --prefix PREFIX [--offline] [extra] --file EXPLICIT`: no channels (each line says
 * where its file is) and no specs (the file is the whole environment).
 */
export function explicitCreateArgs(tool: CondaTool, request: Omit<CreateRequest, "channels" | "specs"> & { file: string }): string[] {
  const args = createArgs(tool, { prefix: request.prefix, channels: [], specs: [], offline: request.offline, extraArgs: request.extraArgs });
  return [...args, "--file", request.file];
}
