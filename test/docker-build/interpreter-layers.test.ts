import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, type EngineEvent } from "@envforge/core/plugin-kit";
import { condaPlugin } from "@envforge/plugin-conda";
import { pipPlugin } from "@envforge/plugin-pip";
import { renderDockerfile } from "@envforge/image";
import { dockerPlugin } from "@envforge/plugin-docker";

/**
 * In an image, `python.version` and a system-managed `python.interpreterPath` are never dropped:
 * the interpreter path names a file in the image, the venv is made from it and checked there.
 */
const tmp = mkdtempSync(path.join(os.tmpdir(), "envforge-docker-interp-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function render(python: string) {
  const dir = mkdtempSync(path.join(tmp, "env-"));
  writeFileSync(path.join(dir, "env.yaml"), `python:\n${python}docker:\n  baseImage: debian:12\n`);
  const engine = createEngine({ plugins: [dockerPlugin(), pipPlugin(), condaPlugin()], cacheDir: path.join(tmp, "cache") });
  const events: EngineEvent[] = [];
  const r = await renderDockerfile(engine, path.join(dir, "env.yaml"), { offline: true, onEvent: (e) => events.push(e) });
  return { dockerfile: r.image.dockerfile, events };
}

describe("the interpreter asked for, in an image", () => {
  it("a system-managed interpreterPath must exist in the image and is the venv's base, checked against python.version", async () => {
    const { dockerfile } = await render("  interpreterPath: /usr/local/bin/python3.12\n  version: '3.12'\n  pip: ['a==1']\n");
    expect(dockerfile).toContain('"envforge-check","/usr/local/bin/python3.12"]');
    expect(dockerfile).toMatch(/RUN \["\/usr\/local\/bin\/python3\.12","-c","import sys; want = '3\.12'.*venv\.create/);
    expect(dockerfile).not.toContain('RUN ["python3"');
  });

  it("without pip, the interpreter itself is checked for the version", async () => {
    const { dockerfile } = await render("  interpreterPath: /opt/py/bin/python3\n  version: '3.11'\n");
    expect(dockerfile).toContain('RUN ["/opt/py/bin/python3","-c","import sys; want = \'3.11\'');
  });

  it("python.version alone checks the image's python3 where the venv is made", async () => {
    const { dockerfile } = await render("  version: '3.11'\n  pip: ['a==1']\n");
    expect(dockerfile).toMatch(/RUN \["python3","-c","import sys; want = '3\.11'.*venv\.create/);
  });

  it("with conda, which brings its own interpreter, a system-managed interpreterPath is not used, and a warning says so", async () => {
    const { dockerfile, events } = await render("  interpreterPath: /opt/py/bin/python3\n  conda:\n    channels: [conda-forge]\n    dependencies: ['python=3.11']\n");
    // Only the canonical label (what was hashed) names it.
    expect(dockerfile.split("\n").filter((l) => l.includes("/opt/py/bin/python3")).map((l) => l.split(" ")[0])).toEqual(["LABEL"]);
    expect(events.some((e) => e.type === "warning" && e.code === "W_INTERPRETER_IGNORED")).toBe(true);
  });
});
