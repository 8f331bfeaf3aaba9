import { test, fc } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { testEngine } from "../support/engine.js";

/**
 * Property tests of the hash contract over generated definitions: sets are order-free, sequences
 * are not, canonicalization is idempotent, and every build-relevant change moves the hash.
 */
const { engine } = await testEngine();
const hashOf = async (object: unknown) => (await engine.hash({ object, file: "<generated>" })).hash;

const name = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?$/);
const version = fc.tuple(fc.nat(30), fc.nat(30), fc.nat(30)).map((v) => v.join("."));
const pipReq = fc.tuple(name, fc.constantFrom("==", ">=", "<", "~=", "!="), version).map(([n, op, v]) => `${n}${op}${v}`);
const pipSet = fc.uniqueArray(pipReq, { minLength: 2, maxLength: 8, selector: (r) => r.split(/[=<>~!]/)[0] });
const condaDep = fc.tuple(name, version).map(([n, v]) => `${n}=${v}`);
const condaSet = fc.uniqueArray(condaDep, { minLength: 2, maxLength: 6, selector: (r) => r.split("=")[0] });
const channels = fc.uniqueArray(name, { minLength: 2, maxLength: 4 });
const steps = fc.uniqueArray(name.map((n) => `RUN echo ${n}`), { minLength: 2, maxLength: 5 });
const spark = fc.uniqueArray(
  fc.tuple(name, name, version).map(([g, a, v]) => `com.${g}:${a}:${v}`),
  { minLength: 2, maxLength: 4, selector: (c) => c.split(":").slice(0, 2).join(":") },
);

const spec = fc.record({ pip: pipSet, conda: condaSet, channels, steps, spark });
type Spec = { pip: string[]; conda: string[]; channels: string[]; steps: string[]; spark: string[] };
const definition = (s: Spec) => ({
  python: { version: "3.11", pip: s.pip, conda: { channels: s.channels, dependencies: s.conda } },
  docker: { baseImage: "debian:12", steps: s.steps },
  spark: { packages: s.spark },
});

/** Paths of the objects and arrays under `value` that are not frozen. */
function unfrozen(value: unknown, at = "$"): string[] {
  if (typeof value !== "object" || value === null) return [];
  const own = Object.isFrozen(value) ? [] : [at];
  return own.concat(Object.entries(value).flatMap(([k, v]) => unfrozen(v, `${at}.${k}`)));
}

/** A permutation that is not the identity (the arrays generated have distinct items). */
const rotate = <T>(xs: T[]): T[] => [...xs.slice(1), xs[0]!];

describe("hash contract properties", () => {
  test.prop([spec, fc.infiniteStream(fc.nat())], { numRuns: 60 })("permuting a set never changes the hash", async (s, seeds) => {
    const shuffle = <T>(xs: T[]) => xs.map((x) => [seeds.next().value as number, x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
    const base = await hashOf(definition(s));
    const shuffled = await hashOf(definition({ ...s, pip: shuffle(s.pip), conda: shuffle(s.conda), spark: shuffle(s.spark) }));
    expect(shuffled).toBe(base);
  });

  test.prop([spec], { numRuns: 60 })("duplicating set items never changes the hash", async (s) => {
    const base = await hashOf(definition(s));
    expect(await hashOf(definition({ ...s, pip: [...s.pip, s.pip[0]!], conda: [s.conda[0]!, ...s.conda] }))).toBe(base);
  });

  test.prop([spec], { numRuns: 40 })("permuting a sequence (channels, steps) changes the hash", async (s) => {
    const base = await hashOf(definition(s));
    expect(await hashOf(definition({ ...s, channels: rotate(s.channels) }))).not.toBe(base);
    expect(await hashOf(definition({ ...s, steps: rotate(s.steps) }))).not.toBe(base);
  });

  test.prop([spec, fc.nat()], { numRuns: 40 })("changing, adding or removing any package changes the hash", async (s, n) => {
    const base = await hashOf(definition(s));
    const i = n % s.pip.length;
    const bumped = s.pip.map((r, j) => (j === i ? `${r}.1` : r));
    expect(await hashOf(definition({ ...s, pip: bumped }))).not.toBe(base);
    expect(await hashOf(definition({ ...s, pip: s.pip.slice(1) }))).not.toBe(base);
    expect(await hashOf(definition({ ...s, conda: [...s.conda, "zz-extra-pkg"] }))).not.toBe(base);
    expect(await hashOf(definition({ ...s, spark: s.spark.slice(1) }))).not.toBe(base);
    expect(await hashOf({ ...definition(s), python: { ...definition(s).python, version: "3.12" } })).not.toBe(base);
  });

  test.prop([spec], { numRuns: 30 })("every object and array of the canonical form is frozen, whichever plugin made it", async (s) => {
    // Plugins freeze their own values and the engine does not walk a frozen one again: a node left
    // unfrozen would let a host change what was hashed.
    const d = definition(s);
    const full = {
      ...d,
      python: { ...d.python, pip: [...s.pip, "--no-binary=:all:"], conda: { ...d.python.conda, variables: { B: "2", A: "1" } } },
      docker: { ...d.docker, platform: "linux/amd64", buildArgs: { Z: "1", A: "2" } },
    };
    const { canonical } = await engine.hash({ object: full, file: "<generated>" });
    const sections = canonical.sections as Record<string, unknown>;
    expect(Object.keys(sections).sort()).toEqual(["conda", "docker", "pip", "python", "spark"]);
    expect(unfrozen(canonical)).toEqual([]);
  });

  test.prop([spec], { numRuns: 40 })("canonicalization is idempotent: the canonical form read back gives itself", async (s) => {
    const first = await engine.hash({ object: definition(s), file: "<generated>" });
    const sections = first.canonical.sections as Record<string, unknown>;
    const pip = sections.pip as string[] | { requirements: string[] };
    const conda = sections.conda as { channels: string[]; dependencies: string[] };
    const sparkSection = sections.spark as { packages: string[] };
    const docker = sections.docker as { base: { image: string }; steps: string[] };
    const again = await engine.hash({
      object: {
        python: {
          version: "3.11",
          pip: Array.isArray(pip) ? pip : pip.requirements,
          conda: { channels: conda.channels, dependencies: conda.dependencies },
        },
        docker: { baseImage: docker.base.image, steps: docker.steps },
        spark: { packages: sparkSection.packages },
      },
      file: "<canonical>",
    });
    expect(again.canonicalText).toBe(first.canonicalText);
  });
});
