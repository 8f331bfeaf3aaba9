import type { EnginePlugin } from "@envforge/core";
import { condaPlugin } from "@envforge/plugin-conda";
import { dockerPlugin } from "@envforge/plugin-docker";
import { pipPlugin } from "@envforge/plugin-pip";
import { sparkPlugin } from "@envforge/plugin-spark";
import { curatedPlugin } from "@envforge/workspace";

/** The plugins the `envforge` command loads. Hosts embedding core choose their own. */
export function bundledPlugins(): EnginePlugin[] {
  return [pipPlugin(), condaPlugin(), dockerPlugin(), sparkPlugin(), curatedPlugin()];
}
