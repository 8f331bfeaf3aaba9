import { EnvforgeError, type EnvforgeErrorData } from "./envforge-error.js";
import { errorInfo, type ErrorCode } from "./registry.js";

/** Everything of an error but its code and message. */
export type ErrorDetails = Omit<EnvforgeErrorData, "code" | "message">;

/**
 * The way every envforge error is made: the code's table entry gives the hint when the site has
 * none better. (`hint: undefined` given explicitly keeps the error without one.)
 */
export function createError(code: ErrorCode, message: string, more: ErrorDetails = {}): EnvforgeError {
  const hint = "hint" in more ? more.hint : errorInfo(code)?.hint;
  return new EnvforgeError({ ...more, code, message, hint });
}

/** `createError` and throw it: for sites that end there. */
export function raise(code: ErrorCode, message: string, more?: ErrorDetails): never {
  throw createError(code, message, more);
}
