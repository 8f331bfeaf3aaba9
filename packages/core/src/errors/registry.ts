import { BUILTIN_ERRORS, BUILTIN_WARNINGS, type BuiltinErrorCode, type BuiltinWarningCode, type ErrorInfo, type WarningInfo } from "./codes.js";

/**
 * Every error code, by declaration merging: a plugin with codes of its own adds them so they type-check
 * wherever codes are taken:
 *
 * ```ts
 * declare module "@envforge/core" {
 *   interface ErrorCodeRegistry { E_ECHO_EMPTY: true }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by plugins (declaration merging)
export interface ErrorCodeRegistry extends Record<BuiltinErrorCode, true> {}
/** Every warning code, merged the same way as `ErrorCodeRegistry`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by plugins (declaration merging)
export interface WarningCodeRegistry extends Record<BuiltinWarningCode, true> {}

export type ErrorCode = keyof ErrorCodeRegistry & string;
export type WarningCode = keyof WarningCodeRegistry & string;

/** A plugin's own codes: `E_<PLUGIN>_<NAME>` / `W_<PLUGIN>_<NAME>`, with the plugin's name upper-cased. */
export interface PluginCodes {
  errors?: Readonly<Record<string, ErrorInfo>> | undefined;
  warnings?: Readonly<Record<string, WarningInfo>> | undefined;
}

interface Declared {
  errors: Map<string, ErrorInfo & { plugin: string }>;
  warnings: Map<string, WarningInfo & { plugin: string }>;
}

// One table per process, even when two copies of core are loaded (a plugin bundling its own): the
// codes a plugin declares through one copy are known to the other.
const KEY = Symbol.for("envforge.error-codes");
const declared: Declared = ((globalThis as Record<symbol, unknown>)[KEY] as Declared | undefined) ??
  ((globalThis as Record<symbol, unknown>)[KEY] = { errors: new Map(), warnings: new Map() } as Declared);

function prefixOf(plugin: string): string {
  return plugin.toUpperCase().replace(/[^A-Z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

/**
 * Records a plugin's codes (when the plugin is applied). A code must be named for its plugin and
 * may not take another's: checked here so a clash is found when the plugin is loaded, not when the
 * code is first raised.
 */
export function declareCodes(plugin: string, codes: PluginCodes): void {
  const prefix = prefixOf(plugin);
  const check = (code: string, letter: "E" | "W", builtin: Readonly<Record<string, unknown>>, table: Map<string, { plugin: string }>) => {
    const shape = new RegExp(`^${letter}_${prefix}_[A-Z0-9_]+$`);
    if (!shape.test(code)) {
      throw new TypeError(`plugin "${plugin}" declares ${code}: its codes must look like ${letter}_${prefix}_<NAME> (upper case)`);
    }
    const owner = code in builtin ? "envforge" : table.get(code)?.plugin;
    if (owner !== undefined && owner !== plugin) throw new TypeError(`plugin "${plugin}" declares ${code}, which "${owner}" already declares`);
  };
  for (const [code, info] of Object.entries(codes.errors ?? {})) {
    check(code, "E", BUILTIN_ERRORS, declared.errors);
    declared.errors.set(code, { ...info, plugin });
  }
  for (const [code, info] of Object.entries(codes.warnings ?? {})) {
    check(code, "W", BUILTIN_WARNINGS, declared.warnings);
    declared.warnings.set(code, { ...info, plugin });
  }
}

/** The table entry of an error code: built in, or declared by a loaded plugin. */
export function errorInfo(code: string): ErrorInfo | undefined {
  return (BUILTIN_ERRORS as Record<string, ErrorInfo>)[code] ?? declared.errors.get(code);
}

export function warningInfo(code: string): WarningInfo | undefined {
  return (BUILTIN_WARNINGS as Record<string, WarningInfo>)[code] ?? declared.warnings.get(code);
}

/** Every code known now, built-in first, each with the plugin that declared it (ERRORS.md, `envforge explain-code`). */
export function knownCodes(): { errors: Array<[string, ErrorInfo, string]>; warnings: Array<[string, WarningInfo, string]> } {
  return {
    errors: [
      ...Object.entries(BUILTIN_ERRORS as Record<string, ErrorInfo>).map(([c, i]): [string, ErrorInfo, string] => [c, i, "envforge"]),
      ...[...declared.errors].map(([c, i]): [string, ErrorInfo, string] => [c, i, i.plugin]),
    ],
    warnings: [
      ...Object.entries(BUILTIN_WARNINGS as Record<string, WarningInfo>).map(([c, i]): [string, WarningInfo, string] => [c, i, "envforge"]),
      ...[...declared.warnings].map(([c, i]): [string, WarningInfo, string] => [c, i, i.plugin]),
    ],
  };
}
