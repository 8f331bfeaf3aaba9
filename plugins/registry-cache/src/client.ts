/**
 * Just enough of the OCI distribution API (https://github.com/opencontainers/distribution-spec)
 * for a cache keyed by tag: manifest HEAD/GET/PUT and a blob GET, with the two auth schemes
 * registries use — Basic, and Bearer tokens from the realm named in `WWW-Authenticate`
 * (Docker Hub, GHCR, Harbor, ACR, ECR's proxy). Image layers move through the engines' own
 * push/pull, never through here.
 */

import type { RegistryAuth } from "@envforge/image";

/** Username/password (Basic, or exchanged for a token), or a ready bearer token (`@envforge/image`'s type). Never logged. */
export type { RegistryAuth };

export const MEDIA_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const MEDIA_OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const MEDIA_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const MEDIA_DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
const ACCEPT = [MEDIA_OCI_MANIFEST, MEDIA_DOCKER_MANIFEST, MEDIA_OCI_INDEX, MEDIA_DOCKER_LIST].join(", ");


export interface RegistryClientOptions {
  /** `host[:port]`, e.g. `ghcr.io` or `127.0.0.1:5000`. */
  registry: string;
  /** Speak plain HTTP (a local registry without TLS). */
  insecure?: boolean | undefined;
  auth?: RegistryAuth | undefined;
  /** Per request; a registry that does not answer in time counts as down. Default 5000. */
  timeoutMs?: number | undefined;
}

/** Why a registry request failed; `kind` lets callers word the warning. Messages never hold secrets. */
export class RegistryError extends Error {
  constructor(
    readonly kind: "unreachable" | "auth" | "refused",
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "RegistryError";
  }
}

export interface ManifestHead {
  digest: string | undefined;
  mediaType: string | undefined;
  size: number | undefined;
}

export interface Manifest {
  digest: string | undefined;
  mediaType: string;
  json: Record<string, unknown>;
}

