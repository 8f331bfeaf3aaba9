import type { Activation, ActivationContext, BuildContext, CacheEntry, EnginePlugin } from "@envforge/core/plugin-kit";
import { connectionIn } from "./connection.js";
import { buildImage, type ImageBuildSettings } from "./build-image.js";
import type { ImageEngine, ImageEngineFor, ImageRecordTraits } from "./engine.js";
import { imageCarries } from "./fragments.js";
import { tapImageDiscard, tapImagePromote, tapImageStore, tapImageVerify } from "./image-store.js";
import { applyDockerSection, DOCKER_SECTION } from "./section.js";
import { lockImage } from "./image-lock.js";

/** What an engine adapter (the docker or podman plugin) gives the shared image target. */
export interface ImageTargetSpec {
  /** The plugin's name: its taps are made under it. */
  name: string;
  /** The build target it serves (`docker`, `podman`). */
  target: string;
  record: ImageRecordTraits;
  /** Register only the `docker` section (parsing and hashing), not the builder and the store. */
  sectionOnly?: boolean | undefined;
  /** Treat the engine's images as a cache store (lookup at the daemon stage). */
  storeCache: boolean;
  /** Checks the plugin's own options when it is applied (a typo fails at startup). */
  check?: (() => void) | undefined;
  /** The engine the image store asks, and `verify` for an entry built without a connection of its own: the plugin's options only. */
  storeEngine(): ImageEngine;
  /**
   * The builder options that choose the engine host (`host`, `url`, storage roots…; never
   * credentials): a build that set any records them in its artifact (`details.connection`), and
   * `verify`, `discard` and `promote` of that entry ask `engineFor` of them, not the plugin's own
   * host — an image `build-all` put on another host is found there again.
   */
  connectionKeys?: readonly string[] | undefined;
  engineFor?: ImageEngineFor | undefined;
  /** The engine of one build (its builder options over the plugin's) and what it builds with. */
  buildWith(ctx: BuildContext): { images: ImageEngine; settings: Omit<ImageBuildSettings, "target"> };
  /** How `envforge run`/`shell`/`activate` run a command in an image of this target. */
  activate(entry: CacheEntry, ctx: ActivationContext): Activation;
}

/**
 * An image target from an engine adapter: the `docker` section (declared once however many image
 * plugins load), the build, the activation, the target's declaration (what an image carries), the
 * engine's image storage as a cache store, the `verify` of recorded images, the `discard` of
 * the images of entries gc removes and the `promote` that moves tags back to a promoted image.
 */
export function imageTargetPlugin(spec: ImageTargetSpec): EnginePlugin {
  return {
    name: spec.name,
    apply(engine) {
      applyDockerSection(engine);
      if (spec.sectionOnly) return;
      spec.check?.();
      engine.hooks.build.for(spec.target).tapPromise(spec.name, async (ctx) => {
        const { images, settings } = spec.buildWith(ctx);
        const result = await buildImage(images, engine, ctx, { ...settings, target: spec.target });
        const connection = connectionIn(ctx.options[spec.target], spec.connectionKeys ?? []);
        if (connection) result.artifact.details = { ...result.artifact.details, connection };
        return result;
      });
      engine.hooks.activate.for(spec.target).tap(spec.name, (entry, ctx) => spec.activate(entry, ctx));
      engine.targets.declare({ name: spec.target, carries: imageCarries(engine) });
      if (spec.storeCache) tapImageStore(engine, spec.target, spec.record, () => spec.storeEngine());
      const entryEngine = (entry: CacheEntry): ImageEngine => {
        const connection = connectionIn(entry.artifact.details?.connection, spec.connectionKeys ?? []);
        return connection && spec.engineFor ? spec.engineFor({ [spec.target]: connection }) : spec.storeEngine();
      };
      tapImageVerify(engine, spec.target, spec.record.store, entryEngine);
      // `cache gc` / `cache rm`: the images of the entries they remove go from the engine too.
      tapImageDiscard(engine, spec.target, entryEngine);
      tapImagePromote(engine, spec.target, entryEngine);
      // `envforge lock`: the base's digest from this engine (the first image plugin that answers).
      engine.hooks.lock.for(DOCKER_SECTION).tapPromise(spec.name, (_request, ctx) => lockImage(spec.storeEngine(), ctx));
    },
  };
}

/** The connection keys set (as strings) in a build's own builder options or a recorded `details.connection`, or undefined when none is. */
