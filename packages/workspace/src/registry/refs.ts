import { EnvforgeError, createError } from "@envforge/core/plugin-kit";

/** The label the registry maintains itself: the newest non-archived version. */
export const LATEST = "latest";

/** Names beginning with this are reserved for the curated environments shipped with envforge. */
export const RESERVED_PREFIX = "envforge";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const LABEL = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

/** `NAME`, `NAME@VERSION` or `NAME:LABEL`. */
export type EnvironmentRef =
  | { name: string; kind: "latest" }
  | { name: string; kind: "version"; version: string }
  | { name: string; kind: "label"; label: string };

export function checkName(name: string, options: { curated?: boolean | undefined } = {}): string {
  if (!NAME.test(name)) {
    throw createError("E_INVALID_VALUE", `invalid environment name "${name}"`, {
      field: "name",
      hint: "names are letters, digits, '.', '_' and '-' (at most 128), starting with a letter or digit",
    });
  }
  if (!options.curated && name.toLowerCase().startsWith(RESERVED_PREFIX)) {
    throw createError("E_INVALID_VALUE", `the name "${name}" is reserved: names beginning with "${RESERVED_PREFIX}" are for curated environments`, {
      field: "name",
      hint: `choose another name; curated environments are used as curated:<name>`,
    });
  }
  return name;
}

export function checkVersion(version: string): string {
  if (!VERSION.test(version) || version === LATEST) {
    throw createError("E_INVALID_VALUE", `invalid environment version "${version}"`, {
      field: "version",
      hint: 'versions are letters, digits, ".", "_", "+" and "-" such as "3" or "1.2.0" ("latest" is a label)',
    });
  }
  return version;
}

export function checkLabel(label: string, options: { allowLatest?: boolean } = {}): string {
  if (!LABEL.test(label)) {
    throw createError("E_INVALID_VALUE", `invalid label "${label}"`, {
      hint: "labels are letters, digits, '.', '_' and '-', starting with a letter (e.g. prod, stable)",
    });
  }
  if (label === LATEST && !options.allowLatest) {
    throw createError("E_INVALID_VALUE", `the label "${LATEST}" is maintained by the registry and cannot be set`, {
      hint: "it always points at the newest non-archived version; use another label such as prod",
    });
  }
  return label;
}

export function parseRef(ref: string): EnvironmentRef {
  const at = ref.indexOf("@");
  const colon = ref.indexOf(":");
  if (at >= 0 && colon >= 0) throw badRef(ref);
  if (at >= 0) {
    const name = ref.slice(0, at);
    const version = ref.slice(at + 1);
    if (!NAME.test(name)) throw badRef(ref);
    if (version === LATEST) return { name, kind: "latest" };
    if (!VERSION.test(version)) throw badRef(ref);
    return { name, kind: "version", version };
  }
  if (colon >= 0) {
    const name = ref.slice(0, colon);
    const label = ref.slice(colon + 1);
    if (!NAME.test(name) || !LABEL.test(label)) throw badRef(ref);
    return label === LATEST ? { name, kind: "latest" } : { name, kind: "label", label };
  }
  if (!NAME.test(ref)) throw badRef(ref);
  return { name: ref, kind: "latest" };
}

export function formatRef(ref: EnvironmentRef): string {
  if (ref.kind === "version") return `${ref.name}@${ref.version}`;
  if (ref.kind === "label") return `${ref.name}:${ref.label}`;
  return ref.name;
}

function badRef(ref: string): EnvforgeError {
  return createError("E_INVALID_VALUE", `invalid environment reference "${ref}"`, {
    hint: "write NAME (latest), NAME@VERSION (e.g. train@3) or NAME:LABEL (e.g. train:prod)",
  });
}
