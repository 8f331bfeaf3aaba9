import type { Hook, HookMap } from "tapable";
import { EnvforgeError, PluginError } from "./errors.js";

type AnyFn = (...args: unknown[]) => unknown;

/**
 * Wraps every tap of a hook so a plugin that throws something other than an `EnvforgeError`
 * surfaces as a `PluginError` naming the plugin and the hook, and the engine stays usable.
 */
export function guardHook(hook: Hook<unknown[], unknown>, hookName: string): void {
  hook.intercept({
    register: (tap) => {
      const fn = tap.fn as AnyFn;
      const wrap = (cause: unknown) => (cause instanceof EnvforgeError ? cause : new PluginError(tap.name, hookName, cause));
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
