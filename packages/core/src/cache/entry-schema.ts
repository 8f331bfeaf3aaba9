import { z } from "zod";
import type { CacheEntry } from "./types.js";

const artifact = z.looseObject({
  kind: z.string(),
  path: z.string().optional(),
  reference: z.string().optional(),
  digest: z.string().optional(),
  sizeBytes: z.number().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

const entry = z.object({
  schema: z.literal(1),
  hash: z.string().regex(/^efh1:[0-9a-f]{64}$/),
  target: z.string().min(1),
  generation: z.number().int().positive(),
  builder: z.string(),
  artifact,
  lock: z
    .object({
      packages: z.array(
        z.looseObject({ ecosystem: z.string(), name: z.string(), version: z.string() }),
      ),
      raw: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  logPath: z.string().optional(),
  timings: z.object({ startedAt: z.string(), finishedAt: z.string(), durationMs: z.number() }),
  canonicalText: z.string(),
  name: z.string().optional(),
});

/** Parses an entry file's JSON; `undefined` when it is not a complete, well-formed entry. */
export function parseEntry(text: string): CacheEntry | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const result = entry.safeParse(data);
  return result.success ? (result.data as CacheEntry) : undefined;
}
