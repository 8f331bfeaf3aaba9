import type { Hook, HookMap, SyncHook } from "tapable";
import { isEnvforgeError, PluginError } from "../errors/envforge-error.js";
import type { EngineHooks } from "../hooks.js";
import type { EngineEvent } from "./events.js";

type AnyFn = (...args: unknown[]) => unknown;

/**
 * Wraps every tap of a hook so a plugin that throws something other than an `EnvforgeError`
 * surfaces as a `PluginError` naming the plugin and the hook, and the engine stays usable.
 */
export function guardHook(hook: Hook<unknown[], unknown>, hookName: string): void {
  hook.intercept({
    register: (tap) => {
      const fn = tap.fn as AnyFn;
      const wrap = (cause: unknown) => (isEnvforgeError(cause) ? cause : new PluginError(tap.name, hookName, cause));
      if (tap.type === "sync") {
        // `arguments`, not rest and spread: sync taps run on the hot path of every hash, and
        // this forwards without building an array per call.
        return {
          ...tap,
          fn: function guarded(this: unknown) {
            try {
              // eslint-disable-next-line prefer-rest-params -- see above
              return fn.apply(this, arguments as unknown as unknown[]);
            } catch (cause) {
              throw wrap(cause);
            }
          },
        };
      }
      if (tap.type === "promise") {
        return {
          ...tap,
          fn: async (...args: unknown[]) => {
            try {
              return await fn(...args);
            } catch (cause) {
              throw wrap(cause);
            }
          },
        };
      }
      return {
        ...tap,
        fn: (...args: unknown[]) => {
          const callback = args.pop() as (err: unknown, result?: unknown) => void;
          try {
            fn(...args, (err: unknown, result?: unknown) => callback(err ? wrap(err) : null, result));
          } catch (cause) {
            callback(wrap(cause));
          }
        },
      };
    },
  });
}

export function guardHookMap(map: HookMap<Hook<unknown[], unknown>>, hookName: string): void {
  map.intercept({
    factory: (key, hook) => {
      guardHook(hook, `${hookName}(${String(key)})`);
      return hook;
    },
  });
}

/**
 * Whether calling `hook` reaches anyone: a tap, or an interceptor that sees calls. `isUsed()` also
 * counts the engine's own register-only guards (guardHook, guardEventListeners), so it is true of
 * every engine hook: on hot paths (each event emitted, each hash, each warm hit) an event was
 * stamped and copied, or an empty hook called, for nobody (issue #19). Without taps, tapable calls
 * only an interceptor's `call` and `done`.
 */
export function reachesAnyone(hook: { readonly taps: readonly unknown[]; readonly interceptors: ReadonlyArray<{ call?: unknown; done?: unknown }> }): boolean {
  if (hook.taps.length > 0) return true;
  const interceptors = hook.interceptors;
  for (let i = 0; i < interceptors.length; i++) if (interceptors[i]!.call !== undefined || interceptors[i]!.done !== undefined) return true;
  return false;
}

/** Guards every hook of the engine but `event` (see guardEventListeners). */
export function guardHooks(hooks: EngineHooks): void {
  for (const [name, hook] of Object.entries(hooks)) {
    if (name === "event") continue; // listeners of events must not turn into plugin errors of the emitter
    if ("for" in hook) guardHookMap(hook as unknown as HookMap<Hook<unknown[], unknown>>, name);
    else guardHook(hook as unknown as Hook<unknown[], unknown>, name);
  }
}

/**
 * A listener that throws (a renderer with a bug) must not fail the build that emitted, nor starve
 * the listeners after it: its fault goes to the other listeners as an E_PLUGIN warning (once: a
 * listener that also throws on that warning is not reported again).
 */
export function guardEventListeners(event: SyncHook<[EngineEvent]>): void {
  let reportingListenerFault = false;
  event.intercept({
    register: (tap) => {
      const listener = tap.fn as (event: EngineEvent) => void;
      return {
        ...tap,
        fn: (emitted: EngineEvent) => {
          try {
            listener(emitted);
          } catch (cause) {
            if (reportingListenerFault) return;
            reportingListenerFault = true;
            try {
              const fault = new PluginError(tap.name, "event", cause);
              event.call({ type: "warning", code: fault.code, message: fault.message, hint: fault.hint });
            } finally {
              reportingListenerFault = false;
            }
          }
        },
      };
    },
  });
}
