import { existsSync, realpathSync } from "node:fs";
import { mkdir, realpath, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { EnvforgeError, errorInfo, isInside, type CanonicalSpec, type EnginePlugin, type ParsedSpec } from "@envforge/core/plugin-kit";
import type { PipParsed } from "@envforge/plugin-pip";
import { pipIndexSetup, pipInstallFiles, readBuilderOptions, type PipIndexSetup } from "@envforge/python";
import { fc } from "@fast-check/vitest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEngine } from "../support/engine.js";
import { makeWheel } from "../support/wheels.js";
import { envCount, envSeed, report, tmp } from "../reliability/support.js";
import { STRANGER_VARIABLES, strangerLine } from "./arbitraries.js";

/**
 * Requirements files from strangers: index and find-links options with `${…}`, paths with `..`,
 * absolute paths, `file://` URLs, symlinks pointing out, includes — through the whole engine,
 * up to the point where pip would be started (its environment and arguments are captured there,
 * and pip is not run). The properties: every refusal is an EnvforgeError with a known code (never
 * a stack trace or a plugin fault); no accepted definition read a file outside its folder or
 * names a find-links folder outside it; no variable the host did not pass was expanded into
 * what pip would get; the passed one is masked by the redactor.
 */
const RUNS = envCount("ENVFORGE_STRANGER_RUNS", 600);
const SEED = envSeed("ENVFORGE_FUZZ_SEED");
const CANARY = `efcanary-${SEED}`;
const PASSED = `efpassed-${SEED}`;
const SENTINEL = "envforge-fuzz: captured before pip";

let defs: string;
let realDefs: string;

beforeAll(async () => {
  const root = await tmp("strangers-fuzz");
  defs = path.join(root, "defs");
  const outside = path.join(root, "outside");
  await mkdir(path.join(defs, "wheels"), { recursive: true });
  await makeWheel(outside, { name: "envforge-x", version: "1.0" });
  await writeFile(path.join(outside, "requirements.txt"), "envforge-x==1.0\n");
  await symlink(outside, path.join(defs, "link-out"));
  await symlink(path.join(defs, "wheels"), path.join(defs, "link-in"));
  realDefs = await realpath(defs);
  process.env[STRANGER_VARIABLES.canary] = CANARY;
  process.env[STRANGER_VARIABLES.passed] = PASSED;
});

afterAll(() => {
  delete process.env[STRANGER_VARIABLES.canary];
  delete process.env[STRANGER_VARIABLES.passed];
});

/** Stops a venv build once pip's setup is known: what pip would get, without running it. */
function capturePlugin(sink: { setup?: PipIndexSetup | undefined }): EnginePlugin {
  return {
    name: "fuzz-capture",
    apply(engine) {
      engine.hooks.build.for("venv").tapPromise({ name: "fuzz-capture", stage: -100 }, async (ctx) => {
        sink.setup = await pipIndexSetup(ctx, readBuilderOptions(ctx.options.pip));
        throw new EnvforgeError({ code: "E_BUILD_FAILED", message: SENTINEL });
      });
    },
  };
}

function realInside(file: string): boolean {
  if (!existsSync(file)) return isInside(realDefs, path.resolve(file));
  return isInside(realDefs, realpathSync(file));
}

const REFERENCE = /\$\{([A-Za-z0-9_]+)\}/g;

describe(`requirement files from strangers (seed ${SEED})`, () => {
  it(`${RUNS} files of hostile option lines: refused as EnvforgeErrors, never read outside, never expand an unnamed variable`, { timeout: 600_000 }, async () => {
    const sink: { setup?: PipIndexSetup | undefined } = {};
    const { engine } = await testEngine({ policy: { passEnv: [STRANGER_VARIABLES.passed] }, plugins: [capturePlugin(sink)] });
    const samples = fc.sample(fc.array(strangerLine, { minLength: 1, maxLength: 6 }), { numRuns: RUNS, seed: SEED });
    const codes: Record<string, number> = {};
    const findings: string[] = [];
    let accepted = 0;
    let captured = 0;
    let expandedPassed = 0;
    const note = (e: unknown, lines: string[]) => {
      if (!(e instanceof EnvforgeError) || errorInfo(e.code) === undefined || e.message === "" || e.code === "E_PLUGIN") {
        findings.push(`${JSON.stringify(lines)}: not a clean refusal: ${e instanceof Error ? e.stack : String(e)}`);
        return;
      }
      codes[e.code] = (codes[e.code] ?? 0) + 1;
    };
    for (const [i, lines] of samples.entries()) {
      const file = path.join(defs, `req-${i}.txt`);
      await writeFile(file, `${lines.join("\n")}\n`);
      const source = { object: { python: { pipRequirements: path.basename(file) } }, dir: defs, file: path.join(defs, "env.yaml") };
      let parsed: ParsedSpec;
      let canonical: CanonicalSpec;
      try {
        ({ parsed, result: { canonical } } = await engine.resolve(source));
      } catch (e) {
        note(e, lines);
        continue;
      }
      accepted++;
      // Never read outside: every referenced file, every local find-links folder, symlinks resolved.
      for (const f of parsed.loaded.files) if (!realInside(f.absolutePath)) findings.push(`${JSON.stringify(lines)}: read ${f.absolutePath}`);
      const pip = parsed.sections.pip as PipParsed | undefined;
      for (const line of pip?.buildOptionLines ?? []) {
        if (line.name !== "find-links" || line.value === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(line.value) || line.value.includes("${")) continue;
        if (!realInside(path.resolve(line.baseDir, line.value))) findings.push(`${JSON.stringify(lines)}: find-links ${line.value} outside`);
      }
      // pip reads the canonical files and would expand a ${…} in them: none may be left.
      const install = pipInstallFiles(canonical.sections.pip);
      if (`${install.requirements}${install.constraints ?? ""}`.includes("${")) findings.push(`${JSON.stringify(lines)}: \${ in pip's files`);

      sink.setup = undefined;
      const outcome = await engine.build(source, { target: "venv" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const unnamed = (pip?.buildOptionLines ?? []).flatMap((l) => [...(l.value ?? "").matchAll(REFERENCE)].map((m) => m[1]!)).filter((n) => n !== STRANGER_VARIABLES.passed);
      const setup = sink.setup as PipIndexSetup | undefined;
      if (!setup) {
        if (!(outcome instanceof EnvforgeError && outcome.message === SENTINEL)) note(outcome, lines);
        continue;
      }
      captured++;
      if (unnamed.length > 0) findings.push(`${JSON.stringify(lines)}: \${${unnamed[0]}} was not refused`);
      if (JSON.stringify(setup).includes(CANARY) || JSON.stringify(setup.env).includes(CANARY)) findings.push(`${JSON.stringify(lines)}: the host's variable reached pip`);
      const sources = JSON.stringify([setup.env.PIP_INDEX_URL, setup.env.PIP_EXTRA_INDEX_URL, setup.args]);
      if (sources.includes(PASSED)) {
        expandedPassed++;
        if (setup.redact(sources).includes(PASSED)) findings.push(`${JSON.stringify(lines)}: the passed value is not masked`);
      }
      for (let k = 0; k < setup.args.length; k++) {
        const value = setup.args[k + 1];
        if (setup.args[k] !== "--find-links" || value === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) continue;
        if (!realInside(value)) findings.push(`${JSON.stringify(lines)}: pip would read find-links ${value}`);
      }
    }
    // The same files under a policy that allows one package host: whatever pip would be handed
    // (index URLs, split the way pip splits them, and remote find-links) is on that host.
    const hosts = await testEngine({ policy: { passEnv: [STRANGER_VARIABLES.passed], indexHosts: ["127.0.0.1"] }, plugins: [capturePlugin(sink)] });
    let hostChecked = 0;
    for (const [i, lines] of samples.entries()) {
      const source = { object: { python: { pipRequirements: `req-${i}.txt` } }, dir: defs, file: path.join(defs, "env.yaml") };
      sink.setup = undefined;
      const outcome = await hosts.engine.build(source, { target: "venv" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const setup = sink.setup as PipIndexSetup | undefined;
      if (!setup) {
        if (!(outcome instanceof EnvforgeError && outcome.message === SENTINEL)) note(outcome, lines);
        continue;
      }
      hostChecked++;
      const urls = [...`${setup.env.PIP_INDEX_URL ?? ""} ${setup.env.PIP_EXTRA_INDEX_URL ?? ""}`.split(/\s+/), ...setup.args.filter((a, k) => setup.args[k - 1] === "--find-links")];
      for (const url of urls) {
        const host = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#:]*)/i.exec(url)?.[1];
        if (host !== undefined && host !== "" && host !== "127.0.0.1") findings.push(`${JSON.stringify(lines)}: pip would reach ${host}`);
      }
    }
    report("strangers-fuzz", { seed: SEED, files: RUNS, accepted, captured, expandedPassed, hostChecked, refusedByCode: codes, findings: findings.length });
    expect(findings.slice(0, 10)).toEqual([]);
    // The generator reaches every guard: each kind of refusal happens, and some builds get through.
    expect(Object.keys(codes)).toEqual(expect.arrayContaining(["E_ENV_NOT_ALLOWED", "E_FILE_OUTSIDE_ROOT", "E_INVALID_REQUIREMENT"]));
    expect(captured).toBeGreaterThan(0);
  });
});
