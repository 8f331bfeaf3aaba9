import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createError } from "@envforge/core/plugin-kit";
import { parseMatchSpec, prepareMatchSpecs } from "./matchspec.js";
import { loadRattler, type Rattler } from "./rattler.js";
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

export interface LockedCondaPackage {
  name: string;
  version: string;
  build: string;
  subdir?: string | undefined;
  /** Where the package file is (a `file://` URL for local channels). */
  url: string;
  sha256?: string | undefined;
  md5?: string | undefined;
  depends: string[];
}

export interface CondaLockResult {
  /** The section with every dependency pinned: use it in place of the original. */
  canonical: CondaCanonical;
  /** Each original dependency (canonical form) → its pinned form. */
  pins: Record<string, string>;
  /** The whole solution, transitive packages included, sorted by name. */
  packages: LockedCondaPackage[];
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
  const rattler = await loadRattler();
  await prepareMatchSpecs();
  const wanted = (channels ?? canonical.channels).filter((c) => c !== "nodefaults");
  if (wanted.length === 0) {
    throw createError("E_MISSING_FIELD", "there is no channel to resolve the conda dependencies against", {
      field: "python.conda.channels",
      hint: "list channels in the definition (channels: [conda-forge]) or pass the channels to lock against",
    });
  }
  const platforms = options.platforms ?? [hostSubdir(), "noarch"];
  for (const p of platforms) {
    if (!rattler.isPlatform(p)) {
      throw createError("E_INVALID_VALUE", `unknown conda platform "${p}"`, { hint: `platforms: ${rattler.platformNames.join(", ")}` });
    }
  }
  const served = await serveLocalChannels(wanted);
  let solved: Awaited<ReturnType<Rattler["simpleSolve"]>>;
  try {
    solved = await rattler.simpleSolve([...canonical.dependencies], served.urls, platforms as Parameters<Rattler["simpleSolve"]>[2], []);
  } catch (cause) {
    throw createError("E_BUILD_FAILED", `cannot resolve the conda dependencies against ${wanted.join(", ")}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      hint: "check that each dependency exists in these channels for " + platforms.join(" and ") + " (packages that need virtual packages such as __glibc cannot be locked this way)",
      cause,
    });
  } finally {
    await served.close();
  }

  const packages = solved
    .map((p): LockedCondaPackage => {
      const out: LockedCondaPackage = { name: p.packageName, version: p.version, build: p.build, subdir: p.subdir, url: served.original(p.url), depends: p.depends ?? [] };
      if (p.sha256) out.sha256 = p.sha256;
      if (p.md5) out.md5 = p.md5;
      return out;
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const p of solved) p.free();
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

interface ServedChannels {
  urls: string[];
  /** Maps a URL of a served package back to the channel's own `file://` URL. */
  original(url: string): string;
  close(): Promise<void>;
}

function localDir(channel: string): string | undefined {
  if (/^file:\/\//i.test(channel)) return fileURLToPath(channel);
  if (path.isAbsolute(channel) || channel.startsWith("./") || channel.startsWith("../")) return path.resolve(channel);
  return undefined;
}

async function serveLocalChannels(channels: readonly string[]): Promise<ServedChannels> {
  const dirs = channels.map(localDir);
  if (dirs.every((d) => d === undefined)) return { urls: [...channels], original: (u) => u, close: async () => undefined };
  for (const [i, dir] of dirs.entries()) {
    if (dir === undefined) continue;
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw createError("E_FILE_NOT_FOUND", `channel ${channels[i]} is not a folder`, { hint: "a local channel is a folder with <subdir>/repodata.json (e.g. noarch/repodata.json)" });
    }
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const [, index, ...rest] = url.pathname.split("/");
    const root = dirs[Number(index)];
    const file = root === undefined ? undefined : path.resolve(root, ...rest.map(decodeURIComponent));
    if (req.method !== "GET" || root === undefined || file === undefined || !file.startsWith(root + path.sep)) {
      res.writeHead(404).end();
      return;
    }
    const stream = createReadStream(file);
    stream.on("open", () => res.writeHead(200, { "content-type": "application/octet-stream" }));
    stream.on("error", () => res.writeHead(404).end());
    stream.pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const urls = channels.map((c, i) => (dirs[i] === undefined ? c : `${base}/${i}/`));
  return {
    urls,
    original(url) {
      const m = new RegExp(`^${base.replace(/\./g, "\\.")}/(\\d+)/(.*)$`).exec(url);
      const dir = m ? dirs[Number(m[1])] : undefined;
      return m && dir !== undefined ? `${pathToFileURL(dir).href.replace(/\/$/, "")}/${m[2]}` : url;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
