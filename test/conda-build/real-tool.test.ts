import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createEngine } from "@envforge/core/plugin-kit";
import { condaPlugin, findCondaTool, importCondaPrefix, lockConda, type CondaTool } from "@envforge/plugin-conda";
import { describe, expect, it } from "vitest";

/**
 * The conda target against a real micromamba, mamba or conda, offline: the test makes its own
 * channel (one noarch package, built here with Python's tarfile) and builds a prefix from it.
 *
 * No conda-compatible tool can be installed on the machines envforge is developed on (there is no
 * route to conda-forge or anaconda.org), so this test runs wherever such a tool is on PATH and is
 * skipped, saying so, everywhere else — in CI too (the lead's decision for conda: it is not
 * installable there either). The builder's command lines, process handling, pip part and lock are
 * tested without a tool in plugins/conda/src/builder.test.ts.
 */
const tool: CondaTool | undefined = await findCondaTool().catch(() => undefined);
const SKIP_REASON = "no micromamba, mamba or conda on PATH (none can be installed on this machine); the real conda build test did not run";
if (!tool) console.warn(`test/conda-build: SKIPPED — ${SKIP_REASON}`);

const tmp = (prefix: string) => mkdtemp(path.join(os.tmpdir(), prefix));

/** A channel with `envforge-hello 1.0` (noarch, one file), and its package's digests. */
async function localChannel(): Promise<{ dir: string; url: string; md5: string; sha256: string }> {
  const dir = await tmp("envforge-channel-");
  const file = path.join(dir, "noarch", "envforge-hello-1.0-0.tar.bz2");
  await mkdir(path.dirname(file), { recursive: true });
  await mkdir(path.join(dir, "linux-64"), { recursive: true });
  const script = String.raw`
import hashlib, io, json, sys, tarfile, time
out = sys.argv[1]
content = b"hello from envforge\n"
index = {"name": "envforge-hello", "version": "1.0", "build": "0", "build_number": 0, "depends": [],
         "noarch": "generic", "subdir": "noarch", "arch": None, "platform": None, "license": "MIT",
         "timestamp": int(time.time() * 1000)}
paths = {"paths_version": 1, "paths": [{"_path": "share/envforge-hello/hello.txt", "path_type": "hardlink",
         "sha256": hashlib.sha256(content).hexdigest(), "size_in_bytes": len(content)}]}
files = {"info/index.json": json.dumps(index).encode(), "info/paths.json": json.dumps(paths).encode(),
         "info/files": b"share/envforge-hello/hello.txt\n", "share/envforge-hello/hello.txt": content}
with tarfile.open(out, "w:bz2") as tar:
    for name, data in files.items():
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(data))
`;
  execFileSync("python3", ["-c", script, file]);
  const bytes = readFileSync(file);
  const md5 = createHash("md5").update(bytes).digest("hex");
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const record = { name: "envforge-hello", version: "1.0", build: "0", build_number: 0, depends: [], noarch: "generic", subdir: "noarch", license: "MIT", md5, sha256, size: bytes.length };
  await writeFile(path.join(dir, "noarch", "repodata.json"), JSON.stringify({ info: { subdir: "noarch" }, packages: { "envforge-hello-1.0-0.tar.bz2": record }, "packages.conda": {} }));
  await writeFile(path.join(dir, "linux-64", "repodata.json"), JSON.stringify({ info: { subdir: "linux-64" }, packages: {}, "packages.conda": {} }));
  return { dir, url: pathToFileURL(dir).href, md5, sha256 };
}

describe(tool ? `conda target with the real ${tool.kind} at ${tool.path}` : `conda target with a real tool — SKIPPED: ${SKIP_REASON}`, () => {
  it.skipIf(!tool)("builds a prefix from a local channel, locks it, hits the cache, and imports back", { timeout: 600_000 }, async () => {
    const channel = await localChannel();
    const state = await tmp("envforge-conda-state-");
    // The channel is a temporary folder, not beside the definition: the host allows it.
    const engine = createEngine({ cacheDir: await tmp("envforge-cache-"), plugins: [condaPlugin()], policy: { allowOutsideFiles: true } });
    const definition = { object: { python: { conda: { channels: [channel.url], dependencies: ["envforge-hello=1.0"] } } } };
    // A private package cache and root prefix: the test must not touch the user's own.
    const request = { target: "conda", builderOptions: { conda: { env: { CONDA_PKGS_DIRS: path.join(state, "pkgs"), MAMBA_ROOT_PREFIX: path.join(state, "root") } } } };

    const first = await engine.build(definition, request);
    expect(first.cached).toBe(false);
    const prefix = first.entry.artifact.path!;
    expect(readFileSync(path.join(prefix, "share", "envforge-hello", "hello.txt"), "utf8")).toBe("hello from envforge\n");
    expect(existsSync(path.join(prefix, "conda-meta"))).toBe(true);
    const locked = first.entry.lock!.packages.find((p) => p.name === "envforge-hello") as { version: string; md5?: string; sha256?: string } | undefined;
    expect(locked?.version).toBe("1.0");
    expect(locked?.sha256 === channel.sha256 || (locked as { md5?: string }).md5 === channel.md5).toBe(true);

    const again = await engine.build(definition, request);
    expect(again).toMatchObject({ cached: true, hash: first.hash });

    const imported = await importCondaPrefix(prefix, tool, { env: request.builderOptions.conda.env });
    expect(imported.python.conda.dependencies).toContain("envforge-hello=1.0");
  });
});

describe("lockConda against the same kind of channel (rattler, no tool needed)", () => {
  it("pins the package to the version and build the channel has", async () => {
    const channel = await localChannel();
    const result = await lockConda({ channels: [channel.url], dependencies: ["envforge-hello"] }, undefined, { platforms: ["linux-64", "noarch"] });
    // `==1` is `==1.0` to conda (versions compare zero-padded), so the canonical pin drops the `.0`.
    expect(result.canonical.dependencies).toEqual(["envforge-hello ==1 0"]);
    expect(result.packages[0]).toMatchObject({ name: "envforge-hello", md5: channel.md5, sha256: channel.sha256, url: `${channel.url}/noarch/envforge-hello-1.0-0.tar.bz2` });
  });
});
