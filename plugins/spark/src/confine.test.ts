import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine, type EnvforgeError, type HostPolicy } from "@envforge/core/plugin-kit";
import { sparkPlugin } from "./plugin.js";

/** A definition folder `def/` with a repository `def/m2`, a folder beside it and a link out. */
async function layout() {
  const top = await mkdtemp(path.join(os.tmpdir(), "envforge-spark-confine-"));
  const def = path.join(top, "def");
  const outside = path.join(top, "outside");
  await mkdir(path.join(def, "m2"), { recursive: true });
  await mkdir(outside);
  await symlink(outside, path.join(def, "link-out"));
  await symlink(path.join(def, "m2"), path.join(def, "link-in"));
  return { top, def, outside, cacheDir: path.join(top, "cache") };
}

async function hashWith(where: Awaited<ReturnType<typeof layout>>, repository: string, options: { policy?: Partial<HostPolicy>; allowFilesOutsideRoot?: boolean } = {}) {
  const file = path.join(where.def, "env.yaml");
  await writeFile(file, `spark:\n  packages: [com.example:a:1.0]\n  repositories:\n    - https://repo1.maven.org/maven2\n    - "${repository}"\n`);
  return createEngine({ plugins: [sparkPlugin()], cacheDir: where.cacheDir, ...options }).hash(file);
}

describe("spark: a file: repository a definition names stays inside its folder", () => {
  it("a repository outside the folder is E_FILE_OUTSIDE_ROOT at its entry, for each way of writing it, at validate", async () => {
    const where = await layout();
    const file = path.join(where.def, "env.yaml");
    for (const repository of [
      `file://${where.def}/../outside`, // `..` (URL rules drop it: the folder beside)
      `file://${where.outside}`, // absolute
      "file:///etc",
      `file://${where.def}/link-out`, // a symlink pointing out
      `file://${where.def}/link-out/not-yet`, // below a link out, not there yet
    ]) {
      const e = (await hashWith(where, repository).then(() => new Error(`accepted ${repository}`), (x: unknown) => x)) as EnvforgeError;
      expect(e.code, repository).toBe("E_FILE_OUTSIDE_ROOT");
      expect(e).toMatchObject({ field: "spark.repositories[1]", location: { file, line: 5 } });
      expect(e.hint).toContain("--allow-outside-files");
    }
    // A relative path was never a repository: a URL is required.
    const relative = (await hashWith(where, "../outside").catch((x: unknown) => x)) as EnvforgeError;
    expect(relative).toMatchObject({ code: "E_INVALID_VALUE", field: "spark.repositories[1]" });
  });

  it("a repository inside the folder (a link within it, or one not there yet) is accepted", async () => {
    const where = await layout();
    for (const repository of [`file://${where.def}/m2`, `file://${where.def}/m2/`, `file://${where.def}/link-in`, `file://${where.def}/later`, `file://${where.def}`]) {
      await expect(hashWith(where, repository), repository).resolves.toMatchObject({ hash: expect.any(String) });
    }
  });

  it("the host may allow outside repositories (policy.allowOutsideFiles, or the engine option allowFilesOutsideRoot)", async () => {
    const where = await layout();
    for (const repository of [`file://${where.outside}`, `file://${where.def}/link-out`]) {
      await hashWith(where, repository, { policy: { allowOutsideFiles: true } });
      await hashWith(where, repository, { allowFilesOutsideRoot: true });
    }
  });
});
