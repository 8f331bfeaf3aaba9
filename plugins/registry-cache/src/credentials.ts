import type { RegistryAuth } from "./client.js";
import { credentialsFromDockerConfig, type ResolvedRegistryOptions } from "./options.js";

/** The credentials to use: given directly, or read from the credentials file (throws when it cannot be read). */
export async function resolveAuth(o: ResolvedRegistryOptions): Promise<RegistryAuth | undefined> {
  if (o.credentials) return o.credentials;
  if (o.credentialsFile) return credentialsFromDockerConfig(o.credentialsFile, o.registry);
  return undefined;
}

/** Every secret string of the credentials, for redaction. */
export function secretsOf(auth: RegistryAuth | undefined): string[] {
  if (!auth) return [];
  if ("token" in auth) return [auth.token];
  return [auth.password, Buffer.from(`${auth.username}:${auth.password}`).toString("base64")];
}
