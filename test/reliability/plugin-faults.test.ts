import path from "node:path";
import { createEngine, EnvforgeError, PluginError, type Engine, type EngineEvent, type EnginePlugin } from "@envforge/core/plugin-kit";
import { renderDockerfile } from "@envforge/image";
import { dockerPlugin } from "@envforge/plugin-docker";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { auditCache } from "../support/cache-audit.js";
import { PROBE, PROBE_TARGET, probeArtifactComplete, probePlugin, probeSpec } from "../support/reliability-plugin.js";
import { report, tmp } from "./support.js";

const complete = (e: { artifact: { path?: string | undefined } }) => probeArtifactComplete(e.artifact.path!);

/** What a faulty plugin throws: an Error, a non-Error, nothing useful at all. */
const THROWN: Array<[string, () => unknown]> = [
  ["a TypeError", () => new TypeError("boom")],
  ["a string", () => "boom"],
  ["null", () => null],
  ["an object", () => ({ weird: true })],
];

/** Throws once from a hook, then behaves: the next call shows whether the engine is still usable. */
function faultyOnce(tap: (engine: Engine, fault: () => void) => void, thrown: () => unknown): EnginePlugin & { fired: () => boolean } {
  let fired = false;
  const fault = () => {
    if (fired) return;
    fired = true;
    throw thrown();
  };
  return { name: "faulty", apply: (engine) => tap(engine, fault), fired: () => fired };
}

type Trigger = (engine: Engine) => Promise<unknown>;
const build: Trigger = (engine) => engine.build(probeSpec("faults"), { target: PROBE_TARGET });
const hash: Trigger = (engine) => engine.hash(probeSpec("faults"));

/** Each hook, how the faulty plugin taps it, and the call that reaches it. */
const HOOKS: Array<{ hook: string; tap: (engine: Engine, fault: () => void) => void; trigger: Trigger; prepare?: (cacheDir: string) => Promise<void> }> = [
  { hook: "schema", tap: (e, f) => e.hooks.schema.tap("faulty", f), trigger: hash },
  { hook: "load", tap: (e, f) => e.hooks.load.tapPromise({ name: "faulty", stage: 0 }, async () => (f(), undefined)), trigger: hash },
  { hook: `parseSection(${PROBE})`, tap: (e, f) => e.hooks.parseSection.for(PROBE).tap({ name: "faulty", stage: -1 }, () => f()), trigger: hash },
  // A callback-style tap that throws instead of calling back.
  {
    hook: "validate",
    tap: (e, f) =>
      e.hooks.validate.tapAsync("faulty", (_spec, done) => {
        f();
        done();
      }),
    trigger: hash,
  },
  { hook: `canonicalizeSection(${PROBE})`, tap: (e, f) => e.hooks.canonicalizeSection.for(PROBE).tap({ name: "faulty", stage: -1 }, () => (f(), undefined)), trigger: hash },
  { hook: "hashInputs", tap: (e, f) => e.hooks.hashInputs.tap("faulty", (c) => (f(), c)), trigger: hash },
  { hook: "hash", tap: (e, f) => e.hooks.hash.tap("faulty", () => f()), trigger: hash },
  { hook: "lookup", tap: (e, f) => e.hooks.lookup.tapPromise({ name: "faulty", stage: 0 }, async () => (f(), undefined)), trigger: build },
  {
    hook: "backfill",
    tap: (e, f) => e.hooks.backfill.tap("faulty", () => f()),
    trigger: build,
    // A local hit is what backfills the memory tier: build once with a clean engine first.
    prepare: async (cacheDir) => void (await createEngine({ cacheDir, plugins: [probePlugin()] }).build(probeSpec("faults"), { target: PROBE_TARGET })),
  },
  { hook: `build(${PROBE_TARGET})`, tap: (e, f) => e.hooks.build.for(PROBE_TARGET).tapPromise({ name: "faulty", stage: -1 }, async () => (f(), undefined)), trigger: build },
  { hook: "store", tap: (e, f) => e.hooks.store.tap({ name: "faulty", stage: 0 }, () => f()), trigger: build },
  { hook: "store", tap: (e, f) => e.hooks.store.tap({ name: "faulty", stage: 100 }, () => f()), trigger: build },
];

