import { createRedactor, hashHex, serializeCanonical, type BuildContext, type BuilderOptions, type CacheEntry, type CacheHit, type CacheKey, type CanonicalSpec, type Engine, type WarningCode } from "@envforge/core/plugin-kit";
import { imageBaseOf, LABEL_HASH, type LayerCacheRequest, type LayerCaches } from "@envforge/image";
import { annotateManifest, manifestAnnotations, manifestFence } from "./annotations.js";
import { RegistryClient, RegistryError, type RegistryAuth } from "./client.js";
import { resolveAuth, secretsOf } from "./credentials.js";
import type { ResolvedRegistryOptions } from "./options.js";
import { imageTransport, REGISTRY_STORE, type ImageTransport } from "./transport.js";

/** After the registry failed to answer, it is not asked again for this long (a build asks twice: lookup and push). */
const DOWN_FOR_MS = 30_000;

/**
 * The remote tier: an OCI registry where the tag is the hash. A hit is pulled into the local
 * engine before it is reported, so a hit is always an image this machine can run; a fresh build
 * is pushed after the local store recorded it. Every registry failure — down, slow, refusing —
 * is a warning and a miss (or an unpushed image), never a failed build.
 */
export class RegistryCache {
  readonly #engine: Engine;
  readonly #o: ResolvedRegistryOptions;
  #auth: Promise<RegistryAuth | undefined> | undefined;
  #client: RegistryClient | undefined;
  #redact = createRedactor([]);
  #downUntil = 0;
  #downReason = "";

  constructor(engine: Engine, options: ResolvedRegistryOptions) {
    this.#engine = engine;
    this.#o = options;
  }

  /** `registry/repository:hex`. */
  remoteRef(key: { hash: CacheKey["hash"] }): string {
    return `${this.#o.registry}/${this.#o.repository}:${hashHex(key.hash)}`;
  }

