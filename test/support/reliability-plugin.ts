import { createHash } from "node:crypto";
import { appendFileSync } from "node:fs";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { BuildContext, EnginePlugin } from "@envforge/core/plugin-kit";
import { z } from "zod";

/**
 * A small section and builder for reliability tests: a definition `{ probe: { id, files?, fileBytes? } }`
 * builds into a folder of `files` files plus a manifest of their sha256, written last, so a test
 * can tell a complete artifact from a torn one. Every build start appends one line to a counter
 * file (O_APPEND: lines from concurrent processes never interleave), so builds can be counted
 * across processes.
 *
 * Builder options (`builderOptions.probe`, never hashed): `counterFile`, `stepMs` (pause between
 * files), `crashAt` ("start" | "middle" | "end": SIGKILL itself there), `onStart` (a file to
 * create when the build started, so a test knows the lock is held), `fillDisk` (a file to grow
 * until the disk is full once the artifact is written).
 */
export const PROBE = "probe";
export const PROBE_TARGET = "probe-files";

export interface ProbeOptions {
  counterFile?: string;
  stepMs?: number;
  crashAt?: "start" | "middle" | "end";
  onStart?: string;
  /** After the artifact is written, fill the disk with this file (someone else filled it meanwhile). */
  fillDisk?: string;
}

const section = z.object({
  id: z.string().min(1),
  files: z.number().int().min(1).max(1000).optional(),
  fileBytes: z.number().int().min(1).max(1 << 20).optional(),
});
type Probe = z.infer<typeof section>;

export function probePlugin(): EnginePlugin {
  return {
    name: PROBE,
    apply(engine) {
      engine.hooks.schema.tap(PROBE, (schema) =>
        schema.field({ path: PROBE, section: PROBE, schema: section, description: "reliability probe (tests only)" }),
      );
      engine.hooks.parseSection.for(PROBE).tap(PROBE, (fields) => fields[PROBE] as Probe);
      engine.hooks.canonicalizeSection.for(PROBE).tap(PROBE, (parsed) => {
        const p = parsed as Probe;
        return { id: p.id, files: p.files ?? 8, fileBytes: p.fileBytes ?? 4096 };
      });
      engine.hooks.build.for(PROBE_TARGET).tapPromise(PROBE, (ctx) => buildProbe(ctx));
    },
  };
}

export function probeSpec(id: string, extra: Partial<Probe> = {}) {
  return { object: { name: `probe-${id}`, probe: { id, ...extra } } };
}

function crash(): never {
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable: SIGKILL did not stop the process");
}

async function buildProbe(ctx: BuildContext) {
  const options = (ctx.options[PROBE] ?? {}) as ProbeOptions;
  const canonical = ctx.canonical.sections[PROBE] as { id: string; files: number; fileBytes: number };
  if (options.counterFile) appendFileSync(options.counterFile, `${process.pid} ${ctx.hash} ${canonical.id}\n`);
  if (options.onStart) await writeFile(options.onStart, String(process.pid));
  if (options.crashAt === "start") crash();
  await mkdir(ctx.artifactDir, { recursive: true });
  const manifest: Record<string, string> = {};
  for (let i = 0; i < canonical.files; i++) {
    ctx.signal.throwIfAborted();
    const content = contentOf(canonical.id, i, canonical.fileBytes);
    await writeFile(path.join(ctx.artifactDir, `part-${i}.bin`), content);
    manifest[`part-${i}.bin`] = createHash("sha256").update(content).digest("hex");
    if (options.crashAt === "middle" && i === Math.floor(canonical.files / 2)) crash();
    if (options.stepMs) await sleep(options.stepMs, undefined, { signal: ctx.signal });
  }
  ctx.log(`wrote ${canonical.files} files for ${canonical.id}`);
  await writeFile(path.join(ctx.artifactDir, "manifest.json"), JSON.stringify(manifest));
  if (options.crashAt === "end") crash();
  if (options.fillDisk) await fill(options.fillDisk);
  return { artifact: { kind: "probe-files", path: ctx.artifactDir, details: { id: canonical.id, files: canonical.files } } };
}

async function fill(file: string): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await appendFile(file, chunk);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== "ENOSPC") throw cause;
  }
  // Fill the last partial page too, so not even a small entry file fits.
  try {
    for (;;) await appendFile(file, Buffer.alloc(512, 1));
  } catch {
    // full
  }
}

function contentOf(id: string, index: number, bytes: number): Buffer {
  const seed = createHash("sha256").update(`${id}/${index}`).digest();
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) out[i] = seed[i % seed.length]!;
  return out;
}

/** Whether a probe artifact folder is complete: a manifest, and every file it lists with its digest. */
export async function probeArtifactComplete(dir: string): Promise<boolean> {
  let manifest: Record<string, string>;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as Record<string, string>;
  } catch {
    return false;
  }
  if (Object.keys(manifest).length === 0) return false;
  for (const [name, digest] of Object.entries(manifest)) {
    const data = await readFile(path.join(dir, name)).catch(() => undefined);
    if (!data || createHash("sha256").update(data).digest("hex") !== digest) return false;
  }
  return true;
}

/** Build starts recorded in a counter file: one `{ pid, hash, id }` per line. */
export async function readCounter(file: string): Promise<Array<{ pid: number; hash: string; id: string }>> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const [pid, hash, id] = l.split(" ");
      return { pid: Number(pid), hash: hash!, id: id! };
    });
}
