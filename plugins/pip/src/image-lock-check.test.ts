import { execa } from "execa";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hostLockPlatform, type CanonicalSpec, type EnvforgeError, type LockedDistribution } from "@envforge/core/plugin-kit";
import { IMAGE_VENV, pipImageFragment } from "./image-layer.js";

/**
 * An image's pip layer under a lock checks that the lock still satisfies the definition: on the
 * host before rendering (requirements without markers), and in the image by its interpreter
 * (check-lock.py, run here by this machine's python3 and its real pip) before anything installs.
 */
const tmp = mkdtempSync(path.join(os.tmpdir(), "envforge-pip-image-lock-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SHA = "cd".repeat(32);
const LOCKED: LockedDistribution[] = [
  { name: "tinya", version: "1.0.0", file: "tinya-1.0.0-py3-none-any.whl", sha256: SHA },
  { name: "tinyb", version: "2.0.0", file: "tinyb-2.0.0-py3-none-any.whl", sha256: SHA },
];
const ctx = (pip: LockedDistribution[]) => ({
  canonical: { contract: "efh1", sections: { lock: { version: 1, python: "3.11", platform: hostLockPlatform(), pip } } } as unknown as CanonicalSpec,
  options: {},
});
const rejection = (f: () => unknown): EnvforgeError => {
  try {
    f();
  } catch (error) {
    return error as EnvforgeError;
  }
  throw new Error("expected a failure");
};

/** Runs the fragment's check step as the image would: its files in a folder, `python check-lock.py @lock-check.json`. */
async function runCheckStep(files: Record<string, string | Uint8Array>) {
  const dir = mkdtempSync(path.join(tmp, "step-"));
  for (const name of ["check-lock.py", "lock-check.json"]) writeFileSync(path.join(dir, name), files[`envforge/pip/${name}`]!);
  return execa("python3", [path.join(dir, "check-lock.py"), `@${path.join(dir, "lock-check.json")}`], { reject: false });
}

describe("an image's pip layer checks the lock against the definition", () => {
  it("refuses a stale lock on the host before rendering, naming the requirement", () => {
    const e = rejection(() => pipImageFragment(["tinya", "tinyb>=2.1"], ctx(LOCKED)));
    expect(e.code).toBe("E_LOCK_MISMATCH");
    expect(e.message).toBe("the lock does not satisfy the definition: tinyb>=2.1 (locked: 2.0.0)");
    const absent = rejection(() => pipImageFragment(["tinyc==1.0"], ctx(LOCKED)));
    expect(absent.message).toContain("tinyc==1.0 (locked: absent)");
  });

  it("checks in the image before installing: the step fails a stale lock naming the requirement, and passes a good one", { timeout: 60_000 }, async () => {
    // A marker: only the image's interpreter can evaluate it, so the host lets it through.
    const stale = pipImageFragment(['tinyb>=2.1; python_version >= "3"'], ctx(LOCKED));
    const check = JSON.stringify([`${IMAGE_VENV}/bin/python`, "/envforge/pip/check-lock.py", "@/envforge/pip/lock-check.json"]);
    const at = stale.instructions.indexOf(`RUN ${check}`);
    expect(at).toBeGreaterThan(stale.instructions.indexOf("COPY envforge/pip /envforge/pip"));
    expect(stale.instructions.at(-1)).toContain('"--no-deps","--require-hashes"');
    expect(at).toBe(stale.instructions.length - 2);
    const failed = await runCheckStep(stale.files!);
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('E_LOCK_MISMATCH: the lock does not satisfy the definition: tinyb>=2.1; python_version >= "3" (locked: 2.0.0)');

    const good = pipImageFragment(['tinyb>=2.0; python_version >= "3"', "tinya"], ctx(LOCKED));
    const passed = await runCheckStep(good.files!);
    expect(passed.exitCode, passed.stderr).toBe(0);
  });

  it("adds no check step without a lock", () => {
    const plain = pipImageFragment(["tinyb>=2.1"], { canonical: { contract: "efh1", sections: {} } as unknown as CanonicalSpec, options: {} });
    expect(Object.keys(plain.files!)).toEqual(["envforge/pip/requirements.txt"]);
    expect(plain.instructions.join("\n")).not.toContain("check-lock");
  });
});
