/**
 * The Spark layer in images: jars resolved once on the host (real Ivy, a Maven repository the test
 * writes), copied after the Python layers, so changing Spark packages leaves every line above the
 * Spark layer — and with it Docker's layer cache — untouched.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createEngine } from "@envforge/core/plugin-kit";
import { renderDockerfile } from "@envforge/image";
import { dockerPlugin } from "@envforge/plugin-docker";
import { pipPlugin } from "@envforge/plugin-pip";
import { findIvyJar, sparkPlugin } from "@envforge/plugin-spark";
import { makeMavenRepo, missingTools } from "../../plugins/spark/src/testing/maven-repo.js";

const missing = missingTools(() => findIvyJar());
const inCI = process.env.CI === "true";
if (missing && !inCI) console.warn(`skipping the Spark image layer test: ${missing}`);

let dir: string;
let repoUrl: string;

async function render(packages: string[]): Promise<string> {
  // The repository is shared by the definitions, beside their folders: the host allows it.
  const engine = createEngine({ plugins: [dockerPlugin(), pipPlugin(), sparkPlugin()], cacheDir: path.join(dir, "cache"), policy: { allowOutsideFiles: true } });
  const file = path.join(await mkdtemp(path.join(dir, "env-")), "env.yaml");
  await writeFile(
    file,
    [
      "docker:",
      "  baseImage: python:3.11-slim",
      '  steps: ["RUN echo base-step"]',
      "python:",
      '  pip: ["requests==2.31.0"]',
      "spark:",
      `  repositories: ["${repoUrl}"]`,
      `  packages: [${packages.map((p) => JSON.stringify(p)).join(", ")}]`,
      "",
    ].join("\n"),
  );
  return (await renderDockerfile(engine, file)).image.dockerfile;
}

describe.skipIf(missing !== undefined && !inCI)(`Spark jars in their own image layer${missing ? ` (skipped: ${missing})` : ""}`, () => {
  beforeAll(async () => {
    if (missing) throw new Error(`CI=true but the Spark image layer test cannot run: ${missing}`);
    dir = await mkdtemp(path.join(os.tmpdir(), "envforge-spark-image-"));
    await makeMavenRepo(path.join(dir, "repo"), [
      { group: "com.example", artifact: "app", version: "1.0.0", dependencies: [{ group: "com.example", artifact: "util", version: "2.0" }] },
      { group: "com.example", artifact: "util", version: "2.0" },
      { group: "com.example", artifact: "extra", version: "0.1" },
    ]);
    repoUrl = `file://${path.join(dir, "repo")}`;
  });

  it("comes after the pip layers, and a Spark change leaves every line above it unchanged", async () => {
    const one = (await render(["com.example:app:1.0.0"])).split("\n");
    const two = (await render(["com.example:app:1.0.0", "com.example:extra:0.1"])).split("\n");

    const sparkCopy = one.indexOf("COPY envforge/spark/jars /opt/envforge/spark/jars");
    expect(sparkCopy).toBeGreaterThan(0);
    const pipLine = one.findIndex((l) => l.includes("requests==2.31.0") || l.includes("envforge/pip"));
    expect(pipLine, "the pip layer is in the Dockerfile").toBeGreaterThan(0);
    expect(pipLine).toBeLessThan(sparkCopy);

    expect(two.indexOf("COPY envforge/spark/jars /opt/envforge/spark/jars")).toBe(sparkCopy);
    expect(two.slice(0, sparkCopy)).toEqual(one.slice(0, sparkCopy));
    expect(one.slice(sparkCopy)).toContain("ENV SPARK_CONF_DIR=/opt/envforge/spark/conf");
  });
});
