import { EnvforgeError, createError, hostAllowed, type HostPolicy, type SourceLocation } from "@envforge/core/plugin-kit";
import { normalizeImageReference, type ValueSite } from "./reference.js";

/** Other names of Docker Hub: the reference parser calls it `docker.io`, and so does a policy. */
const DOCKER_HUB = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com", "hub.docker.com"]);

/** A registry as a policy names it: lowercase, Docker Hub as `docker.io`. */
export function registryName(domain: string): string {
  const d = domain.toLowerCase();
  return DOCKER_HUB.has(d) ? "docker.io" : d;
}

/**
 * The host policy's `baseImageRegistries` for one image a definition pulls (its base image, a FROM
 * of its Dockerfile, a `--from=` image): refused, where it is written, unless its registry is
 * allowed. An image still holding a `$` (a build argument nothing sets) cannot be checked, so it
 * is refused under a registry list too.
 */
export function imageRegistryCheck(policy: HostPolicy, what: string): ((image: string, site: ValueSite) => void) | undefined {
  const allowed = policy.baseImageRegistries;
  if (allowed === undefined) return undefined;
  const names = allowed.map(registryName);
  const listed = allowed.length === 0 ? "the policy allows no registry" : `allowed: ${allowed.join(", ")}`;
  return (image, site) => {
    if (image.includes("$")) {
      throw createError("E_POLICY", `${what}: the image ${JSON.stringify(image)} depends on a build argument, so its registry cannot be checked against the host policy (${listed})`, {
        hint: "write the image reference itself, or give the argument a default (ARG before FROM) or a value in docker.buildArgs",
        location: site.location,
        field: site.field,
      });
    }
    const registry = registryName(normalizeImageReference(image, site).domain);
    if (hostAllowed(registry, names)) return;
    throw createError("E_POLICY", `${what}: the image ${image} comes from the registry ${registry}, which the host policy does not allow (${listed})`, {
      hint: `use an image from an allowed registry, or, if you trust it, allow it: \`--allow-registry ${registry}\` on the CLI, or add "${registry}" to policy.baseImageRegistries`,
      location: site.location,
      field: site.field,
    });
  };
}

/** `docker.steps` and `docker.baseDockerfile` run a definition's own commands at build time. */
export function dockerStepsRefused(field: "docker.steps" | "docker.baseDockerfile", location: SourceLocation): EnvforgeError {
  const what = field === "docker.steps" ? "custom Docker steps (docker.steps)" : "a Dockerfile of the definition's own (docker.baseDockerfile)";
  return createError("E_POLICY", `the host policy does not allow ${what}: they run the definition's commands during the image build`, {
    hint: "use docker.baseImage with packages from the python/conda/spark sections, or, if you trust the definition, allow it: `--allow-docker-steps` on the CLI, or policy.allowDockerSteps",
    location,
    field,
  });
}
