import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { EnvforgeError, type BuilderOptions, type CanonicalValue, type ImageFragment } from "@envforge/core";
import { execForm, IMAGE_VENV } from "./generator.js";

interface PythonCanonical {
  version?: string;
  userManaged?: true;
  interpreterPath?: string;
}

const VERSION = /^\d+(\.\d+){0,2}$/;

/**
 * A script for `python -c` that fails the build unless the interpreter's version starts with
 * `want`. `want` is checked against a strict pattern first, so it cannot break out of the literal.
 */
function versionCheck(want: string): string {
  if (!VERSION.test(want)) throw new Error(`invalid python version ${JSON.stringify(want)}`);
  return [
    "import sys",
    `want = '${want}'`,
    "have = '%d.%d.%d' % sys.version_info[:3]",
    "sys.exit(0 if (have + '.').startswith(want + '.') else 'envforge: this image has Python ' + have + ', the definition asks for ' + want)",
  ].join("; ");
}

/**
 * The interpreter part of an image (order 20, before conda and pip). User-managed: nothing is
 * installed, the given interpreter must exist (and have the version, when one is given).
 * System-managed: the image's python3 must have the requested version.
 */
export function pythonFragment(value: CanonicalValue | undefined): ImageFragment | undefined {
  const python = (value ?? {}) as PythonCanonical;
  const instructions: string[] = [];
  if (python.userManaged) {
    const interpreter = python.interpreterPath!;
    // The path reaches the shell only as "$1", never as script text.
    instructions.push(
      execForm("RUN", [
        "/bin/sh",
        "-c",
        'test -x "$1" || { echo "envforge: the user-managed interpreter $1 does not exist in the image or is not executable" >&2; exit 1; }',
        "envforge-check",
        interpreter,
      ]),
    );
    if (python.version !== undefined) instructions.push(execForm("RUN", [interpreter, "-c", versionCheck(python.version)]));
  } else if (python.version !== undefined) {
    instructions.push(execForm("RUN", ["python3", "-c", versionCheck(python.version)]));
  }
  return instructions.length === 0 ? undefined : { order: 20, instructions };
}

/** pip's index options for an image build (the `pip` builder options; never hashed). */
export interface PipIndexOptions {
  findLinks?: string | string[];
  indexUrl?: string;
  extraIndexUrl?: string | string[];
  noIndex?: boolean;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function checkUrl(url: string, option: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new EnvforgeError({ code: "E_INVALID_VALUE", message: `pip.${option} ${JSON.stringify(url)} is not a URL or a folder`, hint: "give an http(s) URL or an existing folder of wheels" });
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new EnvforgeError({
      code: "E_INVALID_VALUE",
      message: `pip.${option} holds credentials; in an image build they would be stored in the image's history`,
      hint: "use an index that needs no credentials for image builds, or a folder of wheels (--find-links DIR)",
    });
  }
  return url;
}

/** Requirement strings from the pip section's canonical value (an array, or an object listing them). */
function requirementsOf(value: CanonicalValue): string[] {
  const candidates = Array.isArray(value)
    ? value
    : value !== null && typeof value === "object"
      ? ((value as Record<string, CanonicalValue>).requirements ?? (value as Record<string, CanonicalValue>).packages)
      : undefined;
  if (!Array.isArray(candidates) || !candidates.every((r) => typeof r === "string")) {
    throw new EnvforgeError({
      code: "E_NO_PLUGIN",
      message: "the pip section's canonical form is not a list of requirement strings, and no plugin provides its image fragment",
      hint: "load a pip plugin that taps hooks.imageFragment for \"pip\"",
    });
  }
  for (const r of candidates) {
    // One requirement per line, and never a pip option (`-r /etc/…`, `--index-url …`).
    if (/[\r\n]/.test(r) || r.trim().startsWith("-") || r.trim() === "") {
      throw new EnvforgeError({ code: "E_INVALID_REQUIREMENT", message: `requirement ${JSON.stringify(r)} cannot be written to a requirements file`, hint: "one PEP 508 requirement per item" });
    }
  }
  return candidates as string[];
}

/**
 * The pip part of an image when no plugin taps `imageFragment` for "pip" (order 40): a venv from
 * the image's python3 (its own layer, so a changed pin reuses it), then the requirements file and
 * local wheel folders copied into the image and installed with exec-form RUNs. Requirement text
 * only ever reaches pip through a file, never a shell.
 */
export function fallbackPipFragment(value: CanonicalValue, options: BuilderOptions): ImageFragment {
  const requirements = requirementsOf(value);
  const pip = (options.pip ?? {}) as PipIndexOptions;
  const files: Record<string, string> = { "envforge/pip/requirements.txt": `${requirements.join("\n")}\n` };
  const folders: Record<string, string> = {};
  const args: string[] = [];
  const copies: string[] = [];
  list(pip.findLinks).forEach((where, i) => {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(where)) {
      args.push("--find-links", checkUrl(where, "findLinks"));
      return;
    }
    if (!existsSync(where) || !statSync(where).isDirectory()) {
      throw new EnvforgeError({ code: "E_FILE_NOT_FOUND", message: `pip.findLinks folder ${where} does not exist`, hint: "give a folder of wheels on this machine, or an http(s) URL" });
    }
    const rel = `envforge/wheels/${i}`;
    folders[rel] = path.resolve(where);
    copies.push(`COPY ${rel} /envforge/wheels/${i}`);
    args.push("--find-links", `/envforge/wheels/${i}`);
  });
  if (pip.noIndex) args.push("--no-index");
  if (pip.indexUrl !== undefined) args.push("--index-url", checkUrl(pip.indexUrl, "indexUrl"));
  for (const url of list(pip.extraIndexUrl)) args.push("--extra-index-url", checkUrl(url, "extraIndexUrl"));
  return {
    order: 40,
    instructions: [
      execForm("RUN", ["python3", "-m", "venv", IMAGE_VENV]),
      ...copies,
      "COPY envforge/pip/requirements.txt /envforge/pip/requirements.txt",
      execForm("RUN", [
        `${IMAGE_VENV}/bin/python`,
        "-m",
        "pip",
        "install",
        "--no-cache-dir",
        "--disable-pip-version-check",
        ...args,
        "-r",
        "/envforge/pip/requirements.txt",
      ]),
    ],
    files,
    folders,
  };
}