  async lookup(key: CacheKey, canonical: CanonicalSpec): Promise<CacheHit | undefined> {
    if (!this.#o.targets.includes(key.target)) return undefined;
    const remote = this.remoteRef(key);
    const head = await this.#ask(async (client) => client.headManifest(this.#o.repository, hashHex(key.hash)), (message, hint) => this.#warn("W_REGISTRY_UNAVAILABLE", `registry cache lookup of ${remote} failed: ${message}; building locally`, hint));
    if (!head) return undefined;
    // A read-only engine (a dry run) only asks: the image is not pulled, so nothing is written.
    if (this.#engine.options.readOnly) return { entry: remoteEntry(key, remote, head.digest, canonical), store: REGISTRY_STORE };
    const transport = this.#transport(key.target, undefined);
    let entry: CacheEntry | undefined;
    try {
      entry = await transport.pull(remote, key.hash, key.target, canonical, undefined);
    } catch (cause) {
      this.#warn("W_REGISTRY_PULL_FAILED", `${remote} is in the registry, but ${transport.describe()} could not pull it: ${(cause as Error).message}; building locally`, pullHint(this.#o.insecure, key.target));
      return undefined;
    }
    if (!entry) {
      this.#warn("W_REGISTRY_MISMATCH", `${remote} does not carry the label for ${key.hash}; ignoring it and building locally`, "something else pushed to this tag; envforge will push its own image over it after the build");
      return undefined;
    }
    entry.artifact.details = { ...entry.artifact.details, registry: remote, registryDigest: head.digest };
    this.#engine.emit({ type: "log", hash: key.hash, target: key.target, stream: "info", line: `pulled ${remote} from the registry cache into ${transport.describe()}` });
    return { entry, store: REGISTRY_STORE };
  }

  async store(entry: CacheEntry, ctx: BuildContext): Promise<void> {
    if (!this.#o.push || !this.#o.targets.includes(entry.target) || !entry.artifact.reference) return;
    const remote = this.remoteRef(entry);
    const warn = (code: WarningCode, message: string, hint?: string) => ctx.warn(code, this.#redact.text(message), undefined, hint);
    const fence = entry.coordination?.fence;
    // The tag's fence is read only when this build has one to compare: `undefined` = not there.
    let present: { fence: number | undefined } | undefined;
    const reachable = await this.#ask(
      async (client) => {
        const head = await client.headManifest(this.#o.repository, hashHex(entry.hash));
        if (head) present = { fence: fence === undefined ? undefined : await manifestFence(client, this.#o.repository, hashHex(entry.hash)) };
        return true;
      },
      (message, hint) => warn("W_REGISTRY_UNAVAILABLE", `the image was built but not pushed to ${remote}: ${message}`, hint),
    );
    if (!reachable) return;
    if (present && fence !== undefined && present.fence !== undefined) {
      // The later lease wins: a holder that lost its lease and finished late must not replace the
      // image its successor pushed. Checked just before the push; two pushes in the same moment
      // still race (the registry has no compare-and-set), and both images are of the same definition.
      if (fence <= present.fence) {
        ctx.log(`${remote} in the registry cache was pushed under lease fence ${present.fence}; this build held fence ${fence} (a lease since lost or the same one): not pushing over it`, "info");
        return;
      }
    } else if (present && !ctx.previous) {
      // Another machine pushed this hash first: same definition, so the same image for every purpose.
      // A forced rebuild does push: the tag then names the newest generation, as the local cache does.
      ctx.log(`${remote} is already in the registry cache; not pushing`, "info");
      return;
    }
    const transport = this.#transport(entry.target, ctx.options);
    try {
      await transport.push(entry.artifact.reference, remote, ctx.signal);
    } catch (cause) {
      warn("W_REGISTRY_PUSH_FAILED", `the image was built but ${transport.describe()} could not push it to ${remote}: ${(cause as Error).message}`, pullHint(this.#o.insecure, entry.target));
      return;
    }
    let digest: string | undefined;
    try {
      const annotated = await annotateManifest(await this.#clientNow(), this.#o.repository, hashHex(entry.hash), manifestAnnotations(entry));
      if ("skipped" in annotated) ctx.log(`manifest of ${remote} not annotated: ${annotated.skipped}`, "info");
      else digest = annotated.digest;
    } catch (cause) {
      warn("W_REGISTRY_ANNOTATE_FAILED", `pushed ${remote}, but could not add the envforge annotations to its manifest: ${(cause as Error).message}`, "the image labels carry the same hash and canonical text");
    }
    ctx.log(`pushed ${remote}${digest ? `@${digest}` : ""} to the registry cache`, "info");
    await this.#tagBase(entry, ctx);
  }

  /**
   * `cache gc --registry` / `cache rm --registry` removed `entry` (core's `hooks.discard`): its tag
   * `<hash hex>` goes from the registry too — only while the tag still names this very build: the
   * manifest's annotations carry the entry's hash and its build time (`manifestAnnotations`). A tag
   * another generation or machine pushed since, a Docker v2 manifest envforge could not annotate,
   * or an entry pulled from the registry (its build time is the pusher's) is left alone. The
   * manifest is deleted by digest, so a `base-…` layer-cache tag naming the same image goes with it.
   */
  async discard(entry: CacheEntry, ctx: { registry: boolean }): Promise<void> {
    if (!ctx.registry || !this.#o.targets.includes(entry.target)) return;
    const client = await this.#clientNow();
    const tag = hashHex(entry.hash);
    const manifest = await client.getManifest(this.#o.repository, tag);
    if (!manifest?.digest) return;
    const annotations = (manifest.json as { annotations?: Record<string, unknown> }).annotations ?? {};
    if (annotations[LABEL_HASH] !== entry.hash || annotations["org.opencontainers.image.created"] !== entry.timings.finishedAt) return;
    await client.deleteManifest(this.#o.repository, manifest.digest);
    this.#engine.emit({ type: "log", hash: entry.hash, target: entry.target, stream: "info", line: `removed ${this.remoteRef(entry)} from the registry cache` });
  }

  /**
   * Before an image target builds on a miss, layers built elsewhere, as the build's engine reuses
   * them: for docker the latest image pushed on the same base (tag `base-…`), pulled into it; for
   * podman the layer repository `<repository>-layers` its builder reads and pushes steps to.
   * Absent, unreachable or not pullable: the build goes on without it (a pull failure is a warning, the rest a log line).
   */
  async layerCache(request: LayerCacheRequest): Promise<LayerCaches> {
    const none: LayerCaches = { cacheFrom: [] };
    if (!this.#o.targets.includes(request.target)) return none;
    if (request.images.record.layerCache === "layer-repository") return this.#layerRepository(request);
    if (request.images.record.layerCache !== "pulled-image") return none;
    const remote = `${this.#o.registry}/${this.#o.repository}:${request.base.tag}`;
    // The lookup just warned if the registry is down; a layer cache is not worth a second warning.
    const head = await this.#ask(async (client) => client.headManifest(this.#o.repository, request.base.tag), (message) => request.log(`no layer cache from the registry: ${this.#redact.text(message)}`));
    if (!head) return none;
    const transport = this.#transport(request.target, request.builderOptions);
    const started = Date.now();
    try {
      await transport.pullLayers(remote, request.signal);
    } catch (cause) {
      request.signal.throwIfAborted();
      request.warn("W_REGISTRY_PULL_FAILED", this.#redact.text(`the layer cache ${remote} (latest image on the base ${request.base.label}) could not be pulled: ${(cause as Error).message}; building without it`), pullHint(this.#o.insecure, request.target));
      return none;
    }
    request.log(`pulled ${remote} (latest image on ${request.base.label}) as a layer cache in ${Date.now() - started} ms`);
    return { cacheFrom: [remote] };
  }

  /**
   * The layer repository, once the registry answers (buildah would retry a dead one for every
   * step). Its own repository: buildah tags each step by its cache key, which must not mix with the
   * hash tags. Without `push` the builder only reads it.
   */
  async #layerRepository(request: LayerCacheRequest): Promise<LayerCaches> {
    const up = await this.#ask(async (client) => {
      await client.ping();
      return true;
    }, (message) => request.log(`no layer cache from the registry: ${this.#redact.text(message)}`));
    if (!up) return { cacheFrom: [] };
    const reference = `${this.#o.registry}/${this.#o.repository}-layers`;
    request.log(`layer cache repository ${reference}${this.#o.push ? "" : " (read only)"}`);
    return {
      cacheFrom: [],
      layerRepository: { reference, registry: this.#o.registry, insecure: this.#o.insecure, auth: this.#client?.options.auth, readOnly: !this.#o.push },
    };
  }

  /** Tags the pushed manifest `base-…` too: the latest build on its base, for other machines' layer caches. */
  async #tagBase(entry: CacheEntry, ctx: BuildContext): Promise<void> {
    const base = imageBaseOf(ctx.canonical);
    if (!base) return;
    try {
      const client = await this.#clientNow();
      const manifest = await client.getManifest(this.#o.repository, hashHex(entry.hash), true);
      if (!manifest) return;
      await client.putManifest(this.#o.repository, base.tag, manifest.json, manifest.mediaType);
      ctx.log(`tagged it ${base.tag} (latest on ${base.label}) as a layer cache`, "info");
    } catch (cause) {
      ctx.log(this.#redact.text(`could not tag the pushed image ${base.tag} as a layer cache: ${(cause as Error).message}`), "info");
    }
  }

  /**
   * Runs one registry request. An unreachable, slow or refusing registry is reported through
   * `onFail` and gives undefined; while it is known to be down it is not asked again.
   */
  async #ask<T>(work: (client: RegistryClient) => Promise<T>, onFail: (message: string, hint: string) => void): Promise<T | undefined> {
    if (Date.now() < this.#downUntil) {
      onFail(`the registry did not answer a moment ago (${this.#downReason})`, "the registry is asked again after 30 seconds");
      return undefined;
    }
    try {
      return await work(await this.#clientNow());
    } catch (cause) {
      const message = this.#redact.text((cause as Error).message);
      if (cause instanceof RegistryError && cause.kind === "unreachable") {
        this.#downUntil = Date.now() + DOWN_FOR_MS;
        this.#downReason = message;
      }
      const hint =
        cause instanceof RegistryError && cause.kind === "auth"
          ? "check the registry cache's credentials (or credentialsFile) and their pull/push rights on the repository"
          : `is the registry at ${this.#o.registry} running and reachable${this.#o.insecure ? " over plain HTTP" : " over HTTPS (set insecure for a plain-HTTP registry)"}?`;
      onFail(message, hint);
      return undefined;
    }
  }

  async #clientNow(): Promise<RegistryClient> {
    if (this.#client) return this.#client;
    this.#auth ??= resolveAuth(this.#o).catch((cause: unknown) => {
      this.#warn("W_REGISTRY_CREDENTIALS", `registry cache: ${(cause as Error).message}; going on without credentials`, "give the credentials directly, or a config.json with an auths entry for the registry");
      return undefined;
    });
    const auth = await this.#auth;
    this.#redact = createRedactor(secretsOf(auth));
    this.#client = new RegistryClient({ registry: this.#o.registry, insecure: this.#o.insecure, auth, timeoutMs: this.#o.timeoutMs });
    return this.#client;
  }

  #transport(target: string, builderOptions: BuilderOptions | undefined): ImageTransport {
    const settings = {
      registry: this.#o.registry,
      insecure: this.#o.insecure,
      auth: this.#client?.options.auth,
      timeoutMs: this.#o.transferTimeoutMs,
      note: (message: string) => this.#warn("W_REGISTRY_CREDENTIALS", message, "give username and password for podman"),
    };
    const engineFor = this.#o.engines[target];
    return engineFor ? imageTransport(engineFor(builderOptions), settings) : missingEngine(target);
  }

  #warn(code: WarningCode, message: string, hint?: string): void {
    this.#engine.emit({ type: "warning", code, message: this.#redact.text(message), hint });
  }
}

/** The transport of a target the host gave no image engine for: every transfer fails (a warning, then a miss or an unpushed image). */
function missingEngine(target: string): ImageTransport {
  const refuse = () => Promise.reject(new Error(`the registry cache was given no image engine for the target ${target}`));
  return { describe: () => `no ${target} engine`, pull: refuse, push: refuse, pullLayers: refuse };
}

/** What a dry run reports of an image that is in the registry but not pulled. */
function remoteEntry(key: CacheKey, remote: string, digest: string | undefined, canonical: CanonicalSpec): CacheEntry {
  const now = new Date().toISOString();
  return {
    schema: 1,
    hash: key.hash,
    target: key.target,
    generation: 1,
    builder: key.target,
    artifact: { kind: `${key.target}-image`, reference: remote, digest, details: { registry: remote, registryDigest: digest, pulled: false } },
    timings: { startedAt: now, finishedAt: now, durationMs: 0 },
    canonicalText: serializeCanonical(canonical),
  };
}

function pullHint(insecure: boolean, target: string): string {
  if (target === "docker" && insecure) {
    return "docker pulls from a plain-HTTP registry only when its daemon lists it under insecure-registries (127.0.0.0/8 always is)";
  }
  return "check that the engine can reach the registry and has room for the image";
}
