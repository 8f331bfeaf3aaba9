/**
 * Freezes plain data (objects and arrays, recursively) in place and returns it. Values one plugin
 * hands to others — a parsed section, a canonical value, a cache entry — are shared by reference;
 * frozen, no plugin (or host) can change another's, so what was hashed is what gets built.
 * Class instances, maps and sets are left alone: they are a plugin's own business.
 */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null || Object.isFrozen(node) || !isPlain(node)) continue;
    Object.freeze(node);
    // An indexed loop and for…in: this runs on every parse and hash, and for…of, Object.values and
    // Object.keys allocate per node (for…in reads V8's enum cache; a plain object inherits no
    // enumerable keys).
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        if (typeof item === "object" && item !== null && !Object.isFrozen(item)) stack.push(item);
      }
    } else {
      for (const key in node) {
        const item = (node as Record<string, unknown>)[key];
        if (typeof item === "object" && item !== null && !Object.isFrozen(item)) stack.push(item);
      }
    }
  }
  return value;
}

function isPlain(node: object): boolean {
  if (Array.isArray(node)) return true;
  const proto = Object.getPrototypeOf(node) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A frozen array of the same items: the array itself when it is already frozen (a parsed section's
 * arrays are), else a frozen copy. For canonicalizers that hand the engine values already frozen.
 */
export function frozenCopy<T>(items: readonly T[]): T[] {
  return (Object.isFrozen(items) ? items : Object.freeze([...items])) as T[];
}
