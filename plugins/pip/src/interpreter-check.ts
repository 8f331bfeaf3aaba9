import { constants } from "node:fs";
import { open, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { createError, type SourceLocation } from "@envforge/core/plugin-kit";

/** Executable formats an interpreter comes in: ELF, and Mach-O (thin, both byte orders, and fat). */
const MAGICS = [
  Buffer.from([0x7f, 0x45, 0x4c, 0x46]),
  Buffer.from([0xfe, 0xed, 0xfa, 0xce]),
  Buffer.from([0xfe, 0xed, 0xfa, 0xcf]),
  Buffer.from([0xce, 0xfa, 0xed, 0xfe]),
  Buffer.from([0xcf, 0xfa, 0xed, 0xfe]),
  Buffer.from([0xca, 0xfe, 0xba, 0xbe]),
];

/**
 * Names only a CPython launcher holds: its entry point (`Py_BytesMain` since 3.8, `Py_Main`
 * before), in the dynamic symbol table of a static build (Debian's /usr/bin/python3.11, at about
 * 95 KB) and among the imports of one linked to libpython (pyenv's, at about 1.4 KB).
 */
const MARKERS = [Buffer.from("Py_BytesMain"), Buffer.from("Py_Main")];

/** How much of the file is searched: symbol tables come first, well within this. */
export const SCAN_BYTES = 8 * 1024 * 1024;
const CHUNK = 256 * 1024;

/**
 * Recognises a Python interpreter without running it: the path (symlinks resolved) must be a
 * regular executable file in an executable format, holding a CPython entry symbol. A shell
 * script, a renamed `/bin/sh` or a text file is `E_INVALID_VALUE`; a FIFO or a device is never
 * opened for reading (it could block), and the file is opened non-blocking in any case.
 *
 * This tells a careless or hostile path from an interpreter; it cannot prove a file that
 * imitates CPython is one. Whether a definition may name an interpreter at all is the host's
 * policy (`allowUserManaged`).
 */
export async function recognisePython(file: string, site: { location: SourceLocation; field: string }): Promise<string> {
  const refuse = (why: string) =>
    createError("E_INVALID_VALUE", `python.interpreterPath ${file} ${why}`, {
      location: site.location,
      field: site.field,
      hint: "point interpreterPath at a Python interpreter binary (e.g. /usr/bin/python3.11); nothing else is run",
    });
  if (!path.isAbsolute(file)) throw refuse("is not an absolute path");
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    throw createError("E_FILE_NOT_FOUND", `python.interpreterPath ${file} does not exist or is not executable`, {
      location: site.location,
      field: site.field,
      hint: "a user-managed environment uses an interpreter you installed; give its absolute path",
    });
  }
  const stats = await stat(real);
  if (!stats.isFile()) throw refuse(`is not a regular file (${real})`);
  if ((stats.mode & 0o111) === 0) throw refuse("is not executable");
  const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW).catch(() => {
    throw refuse("cannot be read");
  });
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== stats.ino || opened.dev !== stats.dev) throw refuse("changed while it was checked");
    if (!(await startsWithMagic(handle))) throw refuse("is not a program binary (a script or a text file is never run)");
    if (!(await holdsMarker(handle, Math.min(opened.size, SCAN_BYTES)))) throw refuse("is a program, but not a Python interpreter");
  } finally {
    await handle.close();
  }
  return real;
}

async function startsWithMagic(handle: import("node:fs/promises").FileHandle): Promise<boolean> {
  const head = Buffer.alloc(4);
  const { bytesRead } = await handle.read(head, 0, 4, 0);
  return bytesRead === 4 && MAGICS.some((m) => m.equals(head));
}

async function holdsMarker(handle: import("node:fs/promises").FileHandle, limit: number): Promise<boolean> {
  const overlap = Math.max(...MARKERS.map((m) => m.length)) - 1;
  const buffer = Buffer.alloc(CHUNK + overlap);
  let carried = 0;
  for (let position = 0; position < limit; ) {
    const { bytesRead } = await handle.read(buffer, carried, Math.min(CHUNK, limit - position), position);
    if (bytesRead === 0) break;
    const window = buffer.subarray(0, carried + bytesRead);
    if (MARKERS.some((m) => window.includes(m))) return true;
    carried = Math.min(overlap, window.length);
    window.copy(buffer, 0, window.length - carried);
    position += bytesRead;
  }
  return false;
}
