import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { createError, hostLockPlatform, LOCK_SECTION, pythonVersionCheck, type BuilderOptions, type CanonicalValue, type EnvLock, type ImageFragment, type ImageFragmentContext, type LockedDistribution } from "@envforge/core/plugin-kit";
import { hostLockUnmet, IMAGE_CONDA_PREFIX, LOCK_CHECK_STEP_SCRIPT, lockCheckData, pythonCanonical, type PipCanonical } from "@envforge/python";

/**
 * pip's layer of a container image (`hooks.imageFragment` for "pip"), moved here from the docker
 * plugin's built-in fallback so that pip owns it. Kept free of `@envforge/image` (pip builds venvs
 * without any image package), so the venv path below and `execForm` are duplicated from it; the
 * conda environment's path is `@envforge/python`'s (conda's image fragment names it too).
 */

/** Where system-managed Python lives in an image; the same path as `IMAGE_VENV` of @envforge/image. */
export const IMAGE_VENV = "/opt/envforge/venv";

/** An exec-form instruction (`RUN ["a", "b"]`): arguments reach the program without a shell (as @envforge/image's `execForm`). */
function execForm(keyword: "RUN", argv: readonly string[]): string {
  return `${keyword} ${JSON.stringify(argv)}`;
}

/** pip's index options for an image build (the `pip` builder options; never hashed). */
export interface PipIndexOptions {
  findLinks?: string | string[];
  indexUrl?: string;
  extraIndexUrls?: string | string[];
  noIndex?: boolean;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function checkUrl(url: string, option: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw createError("E_INVALID_VALUE", `pip.${option} ${JSON.stringify(url)} is not a URL or a folder`, { hint: "give an http(s) URL or an existing folder of wheels" });
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw createError("E_INVALID_VALUE", `pip.${option} holds credentials; in an image build they would be stored in the image's history`, {
      hint: "use an index that needs no credentials for image builds, or a folder of wheels (--find-links DIR)",
    });
  }
  return url;
}

interface PipParts {
  requirements: string[];
  constraints: string[];
  options: string[];
}

/**
 * The pip section's canonical value in the pip plugin's shapes: an array of requirement lines, or
 * `{ requirements, constraints?, options? }` (options are install-changing flags such as `--pre`).
 */
function pipPartsOf(value: CanonicalValue): PipParts {
  const strings = (v: CanonicalValue | undefined): string[] | undefined =>
    v === undefined ? [] : Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined;
  const object = value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, CanonicalValue>) : undefined;
  const parts = Array.isArray(value)
    ? { requirements: strings(value), constraints: [], options: [] }
    : { requirements: strings(object?.requirements), constraints: strings(object?.constraints), options: strings(object?.options) };
  if (!parts.requirements || !parts.constraints || !parts.options || (object && Object.keys(object).some((k) => !["requirements", "constraints", "options"].includes(k)))) {
    throw createError("E_NO_PLUGIN", "the pip section's canonical form is not one the built-in image fragment understands, and no plugin provides its image fragment", {
      hint: 'load a pip plugin that taps hooks.imageFragment for "pip"',
    });
  }
  for (const r of [...parts.requirements, ...parts.constraints]) {
    // One requirement per line, and never a pip option (`-r /etc/…`, `--index-url …`).
    if (/[\r\n]/.test(r) || r.trim().startsWith("-") || r.trim() === "") {
      throw createError("E_INVALID_REQUIREMENT", `requirement ${JSON.stringify(r)} cannot be written to a requirements file`, { hint: "one PEP 508 requirement per item" });
    }
  }
  for (const o of parts.options) {
    // Only install-changing flags: an index or file option here would be a definition reading the host.
    if (!/^--(pre|prefer-binary|no-binary|only-binary|use-feature|require-hashes)(=[A-Za-z0-9_.,:-]+)?$/.test(o)) {
      throw createError("E_INVALID_REQUIREMENT", `pip option ${JSON.stringify(o)} cannot be used in an image build`, { hint: "allowed: --pre, --prefer-binary, --no-binary, --only-binary, --use-feature, --require-hashes" });
    }
  }
  return parts as PipParts;
}

/**
 * The pip part of an image (order 40; once the image plugins' built-in fallback): a venv from the
 * image's python3, checked against `python.version` in the step that creates it, then the
 * requirements files and local wheel folders copied in one layer and installed with exec-form
 * RUNs. Requirement text only ever reaches pip through a file, never a shell.
 */
