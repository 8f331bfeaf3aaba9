/** Where something is in a file a person wrote. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** A path into a parsed document: object keys and array indexes. */
export type FieldPath = ReadonlyArray<string | number>;

/** Maps a path into a document to where its value (or, with `key`, its key) was written. */
export interface Locator {
  readonly file: string;
  locate(path: FieldPath, key?: boolean): SourceLocation;
}

/** `["python", "pip", 2]` → `python.pip[2]`. */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

/** A locator for values that came from code rather than a file: always the file's first line. */
export function nullLocator(file: string): Locator {
  return { file, locate: () => ({ file, line: 1, column: 1 }) };
}
