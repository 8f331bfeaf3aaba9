import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, EnvforgeError } from "@envforge/core/plugin-kit";
import { renderDockerfile } from "@envforge/image";
import { dockerPlugin } from "@envforge/plugin-docker";
import { pipPlugin } from "@envforge/plugin-pip";

// No docker needed: what reaches the generated Dockerfile from hostile definitions, with the real
// pip plugin's parser in front of the generator.
const tmp = mkdtempSync(path.join(os.tmpdir(), "envforge-injection-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const HOSTILE = ["pkg;rm -rf /", "pkg==1.0; rm -rf /", "pkg==$(id)", "pkg==`id`", "pkg\nRUN id", "pkg @ https://example.org/$(id)/pkg-1.0.tar.gz", "pkg[`id`]==1"];

async function render(pip: string[]) {
  const dir = mkdtempSync(path.join(tmp, "env-"));
  const file = path.join(dir, "env.yaml");
  writeFileSync(file, `python:\n  pip: ${JSON.stringify(pip)}\ndocker:\n  baseImage: debian:12\n`);
  const engine = createEngine({ plugins: [pipPlugin(), dockerPlugin({ daemonCache: false })], cacheDir: path.join(tmp, "cache") });
  return renderDockerfile(engine, file);
}

describe("hostile requirement strings never reach a shell", () => {
  it.each(HOSTILE)("%j is refused with a location, or only ever written to requirements.txt", async (hostile) => {
    let rendered;
    try {
      rendered = await render(["safe==1.0", hostile]);
    } catch (e) {
      expect(e).toBeInstanceOf(EnvforgeError);
      expect((e as EnvforgeError).location?.line).toBe(2);
      return;
    }
    const { dockerfile, files } = rendered.image;
    // Generated without a base Dockerfile or heredocs, so each line is one instruction.
    for (const line of dockerfile.trimEnd().split("\n")) {
      const keyword = line.split(" ")[0];
      if (keyword === "RUN") expect(line.startsWith("RUN [")).toBe(true); // exec form only: no shell
      if (keyword !== "LABEL") expect(line).not.toMatch(/\$\(id\)|`id`|rm -rf/);
    }
    const requirements = String(files["envforge/pip/requirements.txt"]);
    expect(requirements.split("\n").filter(Boolean).length).toBe(2);
  });
});
