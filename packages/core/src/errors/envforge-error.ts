import type { SourceLocation } from "../definition/location.js";
import type { ErrorKind } from "./codes.js";
import { errorInfo, type ErrorCode } from "./registry.js";

export interface EnvforgeErrorData {
  code: ErrorCode;
  message: string;
  /** What the user can do about it: the valid values, the tool to install, the option to set. */
  hint?: string | undefined;
  location?: SourceLocation | undefined;
  /** Dotted path of the spec field the error is about, e.g. `python.pip[2]`. */
  field?: string | undefined;
  /** Extra data for hosts (build output tail, tried repositories…); never a secret. */
  details?: Record<string, unknown> | undefined;
  cause?: unknown;
}

/**
 * Marks envforge's errors across copies of core: a plugin that bundles or installs its own copy
 * still throws errors the host's copy recognises (`isEnvforgeError`), which `instanceof` cannot do.
 */
const BRAND = Symbol.for("envforge.error");

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
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** From the code's table entry; a code no table knows counts as bad input. */
  get kind(): ErrorKind {
    return errorInfo(this.code)?.kind ?? "input";
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

/** True for an envforge error from any copy of core (by brand, not `instanceof`). */
export function isEnvforgeError(value: unknown): value is EnvforgeError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** True for a plugin's fault wrapped by any copy of core. */
export function isPluginError(value: unknown): value is PluginError {
  return isEnvforgeError(value) && value.code === "E_PLUGIN" && typeof (value as Partial<PluginError>).plugin === "string";
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
