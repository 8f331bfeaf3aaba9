import { isEnvforgeError } from "../errors/envforge-error.js";
import { createError } from "../errors/factories.js";
import { parseSpec, type ParseOptions, type ProblemList } from "../definition/parse.js";
import { sortProblems, validateEach, type Validation } from "../definition/problems.js";
import type { CanonicalSpec, CanonicalValue, HashResult, LoadedSpec, ParsedSpec, SpecSource } from "../definition/spec.js";
import { hashCanonicalText, serializeCanonical, sortKeys } from "../hash/canonical.js";
import { explainCanonical } from "../hash/explain.js";
import { deepFreeze } from "../hash/freeze.js";
import { policyFingerprint } from "../policy/policy-fingerprint.js";
import { sourceRecorder } from "../quick/source-recorder.js";
import type { EngineCore } from "./core.js";
import type { EngineEvent } from "./events.js";
import { reachesAnyone } from "./intercept.js";
import { checkTarget, sectionsOf } from "./targets.js";
import type { Engine } from "./types.js";

type WarningEvent = Extract<EngineEvent, { type: "warning" }>;

/** The stages that read a definition, from its source to its hash, and what explains or checks one. */
export type DefinitionStages = Pick<
  Engine,
  "load" | "parse" | "canonicalize" | "hashParsed" | "resolve" | "hash" | "validate" | "checkTarget" | "explain" | "jsonSchema" | "fields"
>;

