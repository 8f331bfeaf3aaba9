import { stat } from "node:fs/promises";
import { createError, hostAllowed, isEnvforgeError, type EnvforgeError, type ParseContext } from "@envforge/core/plugin-kit";
import { confineFindLinks, envReferences, localFindLinks, redactUrl, type BuildOptionLine, type EnvSite } from "@envforge/python";
import type { PipParsed } from "./collect.js";
import type { PipRequirement } from "./requirement.js";

const URL_IN_TEXT = /([a-z][a-z0-9+.-]*):\/\/([^\s;]*)/i;

/** The host (and port) of the first URL in `text`, `""` for a URL without one, `undefined` for no URL. */
export function urlHost(text: string): string | undefined {
  const m = URL_IN_TEXT.exec(text);
  if (!m) return undefined;
  const authority = m[2]!.split(/[/?#]/)[0] ?? "";
  return authority.slice(authority.lastIndexOf("@") + 1);
}

export function hostRefused(what: string, host: string, allowed: readonly string[], site: EnvSite): EnvforgeError {
  return createError("E_POLICY", `${what} names the host "${host}", which the host policy does not allow`, {
    location: site.location,
    field: site.field,
    hint: allowed.length === 0
      ? "this host allows no package source named by a definition; give index options as builder options (--index-url, -o pip.indexUrl=...) instead"
      : `allowed hosts: ${allowed.join(", ")} (policy.indexHosts)`,
    details: { host },
  });
}

/** A package source the definition names must be on a host the policy allows (`undefined`: any). */
function checkHost(text: string, what: string, ctx: ParseContext, site: EnvSite): void {
  const allowed = ctx.policy.indexHosts;
  if (allowed === undefined) return;
  const host = urlHost(text);
  if (host === undefined) return;
  // A host spelled with a variable is known only at build time: it cannot be checked now.
  if (host.includes("$") || !hostAllowed(host, allowed)) throw hostRefused(what, host, allowed, site);
}

/**
 * What a definition's pip section may point at, checked while it is parsed (so `validate` and
 * `hash` report it too): package sources on allowed hosts, find-links folders inside the
 * definition's folder, and `${NAME}` only for names the host passes. A name the host may still
 * give in the builder options (`pip.env`, known only when building) is a warning here and an
 * error at build time (index-setup.ts) if it is not given.
 */
export async function checkPipSources(parsed: PipParsed, ctx: ParseContext): Promise<void> {
  // Each refusal is reported on its own (ParseContext.report): `validate` lists every one.
  const each = async (check: () => void | Promise<void>) => {
    try {
      await check();
    } catch (cause) {
      if (!isEnvforgeError(cause)) throw cause;
      ctx.report(cause);
    }
  };
  for (const req of [...parsed.requirements, ...parsed.constraints]) await each(() => checkRequirementHost(req, ctx));
  const warned = new Set<string>();
  for (const line of parsed.buildOptionLines) {
    const value = line.value ?? "";
    const site = { location: line.location, field: line.field };
    const shown = `${line.flag} ${redactUrl(value)}`;
    for (const { name } of envReferences(value)) {
      if (ctx.policy.passEnv.includes(name) || warned.has(name)) continue;
      warned.add(name);
      ctx.warn(
        "W_ENV_NOT_PASSED",
        `"${shown}" names the environment variable ${name}: the build fails unless the host passes it (--pass-env ${name}) or sets it in the builder options (pip.env)`,
        line.location,
        `the host's other variables never reach a definition; pass this one with --pass-env ${name} (policy.passEnv)`,
      );
    }
    await each(() => checkLine(line, shown, ctx, site));
  }
}

async function checkLine(line: BuildOptionLine, shown: string, ctx: ParseContext, site: EnvSite): Promise<void> {
  const value = line.value ?? "";
  // Index options reach pip through its environment, where it splits lists on whitespace: a
  // quoted "a b" would become two sources, the second one unchecked.
  if (/\s/.test(value)) {
    throw createError("E_INVALID_REQUIREMENT", `"${shown}" holds whitespace: one URL, folder or host per option`, {
      location: site.location,
      field: site.field,
      hint: `write one ${line.flag} line per value`,
    });
  }
  if (line.name === "trusted-host") {
    const allowed = ctx.policy.indexHosts;
    if (allowed !== undefined && (value.includes("$") || !hostAllowed(value, allowed))) throw hostRefused(shown, value, allowed, site);
    return;
  }
  if (line.name === "find-links") {
    const folder = localFindLinks(value, line.baseDir, site);
    if (folder !== undefined) {
      if (!ctx.policy.allowOutsideFiles) await confineFindLinks(folder, value, ctx.spec.dir, site);
      await refuseLinkPage(folder, shown, ctx, site);
      return;
    }
  }
  if (line.name !== "no-index") checkHost(value, shown, ctx, site);
}

/**
 * A local find-links *file* is an HTML page pip follows the links of, to any host: with the
 * package hosts limited by the policy, only a folder (whose archives pip lists, following nothing)
 * keeps every download on an allowed host.
 */
async function refuseLinkPage(folder: string, shown: string, ctx: ParseContext, site: EnvSite): Promise<void> {
  if (ctx.policy.indexHosts === undefined) return;
  const info = await stat(folder).catch(() => undefined);
  if (info === undefined || info.isDirectory()) return;
  throw createError("E_POLICY", `--find-links ${shown} is a page, not a folder: pip follows its links to any host, and the host policy limits package sources to ${ctx.policy.indexHosts.join(", ") || "none"}`, {
    location: site.location,
    field: site.field,
    hint: "point --find-links at a folder of wheels beside the definition (or let the host give the page as a builder option: -o pip.findLinks=...)",
  });
}

function checkRequirementHost(req: PipRequirement, ctx: ParseContext): void {
  if (ctx.policy.indexHosts === undefined || !URL_IN_TEXT.test(req.canonical)) return;
  checkHost(req.canonical, `"${redactUrl(req.written)}"`, ctx, { location: req.location, field: req.field ?? "python.pip" });
}
