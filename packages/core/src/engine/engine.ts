import { buildAll } from "../build/build-all.js";
import { buildStage } from "../build/build.js";
import { checkDeniedVariables } from "../policy/denied-variables.js";
import { loadSource } from "../definition/loader.js";
import { applyPythonSection, checkUserManaged } from "../definition/python-section.js";
import { applyLockSection } from "../lock/lock-section.js";
import { resolveActivation, runInside } from "../run/run.js";
import { createCore, type EngineCore } from "./core.js";
import { generationStages } from "./generations.js";
import { localStorePlugin } from "./local-store-plugin.js";
import { lookupStage } from "./lookup.js";
import { memoryStorePlugin } from "./memory-store-plugin.js";
import { definitionStages } from "./stages.js";
import type { Engine, EngineOptions } from "./types.js";

export type { Engine, EngineOptions, EnginePlugin, ResolvedSpec } from "./types.js";

/**
 * The engine a host embeds: hooks, the stages from a definition's source to its hash, lookup in
 * the cache tiers, builds on a miss, and running commands inside what was built. Core's own taps
 * go first, then the two embedded cache tiers (built-in plugins), then the host's plugins.
 */
export function createEngine(options: EngineOptions = {}): Engine {
  const core = createCore(options);
  tapDefinitionChecks(core);
  const { hooks, local, memory } = core;
  const stages = definitionStages(core);
  const lookup = lookupStage(core);
  const generations = generationStages(core);
  const engine: Engine = {
    hooks,
    options,
    policy: core.policy,
    cacheDir: core.cacheDir,
    baseDir: core.baseDir,
    cache: { local, memory },
    targets: core.targets,
    emit: core.emit,
    ...stages,
    lookup,
    build: buildStage(core, { resolve: stages.resolveForBuild, checkTarget: stages.checkTarget, lookup }, generations.serve),
    generations: (hash, target) => generations.generations({ hash, target }),
    promote: (hash, target, generation) => generations.promote({ hash, target }, generation),
    buildAll: (items, request) => buildAll(engine, items, request),
    activation: (entry, request = {}) => resolveActivation(hooks, entry, request),
    run: (entry, argv, request = {}) => runInside(hooks, local.root, entry, argv, request),
  };
  const builtIn = [memoryStorePlugin(memory), localStorePlugin(local, { readOnlyCache: core.readOnlyCache })];
  for (const plugin of [...builtIn, ...(options.plugins ?? [])]) plugin.apply(engine);
  return engine;
}

/**
 * Core's own taps: the file loader (last, so hosts can serve definitions first), the interpreter
 * section, the user-managed interpreter rules and the policy's denied variables.
 */
function tapDefinitionChecks(core: EngineCore): void {
  const { hooks, registry, policy } = core;
  hooks.load.tapPromise({ name: "envforge:file", stage: 100 }, (source) => loadSource(source, core.limits));
  applyPythonSection(hooks);
  applyLockSection(hooks);
  hooks.validate.tap("envforge:user-managed", (spec) => checkUserManaged(spec, registry, policy));
  hooks.validate.tap("envforge:policy", (spec) => checkDeniedVariables(spec, policy));
}