export function definitionStages(core: EngineCore): DefinitionStages & { resolveForBuild: Engine["resolve"] } {
  const { hooks, registry, limits, policy, emit, timed, ensureSchema } = core;
  // The source memo (quick path): each parse's warnings, replayed on a quick hit.
  const parseWarnings = new WeakMap<ParsedSpec, { warnings: WarningEvent[]; sections: ParsedSpec["sections"] }>();
  const recordSource =
    core.options.pipelineId === undefined || core.options.readOnly
      ? undefined
      : sourceRecorder(
          hooks,
          core.local,
          { pipeline: core.options.pipelineId, policy: policyFingerprint(policy, limits) },
          (parsed, result) => core.targets.unfit(sectionsOf(parsed, result.canonical)),
          core.redact.text,
        );
  const parseOptions = (report: ParseOptions["emit"], problems?: ProblemList): ParseOptions => ({
    hooks,
    registry,
    limits,
    allowFilesOutsideRoot: policy.allowOutsideFiles,
    policy,
    emit: report,
    ...(problems ? { problems } : {}),
  });

  const stages: DefinitionStages = {
    async load(source: SpecSource): Promise<LoadedSpec> {
      return timed("load", async () => {
        const loaded = await hooks.load.promise(source);
        if (!loaded) throw createError("E_NOT_FOUND", "no loader accepted the definition source");
        return loaded;
      });
    },

    async parse(loaded: LoadedSpec): Promise<ParsedSpec> {
      ensureSchema();
      const warnings: WarningEvent[] = [];
      const collect = (event: EngineEvent) => {
        if (event.type === "warning") warnings.push(core.redact.event(event) as WarningEvent);
        emit(event);
      };
      const parsed = await timed("parse", () => parseSpec(loaded, parseOptions(collect)));
      parseWarnings.set(parsed, { warnings, sections: parsed.sections });
      await timed("validate", () => hooks.validate.promise(parsed));
      return parsed;
    },

    canonicalize(parsed: ParsedSpec): CanonicalSpec {
      const sections: Record<string, CanonicalValue> = {};
      for (const name of sortKeys(Object.keys(parsed.sections))) {
        const hook = hooks.canonicalizeSection.get(name);
        if (!hook || !hook.isUsed()) {
          throw createError("E_NO_PLUGIN", `no loaded plugin canonicalizes the section "${name}"`, {
            hint: "a section that cannot be canonicalized is never hashed raw",
          });
        }
        const value = hook.call(parsed.sections[name], { section: name });
        if (value !== undefined) sections[name] = deepFreeze(value);
      }
      return Object.freeze({ contract: "efh1", sections: Object.freeze(sections) });
    },

    hashParsed(parsed: ParsedSpec): HashResult {
      // Frozen: a hashInputs tap may add fields by returning a new object, never edit another's section.
      const canonical = deepFreeze(hooks.hashInputs.call(stages.canonicalize(parsed)));
      const canonicalText = serializeCanonical(canonical);
      const result: HashResult = Object.freeze({ hash: hashCanonicalText(canonicalText), canonical, canonicalText });
      if (reachesAnyone(hooks.hash)) hooks.hash.call(result);
      return result;
    },

    async resolve(source) {
      const parsed = isParsed(source) ? source : await stages.parse(await stages.load(source));
      const result = await timed("hash", () => stages.hashParsed(parsed));
      return { parsed, result };
    },

    async hash(source) {
      return (await stages.resolve(source)).result;
    },

    /**
     * Every problem of a definition, in file order (problems.ts), where `resolve` stops at the
     * first: each schema problem, each section parsed on its own, each problem a parser reports
     * (`ParseContext.report`), each `validate` tap. Without problems, the hash as `resolve` gives it.
     */
    async validate(source: SpecSource): Promise<Validation> {
      ensureSchema();
      const collected: ProblemList = { problems: [], partial: false };
      const { problems } = collected;
      let loaded: LoadedSpec | undefined;
      let parsed: ParsedSpec | undefined;
      try {
        loaded = await stages.load(source);
        const from = loaded;
        parsed = await timed("parse", () => parseSpec(from, parseOptions(emit, collected)));
        const spec = parsed;
        // Cross-section checks read whole sections: with one left out they would see a definition
        // that was never written (docker without its base) and report what is not wrong.
        if (!collected.partial) await timed("validate", () => validateEach(hooks.validate, spec, problems));
        if (problems.length === 0) return { ok: true, parsed, result: (await stages.resolve(parsed)).result, problems: [] };
      } catch (cause) {
        if (!isEnvforgeError(cause)) throw cause;
        problems.push(cause);
      }
      const files = loaded ? [loaded.file, ...loaded.files.map((f) => f.absolutePath)] : [];
      return { ok: false, parsed, problems: sortProblems(problems, files) };
    },

    /**
     * Refuses, before any lookup, a target no plugin builds (`E_NO_BUILDER`) or one whose artifact
     * would leave out a section of the definition (`E_TARGET_MISMATCH`); a python-only request
     * that leaves sections out is said in a `W_PYTHON_ONLY` warning (targets.ts).
     */
    checkTarget(resolved, request) {
      ensureSchema();
      const builds = (target: string) => hooks.build.get(target)?.isUsed() === true;
      const fit = checkTarget(core.targets, builds, registry, { parsed: resolved.parsed, canonical: resolved.result.canonical }, request);
      if (fit.leftOut.length > 0) {
        emit({
          type: "warning",
          code: "W_PYTHON_ONLY",
          message: `python-only: the ${request.target} holds the Python part of this definition; left out: ${fit.leftOut.join(", ")}`,
          hint: "without --python-only, a target that carries every section (an image target such as docker) builds all of it",
        });
      }
      return fit;
    },

    async explain(a, b) {
      const [ra, rb] = await Promise.all([stages.hash(a), stages.hash(b)]);
      return explainCanonical(ra, rb);
    },

    jsonSchema() {
      ensureSchema();
      return registry.jsonSchema();
    },

    fields() {
      ensureSchema();
      return [...registry.fields.values()];
    },
  };
  return Object.assign(stages, {
    /**
     * `resolve` for a build: a definition file's source memo is recorded here only, since only a
     * later `build` reads it (the quick path). A hash, validate or explain of a file never built
     * writes nothing: their users meet definitions once, and the write was most of a cold hash.
     */
    async resolveForBuild(source: SpecSource): ReturnType<Engine["resolve"]> {
      const resolved = await stages.resolve(source);
      // Only a definition this engine parsed from a file (the workspace resolves first and builds
      // the parsed definition), and whose sections are still those it parsed.
      const { parsed, result } = resolved;
      const parse = parseWarnings.get(parsed);
      if (recordSource && parse?.sections === parsed.sections && parsed.loaded.digest !== undefined) {
        if (!recordSource(parsed, result, parse.warnings)) core.readOnlyCache();
      }
      return resolved;
    },
  });
}

export function isParsed(source: SpecSource | ParsedSpec): source is ParsedSpec {
  return typeof source === "object" && "loaded" in source && "sections" in source;
}
