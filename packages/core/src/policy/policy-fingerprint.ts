import { hash as cryptoHash } from "node:crypto";
import type { InputLimits } from "./limits.js";
import type { HostPolicy } from "./policy.js";

/**
 * A stable digest of everything a policy decides, with the input limits in force: equal policies
 * give equal fingerprints however they were built (field order, list order, duplicates), and any
 * difference gives another. The source memo is keyed by it, so a process with a stricter policy is
 * never answered by what a looser one accepted. Every field is taken, including ones added later,
 * so a new rule cannot be forgotten here. Node built-ins only: the quick path computes it.
 */
export function policyFingerprint(policy: HostPolicy, limits: InputLimits): string {
  const fields = { ...policy, limits } as Record<string, unknown>;
  const normalized = Object.keys(fields)
    .sort()
    .map((key) => [key, normalize(fields[key])]);
  return cryptoHash("sha256", JSON.stringify(normalized), "hex");
}

function normalize(value: unknown): unknown {
  if (value === undefined) return null; // "any" — distinct from an empty list, which allows nothing
  // Lists in a policy are sets (names, hosts, patterns).
  if (Array.isArray(value)) return [...new Set(value.map((v) => JSON.stringify(normalize(v))))].sort();
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    return Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
      .map((k) => [k, normalize(record[k])]);
  }
  return value;
}
