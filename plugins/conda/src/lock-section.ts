import path from "node:path";
import { pathToFileURL } from "node:url";
import { createError, hostLockPlatform, type LockedCondaPackage } from "@envforge/core/plugin-kit";
import { solveConda, type PreferredCondaPackage } from "./lock.js";
import { parseMatchSpec, prepareMatchSpecs } from "./matchspec.js";
import type { CondaCanonical } from "./section.js";
import { installSpecs } from "./specs.js";

/**
 * The conda part of a definition's lock (LOCK.md): the whole closure rattler's solver picks, for
 * one platform, each package recorded by channel NAME (as the definition writes it), subdir, file
 * name and digest — never by the URL it was fetched from, which stays a builder option
 * (`conda.channelUrls`) mapped back in at build time (explicit.ts).
 */
export interface CondaSectionLockOptions {
  /** The lock's platform (`linux-x86_64`, `macos-arm64`…) or a conda subdir (`linux-64`). Default: this machine's. */
  platform?: string | undefined;
  /** Where to resolve each channel name (a mirror, a local copy): name → URL or folder. */
  channelUrls?: Readonly<Record<string, string>> | undefined;
  /** The conda part of the current lock: kept wherever it still satisfies the definition. */
  previous?: readonly LockedCondaPackage[] | undefined;
  /** Re-resolve everything (`envforge lock --upgrade`). */
  upgrade?: boolean | undefined;
  /** Re-resolve these packages only (`--upgrade-package NAME`). */
  upgradePackages?: readonly string[] | undefined;
  /** `python.version`: the build adds `python=<version>` (specs.ts), so the lock does too. */
  python?: string | undefined;
  /** The definition has a pip part: the build adds `python` and `pip`. */
  pip?: boolean | undefined;
}

export interface CondaSectionLock {
  /** The platform as given (or this machine's, in the lock's spelling: core's `hostLockPlatform`). */
  platform: string;
  /** The conda subdir solved for (beside noarch). */
  subdir: string;
  /** The whole closure, sorted by name. */
  packages: LockedCondaPackage[];
}

const SUBDIRS = new Set(["linux-64", "linux-32", "linux-aarch64", "linux-armv7l", "linux-ppc64le", "linux-s390x", "osx-64", "osx-arm64", "win-64", "win-32", "win-arm64"]);

/**
 * The conda subdir of a lock platform: `linux-x86_64` → `linux-64`, `macos-arm64` (or pip's
 * `macosx-11.0-arm64`) → `osx-arm64`, `windows-x86_64`/`win-amd64` → `win-64`. A subdir stays itself.
 */
export function condaSubdirOf(platform: string): string {
  const p = platform.toLowerCase();
  if (SUBDIRS.has(p)) return p;
  const parts = p.split("-");
  const os = parts[0] ?? "";
  const arch = parts[parts.length - 1] ?? "";
  const family = ["darwin", "macos", "macosx", "osx"].includes(os) ? "osx" : ["windows", "win", "win32"].includes(os) ? "win" : os;
  const bits = ["x86_64", "amd64", "x64"].includes(arch) ? "64" : ["i686", "i386", "x86"].includes(arch) ? "32" : ["aarch64", "arm64"].includes(arch) ? (family === "linux" ? "aarch64" : "arm64") : arch;
  const subdir = `${family}-${bits}`;
  if (!SUBDIRS.has(subdir)) {
    throw createError("E_INVALID_VALUE", `cannot tell the conda subdir of platform "${platform}"`, {
      hint: "give the platform as linux-x86_64, linux-aarch64, macos-arm64, windows-x86_64, or a conda subdir such as linux-64",
    });
  }
  return subdir;
}

/** Where a channel name is resolved from: `channelUrls[name]`, else the channel itself (a name, URL or folder). */
export function channelLocation(channel: string, channelUrls: Readonly<Record<string, string>> = {}): string {
  const given = channelUrls[channel];
  if (given === undefined) return channel;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : pathToFileURL(path.resolve(given)).href;
}

/**
 * Resolves the conda section's whole closure (what a build installs: specs.ts) for one platform.
 * With `previous`, every locked package that still satisfies the definition stays as it is (a
 * newer release in the channel moves nothing); `upgrade`/`upgradePackages` let go of them.
 */
export async function lockCondaSection(conda: CondaCanonical, options: CondaSectionLockOptions = {}): Promise<CondaSectionLock> {
  await prepareMatchSpecs();
  const platform = options.platform ?? hostLockPlatform();
  const subdir = condaSubdirOf(platform);
  const { specs } = installSpecs(conda, options.python, options.pip === true);
  // The definition's channels, then any a dependency names itself (`conda-forge::numpy`).
  const channels = conda.channels.filter((c) => c !== "nodefaults");
  for (const spec of specs) {
    const channel = parseMatchSpec(spec).channel;
    if (channel !== undefined && !channels.includes(channel)) channels.push(channel);
  }
  const letGo = new Set((options.upgradePackages ?? []).map((n) => n.toLowerCase()));
  const preferred: PreferredCondaPackage[] = options.upgrade
    ? []
    : (options.previous ?? []).flatMap((p) => {
        const channelIndex = channels.indexOf(p.channel);
        // Another platform's package, a channel the definition dropped, or one to upgrade: re-resolved.
        if (channelIndex < 0 || (p.subdir !== subdir && p.subdir !== "noarch") || letGo.has(p.name.toLowerCase())) return [];
        return [{ name: p.name, version: p.version, build: p.build, channelIndex, subdir: p.subdir, file: p.file, sha256: p.sha256, md5: p.md5 }];
      });
  const solved = await solveConda(specs, channels.map((c) => channelLocation(c, options.channelUrls)), [subdir, "noarch"], preferred);
  const packages = solved.map((p): LockedCondaPackage => {
    const channel = p.channelIndex === undefined ? undefined : channels[p.channelIndex];
    if (channel === undefined) {
      throw createError("E_BUILD_FAILED", `the solver picked ${p.file} from ${p.url}, which is none of the channels ${channels.join(", ")}`, {
        hint: "name the package's channel in python.conda.channels",
      });
    }
    const out: LockedCondaPackage = { name: p.name, version: p.version, build: p.build, channel, subdir: p.subdir ?? subdir, file: p.file };
    if (p.sha256) out.sha256 = p.sha256;
    if (p.md5) out.md5 = p.md5;
    return out;
  });
  return { platform, subdir, packages };
}
