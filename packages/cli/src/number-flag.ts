import { createError } from "@envforge/core/plugin-kit";

export interface NumberRange {
  min: number;
  max: number;
  /** Whether `min` itself is allowed (a timeout of 0 is not). Default true. */
  minInclusive?: boolean;
  integer?: boolean;
  /** What the number counts, for the message: "seconds", "days". */
  unit?: string;
  example: string;
}

/**
 * A numeric flag's text → its number; anything else (`abc`, `1e3`, `0x10`, `Infinity`, out of
 * range) is a usage error (exit 1) that names the flag and the range, before any work — never a
 * NaN that reaches a comparison ("below NaN"). Plain decimals only: what a person types.
 */
export function numberFlag(flag: string, text: string, range: NumberRange): number {
  const trimmed = text.trim();
  const pattern = range.integer ? /^\d+$/ : /^(\d+(\.\d*)?|\.\d+)$/;
  const value = pattern.test(trimmed) ? Number(trimmed) : Number.NaN;
  const aboveMin = range.minInclusive === false ? value > range.min : value >= range.min;
  if (aboveMin && value <= range.max) return value;
  const kind = range.integer ? "a whole number" : "a number";
  const low = range.minInclusive === false ? `above ${range.min}` : `from ${range.min}`;
  throw createError("E_INVALID_VALUE", `${flag} ${JSON.stringify(text)} is not valid: give ${kind}${range.unit ? ` of ${range.unit}` : ""} ${low} to ${range.max}`, {
    field: flag,
    hint: `e.g. ${flag} ${range.example}`,
  });
}
