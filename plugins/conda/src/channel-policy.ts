import { createError, hostAllowed, type HostPolicy, type SourceLocation } from "@envforge/core/plugin-kit";

const VARIABLE = /\$\{([^}]*)\}/g;
const URL = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i;

/**
 * What a definition's channel may name. conda expands `${NAME}` in channel URLs from its
 * environment, so a name must be one the host passes (`policy.passEnv`; conda tools see nothing
 * else of the host's, builder.ts). A channel URL must name a host the policy allows
 * (`policy.indexHosts`); named channels (`conda-forge`) are the tool's configured ones.
 */
export function checkChannel(channel: string, policy: HostPolicy, site: { location: SourceLocation; field: string }): void {
  for (const m of channel.matchAll(VARIABLE)) {
    const name = m[1]!;
    if (policy.passEnv.includes(name)) continue;
    throw createError("E_ENV_NOT_ALLOWED", `the channel "${channel}" names the environment variable ${name}, which the host does not pass to builds`, {
      location: site.location,
      field: site.field,
      hint: `a definition may only use variables the host names: pass it with --pass-env ${name} (policy.passEnv)`,
      details: { variable: name },
    });
  }
  const authority = URL.exec(channel)?.[1];
  if (authority === undefined || policy.indexHosts === undefined) return;
  const host = authority.slice(authority.lastIndexOf("@") + 1);
  // file:// channels have no host: they are folders, not servers.
  if (host === "" && /^file:/i.test(channel)) return;
  if (host.includes("$") || !hostAllowed(host, policy.indexHosts)) {
    throw createError("E_POLICY", `the channel "${channel.replace(/\/\/[^/@]*@/, "//***@")}" names the host "${host}", which the host policy does not allow`, {
      location: site.location,
      field: site.field,
      hint: policy.indexHosts.length === 0
        ? "this host allows no package source named by a definition; name a channel (conda-forge) or give a mirror as a builder option (conda.channelsOverride)"
        : `allowed hosts: ${policy.indexHosts.join(", ")} (policy.indexHosts)`,
      details: { host },
    });
  }
}
