import { createError, type SourceLocation } from "@envforge/core/plugin-kit";
import { canonicalName, sortedUnique } from "@envforge/python";
import type { HashedOptionName } from "./requirements-file.js";

export interface HashedOption {
  name: HashedOptionName;
  value: string | undefined;
  location: SourceLocation;
}

/**
 * The canonical form of the options that change what pip installs, as requirements-file lines.
 *
 * `--no-binary`/`--only-binary` are replayed the way pip applies them (`handle_mutual_excludes`):
 * each name ends up in at most one of the two sets, `:all:` clears both, `:none:` clears one. The
 * result is printed from that final state, so two spellings that leave pip in the same state hash
 * equal, and the order of the printed lines rebuilds the same state when pip reads them.
 */
export function canonicalOptions(options: readonly HashedOption[]): string[] {
  if (options.length === 0) return []; // the usual case, on the hot path of every hash
  const noBinary = new Set<string>();
  const onlyBinary = new Set<string>();
  const flags = new Set<string>();
  const features = new Set<string>();
  for (const option of options) {
    switch (option.name) {
      case "no-binary":
        applyFormatControl(option, noBinary, onlyBinary);
        break;
      case "only-binary":
        applyFormatControl(option, onlyBinary, noBinary);
        break;
      case "use-feature":
        features.add(option.value!.trim());
        break;
      default:
        flags.add(`--${option.name}`);
    }
  }
  const lines: string[] = [];
  const render = (flag: string, set: Set<string>) => {
    const names = sortedUnique([...set].filter((n) => n !== ":all:"));
    return { all: set.has(":all:") ? `${flag}=:all:` : undefined, names: names.length > 0 ? `${flag}=${names.join(",")}` : undefined };
  };
  const no = render("--no-binary", noBinary);
  const only = render("--only-binary", onlyBinary);
  // `:all:` first: read later, it would wipe the per-name lines of the other option.
  for (const line of [no.all, only.all, no.names, only.names]) if (line) lines.push(line);
  lines.push(...sortedUnique(flags));
  lines.push(...sortedUnique([...features].map((f) => `--use-feature=${f}`)));
  return lines;
}

function applyFormatControl(option: HashedOption, target: Set<string>, other: Set<string>): void {
  const value = option.value ?? "";
  if (value === "" || value.startsWith("-")) {
    throw createError("E_INVALID_REQUIREMENT", `--${option.name} needs a value`, {
      location: option.location,
      hint: `write --${option.name} <names>, --${option.name} :all: or --${option.name} :none:`,
    });
  }
  let items = value.split(",");
  while (items.includes(":all:")) {
    other.clear();
    target.clear();
    target.add(":all:");
    items = items.slice(items.indexOf(":all:") + 1);
    if (!items.includes(":none:")) return;
  }
  for (const item of items) {
    if (item === ":none:") {
      target.clear();
      continue;
    }
    if (item.trim() === "") continue;
    const name = canonicalName(item.trim());
    other.delete(name);
    target.add(name);
  }
}
