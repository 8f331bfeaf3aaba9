import type { Engine, EnginePlugin } from "../engine/types.js";
import { declareCodes, type PluginCodes } from "../errors/registry.js";
import type { ImageFragment, ImageFragmentContext } from "../build/image-types.js";
import type { CanonicalSection, ParsedSection } from "./section-types.js";
import type { CanonicalizeContext, ParseContext, SchemaBuilder, SectionFields } from "./sections.js";
import type { CanonicalValue } from "./spec.js";

type Maybe<T> = T | undefined;

/**
 * One section of the environment file, typed end to end: what its plugin declares, parses,
 * canonicalizes and adds to images. `S` names a section of `SectionTypes` (declaration merging),
 * so the parsed value reaches `canonicalize` and the canonical value reaches `imageFragment`
 * (and builders, through `ctx.canonical.sections`) without a cast.
 */
export interface SectionDefinition<S extends string = string> {
  readonly name: S;
  /** Declares the section's fields (hooks.schema). */
  schema(schema: SchemaBuilder): void;
  /** hooks.parseSection: `undefined` means "not mine". */
  parse(fields: SectionFields, ctx: ParseContext): Promise<Maybe<ParsedSection<S>>> | Maybe<ParsedSection<S>>;
  /** hooks.canonicalizeSection: `undefined` means "contributes nothing to the hash". */
  canonicalize(parsed: ParsedSection<S>, ctx: CanonicalizeContext): Maybe<CanonicalSection<S>>;
  /** hooks.imageFragment: the section's layer of container images. */
  imageFragment?(value: CanonicalSection<S>, ctx: ImageFragmentContext): Promise<Maybe<ImageFragment>> | Maybe<ImageFragment>;
}

/** Types a section definition (an identity at run time). */
export function defineSection<S extends string>(definition: SectionDefinition<S>): SectionDefinition<S> {
  return definition;
}

/**
 * Taps a section's functions under the plugin's name. The one place a section's values are
 * narrowed from the hooks' `unknown`: the engine hands each section's tap only its own values.
 */
export function tapSection<S extends string>(engine: Engine, plugin: string, section: SectionDefinition<S>): void {
  const { hooks } = engine;
  hooks.schema.tap(plugin, (schema) => section.schema(schema));
  hooks.parseSection.for(section.name).tapPromise(plugin, async (fields, ctx) => section.parse(fields, ctx));
  hooks.canonicalizeSection
    .for(section.name)
    .tap(plugin, (parsed, ctx) => section.canonicalize(parsed as ParsedSection<S>, ctx) as Maybe<CanonicalValue>);
  const fragment = section.imageFragment;
  if (fragment) {
    hooks.imageFragment.for(section.name).tapPromise(plugin, async (value, ctx) => fragment.call(section, value as CanonicalSection<S>, ctx));
  }
}

export interface PluginDefinition extends PluginCodes {
  /** The plugin's name: taps are made under it, and its codes are `E_<NAME>_*`, `W_<NAME>_*`. */
  readonly name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each section keeps its own name's types
  readonly sections?: ReadonlyArray<SectionDefinition<any>> | undefined;
  /** Everything else the plugin taps: builders, targets, cache tiers, listeners. */
  apply?(engine: Engine): void;
}

/**
 * A plugin from its parts. Its codes are declared when the engine applies it, so a code named for
 * another plugin (or one envforge already has) fails at load, not when it is first raised.
 */
export function definePlugin(definition: PluginDefinition): EnginePlugin {
  return {
    name: definition.name,
    apply(engine) {
      declareCodes(definition.name, definition);
      for (const section of definition.sections ?? []) tapSection(engine, definition.name, section);
      definition.apply?.(engine);
    },
  };
}
