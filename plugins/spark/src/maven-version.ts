/**
 * Maven's version order, ported from `org.apache.maven.artifact.versioning.ComparableVersion`
 * of Maven 3.8.7 (the one Debian ships; it treats `.RC1` like `-RC1`, and `+` as a letter). No npm package agrees with Maven on the edge cases
 * (`1.0.RELEASE` = `1`, `1-1` < `1.1`, qualifier aliases, leading zeros, long numbers), so the
 * algorithm is ported item by item and checked against Maven's own jar in the tests.
 *
 * One deliberate difference: only ASCII digits count as digits (Java's `Character.isDigit` also
 * accepts other scripts' digits). Coordinates with such versions are refused before they get here.
 */

type Item = IntItem | LongItem | BigItem | StringItem | ListItem;

// Numbers are split by length exactly as Maven does, because Maven orders an int item below any
// long item whatever their values (it never compares across kinds numerically).
class IntItem {
  readonly kind = "int";
  constructor(readonly value: number) {}
  isNull(): boolean {
    return this.value === 0;
  }
  toString(): string {
    return String(this.value);
  }
}

class LongItem {
  readonly kind = "long";
  constructor(readonly value: bigint) {}
  isNull(): boolean {
    return this.value === 0n;
  }
  toString(): string {
    return this.value.toString();
  }
}

class BigItem {
  readonly kind = "big";
  constructor(readonly value: bigint) {}
  isNull(): boolean {
    return this.value === 0n;
  }
  toString(): string {
    return this.value.toString();
  }
}

const QUALIFIERS = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const ALIASES: Record<string, string> = { ga: "", final: "", release: "", cr: "rc" };
const RELEASE_INDEX = String(QUALIFIERS.indexOf(""));

