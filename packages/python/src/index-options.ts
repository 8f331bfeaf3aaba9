import type { SourceLocation } from "@envforge/core/plugin-kit";

/** Requirements-file options that say where pip looks, not what it installs: never hashed. */
export type BuildOptionName = "index-url" | "extra-index-url" | "no-index" | "find-links" | "trusted-host";

/** An option that tells pip where to look, not what to install: never hashed. */
export interface BuildOptionLine {
  name: BuildOptionName;
  flag: string;
  value: string | undefined;
  location: SourceLocation;
  /** Folder a relative `--find-links` path is read against (the requirements file's). */
  baseDir: string;
  /** Dotted spec field the line came from, for errors. */
  field: string;
}

/** Index options found in requirements files and inline lists, for the builder. */
export interface RequirementsBuildOptions {
  indexUrl?: string | undefined;
  extraIndexUrls: string[];
  findLinks: string[];
  trustedHosts: string[];
  noIndex: boolean;
}
