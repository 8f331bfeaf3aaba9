import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { deflateRawSync, gzipSync } from "node:zlib";

/**
 * Tiny Python distributions for tests: no package index is reachable here, so tests build the
 * wheels (and, where they need a slow build, the sdists) they install with `--find-links`.
 * Output is deterministic (fixed timestamps), so the same spec gives byte-identical files.
 *
 * A wheel is a zip with the package and a `.dist-info` folder (METADATA, WHEEL, RECORD).
 */

export interface WheelSpec {
  /** Project name as written in METADATA, e.g. `envforge-hello`. */
  name: string;
  version: string;
  /** `Requires-Dist` lines, e.g. `["envforge-greeting>=1.0"]`: pip resolves them from the same folder. */
  requires?: string[];
  /** Files of the wheel besides .dist-info; default: `<module>/__init__.py` with `__version__`. */
  files?: Record<string, string>;
}

/** The import name and file-name form of a project name (`Envforge-Hello` → `envforge_hello`). */
export function distName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "_");
}

/** Writes `<dir>/<name>-<version>-py3-none-any.whl` and returns its path. */
export async function makeWheel(dir: string, spec: WheelSpec): Promise<string> {
  const module = distName(spec.name);
  const info = `${module}-${spec.version}.dist-info`;
  const files: Record<string, string> = {
    ...(spec.files ?? { [`${module}/__init__.py`]: `__version__ = ${JSON.stringify(spec.version)}\n` }),
    [`${info}/METADATA`]:
      `Metadata-Version: 2.1\nName: ${spec.name}\nVersion: ${spec.version}\n` + (spec.requires ?? []).map((r) => `Requires-Dist: ${r}\n`).join(""),
    [`${info}/WHEEL`]: "Wheel-Version: 1.0\nGenerator: envforge-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
  };
  const record = Object.entries(files).map(([name, text]) => {
    const data = Buffer.from(text);
    const digest = createHash("sha256").update(data).digest("base64url");
    return `${name},sha256=${digest},${data.length}`;
  });
  files[`${info}/RECORD`] = `${[...record, `${info}/RECORD,,`].join("\n")}\n`;
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${module}-${spec.version}-py3-none-any.whl`);
  await writeFile(file, zip(files));
  return file;
}

export interface SdistSpec {
  name: string;
  version: string;
  /** Files inside `<name>-<version>/` (pyproject.toml, a build backend…). PKG-INFO is added. */
  files: Record<string, string>;
}

/** Writes `<dir>/<name>-<version>.tar.gz` (a source distribution) and returns its path. */
export async function makeSdist(dir: string, spec: SdistSpec): Promise<string> {
  const root = `${distName(spec.name)}-${spec.version}`;
  const entries: Record<string, string> = {
    [`${root}/PKG-INFO`]: `Metadata-Version: 2.1\nName: ${spec.name}\nVersion: ${spec.version}\n`,
  };
  for (const [name, text] of Object.entries(spec.files)) entries[`${root}/${name}`] = text;
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${root}.tar.gz`);
  await writeFile(file, gzipSync(tar(entries)));
  return file;
}

// --- zip (PKWARE APPNOTE: local headers, central directory, end record; deflate) ---

const DOS_TIME = 0; // 00:00:00
const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1; // 2026-01-01

function zip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const packed = deflateRawSync(data);
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// --- tar (ustar headers, regular files only) ---

function tar(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100);
    header.write("0000644\0", 100);
    header.write("0000000\0", 108);
    header.write("0000000\0", 116);
    header.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124);
    header.write(`${Math.floor(Date.UTC(2026, 0, 1) / 1000).toString(8).padStart(11, "0")}\0`, 136);
    header.write("        ", 148); // checksum field counts as spaces while summing
    header.write("0", 156);
    header.write("ustar\0", 257);
    header.write("00", 263);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
