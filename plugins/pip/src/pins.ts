import path from "node:path";
import { createError, type EnvforgeError, type SourceLocation } from "@envforge/core/plugin-kit";
import type { PipRequirement } from "./requirement.js";

const HINT =
  "keep one pin per project: pip cannot install two versions of one project into one environment " +
  "(pins under different environment markers, e.g. ; python_version < \"3.12\", are not a conflict)";

/**
 * Two exact pins of one project under one marker that no version meets both (`tinya==1.0.0`
 * beside `tinya==1.1.0`, from any mix of inline items, requirements files, constraints and a conda
 * file's `pip:` list): pip would refuse them at build time, after the hash was taken. Each is
 * located at the later pin and names where the earlier one is. `1.0` and `1.0.0` are one version
 * (the canonical set collapses them); pins under different markers never conflict.
 */
export function conflictingPins(requirements: readonly PipRequirement[], specDir: string): EnvforgeError[] {
  const out: EnvforgeError[] = [];
  const first = new Map<string, PipRequirement>();
  for (const req of requirements) {
    if (req.name === undefined || req.exact === undefined) continue;
    const { versions, marker } = req.exact;
    if (versions.length > 1) {
      out.push(
        createError("E_CONFLICTING_PINS", `"${req.written}" pins ${req.name} to ${versions.length} different versions at once`, {
          location: req.location,
          field: req.field,
          hint: HINT,
        }),
      );
      continue;
    }
    const key = `${req.name}\0${marker}`;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, req);
      continue;
    }
    if (earlier.exact!.versions[0] === versions[0]) continue;
    const where = shown(earlier.location, specDir);
    out.push(
      createError("E_CONFLICTING_PINS", `"${req.written}" contradicts "${earlier.written}" at ${where}: ${req.name} is pinned to two different versions${marker ? ` under the marker ${marker}` : ""}`, {
        location: req.location,
        field: req.field,
        hint: HINT,
        details: { first: earlier.location },
      }),
    );
  }
  return out;
}

/** `requirements.txt:3:1` for a file beside the definition, the absolute path otherwise. */
function shown(location: SourceLocation, specDir: string): string {
  const relative = path.relative(specDir, location.file);
  const file = path.isAbsolute(location.file) && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : location.file;
  return `${file}:${location.line}:${location.column}`;
}
