/**
 * A command run inside a built docker image through the docker target's activation (the
 * `activate` hook), as `envforge run --target docker` does: the definition's variables are
 * visible although the image carries none, stdout is the command's own, the exit status and
 * SIGTERM pass through, arguments arrive literally, and `--mount-cwd` shows the host's folder.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Activation, type ActivationContext, type CacheEntry, type Engine } from "@envforge/core/plugin-kit";
import { dockerPlugin } from "@envforge/plugin-docker";
import { makeTinyRootfs } from "../support/base-image.js";
import { expectExit, runCliProcess, startCliProcess } from "../support/cli-process.js";
import { setUpDocker } from "../support/docker-harness.js";
import { tempDir } from "../support/engine.js";
import { repoRoot } from "../support/paths.js";
import { commandExists, run } from "../support/processes.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { LITERAL_ARGS, PRINT_ARGS, runActivated } from "./support.js";

const BASE = "envforge-test-tiny:run";
const GREETING = "hello from variables: $HOME `id` 'q' \"dq\"";
const SECRET = "s3cret-value-7d1e";
const scriptTool = await commandExists("script");
const shellWord = (word: string) => `'${word.replace(/'/g, "'\\''")}'`;

const tinyDir = await tempDir("envforge-image-run-");
const tiny = await makeTinyRootfs(tinyDir, ["cat", "sleep"]).catch((cause: Error) => cause);
const setup =
  tiny instanceof Error
    ? ({ ok: false, reason: `cannot make a shell-only root filesystem: ${tiny.message}` } as const)
    : await setUpDocker({ base: { name: BASE, rootfs: tiny } });
const missing = setup.ok ? undefined : setup.reason;
warnSkip("commands run in a docker image", missing);

afterAll(async () => {
  if (setup.ok) {
    await setup.dockerd.stop();
    await rm(setup.dir, { recursive: true, force: true });
  }
  await rm(tinyDir, { recursive: true, force: true });
});

describe.runIf(inCI && missing !== undefined)("docker image runs in CI", () => {
  it("dockerd must be available when CI=true", () => {
    throw new Error(`cannot run: ${missing}`);
  });
});

describe.skipIf(missing !== undefined)(titleWithReason("running commands inside a docker image (activate hook)", missing), () => {
  const { dockerd, dir } = setup as Extract<typeof setup, { ok: true }>;
  const file = path.join(dir, "env.yaml");
  const variables = { GREETING, API_TOKEN: SECRET, HOME: "/home/inside" };
  let engine: Engine;
  let entry: CacheEntry;
  const activation = (over: Partial<ActivationContext> = {}): Promise<Activation | undefined> =>
    engine.hooks.activate.for("docker").promise(entry, { spec: undefined, variables, options: {}, tty: false, runOptions: {}, ...over });

  beforeAll(async () => {
    writeFileSync(
      file,
      [
        "name: image-run",
        "docker:",
        `  baseImage: ${BASE}`,
        "  steps:",
        "    - RUN echo built-in-image > /built",
        "variables:",
        ...Object.entries(variables).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
        "",
      ].join("\n"),
    );
    engine = createEngine({ plugins: [dockerPlugin({ host: dockerd.host, network: "none" })], cacheDir: path.join(dir, "cache") });
    entry = (await engine.build(file, { target: "docker" })).entry;
  }, 300_000);

  it("the definition's variables are visible inside; stdout is exactly what the command printed", async () => {
    const a = (await activation())!;
    const out = await runActivated(a, ["sh", "-c", 'echo "$GREETING"; cat /built; echo "$API_TOKEN $HOME"']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`${GREETING}\nbuilt-in-image\n${SECRET} /home/inside\n`);
  });

  it("values stay off the docker command line (the process list), except a name the docker CLI reads itself, which a note names", async () => {
    const a = (await activation())!;
    const argv = a.argvPrefix!.join("\n");
    expect(argv).not.toContain(SECRET);
    expect(argv).not.toContain("hello from variables");
    expect(a.argvPrefix).toContain("--env=API_TOKEN");
    expect(a.argvPrefix).toContain("--env=HOME=/home/inside");
    expect(a.env).toEqual({ GREETING, API_TOKEN: SECRET });
    expect(a.notes?.join("\n")).toContain("HOME is passed into the container on the docker command line");
  });

  it("runs the image by its ID, so a tag moved to another image since cannot be swapped in", async () => {
    await dockerd.docker(["tag", BASE, entry.artifact.reference!]);
    const a = (await activation())!;
    expect(a.argvPrefix!.at(-1)).toBe(entry.artifact.digest);
    const out = await runActivated(a, ["cat", "/built"]);
    expect(out.stdout).toBe("built-in-image\n");
  });

  it("the image carries none of the variables: not in Config.Env, nowhere in its inspect or history", async () => {
    const id = entry.artifact.digest!;
    const env = JSON.parse((await dockerd.docker(["image", "inspect", "--format", "{{json .Config.Env}}", id])).stdout) as string[] | null;
    for (const name of Object.keys(variables)) expect(env ?? [], name).not.toContainEqual(expect.stringMatching(new RegExp(`^${name}=`)));
    const inspect = (await dockerd.docker(["image", "inspect", id])).stdout;
    const history = (await dockerd.docker(["history", "--no-trunc", "--format", "{{.CreatedBy}}", id])).stdout;
    for (const text of [inspect, history]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain("hello from variables");
    }
    // Without the activation the same image has no GREETING: it is the run that sets it.
    const bare = await dockerd.docker(["run", "--rm", id, "sh", "-c", 'echo "[${GREETING-unset}]"']);
    expect(bare.stdout).toBe("[unset]\n");
  });

  it("the exit status passes through; the host's other variables do not reach inside", async () => {
    const a = (await activation())!;
    expect((await runActivated(a, ["sh", "-c", "exit 7"])).code).toBe(7);
    const hostOnly = await runActivated(a, ["sh", "-c", 'echo "[${ENVFORGE_HOST_ONLY-unset}]"'], { hostEnv: { ...process.env, ENVFORGE_HOST_ONLY: "leak" } });
    expect(hostOnly.stdout).toBe("[unset]\n");
  });

  it("arguments with shell metacharacters arrive literally; stdin is passed through", async () => {
    const a = (await activation())!;
    const out = await runActivated(a, [...PRINT_ARGS, ...LITERAL_ARGS]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(LITERAL_ARGS.map((x) => `[${x}]\n`).join(""));
    const piped = await runActivated(a, ["cat"], { input: "line one\nline two\n" });
    expect(piped.stdout).toBe("line one\nline two\n");
  });

  it("SIGTERM to the docker CLI reaches the command (docker run --init): it ends by the signal, not by finishing", { timeout: 120_000 }, async () => {
    const a = (await activation())!;
    let kill: ((signal: NodeJS.Signals) => void) | undefined;
    const running = runActivated(a, ["sleep", "600"], { started: (k) => (kill = k) });
    // Wait until the container runs, then signal the docker CLI, as envforge run forwards it.
    for (let i = 0; i < 300; i++) {
      if ((await dockerd.docker(["ps", "--quiet"])).stdout.trim() !== "") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    kill!("SIGTERM");
    const out = await running;
    expect(out.code, out.stderr).toBe(128 + 15);
    expect((await dockerd.docker(["ps", "--all", "--quiet"])).stdout.trim(), "--rm removed the container").toBe("");
  });

  it("--mount-cwd: the working folder (a comma and a space in its path) is mounted at its own path and is the working directory", async () => {
    const work = path.join(dir, "my work, here");
    mkdirSync(work, { recursive: true });
    writeFileSync(path.join(work, "host.txt"), "from the host\n");
    const a = (await activation({ runOptions: { mountCwd: true, cwd: work } }))!;
    const out = await runActivated(a, ["sh", "-c", 'cat host.txt; echo "made inside" > made.txt; echo "$PWD"']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`from the host\n${work}\n`);
    expect(readFileSync(path.join(work, "made.txt"), "utf8")).toBe("made inside\n");
    // Without it, the host's folder is not there.
    const without = await runActivated((await activation())!, ["sh", "-c", `cat "${work}/host.txt" 2>/dev/null || echo absent`]);
    expect(without.stdout).toBe("absent\n");
  });

  it("envforge run REF --target docker -- CMD through the real CLI: variables, clean stdout, exit status", { timeout: 300_000 }, async () => {
    const common = ["--cache-dir", path.join(dir, "cli-cache"), "run", file, "--target", "docker", "-o", `docker.host=${dockerd.host}`, "-o", "docker.network=none", "--"];
    const out = await runCliProcess([...common, "sh", "-c", 'echo "$GREETING"; cat /built'], {}, 240_000);
    expectExit(out, 0);
    expect(out.stdout).toBe(`${GREETING}\nbuilt-in-image\n`);
    const args = await runCliProcess([...common, ...PRINT_ARGS, ...LITERAL_ARGS], {}, 120_000);
    expectExit(args, 0);
    expect(args.stdout).toBe(LITERAL_ARGS.map((x) => `[${x}]\n`).join(""));
    const status = await runCliProcess([...common, "sh", "-c", "echo to-stderr >&2; exit 7"], {}, 120_000);
    expect(status.code).toBe(7);
    expect(status.stdout).toBe("");
    expect(status.stderr).toContain("to-stderr");
  });

  it("SIGTERM to envforge run reaches the command in the container; envforge exits with its status", { timeout: 300_000 }, async () => {
    const started = startCliProcess(
      ["--cache-dir", path.join(dir, "cli-cache"), "run", file, "--target", "docker", "-o", `docker.host=${dockerd.host}`, "-o", "docker.network=none", "--", "sleep", "600"],
      {},
      { deadlineMs: 240_000 },
    );
    for (let i = 0; i < 1200; i++) {
      if ((await dockerd.docker(["ps", "--quiet"])).stdout.trim() !== "") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    started.child.kill("SIGTERM");
    const out = await started.exited;
    expect(out.signal, "killed at the deadline: the signal did not end the command").toBeNull();
    expect(out.code, out.stderr).toBe(128 + 15);
    expect(out.stdout).toBe("");
    // envforge exiting 143 by itself would leave the container running: it must be gone.
    let left = "";
    for (let i = 0; i < 100; i++) {
      left = (await dockerd.docker(["ps", "--all", "--quiet"])).stdout.trim();
      if (left === "") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(left, "the container still exists: the signal did not reach the command").toBe("");
  });

  it.skipIf(!scriptTool)("envforge shell --target docker on a terminal: docker run -t, an interactive shell that sees the variables", { timeout: 300_000 }, async () => {
    // script(1) gives the CLI a terminal; the host's $SHELL is one the image lacks: an image
    // shell is POSIX sh, whatever the host uses.
    const cli = [process.execPath, "--conditions=source", "--import", "tsx", path.join(repoRoot, "test/support/cli-child.ts")];
    const args = [...cli, "--cache-dir", path.join(dir, "cli-cache"), "shell", file, "--target", "docker", "-o", `docker.host=${dockerd.host}`, "-o", "docker.network=none"];
    // From test/, where tsx resolves (as runCliProcess does).
    // script(1) runs its command with $SHELL: only the CLI gets the host-only one.
    const out = await run("script", ["-qec", `cd ${shellWord(path.join(repoRoot, "test"))} && SHELL=/usr/local/bin/a-host-only-shell ${args.map(shellWord).join(" ")}`, "/dev/null"], {
      env: { ...process.env, SHELL: "/bin/sh", NO_COLOR: "1" },
      input: 'test -t 0 && echo "tty=$((40+2))"; echo "[$GREETING]"; exit 3\n',
      allowFailure: true,
      timeoutMs: 240_000,
    });
    // The terminal echoes the input: look for what only the shell inside computes.
    expect(out.stdout + out.stderr).toContain("tty=42");
    expect(out.stdout).toContain(`[${GREETING}]`);
    expect(out.code, out.stdout).toBe(3);
  });

  it("a variable named like one the docker CLI reads (PATH) is set inside only: the CLI on the host keeps its own", { timeout: 300_000 }, async () => {
    const own = path.join(dir, "own-path.yaml");
    writeFileSync(own, readFileSync(file, "utf8").replace("variables:\n", "variables:\n  PATH: /opt/inside/bin\n"));
    const out = await runCliProcess(
      ["--cache-dir", path.join(dir, "cli-cache"), "run", own, "--target", "docker", "-o", `docker.host=${dockerd.host}`, "-o", "docker.network=none", "--", "/bin/sh", "-c", 'echo "$PATH"'],
      {},
      240_000,
    );
    expectExit(out, 0);
    expect(out.stdout).toBe("/opt/inside/bin\n");
    expect(out.stderr).toContain("PATH, HOME are passed into the container on the docker command line");
  });
});
