import { z } from "@envforge/core/plugin-kit";
import type { RegistryOperation, RegistryState } from "./state.js";

/**
 * The registry's files validated on read: a file that parses as JSON but lacks what the registry
 * wrote (a hand edit, a foreign file) is as corrupt as a truncated one, and is treated the same.
 * The schemas are built on first read: building zod schemas costs start-up time, and most commands
 * never read the registry's files.
 */
let schemas: ReturnType<typeof buildSchemas> | undefined;
const formats = () => (schemas ??= buildSchemas());

function buildSchemas() {
  const hash = z.string().regex(/^efh1:[0-9a-f]{64}$/);

  const definition = z.object({
    document: z.record(z.string(), z.unknown()),
    files: z.record(z.string(), z.string()),
    text: z.string().optional(),
  });

  const storedVersion = z.object({
    version: z.string().min(1),
    hash,
    definition,
    createdAt: z.string(),
    archived: z.boolean(),
  });

  const state = z.object({
    format: z.literal(1),
    seq: z.number().int().nonnegative(),
    environments: z.record(
      z.string(),
      z.object({ versions: z.array(storedVersion), labels: z.record(z.string(), z.string()) }),
    ),
  });

  const operation = z.discriminatedUnion("op", [
    z.object({ op: z.literal("register"), name: z.string(), version: storedVersion, labels: z.array(z.string()) }),
    z.object({ op: z.literal("label"), name: z.string(), label: z.string(), version: z.string().nullable() }),
    z.object({ op: z.literal("archive"), name: z.string(), versions: z.array(z.string()), archived: z.boolean() }),
    z.object({ op: z.literal("rename"), from: z.string(), to: z.string() }),
  ]);

  /** A line is one operation, or a checkpoint: the whole state (a journal restarted after repair). */
  const journalLine = z.union([
    z.object({ seq: z.number().int().positive(), at: z.string(), operation }),
    z.object({ seq: z.number().int().nonnegative(), at: z.string(), checkpoint: state }),
  ]);

  return { state, journalLine };
}

export type JournalLine =
  | { seq: number; at: string; operation: RegistryOperation }
  | { seq: number; at: string; checkpoint: RegistryState };

export function parseState(text: string): RegistryState | undefined {
  try {
    const result = formats().state.safeParse(JSON.parse(text));
    return result.success ? (result.data as RegistryState) : undefined;
  } catch {
    return undefined;
  }
}

/** What the journal holds: complete lines, and where reading had to stop. */
export interface JournalRead {
  lines: JournalLine[];
  /** Bytes of complete, valid lines from the start; anything after is damaged or partial. */
  validBytes: number;
  /** A final line without its newline: an append cut short (a crash, or a writer mid-append). */
  partialTail: boolean;
  /** 1-based number of a complete line that does not parse: real damage. */
  damagedLine?: number | undefined;
}

export function parseJournal(text: string): JournalRead {
  const lines: JournalLine[] = [];
  let offset = 0;
  let number = 0;
  while (offset < text.length) {
    const end = text.indexOf("\n", offset);
    if (end < 0) return { lines, validBytes: Buffer.byteLength(text.slice(0, offset)), partialTail: true };
    number += 1;
    const raw = text.slice(offset, end);
    const line = parseLine(raw);
    if (!line) return { lines, validBytes: Buffer.byteLength(text.slice(0, offset)), partialTail: false, damagedLine: number };
    lines.push(line);
    offset = end + 1;
  }
  return { lines, validBytes: Buffer.byteLength(text), partialTail: false };
}

function parseLine(raw: string): JournalLine | undefined {
  try {
    const result = formats().journalLine.safeParse(JSON.parse(raw));
    return result.success ? (result.data as JournalLine) : undefined;
  } catch {
    return undefined;
  }
}
