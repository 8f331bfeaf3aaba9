import { hash as cryptoHash } from "node:crypto";
import { realpath } from "node:fs/promises";
import path from "node:path";
import { parseSourceDocument } from "./document.js";
import { createError } from "../errors/factories.js";
import { isInside } from "../files/inside.js";
import { checkLines, checkShape, type InputLimits } from "../policy/limits.js";
import { nullLocator, type SourceLocation } from "./location.js";
import { NotAFileError, readRegularFile } from "../files/regular-file.js";
import type { LoadedSpec, SpecSource } from "./spec.js";

/**
 * Reads a text file with a size bound; a missing file is `E_FILE_NOT_FOUND` located at `at`. The
 * digest (SHA-256 of the bytes read) lets the source memo tell later whether the file changed.
 */
export async function readTextFile(
  absolutePath: string,
  limits: InputLimits,
  at: SourceLocation | undefined,
  field: string | undefined,
): Promise<{ text: string; digest: string }> {
  let read: { bytes?: Buffer; size: number };
  try {
    // Opened without blocking and checked before reading: a FIFO named as a requirements file (or
    // as the definition) would otherwise hold open() until something writes to it.
    read = await readRegularFile(absolutePath, limits.maxFileBytes);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw createError("E_FILE_NOT_FOUND", cause instanceof NotAFileError ? cause.message : `cannot read ${absolutePath}: ${code === "ENOENT" ? "no such file" : String(code)}`, {
      location: at,
      field,
      hint:
        cause instanceof NotAFileError && cause.kind !== "a folder"
          ? "only regular files are read: a FIFO, a socket or a device is never opened (it could wait forever)"
          : "paths in a definition are relative to the definition's own folder",
      cause,
    });
  }
  const { bytes, size } = read;
  if (bytes === undefined) {
    throw createError("E_INPUT_TOO_LARGE", `${absolutePath} is ${size} bytes, over the limit of ${limits.maxFileBytes}`, {
      location: at,
      field,
      hint: "definitions and the files they reference must stay under the limit (engine option `limits.maxFileBytes`)",
    });
  }
  const text = bytes.toString("utf8");
  checkLines(text, absolutePath, limits, { location: at, field });
  return { text, digest: cryptoHash("sha256", bytes, "hex") };
}

/** Core's own `load` tap: a path (or text, or object) becomes a `LoadedSpec`. */
export async function loadSource(source: SpecSource, limits: InputLimits): Promise<LoadedSpec> {
  if (typeof source === "string" || "path" in source) {
    const file = path.resolve(typeof source === "string" ? source : source.path);
    const { text, digest } = await readTextFile(file, limits, undefined, undefined);
    return { ...fromText(text, file, path.dirname(file)), digest };
  }
  if ("text" in source) {
    if (Buffer.byteLength(source.text) > limits.maxFileBytes) {
      throw createError("E_INPUT_TOO_LARGE", `definition ${source.file} is over the limit of ${limits.maxFileBytes} bytes`, {
        hint: "engine option `limits.maxFileBytes` sets the bound",
      });
    }
    checkLines(source.text, source.file, limits);
    return fromText(source.text, source.file, source.dir ?? process.cwd());
  }
  const file = source.file ?? "<inline>";
  const locator = nullLocator(file);
  // Before copying: the copy recurses, and a 10,000-deep object would overflow the stack.
  checkShape(source.object, locator, limits);
  return {
    file,
    dir: source.dir ?? process.cwd(),
    data: ownCopy(source.object ?? {}, file) as Record<string, unknown>,
    locator,
    files: [],
  };
}

/**
 * The host keeps its object: the engine freezes what it parses, so it works on its own copy, of
 * what JSON can hold (a definition is YAML or JSON data; a cycle or a BigInt is refused).
 */
function ownCopy(value: unknown, file: string): unknown {
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch (cause) {
    throw createError("E_WRONG_TYPE", `definition ${file} is not plain data: ${(cause as Error).message.split("\n")[0]}`, {
      hint: "pass an object of strings, numbers, booleans, lists and mappings (what JSON or YAML can hold)",
      cause,
    });
  }
}

function fromText(text: string, file: string, dir: string): LoadedSpec {
  const doc = parseSourceDocument(text, file);
  return { file, dir, data: doc.data as Record<string, unknown>, locator: doc.locator, files: [] };
}

/**
 * Resolves a referenced file. Files outside the definition's folder (`../`, absolute paths,
 * symlinks pointing out) are refused unless the host allows them: a definition shared with you
 * must not be able to read your `~/.ssh`.
 */
export async function resolveReference(
  request: string,
  baseDir: string,
  rootDir: string,
  allowOutside: boolean,
  at: SourceLocation,
  field: string,
): Promise<string> {
  const absolute = path.resolve(baseDir, request);
  if (allowOutside) return absolute;
  const refuse = (why: string) =>
    createError("E_FILE_OUTSIDE_ROOT", `"${request}" ${why} the definition's folder ${rootDir}`, {
      location: at,
      field,
      hint: "keep referenced files beside the definition, or allow it with the engine option `allowFilesOutsideRoot`",
    });
  if (!isInside(rootDir, absolute)) throw refuse("is outside");
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(absolute), realpath(rootDir)]);
  } catch {
    return absolute; // missing: reported by the read with its location
  }
  if (!isInside(realRoot, real)) throw refuse("links outside");
  return absolute;
}