describe("a plugin that throws in any hook", () => {
  const cases = HOOKS.flatMap((h) => THROWN.map(([what, make]) => ({ ...h, what, make })));
  let faults = 0;

  it.each(cases)("$hook, throwing $what: PluginError naming plugin and hook; the next call works; the cache stays consistent", async ({ hook, tap, trigger, prepare, make }) => {
    const cacheDir = path.join(await tmp("faults"), "cache");
    await prepare?.(cacheDir);
    const faulty = faultyOnce(tap, make);
    const engine = createEngine({ cacheDir, plugins: [probePlugin(), faulty] });
    const error = await trigger(engine).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(faulty.fired()).toBe(true);
    expect(error).toBeInstanceOf(PluginError);
    const fault = error as PluginError;
    expect(fault.code).toBe("E_PLUGIN");
    expect(fault.plugin).toBe("faulty");
    expect(fault.hook).toBe(hook);
    expect(fault.message).toContain(`"faulty"`);
    expect(fault.message).toContain(hook);
    faults++;
    // Same engine, same definition: everything works now that the plugin behaves.
    const again = await build(engine);
    expect(await probeArtifactComplete((again as { entry: { artifact: { path: string } } }).entry.artifact.path)).toBe(true);
    const audit = await auditCache(cacheDir, complete);
    expect(audit).toMatchObject({ broken: [], incomplete: [], liveLocks: [] });
    expect(audit.valid).toHaveLength(1);
  });

  it(`imageFragment(${PROBE}), throwing: PluginError from the Dockerfile generation, and the next render works`, async () => {
    let fired = false;
    const faulty: EnginePlugin = {
      name: "faulty",
      apply: (e) =>
        e.hooks.imageFragment.for(PROBE).tapPromise("faulty", async () => {
          if (!fired) {
            fired = true;
            throw new RangeError("boom");
          }
          return { order: 60, instructions: ["RUN true"] };
        }),
    };
    const engine = createEngine({ cacheDir: await tmp("faults-image"), plugins: [probePlugin(), dockerPlugin(), faulty] });
    const source = { object: { probe: { id: "img" }, docker: { baseImage: "debian:12" } } };
    const error = (await renderDockerfile(engine, source).catch((e: unknown) => e)) as PluginError;
    expect(error).toBeInstanceOf(PluginError);
    expect({ plugin: error.plugin, hook: error.hook }).toEqual({ plugin: "faulty", hook: `imageFragment(${PROBE})` });
    expect((await renderDockerfile(engine, source)).image.dockerfile).toContain("RUN true");
  });

  it("event: a throwing listener fails nothing, starves no other listener, and is reported as an E_PLUGIN warning", async () => {
    const engine = createEngine({ cacheDir: await tmp("faults-event"), plugins: [probePlugin()] });
    engine.hooks.event.tap("faulty", (e) => {
      if (e.type === "log") throw new TypeError("renderer bug");
    });
    const seen: EngineEvent[] = [];
    engine.hooks.event.tap("renderer", (e) => seen.push(e));
    const result = await build(engine);
    expect((result as { cached: boolean }).cached).toBe(false);
    expect(seen.some((e) => e.type === "log")).toBe(true);
    expect(seen.some((e) => e.type === "build.finish")).toBe(true);
    const warning = seen.find((e) => e.type === "warning" && e.code === "E_PLUGIN");
    expect(warning).toBeDefined();
    expect((warning as { message: string }).message).toMatch(/"faulty" failed in hook "event"/);
    report("plugin-faults", { hooks: new Set(HOOKS.map((h) => h.hook)).size + 2, faultsInjected: faults + 2, pluginErrors: faults + 1, engineUsableAfter: faults + 2 });
  });
});

