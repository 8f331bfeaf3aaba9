import type { EnginePlugin } from "@envforge/core/plugin-kit";
import { canonicalPipSection, declarePipFields, parsePipSection, PIP_SECTION } from "./section.js";
import type { PipParsed } from "./collect.js";
import { buildVenv, VENV_CARRIES, VENV_PYTHON_ONLY_LEAVES_OUT } from "./venv.js";
import { activateVenv } from "./activate.js";

export const PIP_PLUGIN = "pip";
export const VENV_TARGET = "venv";

export interface PipPluginOptions {
  /** Interpreter that creates venvs when the build does not name one (default `python3`). */
  python?: string | undefined;
}

/**
 * The pip section (`python.pip`, `python.pipRequirements`, and `pip:` lists forwarded by conda)
 * and the local `venv` target.
 */
export function pipPlugin(options: PipPluginOptions = {}): EnginePlugin {
  return {
    name: PIP_PLUGIN,
    apply(engine) {
      engine.hooks.schema.tap(PIP_PLUGIN, declarePipFields);
      engine.hooks.parseSection.for(PIP_SECTION).tapPromise(PIP_PLUGIN, parsePipSection);
      engine.hooks.canonicalizeSection.for(PIP_SECTION).tap(PIP_PLUGIN, (parsed) => canonicalPipSection(parsed as PipParsed));
      engine.hooks.build.for(VENV_TARGET).tapPromise(PIP_PLUGIN, (ctx) => buildVenv(ctx, options.python));
      engine.targets.declare({ name: VENV_TARGET, carries: VENV_CARRIES, pythonOnlyLeavesOut: VENV_PYTHON_ONLY_LEAVES_OUT });
      engine.hooks.activate.for(VENV_TARGET).tap(PIP_PLUGIN, (entry) => activateVenv(entry));
    },
  };
}
