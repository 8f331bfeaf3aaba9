/**
 * The rattler bindings are a 4 MB WASM bundle (about 90 ms to load). They are imported on first
 * use so that hosts and CLI commands that never touch a conda section do not pay for them.
 */
export type Rattler = typeof import("@conda-org/rattler");

let loading: Promise<Rattler> | undefined;
let loaded: Rattler | undefined;

/** Loads the rattler bindings once; later calls return the same module. */
export function loadRattler(): Promise<Rattler> {
  loading ??= import("@conda-org/rattler").then((mod) => {
    loaded = mod;
    return mod;
  });
  return loading;
}

/**
 * The loaded bindings, for synchronous code (canonicalization is synchronous). Every entry point
 * that can reach it (`parseSection`, `prepareMatchSpecs`) awaits `loadRattler()` first.
 */
export function rattlerSync(): Rattler {
  if (!loaded) throw new Error("@conda-org/rattler is not loaded yet: await loadRattler() (or prepareMatchSpecs()) first");
  return loaded;
}
