import { realpathSync } from "node:fs";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { EnvforgeError } from "@envforge/core/plugin-kit";
import { describe, expect, it } from "vitest";
import { checkEnvReferences, envReferences, expandAllowed } from "./env-refs.js";
import { confineFindLinks, localFindLinks } from "./find-links.js";

const site = { location: { file: "r.txt", line: 3, column: 1 }, field: "python.pipRequirements" };

async function thrown(p: Promise<unknown> | (() => unknown)): Promise<EnvforgeError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    if (e instanceof EnvforgeError) return e;
    throw e;
  }
  throw new Error("expected an EnvforgeError");
}

describe("${NAME} in definition values", () => {
  it("finds every reference, refuses a name not allowed at its site, and expands only what it is given", async () => {
    expect(envReferences("https://u:${TOKEN}@h/${A_1}/x/$NOPE/${bad-name}")).toEqual([
      { name: "TOKEN", offset: 10 },
      { name: "A_1", offset: 21 },
    ]);
    checkEnvReferences("https://h/${TOKEN}", new Set(["TOKEN"]), site);
    const e = await thrown(() => checkEnvReferences("https://h/${TOKEN}/${HOME}", new Set(["TOKEN"]), site));
    expect(e).toMatchObject({ code: "E_ENV_NOT_ALLOWED", location: site.location, field: site.field, details: { variable: "HOME" } });
    expect(e.hint).toContain("--pass-env HOME");
    expect(expandAllowed("https://h/${TOKEN}/${OTHER}", { TOKEN: "t0k" })).toBe("https://h/t0k/${OTHER}");
  });
});

describe("find-links folders", () => {
  it("reads relative paths against the requirements file's folder and file URLs as paths; remote URLs are not paths", () => {
    expect(localFindLinks("wheels", "/d/sub", site)).toBe("/d/sub/wheels");
    expect(localFindLinks("../w", "/d/sub", site)).toBe("/d/w");
    expect(localFindLinks("file:///srv/w", "/d", site)).toBe("/srv/w");
    expect(localFindLinks("https://h/w/", "/d", site)).toBeUndefined();
  });

  it("must lie inside the definition's folder, symlinks resolved, and so must links directly inside it", async () => {
    const root = realpathSync(await mkdtemp(path.join(os.tmpdir(), "envforge-confine-")));
    const def = path.join(root, "def");
    const elsewhere = path.join(root, "elsewhere");
    await mkdir(path.join(def, "wheels"), { recursive: true });
    await mkdir(elsewhere);
    await writeFile(path.join(elsewhere, "x.whl"), "");
    await confineFindLinks(path.join(def, "wheels"), "wheels", def, site, { entries: true });
    await confineFindLinks(path.join(def, "missing"), "missing", def, site, { entries: true });
    expect(await thrown(confineFindLinks(elsewhere, "../elsewhere", def, site))).toMatchObject({ code: "E_FILE_OUTSIDE_ROOT", location: site.location });
    await symlink(elsewhere, path.join(def, "out"));
    expect((await thrown(confineFindLinks(path.join(def, "out"), "out", def, site))).message).toContain("links outside");
    await symlink(path.join(elsewhere, "x.whl"), path.join(def, "wheels", "x.whl"));
    await confineFindLinks(path.join(def, "wheels"), "wheels", def, site); // parse time: the folder only
    expect((await thrown(confineFindLinks(path.join(def, "wheels"), "wheels", def, site, { entries: true }))).message).toContain("x.whl");
  });
});
