import type { BuilderOptions, WarningCode } from "@envforge/core/plugin-kit";

/**
 * What the image package needs of a container engine, one instance per engine host (a docker
 * endpoint or context, a podman storage or service). The docker and podman plugins implement it
 * over their CLIs (`createDockerEngine`, `createPodmanEngine`); the image builder, the image-store
 * taps, image details and the registry cache speak only to this, so several hosts (or a remote
 * layer cache) are more instances, not more code paths.
 */
export interface ImageEngine {
  /** `docker` or `podman`: in messages, and the artifact kind `<name>-image`. */
  readonly name: string;
  /** Whether the engine runs on another machine (a bind mount then names a folder there). */
  readonly remote: boolean;
  /** How this engine's images are recorded: what differs between engines, as data. */
  readonly record: ImageRecordTraits;
  /** This host in messages and image details (never holds credentials). */
  describe(): string;
  /** The engine's version; throws (an EnvforgeError naming the host) when it cannot be reached. */
  ping(signal?: AbortSignal): Promise<string>;
  /** Builds a generated context; a failed step throws E_BUILD_FAILED with that step's own output. */
  build(request: ImageBuildRequest): Promise<ImageBuildResult>;
  /** The image, or undefined when the engine has no such image; throws when it cannot answer. */
  inspect(reference: string, signal?: AbortSignal): Promise<ImageInfo | undefined>;
  /** IDs of the images carrying the label `name=value`; throws when the engine cannot answer. */
  withLabel(name: string, value: string, signal?: AbortSignal): Promise<string[]>;
  tag(source: string, target: string, options?: EngineCall): Promise<void>;
  /** Pushes the local image `local` as `remote` (a full registry reference). */
  push(local: string, remote: string, transfer: ImageTransfer): Promise<void>;
  pull(remote: string, transfer: ImageTransfer): Promise<void>;
  remove(reference: string, options?: EngineCall): Promise<void>;
  /** The CLI that runs a container of an image (`envforge run`/`shell`): command, global flags, its own variables. */
  runner(): ImageRunCli;
  /** The same host with registry credentials for builds (written under `dir`, never on a command line). */
  withCredentials(credentials: readonly RegistryCredentials[], dir: string): Promise<ImageEngine>;
}

/** Chooses the engine a build (or a lookup, without builder options) uses: plugin options under the build's own. */
export type ImageEngineFor = (builderOptions?: BuilderOptions | undefined) => ImageEngine;

export interface ImageRecordTraits {
  /** The cache store its image storage is (`docker-daemon`, `podman-storage`): a lookup hit's `store`. */
  readonly store: string;
  /** An entry found in the store records the image's platform. */
  readonly foundPlatform: boolean;
  /** The tags a fresh build's artifact lists: those it was given, or every tag the engine lists for the image. */
  readonly builtTags: "given" | "listed";
  /**
   * How the engine reuses layers an image built elsewhere shares with a build: `pulled-image` — an
   * image pulled into it and given as `cacheFrom` (docker: the classic builder matches its history,
   * BuildKit its inline cache); `layer-repository` — a registry repository it pushes every step's
   * layer to and looks each step up in while it builds (`layerRepository`: buildah's `--cache-to`
   * and `--cache-from`; it reuses no layer of a pulled final image); `none` — it does not.
   */
  readonly layerCache: "pulled-image" | "layer-repository" | "none";
  /** The warning when the store cannot ask the engine (once per engine object). */
  readonly unreachable: { readonly code: WarningCode; readonly subject: string; readonly hint: string };
}

export interface EngineCall {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

/** An image as an engine describes it (`image inspect`, normalized across engines). */
export interface ImageInfo {
  /** Image ID, `sha256:…` (the digest of the image config). */
  id: string;
  /** The manifest digest, when the engine records one (podman). */
  manifestDigest?: string | undefined;
  tags: string[];
  /** `name@sha256:…`, once the image was pushed to or pulled from a registry. */
  repoDigests: string[];
  created: string;
  sizeBytes: number;
  /** `os/arch[/variant]`. */
  platform: string;
  labels: Record<string, string>;
  layers: string[];
}

export interface ImageBuildRequest {
  /** The build context: the generated Dockerfile and the files it copies. */
  contextDir: string;
  dockerfile: string;
  tags: readonly string[];
  /** Added on the command line (`--label`), not in the Dockerfile: the text is shared by engines. */
  labels: Readonly<Record<string, string>>;
  /** Passed as `--build-arg`, never written into the Dockerfile. */
  buildArgs: Readonly<Record<string, string>>;
  /**
   * Images that share lower layers with this one, already pulled into this engine (references as
   * pulled: `registry/repository:tag`), for `--cache-from`. Steps whose layer matches are not run.
   */
  cacheFrom?: readonly string[] | undefined;
  /** A layer cache repository the engine reads steps from and pushes them to (`layerCache: "layer-repository"`). */
  layerRepository?: LayerRepository | undefined;
  platform?: string | undefined;
  /** What `ping` answered: the build's first log line names it. */
  engineVersion: string;
  /** The build's scratch folder (the image ID file). */
  workDir: string;
  signal: AbortSignal;
  log(line: string, stream: "stdout" | "info"): void;
}

/**
 * A registry repository of intermediate layers, shared by machines: a step found there is not run,
 * a step built is pushed there. Failing to reach it never fails the build (the engine builds again without it).
 */
export interface LayerRepository {
  /** `registry/repository`, no tag: the engine tags each step by its own cache key. */
  reference: string;
  /** The registry (`host[:port]`) `auth` is for. */
  registry: string;
  /** Plain HTTP, no TLS. */
  insecure?: boolean | undefined;
  /** Read and written with these credentials, given to the engine only in a private auth file. */
  auth?: RegistryAuth | undefined;
  /** Only read (the registry cache does not push): steps built are not pushed. */
  readOnly?: boolean | undefined;
}

export interface ImageBuildResult {
  /** The image ID the builder reported, when it reports one (docker's `--iidfile`). */
  imageId?: string | undefined;
  /** Instructions whose layer came from the engine's layer cache. */
  cachedSteps: string[];
  /** How it was built, for the artifact's details (`buildkit`, `isolation`). */
  details: Record<string, string | boolean>;
}

/** Username/password (Basic, or exchanged for a token), or a ready bearer token. Never logged. */
export type RegistryAuth = { username: string; password: string } | { token: string };

/** Credentials for a registry a build pulls from. Never hashed, logged, labelled or put in a layer. */
export interface RegistryCredentials {
  registry: string;
  username: string;
  password: string;
}

/** A push or pull: the registry's credentials reach the engine only through a private auth file. */
export interface ImageTransfer extends EngineCall {
  /** The registry (`host[:port]`) `auth` is for. */
  registry: string;
  auth?: RegistryAuth | undefined;
  /** Plain HTTP, no TLS. */
  insecure?: boolean | undefined;
  /** Told when the engine cannot use the credentials as given. */
  note?: ((message: string) => void) | undefined;
}

/** What an image run needs of an engine's CLI. */
export interface ImageRunCli {
  readonly command: string;
  readonly globalArgs: readonly string[];
  /** The CLI's own variables (CONTAINERS_STORAGE_CONF): the runner sets them on the CLI's process. */
  readonly env: Readonly<Record<string, string>>;
}
