import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";

/**
 * A local conda channel made of real package files: each package is a `.tar.bz2` with
 * `info/index.json`, `info/paths.json` and one file (written by Python's tarfile, as conda-build
 * lays them out: Node has no bzip2), and `<subdir>/repodata.json` lists them with the files' own
 * md5 and sha256, as `conda index` would. Adding a package rewrites the repodata.
 */
export interface ChannelPackage {
  name: string;
  version: string;
  build?: string;
  depends?: string[];
  /** `noarch` (default) or a platform subdir such as `linux-64`. */
  subdir?: string;
}

/** Writes the package files, then indexes every subdir (one Python run: starting one is most of the cost). */
const WRITE_CHANNEL = String.raw`
import hashlib, io, json, os, sys, tarfile
request = json.loads(sys.argv[1])
root = request["dir"]
for p in request["packages"]:
    index = p["index"]
    content = ("%s %s\n" % (index["name"], index["version"])).encode()
    name = "share/%s/VERSION" % index["name"]
    paths = {"paths_version": 1, "paths": [{"_path": name, "path_type": "hardlink", "size_in_bytes": len(content)}]}
    files = [("info/index.json", json.dumps(index, sort_keys=True).encode()), ("info/paths.json", json.dumps(paths).encode()),
             ("info/files", (name + "\n").encode()), (name, content)]
    os.makedirs(os.path.join(root, index["subdir"]), exist_ok=True)
    with tarfile.open(os.path.join(root, index["subdir"], p["file"]), "w:bz2") as tar:
        for path, data in files:
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 1700000000
            tar.addfile(info, io.BytesIO(data))
for subdir in request["subdirs"]:
    folder = os.path.join(root, subdir)
    os.makedirs(folder, exist_ok=True)
    entries = {}
    for file in sorted(f for f in os.listdir(folder) if f.endswith(".tar.bz2")):
        data = open(os.path.join(folder, file), "rb").read()
        record = json.loads(tarfile.open(os.path.join(folder, file)).extractfile("info/index.json").read())
        record.update(md5=hashlib.md5(data).hexdigest(), sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        entries[file] = record
    with open(os.path.join(folder, "repodata.json"), "w") as out:
        json.dump({"info": {"subdir": subdir}, "packages": entries, "packages.conda": {}}, out)
`;

export function packageFile(p: ChannelPackage): string {
  return `${p.name}-${p.version}-${p.build ?? "0"}.tar.bz2`;
}

/** Writes the packages' files into `dir` and (re)indexes every subdir there (noarch and linux-64 always exist). */
export async function writeChannel(dir: string, packages: readonly ChannelPackage[]): Promise<void> {
  const request = {
    dir,
    packages: packages.map((p) => {
      const subdir = p.subdir ?? "noarch";
      const index = { name: p.name, version: p.version, build: p.build ?? "0", build_number: 0, depends: p.depends ?? [], subdir, ...(subdir === "noarch" ? { noarch: "generic" } : {}), license: "MIT" };
      return { file: packageFile(p), index };
    }),
    subdirs: [...new Set(["noarch", "linux-64", ...packages.map((p) => p.subdir ?? "noarch")])],
  };
  await execa("python3", ["-c", WRITE_CHANNEL, JSON.stringify(request)]);
}

/** The sha256 of a package file in the channel. */
export function fileSha256(dir: string, subdir: string, file: string): string {
  return createHash("sha256").update(readFileSync(path.join(dir, subdir, file))).digest("hex");
}
