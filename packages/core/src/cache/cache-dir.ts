import os from "node:os";
import path from "node:path";

/** `$XDG_CACHE_HOME/envforge`, else `~/.cache/envforge`: the cache an engine uses when not told. */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "envforge");
}
