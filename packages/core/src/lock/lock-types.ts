/**
 * A definition's lock (`env.yaml` → `env.lock`): every package its sections resolve to, for one
 * Python version and platform, recorded by what identifies each file (name, version, file name,
 * digest) and never by where it was fetched from (index URLs, find-links, mirrors, credentials stay
 * builder options). Format and rules: LOCK.md. Version 1.
 */
export interface EnvLock {
  version: 1;
  /** The Python version the lock was resolved for (`3.11` or `3.11.7`); absent when no section needs one. */
  python?: string | undefined;
  /** The platform it was resolved for, e.g. `linux-x86_64` (conda subdir and pip platform tags derive from it). */
  platform: string;
  pip?: LockedDistribution[] | undefined;
  conda?: LockedCondaPackage[] | undefined;
  spark?: LockedJar[] | undefined;
  /** The base image pinned to its digest, so `FROM` is locked too. */
  image?: LockedImage | undefined;
}

/** One Python distribution (pip). */
export interface LockedDistribution {
  /** Canonical name (PEP 503). */
  name: string;
  version: string;
  /** The wheel or sdist file name, e.g. `tinya-1.0.0-py3-none-any.whl`. */
  file: string;
  sha256: string;
}

/** One conda package of the whole closure. */
export interface LockedCondaPackage {
  name: string;
  version: string;
  build: string;
  /** Channel name (`conda-forge`), never its URL. */
  channel: string;
  /** `linux-64`, `noarch`… */
  subdir: string;
  /** `numpy-1.26.4-py311h….conda` or `.tar.bz2`. */
  file: string;
  sha256?: string | undefined;
  md5?: string | undefined;
}

/** One jar Ivy resolved. */
export interface LockedJar {
  /** `group:artifact:version` (`:classifier` when there is one). */
  coordinate: string;
  file: string;
  sha256: string;
}

export interface LockedImage {
  /** The base as the definition names it. */
  base: string;
  /** `sha256:…` of its manifest (or index). */
  digest: string;
}