describe("a plugin cannot corrupt another plugin's section", () => {
  const clean = async () => (await createEngine({ cacheDir: await tmp("meddle-clean"), plugins: [probePlugin()] }).hash(probeSpec("m"))).hash;

  /** A plugin that tries to change what another plugin owns; it must fail loudly, and change nothing. */
  const meddlers: Array<[string, (engine: Engine) => void, Trigger]> = [
    ["validate edits another section's parsed value", (e) => e.hooks.validate.tap("meddler", (spec) => void ((spec.sections[PROBE] as { id: string }).id = "evil")), hash],
    ["validate replaces another section", (e) => e.hooks.validate.tap("meddler", (spec) => void ((spec.sections as Record<string, unknown>)[PROBE] = { id: "evil" })), hash],
    ["a parser edits the raw definition of another section", (e) => {
      e.hooks.schema.tap("meddler", (s) => s.field({ path: "zzz", section: "zzz", schema: probeSchema(), description: "meddler" }));
      e.hooks.parseSection.for("zzz").tap("meddler", (_f, ctx) => ((ctx.spec.data[PROBE] as { id: string }).id = "evil", {}));
      e.hooks.canonicalizeSection.for("zzz").tap("meddler", () => undefined);
    }, (engine) => engine.hash({ object: { probe: { id: "m" }, zzz: {} } })],
    ["hashInputs edits another section's canonical value in place", (e) => e.hooks.hashInputs.tap("meddler", (c) => ((c.sections[PROBE] as { id: string }).id = "evil", c)), hash],
    ["hash rewrites the result", (e) => e.hooks.hash.tap("meddler", (r) => void ((r as { hash: string }).hash = "efh1:" + "0".repeat(64))), hash],
    ["a builder edits the canonical spec it was given", (e) => e.hooks.build.for(PROBE_TARGET).tap({ name: "meddler", stage: -1 }, (ctx) => void ((ctx.canonical.sections[PROBE] as { id: string }).id = "evil")), build],
  ];

  it.each(meddlers)("%s: PluginError naming the meddler, and the hash stays the clean one", async (_what, apply, trigger) => {
    const cacheDir = await tmp("meddle");
    const meddler: EnginePlugin = { name: "meddler", apply };
    const engine = createEngine({ cacheDir, plugins: [probePlugin(), meddler] });
    const error = (await trigger(engine).catch((e: unknown) => e)) as PluginError;
    expect(error).toBeInstanceOf(PluginError);
    expect(error.plugin).toBe("meddler");
    // The probe's own view, from a clean engine, is what it always was.
    const reference = await clean();
    expect(reference).toBe(await clean());
    const plain = await createEngine({ cacheDir, plugins: [probePlugin()] }).hash(probeSpec("m"));
    expect(plain.hash).toBe(reference);
    expect(plain.canonicalText).toContain('"id":"m"');
  });

  it("a hashInputs tap may add its own field by returning a new object (a host's salt): that is allowed and moves the hash", async () => {
    const salted: EnginePlugin = { name: "salt", apply: (e) => e.hooks.hashInputs.tap("salt", (c) => ({ ...c, sections: { ...c.sections, salt: "v2" } })) };
    const engine = createEngine({ cacheDir: await tmp("salt"), plugins: [probePlugin(), salted] });
    const result = await engine.hash(probeSpec("m"));
    expect(result.hash).not.toBe(await clean());
    expect(result.canonicalText).toContain('"salt":"v2"');
  });

  it("a caller editing a returned entry cannot change what the next caller of the key gets", async () => {
    const engine = createEngine({ cacheDir: await tmp("entry"), plugins: [probePlugin()] });
    const first = await build(engine);
    const entry = (first as { entry: { artifact: { path: string } } }).entry;
    expect(() => {
      entry.artifact.path = "/tmp/elsewhere";
    }).toThrow(TypeError);
    const second = (await build(engine)) as { cached: boolean; entry: { artifact: { path: string } } };
    expect(second.cached).toBe(true);
    expect(await probeArtifactComplete(second.entry.artifact.path)).toBe(true);
  });

  it("the engine refuses nothing a well-behaved plugin does with its own values", async () => {
    // Control: the probe copies before it changes anything (its canonical value is a new object).
    const engine = createEngine({ cacheDir: await tmp("control"), plugins: [probePlugin()] });
    expect((await engine.hash(probeSpec("m"))).hash).toBe(await clean());
    await expect(build(engine)).resolves.toMatchObject({ cached: false });
    expect(EnvforgeError).toBeDefined();
  });
});

/** The meddler's own (empty) section: any mapping. */
const probeSchema = () => z.looseObject({});
