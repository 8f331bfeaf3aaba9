/** Bounds on input, so a hostile or broken definition is refused with a clear limit, not an OOM. */
export interface InputLimits {
  /** Largest definition or referenced file, in bytes. */
  maxFileBytes: number;
  /** Most referenced files one definition may pull in (`-r` includes count). */
  maxReferencedFiles: number;
}

export const DEFAULT_LIMITS: InputLimits = {
  maxFileBytes: 8 * 1024 * 1024,
  maxReferencedFiles: 64,
};
