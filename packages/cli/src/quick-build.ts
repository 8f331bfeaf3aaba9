/**
 * `envforge build FILE` answered from the cache before the CLI loads its engine, its plugins and
 * its argument parser — most of a cached build's time is loading that code, not using it.
 *
 * Only the plain case is taken: a definition file, flags this module understands (anything else,
 * including --rebuild, -o, --progress json and --plugin, goes to the full CLI), no registry cache
 * and no config file (envforge.config.*: plugins from outside) configured, and a
 * hit that `@envforge/core/quick` can vouch for (see source-memo.ts in core). The host policy's
 * flags (--strict, --allow-…) are taken: the memo is keyed by the whole policy, so a hit is only
 * ever answered from a memo a run under the very same policy recorded. Otherwise it returns
 * `undefined` without printing anything and the full CLI runs as if this did not exist. What it
 * prints on a hit is what the full CLI prints: the replayed parse warnings and the "cache hit"
 * line on stderr, the summary on stdout — with --json, the result as JSON on stdout (the memo's
 * copy of the definition's `variables`, the registered record) and every event the engine would
 * emit as a JSON line on stderr, times apart (`hitEvents`); a memo without the variables (they
 * hold a secret) leaves --json to the full CLI. ENVFORGE_QUICK=0 turns it off.
 */
import { existsSync } from "node:fs";
import type { CacheEntry, EngineEvent } from "@envforge/core/plugin-kit";
import { quickHit, readOnlyWarning, type QuickHit } from "@envforge/core/quick";
import { artifactPathOf, buildSummary } from "./build-summary.js";
import { cliEvents } from "./cli-events.js";
import { findConfigFile } from "./config-file.js";
import { EXIT } from "./exit-status.js";
import { writeJson, type CliIO } from "./io.js";
import { CLI_PIPELINE_ID } from "./pipeline.js";
import { readReceipt } from "./registration-receipt.js";
import { createRenderer, renderMode } from "./render.js";
import { resolvePath } from "./paths.js";
import { collectList, policyFromFlags, type PolicyFlags } from "./policy-flags.js";
import { BUILD_FLAGS, BUILD_REQUEST_FLAGS, GLOBAL_FLAGS, flagNames, type QuickSettings, type QuickUse } from "./flag-table.js";

interface QuickFlags extends QuickSettings {
  ref: string;
  target: string;
  quiet: boolean;
  register: boolean;
  printArtifactPath: boolean;
  /** The host policy's flags: the memo is keyed by the policy they make, as the engine's is. */
  policy: PolicyFlags;
}

interface QuickFlag {
  use: QuickUse;
  takesValue: boolean;
  /** A `--no-` flag sets its toggle false. */
  negated: boolean;
}

/**
 * Every flag `build` accepts that a hit may be answered under, by name (`-t` and `--target`),
 * from the tables the full CLI declares its options from (flag-table.ts). A flag not here
 * (--json, --rebuild, -o, --timeout, --dry-run, the registry cache's…) leaves it to the full CLI.
 */
const QUICK_FLAGS: ReadonlyMap<string, QuickFlag> = new Map(
  [...GLOBAL_FLAGS, ...BUILD_REQUEST_FLAGS, ...BUILD_FLAGS].flatMap(({ quick: use, ...spec }) => {
    if (use === undefined) return [];
    const { names, takesValue, negated } = flagNames(spec);
    return names.map((name): [string, QuickFlag] => [name, { use, takesValue, negated }]);
  }),
);

/** The flags of a plain `build FILE`, or `undefined` for anything this path does not take. */
export function quickBuildFlags(argv: readonly string[]): QuickFlags | undefined {
  const settings: QuickSettings = {};
  const policy: PolicyFlags = {};
  let command: string | undefined;
  let ref: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = QUICK_FLAGS.get(eq === -1 ? arg : arg.slice(0, eq));
    if (flag?.takesValue) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === "" || (eq === -1 && value.startsWith("-"))) return undefined;
      take(flag.use, value, settings, policy);
    } else if (flag !== undefined && eq === -1) take(flag.use, !flag.negated, settings, policy);
    else if (arg.startsWith("-")) return undefined;
    else if (command === undefined) command = arg;
    else if (ref === undefined) ref = arg;
    else return undefined;
  }
  if (command !== "build" || ref === undefined) return undefined;
  // Unknown styles are the full CLI's to refuse; `--progress json` is its to write too.
  if (settings.progress !== undefined && !["auto", "tty", "plain"].includes(settings.progress)) return undefined;
  // A path alone does not go with the JSON: the full CLI says so.
  if (settings.json && settings.printArtifactPath) return undefined;
  return { target: "venv", quiet: false, register: true, printArtifactPath: false, ...settings, ref, policy };
}

/** One flag into the settings or the policy, as commander sets it: a value, or a switch's `true` (`false` for `--no-`). */
function take(use: QuickUse, value: string | boolean, settings: QuickSettings, policy: PolicyFlags): void {
  if (use === "ignored") return;
  if ("value" in use && typeof value === "string") settings[use.value] = value;
  else if ("policyList" in use && typeof value === "string") policy[use.policyList] = collectList(value, policy[use.policyList]);
  else if ("toggle" in use && typeof value === "boolean") settings[use.toggle] = value;
  else if ("policyToggle" in use && typeof value === "boolean") policy[use.policyToggle] = value;
}

/**
 * Targets whose artifact lives outside the cache, with the check the engine's `verify` tap would
 * make: the image is still in the engine. Loaded only when asked for.
 */
