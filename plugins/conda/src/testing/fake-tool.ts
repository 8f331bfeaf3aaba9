import { chmod, mkdir, writeFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { tempDir } from "./helpers.js";

/**
 * A stand-in for micromamba/mamba/conda (none can be installed here): a Python script that
 * records each command line, creates the prefix as a Python venv (so the pip part really runs),
 * and prints an explicit spec and an export the way the real tools do. Its behaviour is switched
 * with environment variables: FAKE_CONDA_FAIL (create fails), FAKE_CONDA_BAD_FILE (an explicit
 * install fails on that file's digest; the log records each `--file`'s content), FAKE_CONDA_HANG (create starts a
 * grandchild and hangs), FAKE_CONDA_NO_SHA256 (`list --sha256` is unknown, as in conda < 24),
 * FAKE_CONDA_BARE (the prefix gets no interpreter: faster, for tests without a pip part).
 */
const SCRIPT = String.raw`#!/usr/bin/env python3
import json, os, subprocess, sys, time
args = sys.argv[1:]
def opt(name):
    return args[args.index(name) + 1] if name in args else None
call = {"tool": os.path.basename(sys.argv[0]), "args": args}
if opt("--file"):
    call["file"] = open(opt("--file")).read()
with open(os.environ["FAKE_CONDA_LOG"], "a") as log:
    log.write(json.dumps(call) + "\n")
MD5 = "0123456789abcdef0123456789abcdef"
SHA = "ab" * 32
PKGS = [("python", "3.11.9", "h_0_cpython"), ("pip", "24.0", "pyhd8ed1ab_0"), ("numpy", "1.26.4", "py311h_0")]
if args[:1] == ["--version"]:
    print("fake 1.5.8")
elif args[:1] == ["create"]:
    if os.environ.get("FAKE_CONDA_BAD_FILE") and opt("--file"):
        print("critical libmamba sha256 sums don't match for " + os.environ["FAKE_CONDA_BAD_FILE"], file=sys.stderr)
        sys.exit(1)
    if os.environ.get("FAKE_CONDA_FAIL"):
        print("error    libmamba Could not solve for environment specs", file=sys.stderr)
        print("    └─ nothing provides requested doesnotexist", file=sys.stderr)
        sys.exit(1)
    prefix = opt("--prefix")
    if os.environ.get("FAKE_CONDA_HANG"):
        os.makedirs(prefix, exist_ok=True)
        child = subprocess.Popen(["sleep", "300"])
        with open(os.environ["FAKE_CONDA_HANG"], "w") as f:
            f.write(str(child.pid))
        time.sleep(300)
    print("Transaction\n  Prefix: " + prefix)
    if os.environ.get("FAKE_CONDA_BARE"):
        os.makedirs(prefix, exist_ok=True)
    else:
        subprocess.check_call([sys.executable, "-m", "venv", prefix])
    os.makedirs(os.path.join(prefix, "conda-meta"), exist_ok=True)
elif args[:3] == ["env", "export", "--explicit"]:
    print("# This file may be used to create an environment using:\n@EXPLICIT")
    for n, v, b in PKGS:
        print("https://conda.anaconda.org/conda-forge/linux-64/%s-%s-%s.conda#%s" % (n, v, b, MD5))
elif args[:2] == ["env", "export"]:
    if not os.path.isdir(opt("--prefix")):
        print("critical libmamba No prefix found at: " + opt("--prefix"), file=sys.stderr)
        sys.exit(1)
    print("name: null\nchannels:\n  - conda-forge\ndependencies:\n  - numpy=1.26.4\n  - python=3.11.9\n  - pip:\n    - rich==13.7.1\nprefix: " + opt("--prefix"))
elif args[:2] == ["list", "--explicit"]:
    if "--sha256" in args and os.environ.get("FAKE_CONDA_NO_SHA256"):
        print("conda: error: unrecognized arguments: --sha256", file=sys.stderr)
        sys.exit(2)
    print("@EXPLICIT")
    for n, v, b in PKGS:
        print("https://conda.anaconda.org/conda-forge/linux-64/%s-%s-%s.conda#%s" % (n, v, b, ("sha256:" + SHA) if "--sha256" in args else MD5))
else:
    print("unknown command " + " ".join(args), file=sys.stderr)
    sys.exit(2)
`;

export interface FakeTool {
  dir: string;
  path: string;
  log: string;
}

/** Installs the fake tool as `<dir>/<name>` (name: micromamba, mamba or conda). */
export async function fakeTool(name = "micromamba"): Promise<FakeTool> {
  const dir = await tempDir("envforge-fake-conda-");
  const file = path.join(dir, name);
  await writeFile(file, SCRIPT);
  await chmod(file, 0o755);
  return { dir, path: file, log: path.join(dir, "calls.jsonl") };
}

/** A pure-Python wheel, made in place (no index is reachable here). */
export async function makeWheel(dir: string, name: string, version: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}-${version}-py3-none-any.whl`);
  const script = `
import sys, zipfile
name, version, out = sys.argv[1:4]
dist = f"{name}-{version}.dist-info"
with zipfile.ZipFile(out, "w") as z:
    z.writestr(f"{name}/__init__.py", f"VERSION = '{version}'\\n")
    z.writestr(f"{dist}/METADATA", f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n")
    z.writestr(f"{dist}/WHEEL", "Wheel-Version: 1.0\\nGenerator: envforge-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    z.writestr(f"{dist}/RECORD", "")
`;
  execFileSync("python3", ["-c", script, name, version, file]);
  return file;
}
