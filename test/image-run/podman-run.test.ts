/**
 * A command run inside an image built by the podman target, through its activation (`podman run
 * --rm -i … IMAGE_ID`). podman's default rlimits (nofile 1048576, nproc near pid_max) are refused
 * by some sandboxed kernels, this machine's among them (`error setting rlimit type 7: operation
 * not permitted`); naming lower ones with the `runUlimit` option replaces them, which works on any
 * machine where podman runs containers, so these runs pass it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Activation, type ActivationContext, type BuilderOptions, type CacheEntry, type Engine } from "@envforge/core/plugin-kit";
import { podmanPlugin } from "@envforge/plugin-podman";
import { makeTinyRootfs } from "../support/base-image.js";
import { tempDir } from "../support/engine.js";
import { setUpPodman } from "../support/podman.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { LITERAL_ARGS, PRINT_ARGS, runActivated } from "./support.js";

const BASE = "docker.io/library/envforge-test-tiny:run";
const GREETING = "hello from variables: $HOME `id` 'q'";
const ULIMITS = ["nofile=1024:1024", "nproc=4096:4096"];
/** docker's init (tini), which `podman run --init-path` can use where podman's catatonit is not installed. */
const TINI = ["/usr/bin/tini-static", "/usr/bin/docker-init", "/usr/libexec/podman/catatonit"].find((p) => existsSync(p));

const tinyDir = await tempDir("envforge-podman-run-");
const tiny = await makeTinyRootfs(tinyDir, ["cat", "sleep"]).catch((cause: Error) => cause);
const setup = tiny instanceof Error ? ({ ok: false, reason: `cannot make a shell-only root filesystem: ${tiny.message}` } as const) : await setUpPodman({ name: BASE, rootfs: tiny });
const missing = setup.ok ? undefined : setup.reason;
warnSkip("commands run in a podman image", missing);

afterAll(async () => {
  if (setup.ok) await setup.storage.remove();
  await rm(tinyDir, { recursive: true, force: true });
});

describe.runIf(inCI && missing !== undefined)("podman image runs in CI", () => {
  it("podman and buildah must be available when CI=true", () => {
    throw new Error(`cannot run: ${missing}`);
  });
});

describe.skipIf(missing !== undefined)(titleWithReason("running commands inside a podman image (activate hook)", missing), () => {
  const { storage } = setup as Extract<typeof setup, { ok: true }>;
  const dir = storage.dir;
  const file = path.join(dir, "env.yaml");
  const variables = { GREETING };
  let engine: Engine;
  let entry: CacheEntry;
  const runOptions: BuilderOptions = { podman: { runUlimit: ULIMITS, ...(TINI ? { runInitPath: TINI } : { runInit: false }) } };
  const activation = (over: Partial<ActivationContext> = {}): Promise<Activation | undefined> =>
    engine.hooks.activate.for("podman").promise(entry, { spec: undefined, variables, options: runOptions, tty: false, runOptions: {}, ...over });

  beforeAll(async () => {
    writeFileSync(file, ["name: image-run", "docker:", `  baseImage: ${BASE}`, "  steps:", "    - RUN echo built-by-podman > /built", "variables:", `  GREETING: ${JSON.stringify(GREETING)}`, ""].join("\n"));
    engine = createEngine({ plugins: [podmanPlugin(storage.connection)], cacheDir: path.join(dir, "cache") });
    entry = (await engine.build(file, { target: "podman" })).entry;
  }, 600_000);

  it("the activation: podman with the builder's storage, run --rm -i, never pulling, variables by name, the image by ID", async () => {
    const a = (await activation({ options: { podman: { runInit: false } } }))!;
    const { root, runroot, storageDriver } = storage.connection;
    expect(a.argvPrefix).toEqual(["podman", `--root=${root}`, `--runroot=${runroot}`, `--storage-driver=${storageDriver}`, "run", "--rm", "-i", "--pull=never", "--env=GREETING", entry.artifact.digest]);
    expect(a.env).toEqual({ GREETING });
    expect(a.notes?.join("\n")).toContain("no init process in the container");
  });

  it("podman run as the activation says: variables visible, stdout exact, exit status, literal arguments, stdin", async () => {
    const a = (await activation())!;
    const out = await runActivated(a, ["sh", "-c", 'echo "$GREETING"; cat /built']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`${GREETING}\nbuilt-by-podman\n`);
    expect((await runActivated(a, ["sh", "-c", "exit 7"])).code).toBe(7);
    const args = await runActivated(a, [...PRINT_ARGS, ...LITERAL_ARGS]);
    expect(args.stdout).toBe(LITERAL_ARGS.map((x) => `[${x}]\n`).join(""));
    expect((await runActivated(a, ["cat"], { input: "piped\n" })).stdout).toBe("piped\n");
  });

  it("the image carries no variable: not in its Config.Env; the same image run bare has none", async () => {
    const id = entry.artifact.digest!;
    const env = JSON.parse((await storage.podman(["image", "inspect", "--format", "{{json .Config.Env}}", id])).stdout) as string[] | null;
    expect(env ?? []).not.toContainEqual(expect.stringMatching(/^GREETING=/));
    expect((await storage.podman(["image", "inspect", id])).stdout).not.toContain("hello from variables");
    expect(await storage.inImage(id, ["sh", "-c", 'echo "[${GREETING-unset}]"'])).toBe("[unset]");
  });

  it.skipIf(TINI === undefined)("SIGTERM to podman reaches the command through --init: it ends by the signal, not by finishing", { timeout: 120_000 }, async () => {
    const a = (await activation())!;
    expect(a.argvPrefix).toContain("--init");
    let kill: ((signal: NodeJS.Signals) => void) | undefined;
    const running = runActivated(a, ["sleep", "600"], { started: (k) => (kill = k) });
    for (let i = 0; i < 300; i++) {
      if ((await storage.podman(["ps", "--quiet"])).stdout.trim() !== "") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    kill!("SIGTERM");
    const out = await running;
    expect(out.code, out.stderr).toBe(128 + 15);
    expect((await storage.podman(["ps", "--all", "--quiet"])).stdout.trim(), "--rm removed the container").toBe("");
  });

  it("--mount-cwd: the working folder is mounted at its own path and is the working directory", async () => {
    const work = path.join(dir, "my work");
    mkdirSync(work, { recursive: true });
    writeFileSync(path.join(work, "host.txt"), "from the host\n");
    const a = (await activation({ runOptions: { mountCwd: true, cwd: work } }))!;
    const out = await runActivated(a, ["sh", "-c", 'cat host.txt; echo made > made.txt; echo "$PWD"']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`from the host\n${work}\n`);
    expect(readFileSync(path.join(work, "made.txt"), "utf8")).toBe("made\n");
  });
});