/** A `WWW-Authenticate` challenge: scheme and its quoted parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const scheme = /^\s*(\w+)/.exec(header)?.[1]?.toLowerCase() ?? "";
  const params: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) params[m[1]!.toLowerCase()] = (m[2] ?? m[3] ?? "").replace(/\\(.)/g, "$1");
  return { scheme, params };
}

export class RegistryClient {
  readonly base: string;
  readonly #tokens = new Map<string, string>();
  /** Set once the registry asked for Basic: later requests send it up front instead of paying a 401 each. */
  #basic: string | undefined;

  constructor(readonly options: RegistryClientOptions) {
    this.base = `${options.insecure ? "http" : "https"}://${options.registry}`;
  }

  /** `GET /v2/`: reachable and, with credentials, authorized. */
  async ping(): Promise<void> {
    await this.#request("GET", "/v2/", undefined, {});
  }

  /** The manifest behind a tag, or undefined when the tag does not exist. */
  async headManifest(repository: string, reference: string): Promise<ManifestHead | undefined> {
    const res = await this.#request("HEAD", `/v2/${repository}/manifests/${reference}`, `repository:${repository}:pull`, { accept: ACCEPT }, [404]);
    if (res.status === 404) return undefined;
    const length = res.headers.get("content-length");
    return {
      digest: res.headers.get("docker-content-digest") ?? undefined,
      mediaType: res.headers.get("content-type")?.split(";")[0] ?? undefined,
      size: length === null ? undefined : Number(length),
    };
  }

  async getManifest(repository: string, reference: string, push = false): Promise<Manifest | undefined> {
    const scope = `repository:${repository}:${push ? "pull,push" : "pull"}`;
    const res = await this.#request("GET", `/v2/${repository}/manifests/${reference}`, scope, { accept: ACCEPT }, [404]);
    if (res.status === 404) return undefined;
    const json = (await res.json()) as Record<string, unknown>;
    const mediaType = (json.mediaType as string | undefined) ?? res.headers.get("content-type")?.split(";")[0] ?? "";
    return { digest: res.headers.get("docker-content-digest") ?? undefined, mediaType, json };
  }

  /** Puts a manifest under a tag; returns the digest the registry computed. */
  async putManifest(repository: string, reference: string, json: Record<string, unknown>, mediaType: string): Promise<string | undefined> {
    const res = await this.#request("PUT", `/v2/${repository}/manifests/${reference}`, `repository:${repository}:pull,push`, { "content-type": mediaType }, [], JSON.stringify(json));
    return res.headers.get("docker-content-digest") ?? undefined;
  }

  /**
   * Deletes a manifest by digest (the registry removes every tag naming it); false when it was
   * already gone. Registries answer 405 when deletion is disabled: a `refused` RegistryError.
   */
  async deleteManifest(repository: string, digest: string): Promise<boolean> {
    const res = await this.#request("DELETE", `/v2/${repository}/manifests/${digest}`, `repository:${repository}:delete`, {}, [404]);
    await res.body?.cancel();
    return res.status !== 404;
  }

  /** A small JSON blob (an image config). */
  async getJsonBlob(repository: string, digest: string): Promise<Record<string, unknown>> {
    const res = await this.#request("GET", `/v2/${repository}/blobs/${digest}`, `repository:${repository}:pull`, {});
    return (await res.json()) as Record<string, unknown>;
  }

  async #request(method: string, route: string, scope: string | undefined, headers: Record<string, string>, allow: number[] = [], body?: string): Promise<Response> {
    const send = (authorization: string | undefined) =>
      this.#fetch(`${this.base}${route}`, { method, body, headers: { ...headers, ...(authorization ? { authorization } : {}) } });
    const auth = this.options.auth;
    let res = await send(auth && "token" in auth ? `Bearer ${auth.token}` : (this.#basic ?? (scope ? this.#cachedBearer(scope) : undefined)));
    if (res.status === 401) {
      const authorization = await this.#answer(res.headers.get("www-authenticate") ?? "", scope);
      await res.body?.cancel();
      if (authorization) res = await send(authorization);
    }
    if (res.ok || allow.includes(res.status)) return res;
    await res.body?.cancel();
    const what = `${method} ${route} at ${this.options.registry}`;
    if (res.status === 401 || res.status === 403) {
      throw new RegistryError("auth", `${what}: ${res.status} ${res.status === 401 ? "unauthorized" : "forbidden"}${auth ? " (credentials were refused)" : " (no credentials configured)"}`, res.status);
    }
    throw new RegistryError(res.status >= 500 ? "unreachable" : "refused", `${what}: HTTP ${res.status}`, res.status);
  }

  /** The Authorization value that answers a 401's challenge, or undefined when we have nothing to offer. */
  async #answer(challenge: string, scope: string | undefined): Promise<string | undefined> {
    const { scheme, params } = parseChallenge(challenge);
    const auth = this.options.auth;
    if (scheme === "basic") return (this.#basic = auth && "username" in auth ? basic(auth) : undefined);
    if (scheme !== "bearer" || !params.realm) return undefined;
    // Token flow: the realm hands out a token for this service and scope, to anonymous callers too.
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set("service", params.service);
    const wanted = params.scope ?? scope;
    if (wanted) url.searchParams.set("scope", wanted);
    const res = await this.#fetch(url.toString(), { headers: auth && "username" in auth ? { authorization: basic(auth) } : {} });
    if (!res.ok) {
      await res.body?.cancel();
      throw new RegistryError("auth", `the token service ${url.origin}${url.pathname} refused a token: HTTP ${res.status}`, res.status);
    }
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new RegistryError("auth", `the token service ${url.origin}${url.pathname} answered without a token`);
    if (wanted) this.#tokens.set(wanted, token);
    return `Bearer ${token}`;
  }

  #cachedBearer(scope: string): string | undefined {
    const token = this.#tokens.get(scope);
    return token ? `Bearer ${token}` : undefined;
  }

  async #fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, redirect: "follow", signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000) });
    } catch (cause) {
      const e = cause as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === "TimeoutError" ? `no answer within ${this.options.timeoutMs ?? 5000} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new RegistryError("unreachable", `${new URL(url).host} is unreachable: ${why}`);
    }
  }
}

function basic(auth: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
}