export function fallbackPipFragment(value: CanonicalValue, options: BuilderOptions, pythonVersion?: string, condaPrefix?: string, interpreter = "python3", locked?: readonly LockedDistribution[]): ImageFragment {
  const parts = pipPartsOf(value);
  const pip = (options.pip ?? {}) as PipIndexOptions;
  // Under a lock (LOCK.md): exactly the locked files, by hash, none of their dependencies resolved again.
  const lines = locked
    ? locked.map((d) => `${d.name}==${d.version} --hash=sha256:${d.sha256}`)
    : [...parts.options, ...(parts.constraints.length > 0 ? ["-c constraints.txt"] : []), ...parts.requirements];
  const files: Record<string, string> = { "envforge/pip/requirements.txt": `${lines.join("\n")}\n` };
  if (locked) {
    // The lock must still satisfy the definition: checked in the image, by its interpreter (markers
    // are the image's), before anything is installed. Both travel as files, never on a command line.
    files["envforge/pip/check-lock.py"] = LOCK_CHECK_STEP_SCRIPT;
    files["envforge/pip/lock-check.json"] = `${lockCheckData(parts.requirements, locked)}\n`;
  }
  if (!locked && parts.constraints.length > 0) files["envforge/pip/constraints.txt"] = `${parts.constraints.join("\n")}\n`;
  const folders: Record<string, string> = {};
  const args: string[] = [];
  list(pip.findLinks).forEach((where, i) => {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(where)) {
      args.push("--find-links", checkUrl(where, "findLinks"));
      return;
    }
    if (!existsSync(where) || !statSync(where).isDirectory()) {
      throw createError("E_FILE_NOT_FOUND", `pip.findLinks folder ${where} does not exist`, { hint: "give a folder of wheels on this machine, or an http(s) URL" });
    }
    // Under the pip folder, so one COPY (one layer) brings requirements and wheels.
    folders[`envforge/pip/wheels/${i}`] = path.resolve(where);
    args.push("--find-links", `/envforge/pip/wheels/${i}`);
  });
  if (pip.noIndex === true || (pip.noIndex as unknown) === "true") args.push("--no-index");
  if (pip.indexUrl !== undefined) args.push("--index-url", checkUrl(pip.indexUrl, "indexUrl"));
  for (const url of list(pip.extraIndexUrls)) args.push("--extra-index-url", checkUrl(url, "extraIndexUrls"));
  return {
    order: 40,
    // Without conda the venv step below checks python.version: the image adds no check of its own.
    checksPythonVersion: condaPrefix === undefined,
    instructions: [
      // With a conda part, pip installs into the conda environment (conda resolved the
      // interpreter there); otherwise into a venv from the image's python3. Version check and venv
      // in one step: on vfs-like storage every layer is a full copy.
      ...(condaPrefix !== undefined
        ? []
        : [
            pythonVersion === undefined
              ? execForm("RUN", [interpreter, "-m", "venv", IMAGE_VENV])
              : execForm("RUN", [interpreter, "-c", `${pythonVersionCheck(pythonVersion)}; import venv; venv.create('${IMAGE_VENV}', with_pip=True)`]),
          ]),
      "COPY envforge/pip /envforge/pip",
      ...(locked ? [execForm("RUN", [`${condaPrefix ?? IMAGE_VENV}/bin/python`, "/envforge/pip/check-lock.py", "@/envforge/pip/lock-check.json"])] : []),
      execForm("RUN", [
        `${condaPrefix ?? IMAGE_VENV}/bin/python`,
        "-m",
        "pip",
        "install",
        "--no-cache-dir",
        "--disable-pip-version-check",
        ...(locked ? ["--no-deps", "--require-hashes"] : []),
        ...args,
        "-r",
        "/envforge/pip/requirements.txt",
      ]),
    ],
    files,
    folders,
  };
}

/**
 * The `imageFragment` tap for "pip": the layer above, with what it needs of the other sections —
 * `python.version` (checked where the venv is made), conda's environment when there is one (pip
 * installs into it), and a system-managed `python.interpreterPath` (the venv's base).
 */
export function pipImageFragment(value: PipCanonical, ctx: Pick<ImageFragmentContext, "canonical" | "options">): ImageFragment {
  const sections = ctx.canonical.sections;
  const python = pythonCanonical(sections.python);
  const userManaged = python.userManaged === true;
  const withConda = sections.conda !== undefined;
  // A system-managed interpreterPath is the image's venv base; conda brings its own.
  const systemInterpreter = !userManaged && !withConda ? python.interpreterPath : undefined;
  const lock = sections[LOCK_SECTION] as EnvLock | undefined;
  const locked = lock?.pip !== undefined && lock.pip.length > 0 ? lock.pip : undefined;
  if (lock && locked) checkImagePlatform(lock, sections.docker as { platform?: string } | undefined);
  if (locked) checkImageLockSatisfies(pipPartsOf(value).requirements, locked);
  // The lock's Python is checked where the venv is made, like python.version.
  const version = python.version ?? (locked ? lock?.python : undefined);
  return fallbackPipFragment(value, ctx.options, version, withConda ? IMAGE_CONDA_PREFIX : undefined, systemInterpreter, locked);
}

/**
 * A stale lock fails before anything is rendered, for what the host can tell (requirements
 * without markers); the image's check step (check-lock.py) covers the rest with its interpreter.
 */
function checkImageLockSatisfies(requirements: readonly string[], locked: readonly LockedDistribution[]): void {
  const unmet = hostLockUnmet(requirements, locked);
  if (unmet.length === 0) return;
  throw createError("E_LOCK_MISMATCH", `the lock does not satisfy the definition: ${unmet.map(([req, v]) => `${req} (locked: ${v ?? "absent"})`).join(", ")}`, {
    field: "python.pip",
    hint: "update the lock: envforge lock REF (or --upgrade-package NAME)",
    details: { unmet: unmet.map(([requirement, v]) => ({ requirement, locked: v })) },
  });
}

const IMAGE_PLATFORMS: Record<string, string> = { "linux/amd64": "linux-x86_64", "linux/arm64": "linux-aarch64", "linux/arm64/v8": "linux-aarch64", "linux/386": "linux-i686", "linux/ppc64le": "linux-ppc64le", "linux/s390x": "linux-s390x" };

/** An image's pip layer from a lock made for another platform would install wheels that do not run there. */
function checkImagePlatform(lock: EnvLock, docker: { platform?: string } | undefined): void {
  const platform = docker?.platform !== undefined ? (IMAGE_PLATFORMS[docker.platform] ?? docker.platform) : hostLockPlatform();
  if (lock.platform === platform) return;
  throw createError("E_LOCK_MISMATCH", `the lock was made for platform ${lock.platform}, but the image is built for ${platform}`, {
    hint: `lock for the image: envforge lock REF --platform ${platform} --python-version X.Y`,
  });
}
