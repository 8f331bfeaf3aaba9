/**
 * A real image with Spark packages: a private dockerd, the test base image and a Maven repository
 * on disk. The jars are resolved once on the host with Ivy and copied into their own layer;
 * changing the Spark packages rebuilds only that layer. (No pip layer here: a venv build costs
 * minutes on vfs storage, and test/spark-image/dockerfile.test.ts already shows the pip lines
 * sit above the Spark layer unchanged; a custom step stands for "a layer below".)
 */
import { mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFile, mkdir } from "node:fs/promises";
import { createEngine, type BuilderOptions, type EngineEvent } from "@envforge/core/plugin-kit";
import { dockerPlugin } from "@envforge/plugin-docker";
import { findIvyJar, sparkPlugin } from "@envforge/plugin-spark";
import { makeMavenRepo, missingTools } from "../../plugins/spark/src/testing/maven-repo.js";
import { BASE_IMAGE, setUpDocker } from "../support/docker-harness.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";

const javaMissing = missingTools(() => findIvyJar());
const setup = javaMissing ? ({ ok: false, reason: javaMissing } as const) : await setUpDocker();
const reason = setup.ok ? undefined : setup.reason;
warnSkip("the real Spark image build", reason);

afterAll(async () => {
  if (setup.ok) {
    await setup.dockerd.stop();
    rmSync(setup.dir, { recursive: true, force: true });
  }
});

describe.runIf(inCI && !setup.ok)("Spark image tools in CI", () => {
  it("dockerd, a base image, java and ivy must be available when CI=true", () => {
    throw new Error(`the real Spark image test cannot run: ${reason}`);
  });
});

describe.skipIf(!setup.ok)(titleWithReason("Spark jars in a real image", reason), () => {
  const { dockerd, dir } = setup as Extract<typeof setup, { ok: true }>;
  const repo = path.join(dir ?? "", "maven");
  const builderOptions: BuilderOptions = { docker: { network: "none" } };
  const events: EngineEvent[] = [];
  // The repository is shared by the definitions, beside their folders: the host allows it.
  const engine = createEngine({ plugins: [dockerPlugin({ host: dockerd?.host }), sparkPlugin()], cacheDir: mkdtempSync(path.join(dir ?? "/tmp", "cache-")), policy: { allowOutsideFiles: true } });
  engine.hooks.event.tap("test", (e) => events.push(e));
  let digests: Map<string, string>;

  const envFile = async (name: string, packages: string[]) => {
    const d = path.join(dir, name);
    await mkdir(d, { recursive: true });
    const file = path.join(d, "env.yaml");
    await writeFile(
      file,
      [
        `name: ${name}`,
        "docker:",
        `  baseImage: ${BASE_IMAGE}`,
        "  steps:",
        '    - RUN echo "built once" > /etc/below-spark',
        "spark:",
        `  repositories: ["file://${repo}"]`,
        `  packages: [${packages.join(", ")}]`,
        "",
      ].join("\n"),
    );
    return file;
  };
  const inImage = async (ref: string, script: string) => (await dockerd.docker(["run", "--rm", "--network", "none", ref, "sh", "-c", script])).stdout.trim();
  const layers = async (ref: string) => JSON.parse((await dockerd.docker(["image", "inspect", "--format", "{{json .RootFS.Layers}}", ref])).stdout) as string[];

  beforeAll(async () => {
    digests = await makeMavenRepo(repo, [
      { group: "com.example", artifact: "app", version: "1.0.0", dependencies: [{ group: "com.example", artifact: "util", version: "2.0" }] },
      { group: "com.example", artifact: "util", version: "2.0" },
      { group: "com.example", artifact: "extra", version: "0.1" },
    ]);
  });

  it("puts the transitive jars and spark-defaults.conf into the image; a Spark change rebuilds only the Spark layers", async () => {
    const first = await engine.build(await envFile("one", ["com.example:app:1.0.0"]), { target: "docker", builderOptions });
    const ref = first.entry.artifact.reference!;
    expect(await inImage(ref, "ls /opt/envforge/spark/jars")).toBe("com.example__app-1.0.0.jar\ncom.example__util-2.0.jar");
    expect(await inImage(ref, "sha256sum /opt/envforge/spark/jars/com.example__util-2.0.jar | cut -d' ' -f1")).toBe(digests.get("util-2.0.jar"));
    expect(await inImage(ref, 'cat "$SPARK_CONF_DIR/spark-defaults.conf"')).toContain(
      "spark.jars /opt/envforge/spark/jars/com.example__app-1.0.0.jar,/opt/envforge/spark/jars/com.example__util-2.0.jar",
    );
    expect(await inImage(ref, "cat /etc/below-spark")).toBe("built once");

    const second = await engine.build(await envFile("two", ["com.example:app:1.0.0", "com.example:extra:0.1"]), { target: "docker", builderOptions });
    const ref2 = second.entry.artifact.reference!;
    expect(await inImage(ref2, "ls /opt/envforge/spark/jars")).toContain("com.example__extra-0.1.jar");
    // Every layer below the Spark layers is the very same layer: reused, not rebuilt.
    const [a, b] = [await layers(ref), await layers(ref2)];
    expect(b).toHaveLength(a.length);
    const sparkLayers = 2; // COPY jars, COPY spark-defaults.conf
    expect(b.slice(0, a.length - sparkLayers)).toEqual(a.slice(0, a.length - sparkLayers));
    expect(b.slice(-sparkLayers)).not.toEqual(a.slice(-sparkLayers));
  }, 600_000);
});
