/**
 * Deterministic benchmark inputs. Every spec comes from a seeded PRNG, so two runs (and two
 * machines) hash exactly the same definitions. Requirement strings are written the way people
 * write them — mixed case, underscores, pre-release spellings, extras, markers, unordered specifier
 * clauses — so canonicalization does its real work, not a pass-through.
 */

/** mulberry32: small, fast, and good enough to pick names and versions reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(rand: Rand, list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
const int = (rand: Rand, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

const SYLLABLES = ["py", "data", "sci", "kit", "learn", "torch", "flow", "json", "http", "core", "util", "fast", "lib", "net", "io", "yaml", "test", "plot", "num", "arrow"];
const EXTRAS = ["security", "socks", "dev", "test", "all", "cuda", "docs"];
const MARKERS = [
  'python_version >= "3.8"',
  "sys_platform == 'linux'",
  'platform_machine=="x86_64"',
  'python_version<"3.12" and os_name == "posix"',
];

/**
 * What makes a universe's package names and versions its own (see freshUniverse): a tag in every
 * name and a first version component no other universe uses. The default universe has neither.
 */
export interface Freshness {
  tag: string;
  major: number;
}
const SHARED: Freshness = { tag: "", major: 0 };

/** A package name as a user might spell it: `Data_Kit`, `data.kit`, `data-kit`… all one PEP 503 name. */
function packageName(rand: Rand, index: number, tag: string): string {
  const parts = [pick(rand, SYLLABLES), pick(rand, SYLLABLES), `${index}${tag}`];
  const sep = pick(rand, ["-", "_", ".", "-"]);
  const name = parts.join(sep);
  return rand() < 0.3 ? name.replace(/^./, (c) => c.toUpperCase()) : name;
}

function version(rand: Rand, major: number): string {
  const v = `${major + int(rand, 0, 12)}.${int(rand, 0, 30)}.${int(rand, 0, 9)}`;
  const roll = rand();
  if (roll < 0.08) return `${v}-alpha${int(rand, 1, 3)}`; // PEP 440 spelling variants
  if (roll < 0.14) return `${v}.post${int(rand, 1, 2)}`;
  if (roll < 0.18) return `0${v}`;
  return v;
}

/** One pip requirement line, in one of the forms real requirement lists contain. */
export function pipRequirement(rand: Rand, index: number, fresh: Freshness = SHARED): string {
  const name = packageName(rand, index, fresh.tag);
  const major = fresh.major;
  const extras = rand() < 0.15 ? `[${pick(rand, EXTRAS)},${pick(rand, EXTRAS)}]` : "";
  const roll = rand();
  let spec: string;
  if (roll < 0.55) spec = `==${version(rand, major)}`;
  else if (roll < 0.75) spec = ` < ${major + int(rand, 3, 9)} , >=${version(rand, major)}`;
  else if (roll < 0.85) spec = `~=${major + int(rand, 1, 5)}.${int(rand, 0, 9)}`;
  else if (roll < 0.93) spec = `>=${version(rand, major)},!=${version(rand, major)}`;
  else spec = "";
  const marker = rand() < 0.12 ? ` ; ${pick(rand, MARKERS)}` : "";
  return `${name}${extras}${spec}${marker}`;
}

/** One conda MatchSpec, in the spellings conda treats alike (`numpy=1.26`, `numpy >=1.2,<2`). */
export function condaDependency(rand: Rand, index: number, fresh: Freshness = SHARED): string {
  const name = `${pick(rand, SYLLABLES)}${pick(rand, SYLLABLES)}${index}${fresh.tag}`;
  const m = fresh.major;
  const roll = rand();
  if (roll < 0.4) return `${name}=${m + int(rand, 0, 9)}.${int(rand, 0, 30)}`;
  if (roll < 0.7) return `${name} >=${m + int(rand, 0, 9)}.${int(rand, 0, 9)},<${m + int(rand, 10, 20)}`;
  if (roll < 0.85) return `${name}==${m + int(rand, 0, 9)}.${int(rand, 0, 9)}.${int(rand, 0, 9)}`;
  return name;
}

export function sparkPackage(rand: Rand, index: number, fresh: Freshness = SHARED): string {
  return `com.example.${pick(rand, SYLLABLES)}${fresh.tag}:${pick(rand, SYLLABLES)}-lib${index}_2.12:${fresh.major + int(rand, 0, 5)}.${int(rand, 0, 20)}.${int(rand, 0, 9)}`;
}

