import type { CanonicalValue } from "./spec.js";

/**
 * The sections plugins own and the types of their values, by declaration merging. A section
 * plugin adds its own, and from then on its parsed and canonical values are typed wherever they
 * travel (`spec.sections.pip`, `canonical.sections.pip`, its `defineSection` functions):
 *
 * ```ts
 * declare module "@envforge/core" {
 *   interface SectionTypes { echo: { parsed: { text: string }; canonical: { text: string } } }
 * }
 * ```
 *
 * A canonical type must be JSON (strings, numbers, booleans, null, lists and plain objects): it is
 * what the hash is computed from.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by plugins
export interface SectionTypes {}

export type SectionName = keyof SectionTypes & string;

/** What a section's parser returns; `unknown` for a section no plugin typed. */
export type ParsedSection<S extends string> = S extends SectionName
  ? SectionTypes[S] extends { parsed: infer P }
    ? P
    : unknown
  : unknown;

/** A section's canonical value; any canonical value for a section no plugin typed. */
export type CanonicalSection<S extends string> = S extends SectionName
  ? SectionTypes[S] extends { canonical: infer C }
    ? C
    : CanonicalValue
  : CanonicalValue;

/** Section name → the plugin's parsed value: typed for the sections in `SectionTypes`. */
export type ParsedSections = { [S in SectionName]?: ParsedSection<S> } & Record<string, unknown>;

/** Section name → canonical value: typed for the sections in `SectionTypes`. */
export type CanonicalSections = { [S in SectionName]?: CanonicalSection<S> } & Record<string, CanonicalValue>;
