import { Option, type Command } from "commander";
import type { FlagSpec } from "./flag-table.js";
import { collectList } from "./policy-flags.js";

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * Declares a table's flags (flag-table.ts) on a command, in the table's order; `help` rewords a
 * flag by its option name (`rebuild`, `timeout`) where a command narrows its meaning.
 */
export function addFlags(command: Command, specs: readonly FlagSpec[], help: Readonly<Record<string, string | undefined>> = {}): Command {
  for (const spec of specs) {
    const option = new Option(spec.flags, spec.description);
    const description = help[option.attributeName()];
    if (description !== undefined) option.description = description;
    if (spec.choices) option.choices(spec.choices);
    if (spec.repeat === "each") option.argParser(collect);
    if (spec.repeat === "commas") option.argParser(collectList);
    if (spec.default !== undefined) option.default(Array.isArray(spec.default) ? [...spec.default] : spec.default);
    command.addOption(option);
  }
  return command;
}
