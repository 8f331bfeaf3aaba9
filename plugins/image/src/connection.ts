/**
 * The connection keys a build's builder options set (`host`, `url`, storage roots…), as strings:
 * what picks the engine host a build runs on, and what its entry records to find the image again.
 * `undefined` when the options set none.
 */
export function connectionIn(options: unknown, keys: readonly string[]): Record<string, string> | undefined {
  if (typeof options !== "object" || options === null) return undefined;
  const chosen: Record<string, string> = {};
  for (const key of keys) {
    const value = (options as Record<string, unknown>)[key];
    if (typeof value === "string") chosen[key] = value;
  }
  return Object.keys(chosen).length > 0 ? chosen : undefined;
}