export interface SpecShape {
  pip: number;
  conda: number;
  steps: number;
  spark: number;
}

/** About what one real environment definition holds (the "typical" spec). */
export const TYPICAL: SpecShape = { pip: 20, conda: 10, steps: 3, spark: 2 };
/**
 * The typical definition's Python part alone (its 20 pip requirements): what a `venv` build
 * carries. Cases that build (or hit) a venv use it: the engine refuses a target that would leave
 * a section of the definition out (E_TARGET_MISMATCH).
 */
export const TYPICAL_VENV: SpecShape = { pip: 20, conda: 0, steps: 0, spark: 0 };
/** A large definition: about 400 requirements. */
export const LARGE: SpecShape = { pip: 400, conda: 10, steps: 3, spark: 2 };

/**
 * Pools of requirement lines shared by every generated spec: real specs draw from a common
 * universe of packages (numpy, requests…), so the same line appears in many definitions.
 */
export class Universe {
  readonly pip: string[];
  readonly conda: string[];
  readonly spark: string[];
  /** In every name of this universe, and in the steps of the definitions drawn from it. */
  readonly tag: string;

  constructor(seed = 1, size = 4000, fresh: Freshness = SHARED) {
    const rand = prng(seed);
    this.tag = fresh.tag;
    this.pip = Array.from({ length: size }, (_, i) => pipRequirement(rand, i, fresh));
    this.conda = Array.from({ length: 400 }, (_, i) => condaDependency(rand, i, fresh));
    this.spark = Array.from({ length: 200 }, (_, i) => sparkPackage(rand, i, fresh));
  }
}

let universes = 0;

/**
 * A universe no earlier one shares a package name or a version with (each name carries the
 * universe's own tag, each version its own first component): definitions drawn from it are new
 * to the process, the way a platform meets its users' definitions, so nothing remembered from an
 * earlier round (a string's text, a rank, a parsed version) can answer for them (issue #19).
 * Deterministic: the n-th fresh universe of a run is the same in every run.
 */
export function freshUniverse(size = 4000): Universe {
  const n = ++universes;
  return new Universe(0x5eed_0000 + n, size, { tag: `u${n.toString(36)}`, major: 20 * n });
}

const DEFAULT_UNIVERSE = new Universe();

/** Picks `count` distinct items of `pool`, in a seeded order (the order a user happened to write). */
function sample(rand: Rand, pool: readonly string[], count: number): string[] {
  if (count > pool.length) throw new Error(`cannot pick ${count} of ${pool.length} items`);
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(Math.floor(rand() * pool.length));
  return [...chosen].map((i) => pool[i]!);
}

/** An environment definition object (what `env.yaml` holds), deterministic in `seed`. */
export function generateSpec(shape: SpecShape, seed: number, universe: Universe = DEFAULT_UNIVERSE): Record<string, unknown> {
  const rand = prng(0x9e3779b9 ^ seed);
  const spec: Record<string, unknown> = {
    name: `bench-${shape.pip}-${seed}`,
    version: "1",
    description: "generated by envforge benchmarks",
    python: {
      version: pick(rand, ["3.10", "3.11", "3.12"]),
      ...(shape.pip > 0 ? { pip: sample(rand, universe.pip, shape.pip) } : {}),
      ...(shape.conda > 0
        ? { conda: { channels: ["conda-forge", "defaults"], dependencies: sample(rand, universe.conda, shape.conda) } }
        : {}),
    },
    variables: { OMP_NUM_THREADS: String(int(rand, 1, 8)) },
  };
  if (shape.steps > 0) {
    spec.docker = {
      baseImage: pick(rand, ["python:3.11-slim", "ubuntu:22.04", "debian:bookworm"]),
      steps: Array.from({ length: shape.steps }, (_, i) => `RUN echo step-${i}-${int(rand, 0, 999)}${universe.tag} > /tmp/step-${i}`),
    };
  }
  if (shape.spark > 0) {
    spec.spark = { repositories: ["https://repo.example.org/maven2"], packages: sample(rand, universe.spark, shape.spark), precache: true };
  }
  return spec;
}

/** `count` distinct definitions of one shape, seeds `first..first+count-1`. */
export function generateSpecs(shape: SpecShape, count: number, first = 1, universe: Universe = DEFAULT_UNIVERSE): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => generateSpec(shape, first + i, universe));
}