/** Known qualifiers sort by their index, unknown ones after all of them, lexically. */
function comparableQualifier(qualifier: string): string {
  const i = QUALIFIERS.indexOf(qualifier);
  return i === -1 ? `${QUALIFIERS.length}-${qualifier}` : String(i);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class StringItem {
  readonly kind = "string";
  readonly value: string;
  constructor(value: string, followedByDigit: boolean) {
    if (followedByDigit && value.length === 1) {
      // a1 = alpha-1, b1 = beta-1, m1 = milestone-1
      if (value === "a") value = "alpha";
      else if (value === "b") value = "beta";
      else if (value === "m") value = "milestone";
    }
    this.value = Object.hasOwn(ALIASES, value) ? ALIASES[value]! : value;
  }
  isNull(): boolean {
    return comparableQualifier(this.value) === RELEASE_INDEX;
  }
  toString(): string {
    return this.value;
  }
}

class ListItem {
  readonly kind = "list";
  readonly items: Item[] = [];
  isNull(): boolean {
    return this.items.length === 0;
  }
  /** Drops trailing null items (`0`, `""`, empty lists), stopping at the first non-list one. */
  normalize(): void {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const last = this.items[i]!;
      if (last.isNull()) this.items.splice(i, 1);
      else if (!(last instanceof ListItem)) break;
    }
  }
  toString(): string {
    let out = "";
    for (const item of this.items) {
      if (out.length > 0) out += item instanceof ListItem ? "-" : ".";
      out += item.toString();
    }
    return out;
  }
  /** Like Maven, a separator is added only once something was written, so an empty qualifier leaves no trace in front. */
  toListString(): string {
    let out = "[";
    for (const item of this.items) {
      if (out.length > 1) out += ", ";
      out += item instanceof ListItem ? item.toListString() : item.toString();
    }
    return `${out}]`;
  }
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** `a.compareTo(b)` of Maven's items, where `b` may be absent (a shorter version ran out). */
function compareItems(a: Item, b: Item | undefined): number {
  switch (a.kind) {
    case "int":
    case "long":
    case "big": {
      if (b === undefined) return a.isNull() ? 0 : 1; // 1.0 == 1, 1.1 > 1
      if (b.kind === "string" || b.kind === "list") return 1; // 1.1 > 1-sp, 1.1 > 1-1
      if (a.kind === b.kind) return sign(Number(BigInt(a.value) - BigInt(b.value)));
      const rank = { int: 0, long: 1, big: 2 } as const;
      return rank[a.kind] < rank[b.kind] ? -1 : 1;
    }
    case "string": {
      if (b === undefined) return sign(compareStrings(comparableQualifier(a.value), RELEASE_INDEX)); // 1-rc < 1, 1-sp > 1
      if (b.kind === "string") return sign(compareStrings(comparableQualifier(a.value), comparableQualifier(b.value)));
      return -1; // 1.any < 1.1, 1.any < 1-1
    }
    case "list": {
      if (b === undefined) {
        for (const item of a.items) {
          const r = compareItems(item, undefined);
          if (r !== 0) return r;
        }
        return 0;
      }
      if (b.kind === "string") return 1; // 1-1 > 1-sp
      if (b.kind !== "list") return -1; // 1-1 < 1.0.x
      const n = Math.max(a.items.length, b.items.length);
      for (let i = 0; i < n; i++) {
        const l = a.items[i];
        const r = b.items[i];
        const result = l === undefined ? (r === undefined ? 0 : -compareItems(r, undefined)) : compareItems(l, r);
        if (result !== 0) return result;
      }
      return 0;
    }
  }
}

function stripLeadingZeroes(buf: string): string {
  if (buf === "") return "0";
  for (let i = 0; i < buf.length; i++) if (buf[i] !== "0") return buf.slice(i);
  return buf;
}

function parseItem(isDigit: boolean, buf: string): Item {
  if (!isDigit) return new StringItem(buf, false);
  const digits = stripLeadingZeroes(buf);
  if (digits.length <= 9) return new IntItem(Number.parseInt(digits, 10));
  if (digits.length <= 18) return new LongItem(BigInt(digits));
  return new BigItem(BigInt(digits));
}

const isAsciiDigit = (c: string) => c >= "0" && c <= "9";

function parseVersion(text: string): ListItem {
  const version = text.toLowerCase();
  const root = new ListItem();
  let list = root;
  const stack: ListItem[] = [root];
  let isDigit = false;
  let start = 0;
  const push = () => {
    const next = new ListItem();
    list.items.push(next);
    list = next;
    stack.push(next);
  };
  for (let i = 0; i < version.length; i++) {
    const c = version[i]!;
    if (c === ".") {
      list.items.push(i === start ? new IntItem(0) : parseItem(isDigit, version.slice(start, i)));
      start = i + 1;
    } else if (c === "-") {
      list.items.push(i === start ? new IntItem(0) : parseItem(isDigit, version.slice(start, i)));
      start = i + 1;
      push();
    } else if (isAsciiDigit(c)) {
      if (!isDigit && i > start) {
        // 1.0.0.RC1 < 1.0.0-RC2: a qualifier after a dot starts a sub-list, as after a hyphen.
        if (list.items.length > 0) push();
        list.items.push(new StringItem(version.slice(start, i), true));
        start = i;
        push();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.items.push(parseItem(true, version.slice(start, i)));
        start = i;
        push();
      }
      isDigit = false;
    }
  }
  if (version.length > start) {
    if (!isDigit && list.items.length > 0) push(); // the same rule for a trailing qualifier
    list.items.push(parseItem(isDigit, version.slice(start)));
  }
  while (stack.length > 0) stack.pop()!.normalize();
  return root;
}

/** A Maven version: compares the way Maven orders versions. */
export class MavenVersion {
  readonly value: string;
  readonly #items: ListItem;

  constructor(value: string) {
    this.value = value;
    this.#items = parseVersion(value);
  }

  /** Maven's canonical form (`1.0.RELEASE` → `1`, `1-SNAPSHOT` → `1-snapshot`). */
  get canonical(): string {
    return this.#items.toString();
  }

  /** The parsed items as Maven prints them (`[1, [alpha, [1]]]`). */
  get tokens(): string {
    return this.#items.toListString();
  }

  compareTo(other: MavenVersion): number {
    return compareItems(this.#items, other.#items);
  }

  equals(other: MavenVersion): boolean {
    return this.compareTo(other) === 0;
  }

  toString(): string {
    return this.value;
  }
}

/** -1, 0 or 1 as Maven orders `a` and `b`. */
export function compareMavenVersions(a: string, b: string): number {
  return new MavenVersion(a).compareTo(new MavenVersion(b));
}

/** Sorts versions lowest first in Maven's order (stable for versions Maven treats as equal). */
export function sortMavenVersions(versions: readonly string[]): string[] {
  const parsed = versions.map((v) => new MavenVersion(v));
  return parsed.sort((a, b) => a.compareTo(b)).map((v) => v.value);
}
