import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createEngine, type BuilderOptions, type EngineEvent, type EnginePlugin, type WarningCode } from "@envforge/core/plugin-kit";
import { pipPlugin } from "@envforge/plugin-pip";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/support.js";
import { startAuthIndex, type AuthIndex } from "../support/auth-index.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";
import { report, tmp } from "./support.js";

/**
 * A unique secret is planted as the password of a private package index, given to a real venv
 * build in each way a host can: inline in pip.indexUrl, through an environment variable the URL
 * names (${VAR}), and in a credentials file (netrc, via pip.env.NETRC) — then every output is
 * searched for it: hash, canonical form, events, log files, the cache entry and its lock, error
 * messages of a failing build, the CLI's output, and every byte of every file the builds wrote.
 */
const venvProbe = spawnSync("python3", ["-c", "import venv, ensurepip"]);
const noVenv = venvProbe.status === 0 ? undefined : "python3 with the venv and ensurepip modules is not installed";
if (noVenv && inCI) throw new Error("the secrets test needs python3 with venv and ensurepip in CI");
warnSkip("secrets test", noVenv);

const SECRET = `efsecret-${randomUUID()}`;
const USER = "envforge";
/** The forms a secret leaks in: as is, in a Basic header, URL-encoded. */
const FORMS = [SECRET, Buffer.from(`${USER}:${SECRET}`).toString("base64"), encodeURIComponent(SECRET)];
const TOKEN_VAR = "ENVFORGE_TEST_INDEX_TOKEN";

let root: string;
let index: AuthIndex;
let netrc: string;
const spec = { object: { name: "secret-probe", python: { pip: ["envforge-secretprobe==1.0.0"] } }, file: "<secrets>" };

beforeAll(async () => {
  root = await tmp("secrets");
  const wheel = await makeWheel(path.join(root, "..", `${path.basename(root)}-wheels`), { name: "envforge-secretprobe", version: "1.0.0" });
  index = await startAuthIndex([wheel], USER, SECRET);
  // The credentials file lives outside everything searched below: it holds the secret by design.
  netrc = path.join(root, "..", `${path.basename(root)}-netrc`);
  await writeFile(netrc, `machine 127.0.0.1 login ${USER} password ${SECRET}\n`, { mode: 0o600 });
  process.env[TOKEN_VAR] = SECRET;
});

afterAll(async () => {
  delete process.env[TOKEN_VAR];
  await index?.close();
});

/** Every file under `dir` whose bytes hold one of the forms, with what was found. */
async function filesHolding(dir: string): Promise<{ scanned: number; bytes: number; hits: string[] }> {
  const out = { scanned: 0, bytes: 0, hits: [] as string[] };
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const data = await readFile(file);
    out.scanned++;
    out.bytes += data.length;
    for (const form of FORMS) if (data.includes(form)) out.hits.push(`${file} holds ${form === SECRET ? "the secret" : "an encoded form of it"}`);
  }
  return out;
}

function holds(label: string, text: string): string[] {
  return FORMS.some((f) => text.includes(f)) ? [label] : [];
}

const channels: Array<[string, () => BuilderOptions]> = [
  ["inline in pip.indexUrl", () => ({ pip: { indexUrl: `http://${USER}:${SECRET}@${index.host}/simple` } })],
  ["from an environment variable named in the URL", () => ({ pip: { indexUrl: `http://${USER}:\${${TOKEN_VAR}}@${index.host}/simple` } })],
  ["from a credentials file (netrc)", () => ({ pip: { indexUrl: index.url, env: { NETRC: netrc } } })],
];

