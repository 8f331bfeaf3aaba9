import { readdirSync } from "node:fs";
import path from "node:path";
import { readRegularFileSync, type Activation, type CacheEntry } from "@envforge/core/plugin-kit";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The `conda` target's activation, computed the way `conda activate` sets things for a POSIX
 * shell — without running anything from the prefix:
 *
 * 1. `PATH` starts with `<prefix>/bin`; `CONDA_PREFIX` and `CONDA_DEFAULT_ENV` name the prefix;
 * 2. packages' `etc/conda/env_vars.d/*.json`, then the environment's own variables
 *    (`conda-meta/state` `env_vars`: the conda file's `variables:`, written by the builder);
 * 3. packages' `etc/conda/activate.d/*.sh`, in name order: their `export NAME=value` lines are
 *    read (values may use `$CONDA_PREFIX` and variables set before), never executed. Any other
 *    line (a command, a condition, a value from the host's environment) is not applied and is
 *    listed in `notes`, so the user knows the activation is not the script's whole effect.
 */
export function activateCondaPrefix(entry: CacheEntry): Activation | undefined {
  const prefix = entry.artifact.path;
  if (entry.artifact.kind !== "conda-prefix" || !prefix) return undefined;
  return condaActivation(prefix);
}

/** The activation of the prefix at `prefix` (see `activateCondaPrefix`). */
export function condaActivation(prefix: string): Activation {
  const env: Record<string, string> = { CONDA_PREFIX: prefix, CONDA_DEFAULT_ENV: prefix };
  const notes: string[] = [];
  for (const file of filesOf(path.join(prefix, "etc", "conda", "env_vars.d"), ".json")) {
    Object.assign(env, variablesOf(readJson(file), file, notes));
  }
  const state = readJson(path.join(prefix, "conda-meta", "state"));
  Object.assign(env, variablesOf(isObject(state) ? state.env_vars : undefined, "conda-meta/state", notes));
  for (const file of filesOf(path.join(prefix, "etc", "conda", "activate.d"), ".sh")) {
    readExports(file, prefix, env, notes);
  }
  return { env, pathPrepend: [path.join(prefix, "bin")], notes: notes.length > 0 ? notes : undefined };
}

function filesOf(dir: string, suffix: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith(suffix))
      .sort()
      .map((name) => path.join(dir, name));
  } catch {
    return [];
  }
}

function readText(file: string): string | undefined {
  try {
    return readRegularFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function readJson(file: string): unknown {
  const text = readText(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function variablesOf(value: unknown, where: string, notes: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [name, v] of Object.entries(value)) {
    if (NAME.test(name) && (typeof v === "string" || typeof v === "number" || typeof v === "boolean")) out[name] = String(v);
    else notes.push(`${where}: variable ${JSON.stringify(name)} not applied (not a NAME with a plain value)`);
  }
  return out;
}

/** `export NAME=value` (value bare, '…' or "…"; `$NAME`/`${NAME}` of variables known here). */
const EXPORT = /^export\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

function readExports(file: string, prefix: string, env: Record<string, string>, notes: string[]): void {
  const text = readText(file);
  const shown = path.relative(prefix, file);
  if (text === undefined) {
    notes.push(`${shown}: not read (not a regular file)`);
    return;
  }
  // Lines inside a compound command (if, case, loops, a function's braces) run only sometimes:
  // an export there is not applied either.
  let depth = 0;
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = depth === 0 ? EXPORT.exec(line) : null;
    const value = match ? shellValue(match[2]!, env) : undefined;
    if (match && value !== undefined) env[match[1]!] = value;
    else notes.push(`${shown}:${index + 1}: not applied (envforge reads only top-level "export NAME=value" lines of activate.d scripts, it never runs them): ${line.length > 120 ? `${line.slice(0, 117)}...` : line}`);
    depth = Math.max(0, depth + nesting(line));
  });
}

const OPENERS = new Set(["if", "case", "for", "while", "until", "select"]);
const CLOSERS = new Set(["fi", "esac", "done", "}"]);
const LEADERS = new Set(["then", "do", "else", "!"]);

/** How much a line opens (+) or closes (-) compound commands: each command's first word, a trailing brace. */
function nesting(line: string): number {
  let change = 0;
  for (const command of line.split(/;|&&|\|\|/)) {
    const words = command.trim().split(/\s+/).filter((w) => w !== "");
    while (words.length > 0 && LEADERS.has(words[0]!)) words.shift();
    const first = words[0];
    if (first === undefined) continue;
    if (OPENERS.has(first)) change++;
    else if (CLOSERS.has(first)) change--;
    else if (words[words.length - 1]!.endsWith("{")) change++;
  }
  return change;
}

/**
 * The value of a shell word made of bare, '…' and "…" parts, or undefined when it needs a shell
 * (a command substitution, a glob, a variable not known here, a word that ends early).
 */
function shellValue(word: string, known: Record<string, string>): string | undefined {
  let out = "";
  let i = 0;
  const expand = (): boolean => {
    const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(word.slice(i));
    const name = m?.[1] ?? m?.[2];
    if (!m || name === undefined || known[name] === undefined) return false;
    out += known[name];
    i += m[0].length;
    return true;
  };
  while (i < word.length) {
    const c = word[i]!;
    if (c === "'") {
      const end = word.indexOf("'", i + 1);
      if (end < 0) return undefined;
      out += word.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= word.length) return undefined;
        const d = word[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === "$") {
          if (!expand()) return undefined;
        } else if (d === "`" || d === "\\") return undefined;
        else {
          out += d;
          i++;
        }
      }
    } else if (c === "$") {
      if (!expand()) return undefined;
    } else if (/[\s;&|<>()`\\*?[\]{}~#]/.test(c)) {
      return undefined;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
