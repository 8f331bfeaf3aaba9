import { flagNames, GLOBAL_FLAGS } from "./flag-table.js";

const GLOBAL_FLAG_VALUES = new Map(
  GLOBAL_FLAGS.flatMap((spec) => {
    const { names, takesValue } = flagNames(spec);
    return names.map((name): [string, boolean] => [name, takesValue]);
  }),
);

/**
 * The command word of `argv` (global flags may come first), or `undefined` when any word before
 * it is not a global flag: main.ts then declares every command and commander says what is wrong;
 * the binary names its code cache after it.
 */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-")) return arg;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const takesValue = GLOBAL_FLAG_VALUES.get(eq === -1 ? arg : arg.slice(0, eq));
    if (takesValue === undefined) return undefined;
    if (takesValue && eq === -1) i++;
  }
  return undefined;
}
