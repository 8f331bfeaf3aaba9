import type { SourceLocation } from "./location.js";

/**
 * Every error code envforge can raise, sorted. Codes are stable: hosts match on them, so a code is
 * never renamed or reused; new ones are added.
 */
export const ErrorCodes = [
  "E_BUILD_FAILED",
  "E_CACHE_CORRUPT",
  "E_CACHE_IO",
  "E_CONFLICT",
  "E_CONFLICTING_FIELDS",
  "E_CONFLICTING_PINS",
  "E_ENV_NOT_ALLOWED",
  "E_FILE_NOT_FOUND",
  "E_FILE_OUTSIDE_ROOT",
  "E_INPUT_TOO_LARGE",
  "E_INVALID_COORDINATE",
  "E_INVALID_IMAGE_REFERENCE",
  "E_INVALID_MATCHSPEC",
  "E_INVALID_REQUIREMENT",
  "E_INVALID_VALUE",
  "E_INVALID_YAML",
  "E_MISSING_FIELD",
  "E_NO_BUILDER",
  "E_NO_PLUGIN",
  "E_NOT_FOUND",
  "E_PLUGIN",
  "E_POLICY",
  "E_REGISTRY_CORRUPT",
  "E_TARGET_MISMATCH",
  "E_TIMEOUT",
  "E_ABORTED",
  "E_TOOL_NOT_FOUND",
  "E_UNKNOWN_KEY",
  "E_USER_MANAGED",
  "E_WRONG_TYPE",
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

export interface EnvforgeErrorData {
  code: ErrorCode;
  message: string;
  /** What the user can do about it: the valid values, the tool to install, the flag to pass. */
  hint?: string | undefined;
  location?: SourceLocation | undefined;
  /** Dotted path of the spec field the error is about, e.g. `python.pip[2]`. */
  field?: string | undefined;
  /** Extra data for hosts (build output tail, tried repositories…); never a secret. */
  details?: Record<string, unknown> | undefined;
  cause?: unknown;
}

/** Errors are data: a stable code, a message, a hint and, where there is one, a source location. */
export class EnvforgeError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly location: SourceLocation | undefined;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(data: EnvforgeErrorData) {
    super(data.message, data.cause === undefined ? undefined : { cause: data.cause });
    this.name = "EnvforgeError";
    this.code = data.code;
    this.hint = data.hint;
    this.location = data.location;
    this.field = data.field;
    this.details = data.details;
  }

  toJSON(): Omit<EnvforgeErrorData, "cause"> {
    return {
      code: this.code,
      message: this.message,
      hint: this.hint,
      location: this.location,
      field: this.field,
      details: this.details,
    };
  }
}

/** A plugin threw something in one of its taps; wraps it with the plugin's and the hook's names. */
export class PluginError extends EnvforgeError {
  readonly plugin: string;
  readonly hook: string;

  constructor(plugin: string, hook: string, cause: unknown) {
    const inner = cause instanceof Error ? cause.message : String(cause);
    super({
      code: "E_PLUGIN",
      message: `plugin "${plugin}" failed in hook "${hook}": ${inner}`,
      hint: `this is a fault of the plugin "${plugin}", not of the environment file; report it to its authors`,
      cause,
    });
    this.name = "PluginError";
    this.plugin = plugin;
    this.hook = hook;
  }
}

export function isEnvforgeError(value: unknown): value is EnvforgeError {
  return value instanceof EnvforgeError;
}

/** Formats an error for a person: `file:line:col: message (field)` then the hint. */
export function formatError(error: EnvforgeError): string {
  const where = error.location
    ? `${error.location.file}:${error.location.line}:${error.location.column}: `
    : "";
  const field = error.field ? ` [${error.field}]` : "";
  const lines = [`${where}error ${error.code}: ${error.message}${field}`];
  if (error.hint) lines.push(`  hint: ${error.hint}`);
  return lines.join("\n");
}