const VERIFIERS: Record<string, (entry: CacheEntry, env: NodeJS.ProcessEnv) => Promise<boolean>> = {
  docker: async (entry, env) => {
    const reference = entry.artifact.digest ?? entry.artifact.reference;
    if (!reference) return false;
    const { imagePresence } = await import("@envforge/plugin-docker/quick-verify");
    return (await imagePresence(reference, env)) === "present";
  },
};

/**
 * The events the full CLI's engine emits for a cached `build FILE`, in its order — all of them are
 * JSON lines on stderr under --json: the workspace resolves the file (load, parse with its
 * warnings, validate, hash), then builds what it parsed (hash again, then the lookup and its hit).
 * `quickHit` did that work in one pass before anything was said, so these stages take no time of
 * their own (the whole is the result's `timings.totalMs`). Written as the engine writes them (its
 * fields in its order; `time` is stamped when each is rendered).
 */
function hitEvents(hit: QuickHit, target: string): EngineEvent[] {
  const stage = (name: "load" | "validate" | "hash"): EngineEvent[] => [
    { type: "stage.start", stage: name },
    { type: "stage.finish", stage: name, durationMs: 0 },
  ];
  const key = { hash: hit.hash, target };
  return [
    ...stage("load"),
    { type: "stage.start", stage: "parse" },
    ...hit.warnings,
    { type: "stage.finish", stage: "parse", durationMs: 0 },
    ...stage("validate"),
    ...stage("hash"),
    ...stage("hash"),
    { type: "stage.start", stage: "lookup", ...key },
    { type: "cache.hit", ...key, store: "local", generation: hit.entry.generation },
    { type: "stage.finish", stage: "lookup", durationMs: 0, ...key },
  ];
}

/** The exit code when the cache answered, `undefined` when the full CLI must run. */
export async function quickBuild(argv: readonly string[], io: CliIO): Promise<number | undefined> {
  const started = performance.now();
  const env = io.env;
  // A coordinator (which needs the registry cache) is the full CLI's: it checks the pair.
  if (env.ENVFORGE_QUICK === "0" || env.ENVFORGE_REGISTRY_CACHE || env.ENVFORGE_COORDINATOR) return undefined;
  // Plugins from a config file change the pipeline the memo stands for: the full CLI answers
  // (`--plugin` is not a flag this path takes, so it never gets here).
  if (findConfigFile(io.cwd, env) !== undefined) return undefined;
  const flags = quickBuildFlags(argv);
  if (!flags || flags.ref.startsWith("curated:")) return undefined;
  const file = resolvePath(io, flags.ref);
  if (!existsSync(file)) return undefined; // a registered NAME[@VERSION]: the registry decides
  const cacheDir = flags.cacheDir ?? env.ENVFORGE_CACHE_DIR;
  let hit;
  try {
    hit = quickHit({
      file,
      target: flags.target,
      pipelineId: CLI_PIPELINE_ID,
      cacheDir: cacheDir === undefined ? undefined : resolvePath(io, cacheDir),
      // The whole policy, as engineFor builds it: a memo recorded under another policy (a looser
      // run without --strict) is never read. Contradictory flags throw: the full CLI reports them.
      policy: policyFromFlags(flags.policy),
      verifiedByCaller: Object.keys(VERIFIERS),
    });
  } catch {
    return undefined;
  }
  if (!hit) return undefined;
  // --json reports the definition's variables: a memo that could not keep them has no answer for it.
  if (flags.json && hit.variables === undefined) return undefined;
  // Gone, or not sure: the engine's own verify tap decides (and rebuilds what is gone).
  const verify = VERIFIERS[flags.target];
  if (verify && !(await verify(hit.entry, env).catch(() => false))) return undefined;
  // A named definition is registered by every build: answered here only while the registry is
  // unchanged since a build saw it registered (registration-receipt.ts).
  const record = hit.named && flags.register ? readReceipt(hit.cacheDir, CLI_PIPELINE_ID, file, hit.hash) : undefined;
  if (hit.named && flags.register && !record) return undefined;
  const mode = renderMode(io, { json: flags.json, quiet: flags.quiet, progress: flags.progress });
  const renderer = cliEvents(createRenderer(io, mode));
  // Stamped as the engine stamps every event it emits (core's `emit`).
  const render = (event: EngineEvent) => renderer({ ...event, time: Date.now() });
  // JSON lines are every event; the other modes are given what they show: the warnings and the hit.
  const events = hitEvents(hit, flags.target);
  for (const event of mode === "json" ? events : events.filter((e) => e.type === "warning" || e.type === "cache.hit")) render(event);
  // Where the full CLI would fail to write after the hit (a named definition's registration in a
  // read-only cache), it warns: so does this. Its source memo is the one read here, so it writes none.
  const readOnly = hit.named && flags.register ? readOnlyWarning(hit.cacheDir) : undefined;
  if (readOnly) render(readOnly);
  const result = { hash: hit.hash, target: flags.target, cached: true, store: "local", entry: hit.entry, timings: { totalMs: performance.now() - started } };
  if (flags.json) {
    // build.ts's --json; `drift` is only a rebuild's.
    const environment = record ? { name: record.name, version: record.version } : undefined;
    writeJson(io, { ok: true, ...result, variables: hit.variables, environment });
  } else if (flags.printArtifactPath) io.out(`${artifactPathOf(hit.entry.artifact)}\n`);
  else io.out(`${buildSummary({ result, record })}\n`);
  return EXIT.ok;
}
