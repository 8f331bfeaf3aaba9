import { writeFile } from "node:fs/promises";
import path from "node:path";
import { satisfies } from "@renovatebot/pep440";
import { createError, type BuildContext, type LockedDistribution } from "@envforge/core/plugin-kit";
import { canonicalName } from "./canonical.js";
import { parsePep508 } from "./pep508.js";

/**
 * Installing a lock's pip part (LOCK.md), shared by the venv target (plugin-pip) and the conda
 * target's pip part (plugin-conda): the locked files with `--no-deps --require-hashes`, after a
 * check, by the target's own interpreter, that the lock still satisfies every requirement.
 */

const LOCK_CHECK_BODY = `
import json, sys
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name
arg = sys.argv[1]
data = json.load(open(arg[1:])) if arg.startswith("@") else json.loads(arg)
locked = {canonicalize_name(n): v for n, v in data["locked"].items()}
out = []
for line in data["requirements"]:
    try:
        r = Requirement(line)
    except Exception:
        continue
    if r.marker is not None and not r.marker.evaluate():
        continue
    if r.url:
        continue
    v = locked.get(canonicalize_name(r.name))
    if v is None or not r.specifier.contains(v, prereleases=True):
        out.append([line, v])
`;

/**
 * Checks each requirement against the locked versions with pip's own `packaging` (markers
 * evaluated by the interpreter that runs it). Run as `python -c SCRIPT JSON` (or `@FILE` of that
 * JSON); prints the unmet `[requirement, lockedVersion|null]` pairs as JSON.
 */
export const LOCK_SATISFIES_SCRIPT = `${LOCK_CHECK_BODY}print(json.dumps(out))
`;

/**
 * The same check as a build step of an image (the image's interpreter evaluates the markers):
 * exits 1 naming every unmet requirement, so a stale lock fails the build instead of installing.
 */
export const LOCK_CHECK_STEP_SCRIPT = `${LOCK_CHECK_BODY}if out:
    print("E_LOCK_MISMATCH: the lock does not satisfy the definition: " + ", ".join("%s (locked: %s)" % (req, v or "absent") for req, v in out), file=sys.stderr)
    print("update the lock: envforge lock REF (or --upgrade-package NAME)", file=sys.stderr)
    sys.exit(1)
`;

/** The JSON the check reads: the requirements and the locked versions by name. */
export function lockCheckData(requirements: readonly string[], pip: readonly LockedDistribution[]): string {
  return JSON.stringify({ requirements, locked: Object.fromEntries(pip.map((d) => [d.name, d.version])) });
}

/** The `python` arguments that run the check for these requirements against this lock. */
export function lockSatisfiesArgs(requirements: readonly string[], pip: readonly LockedDistribution[]): string[] {
  return ["-c", LOCK_SATISFIES_SCRIPT, lockCheckData(requirements, pip)];
}

/** E_LOCK_MISMATCH naming each unmet requirement, from the check's stdout; `undefined` when all are met. */
export function lockUnmetError(ctx: Pick<BuildContext, "spec">, stdout: string | Array<[string, string | null]>): Error | undefined {
  const unmet = typeof stdout === "string" ? (JSON.parse(stdout) as Array<[string, string | null]>) : stdout;
  if (unmet.length === 0) return undefined;
  const lines = unmet.map(([req, v]) => `${req} (locked: ${v ?? "absent"})`);
  return createError("E_LOCK_MISMATCH", `the lock does not satisfy the definition: ${lines.join(", ")}`, {
    location: ctx.spec.loaded.locator.locate(["python", "pip"]),
    field: "python.pip",
    hint: "update the lock: envforge lock REF (or --upgrade-package NAME)",
    details: { unmet: unmet.map(([requirement, locked]) => ({ requirement, locked })) },
  });
}

/** The requirements text of a lock: `name==version --hash=sha256:…`, one per distribution. */
export function lockedRequirementsText(pip: readonly LockedDistribution[]): string {
  return pip.map((d) => `${d.name}==${d.version} --hash=sha256:${d.sha256}\n`).join("");
}

/** Writes `locked-requirements.txt` into `dir`; returns its path. */
export async function writeLockedRequirements(dir: string, pip: readonly LockedDistribution[]): Promise<string> {
  const file = path.join(dir, "locked-requirements.txt");
  await writeFile(file, lockedRequirementsText(pip));
  return file;
}

/**
 * The args of `pip install` (after `python`) for the locked set; `pip` is how pip is run (the
 * venv target runs the base interpreter's pip through its runner, venv-seed.ts).
 */
export function lockedInstallArgs(file: string, pip: readonly string[] = ["-m", "pip"]): string[] {
  return [...pip, "install", "--no-input", "--disable-pip-version-check", "--no-deps", "--require-hashes", "-r", file];
}

/** Which locked package pip's output blames, and why (a tampered or missing file). */
export function lockedInstallCulprit(output: string, pip: readonly LockedDistribution[]): { culprit: LockedDistribution | undefined; what: string; why: string } {
  const text = output.toLowerCase();
  const culprit = pip.find((d) => text.includes(`${d.name}==${d.version}`)) ?? pip.find((d) => text.includes(d.name));
  const what = culprit ? `${culprit.name} ${culprit.version} (${culprit.file})` : "a locked package";
  const why = /do not match the hashes|expected sha256/i.test(text) ? "its file does not match the lock's sha256 (tampered or replaced)" : /no matching distribution|could not find a version/i.test(text) ? "its locked file cannot be found" : "pip failed";
  return { culprit, what, why };
}

/**
 * The same check on the host, for what needs no interpreter: requirements without a marker or a
 * URL, against the locked versions (PEP 440 by @renovatebot/pep440, pre-releases allowed as pip's
 * check does). Requirements with markers are left to the target's interpreter. Returns the unmet
 * `[requirement, lockedVersion|null]` pairs, in the check's shape.
 */
export function hostLockUnmet(requirements: readonly string[], pip: readonly LockedDistribution[]): Array<[string, string | null]> {
  const locked = new Map(pip.map((d) => [canonicalName(d.name), d.version]));
  const out: Array<[string, string | null]> = [];
  for (const line of requirements) {
    let requirement;
    try {
      requirement = parsePep508(line);
    } catch {
      continue; // not a requirement the check understands: pip's own check in the target decides
    }
    if (requirement.marker !== undefined || requirement.url !== undefined) continue;
    const version = locked.get(canonicalName(requirement.name));
    const specifier = requirement.specifiers.map((c) => `${c.operator}${c.version}`).join(",");
    if (version === undefined || (specifier !== "" && !satisfies(version, specifier, { prereleases: true }))) out.push([line, version ?? null]);
  }
  return out;
}
