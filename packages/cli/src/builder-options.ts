import { createError, type BuilderOptions } from "@envforge/core/plugin-kit";

/**
 * Parses `-o plugin.key=value` flags into builder options. A key given twice becomes a list, so
 * `-o pip.findLinks=a -o pip.findLinks=b` gives `{ pip: { findLinks: ["a", "b"] } }`. Builder
 * options never reach the hash.
 */
export function parseBuilderOptions(pairs: readonly string[], into: BuilderOptions = {}): BuilderOptions {
  for (const pair of pairs) {
    const match = /^([a-z][\w-]*)\.([A-Za-z][\w-]*)=(.*)$/s.exec(pair);
    if (!match) {
      throw createError("E_INVALID_VALUE", `invalid builder option "${pair}"`, {
        hint: "write -o plugin.key=value, e.g. -o pip.indexUrl=https://pypi.example/simple",
      });
    }
    // The pattern has three groups, all required: each matched.
    const [plugin, key, raw] = [match[1]!, match[2]!, match[3]!];
    const value: unknown = raw === "true" ? true : raw === "false" ? false : raw;
    const group = (into[plugin] ??= {});
    const existing = group[key];
    group[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return into;
}
