import { definePlugin, defineSection, type EnginePlugin } from "@envforge/core";
import { canonicalPipSection, declarePipFields, parsePipSection, PIP_SECTION } from "./section.js";
import { buildVenv, VENV_CARRIES, VENV_PYTHON_ONLY_LEAVES_OUT } from "./venv.js";
import { activateVenv } from "./activate.js";
import { pipImageFragment } from "./image-layer.js";
import { pinPip } from "./pin-tap.js";
import { lockPip } from "./lock-tap.js";
import { importRequirements, REQUIREMENTS_FORMAT } from "./import-tap.js";

export const PIP_PLUGIN = "pip";
export const VENV_TARGET = "venv";

export interface PipPluginOptions {
  /** Interpreter that creates venvs when the build does not name one (default `python3`). */
  python?: string | undefined;
}

/** The pip section: `python.pip`, `python.pipRequirements`, and `pip:` lists forwarded by conda. */
export const pipSection = defineSection({
  name: PIP_SECTION,
  schema: declarePipFields,
  parse: parsePipSection,
  canonicalize: canonicalPipSection,
  imageFragment: pipImageFragment,
});

/** The pip section and the local `venv` target. */
export function pipPlugin(options: PipPluginOptions = {}): EnginePlugin {
  return definePlugin({
    name: PIP_PLUGIN,
    sections: [pipSection],
    apply(engine) {
      engine.hooks.build.for(VENV_TARGET).tapPromise(PIP_PLUGIN, (ctx) => buildVenv(ctx, options.python));
      engine.targets.declare({ name: VENV_TARGET, carries: VENV_CARRIES, pythonOnlyLeavesOut: VENV_PYTHON_ONLY_LEAVES_OUT });
      engine.hooks.activate.for(VENV_TARGET).tap(PIP_PLUGIN, (entry) => activateVenv(entry));
      engine.hooks.pin.for(PIP_SECTION).tapPromise(PIP_PLUGIN, pinPip);
      engine.hooks.lock.for(PIP_SECTION).tapPromise(PIP_PLUGIN, (request, ctx) => lockPip(request, ctx, options.python));
      engine.hooks.import.for(REQUIREMENTS_FORMAT).tapPromise(PIP_PLUGIN, importRequirements);
    },
  });
}