describe.skipIf(noVenv)(titleWithReason("secrets never leave the build (real venv build against a private index)", noVenv), () => {
  const figures = { builds: 0, failedBuilds: 0, filesScanned: 0, bytesScanned: 0, eventsScanned: 0, leaks: 0 };

  it.each(channels)("credentials %s: the build authenticates, and the secret is nowhere in what it produced", { timeout: 300_000 }, async (_how, options) => {
    const cacheDir = path.join(root, `cache-${figures.builds}`);
    const engine = createEngine({ cacheDir, plugins: [pipPlugin()] });
    const events: EngineEvent[] = [];
    engine.hooks.event.tap("test", (e) => events.push(e));
    const served = index.stats.served;
    const result = await engine.build(spec, { target: "venv", builderOptions: options() });
    figures.builds++;
    // The index answers only requests carrying the secret: it was used.
    expect(index.stats.served).toBeGreaterThan(served);
    const python = path.join(result.entry.artifact.path!, "bin", "python");
    expect(spawnSync(python, ["-c", "import envforge_secretprobe"]).status).toBe(0);

    // A failing build with the same credentials: its error carries pip's output.
    const failing = await engine
      .build({ object: { python: { pip: ["envforge-secretprobe==9.9"] } }, file: "<secrets>" }, { target: "venv", builderOptions: options() })
      .then(
        () => undefined,
        (e: unknown) => e as Error & { toJSON?: () => unknown },
      );
    expect(failing).toBeDefined();
    figures.failedBuilds++;

    const leaks = [
      ...holds("hash", result.hash),
      ...holds("canonical form", result.entry.canonicalText),
      ...holds("entry (incl. lock)", JSON.stringify(result.entry)),
      ...holds("events", JSON.stringify(events)),
      ...holds("error message", `${failing!.message}\n${JSON.stringify(failing!.toJSON?.())}\n${String((failing as { hint?: string }).hint)}`),
      ...holds("error chain", `${String(failing!.stack)}\n${String((failing!.cause as Error | undefined)?.message)}`),
      ...holds("log file", await readFile(result.entry.logPath!, "utf8")),
    ];
    const scan = await filesHolding(cacheDir);
    leaks.push(...scan.hits);
    figures.filesScanned += scan.scanned;
    figures.bytesScanned += scan.bytes;
    figures.eventsScanned += events.length;
    figures.leaks += leaks.length;
    expect(leaks).toEqual([]);
    // The build did log what it ran and what pip said: the search had something to search.
    expect(events.filter((e) => e.type === "log").length).toBeGreaterThan(5);
  });

  it("a careless plugin that logs, emits, warns and throws the builder options it was given leaks nothing either", { timeout: 300_000 }, async () => {
    const careless = (mode: "talk" | "throw"): EnginePlugin => ({
      name: "careless",
      apply: (engine) =>
        engine.hooks.build.for("venv").tap({ name: "careless", stage: -1 }, (ctx) => {
          const all = JSON.stringify(ctx.options);
          ctx.log(`options: ${all}`);
          ctx.emit({ type: "log", hash: ctx.hash, target: ctx.target, stream: "info", line: `direct: ${all}` });
          ctx.warn("W_CARELESS" as WarningCode, `warned: ${all}`);
          if (mode === "throw") throw new Error(`cannot use ${all}`, { cause: new Error(`because of ${all}`) });
          return undefined;
        }),
    });
    const options: BuilderOptions = { pip: { indexUrl: `http://${USER}:${SECRET}@${index.host}/simple`, env: { MY_INDEX_TOKEN: SECRET } } };
    const leaks: string[] = [];
    for (const mode of ["talk", "throw"] as const) {
      const cacheDir = path.join(root, `careless-${mode}`);
      const engine = createEngine({ cacheDir, plugins: [careless(mode), pipPlugin()] });
      const events: EngineEvent[] = [];
      engine.hooks.event.tap("test", (e) => events.push(e));
      const outcome = await engine.build(spec, { target: "venv", builderOptions: options }).then(
        (r) => JSON.stringify(r),
        (e: Error & { toJSON?: () => unknown }) => `${e.message}\n${JSON.stringify(e.toJSON?.())}\n${e.stack}\n${String((e.cause as Error | undefined)?.message)}\n${String(((e.cause as Error | undefined)?.cause as Error | undefined)?.message)}`,
      );
      expect(events.some((e) => e.type === "log" && e.line.startsWith("direct: "))).toBe(true);
      leaks.push(...holds(`${mode}: outcome`, outcome), ...holds(`${mode}: events`, JSON.stringify(events)), ...(await filesHolding(cacheDir)).hits);
    }
    figures.leaks += leaks.length;
    expect(leaks).toEqual([]);
  });

  it("through the CLI (-o pip.indexUrl=…): nothing it prints, and nothing it writes (cache, workspace registry)", { timeout: 300_000 }, async () => {
    const cli = path.join(root, "cli");
    const file = path.join(root, "env.yaml");
    await writeFile(file, "name: secret-cli\npython:\n  pip: [envforge-secretprobe==1.0.0]\n");
    const url = `pip.indexUrl=http://${USER}:${SECRET}@${index.host}/simple`;
    const plain = await runCli(["--cache-dir", path.join(cli, "cache"), "build", file, "-o", url], { cwd: cli });
    expect(plain.code, plain.stderr).toBe(0);
    const json = await runCli(["--cache-dir", path.join(cli, "cache"), "--json", "build", file, "--rebuild", "-o", url], { cwd: cli });
    expect(json.code, json.stderr).toBe(0);
    const failed = await runCli(["--cache-dir", path.join(cli, "cache"), "--json", "build", file, "--rebuild", "-o", `pip.indexUrl=http://${USER}:${SECRET}@127.0.0.1:9/simple`], { cwd: cli });
    expect(failed.code).not.toBe(0);
    const scan = await filesHolding(root);
    const leaks = [
      ...holds("CLI output", `${plain.stdout}${plain.stderr}`),
      ...holds("CLI --json output and events", `${json.stdout}${json.stderr}`),
      ...holds("CLI error output", `${failed.stdout}${failed.stderr}`),
      ...scan.hits,
    ];
    figures.leaks += leaks.length;
    expect(leaks).toEqual([]);
    report("secrets", { ...figures, cliRuns: 3, filesScannedAtEnd: scan.scanned, bytesScannedAtEnd: scan.bytes });
  });
});
