import { createError } from "@envforge/core/plugin-kit";
import { parseMatchSpec, prepareMatchSpecs } from "./matchspec.js";
import { loadRattler, type Rattler } from "./rattler.js";
import { serveLocalChannels } from "./serve-channels.js";
import type { CondaCanonical } from "./section.js";

/**
 * Pins a conda section with rattler's solver (`simpleSolve`, WASM, in-process): every dependency
 * becomes `name ==version build`, and the full solution (transitive packages with URL and
 * hashes) is returned beside it.
 *
 * rattler's WASM build cannot read `file://` channels: `simpleSolve(["foo"], ["file:///chan"], …)`
 * rejects with "failed to parse repodata.json" without reading anything (its repodata gateway
 * refuses "file based url"s in WASM), and a plain path is "invalid path '/chan'". It fetches over
 * HTTP with the host's `fetch`, though, so local channels are served to it from a loopback server
 * (127.0.0.1, an ephemeral port, for the duration of the solve): no network is involved. Named
 * channels (`conda-forge`) and https:// URLs are fetched from where they point.
 */
export interface CondaLockOptions {
  /** Subdirs to solve for. Default: this machine's (e.g. linux-64) and noarch. */
  platforms?: string[] | undefined;
}

export interface SolvedCondaPackage {
  name: string;
  version: string;
  build: string;
  subdir?: string | undefined;
  /** Where the package file is (a `file://` URL for local channels). */
  url: string;
  /** The file name (`bar-2.5-h1_0.conda`). */
  file: string;
  /** Which of the channels solved against holds it (index into them), when one's URL prefixes `url`. */
  channelIndex?: number | undefined;
  sha256?: string | undefined;
  md5?: string | undefined;
  depends: string[];
}

/** A package to keep when it still satisfies the request (rattler's "locked packages"). */
export interface PreferredCondaPackage {
  name: string;
  version: string;
  build: string;
  /** Index into the channels solved against. */
  channelIndex: number;
  subdir: string;
  file: string;
  sha256?: string | undefined;
  md5?: string | undefined;
}

export interface CondaLockResult {
  /** The section with every dependency pinned: use it in place of the original. */
  canonical: CondaCanonical;
  /** Each original dependency (canonical form) → its pinned form. */
  pins: Record<string, string>;
  /** The whole solution, transitive packages included, sorted by name. */
  packages: SolvedCondaPackage[];
  platforms: string[];
}

/** This machine's conda subdir. */
export function hostSubdir(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const os = platform === "darwin" ? "osx" : platform === "win32" ? "win" : "linux";
  const bits: Record<string, string> = { x64: "64", arm64: os === "linux" ? "aarch64" : "arm64", ia32: "32", ppc64: "ppc64le", s390x: "s390x" };
  return `${os}-${bits[arch] ?? "64"}`;
}

/**
 * `channels` are where to resolve, in priority order (default: the section's own channels). A
 * channel that is a `file://` URL or a local folder must hold `<subdir>/repodata.json`.
 */
export async function lockConda(canonical: CondaCanonical, channels?: readonly string[], options: CondaLockOptions = {}): Promise<CondaLockResult> {
  const wanted = (channels ?? canonical.channels).filter((c) => c !== "nodefaults");
  const platforms = options.platforms ?? [hostSubdir(), "noarch"];
  const packages = await solveConda([...canonical.dependencies], wanted, platforms);
  const byName = new Map(packages.map((p) => [p.name, p]));
  const pins: Record<string, string> = {};
  for (const dependency of canonical.dependencies) {
    const spec = parseMatchSpec(dependency);
    if (spec.url !== undefined) {
      pins[dependency] = dependency; // a URL is already one file
      continue;
    }
    const hit = byName.get(spec.name);
    if (!hit) throw createError("E_BUILD_FAILED", `the solution has no package "${spec.name}"`, { hint: "report this: the solver accepted a dependency it did not install" });
    const channel = spec.channel === undefined ? "" : `${spec.channel}${spec.subdir ? `/${spec.subdir}` : ""}::`;
    pins[dependency] = parseMatchSpec(`${channel}${hit.name} ==${hit.version} ${hit.build}`).canonical;
  }
  const dependencies = [...new Set(Object.values(pins))].sort();
  const locked: CondaCanonical = { channels: [...canonical.channels], dependencies };
  if (canonical.variables) locked.variables = { ...canonical.variables };
  return { canonical: locked, pins, packages, platforms };
}

/** A channel's base URL as rattler reads it: a bare name is conda's default alias (conda.anaconda.org). */
export function channelBase(channel: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(channel) ? channel : `https://conda.anaconda.org/${channel}`;
  return url.endsWith("/") ? url : `${url}/`;
}

/**
 * Solves `specs` against `channels` (names, URLs or local folders, in priority order) for
 * `platforms`, preferring `preferred` packages wherever they still satisfy the specs (rattler's
 * locked packages: a changed requirement moves only what it must). Sorted by name.
 */
export async function solveConda(specs: string[], channels: readonly string[], platforms: readonly string[], preferred: readonly PreferredCondaPackage[] = []): Promise<SolvedCondaPackage[]> {
  const rattler = await loadRattler();
  await prepareMatchSpecs();
  if (channels.length === 0) {
    throw createError("E_MISSING_FIELD", "there is no channel to resolve the conda dependencies against", {
      field: "python.conda.channels",
      hint: "list channels in the definition (channels: [conda-forge]) or pass the channels to lock against",
    });
  }
  for (const p of platforms) {
    if (!rattler.isPlatform(p)) {
      throw createError("E_INVALID_VALUE", `unknown conda platform "${p}"`, { hint: `platforms: ${rattler.platformNames.join(", ")}` });
    }
  }
  const served = await serveLocalChannels(channels);
  const bases = served.urls.map(channelBase);
  // rattler keeps a locked record as given (its URL included): it must point where this solve fetches.
  const locked = preferred.flatMap((p) => {
    const base = bases[p.channelIndex];
    if (base === undefined) return [];
    const record: Record<string, unknown> = { url: `${base}${p.subdir}/${p.file}`, packageName: p.name, version: p.version, build: p.build, filename: p.file, subdir: p.subdir };
    if (p.sha256) record.sha256 = p.sha256;
    if (p.md5) record.md5 = p.md5;
    return [record];
  });
  let solved: Awaited<ReturnType<Rattler["simpleSolve"]>>;
  try {
    solved = await rattler.simpleSolve(specs, served.urls, platforms as Parameters<Rattler["simpleSolve"]>[2], locked);
  } catch (cause) {
    throw createError("E_BUILD_FAILED", `cannot resolve the conda dependencies against ${channels.join(", ")}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      hint: "check that each dependency exists in these channels for " + platforms.join(" and ") + " (packages that need virtual packages such as __glibc cannot be locked this way)",
      cause,
    });
  } finally {
    await served.close();
  }
  const packages = solved.map((p): SolvedCondaPackage => {
    const index = bases.findIndex((base) => p.url.startsWith(base));
    const out: SolvedCondaPackage = {
      name: p.packageName,
      version: p.version,
      build: p.build,
      subdir: p.subdir,
      url: served.original(p.url),
      file: p.filename || decodeURIComponent(p.url.slice(p.url.lastIndexOf("/") + 1)),
      depends: p.depends ?? [],
    };
    if (index >= 0) out.channelIndex = index;
    if (p.sha256) out.sha256 = p.sha256;
    if (p.md5) out.md5 = p.md5;
    return out;
  });
  for (const p of solved) p.free();
  return packages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
