import { z } from "zod";
import { parseSourceDocument } from "../definition/document.js";
import { formatPath } from "../definition/location.js";
import { createError } from "../errors/factories.js";
import type { EnvLock } from "./lock-types.js";

const HEX64 = /^[0-9a-f]{64}$/;
/**
 * Built on first use: most processes read no lock, and building zod schemas is a noticeable part
 * of the command line's start-up.
 */
let schema: ReturnType<typeof buildLockSchema> | undefined;
const lockSchema = () => (schema ??= buildLockSchema());

function buildLockSchema() {
  const name = z.string().min(1);
  const sha256 = z.string().regex(HEX64, "64 lowercase hex digits");

  const distribution = z.object({ name, version: name, file: name, sha256 }).strict();
  const condaPackage = z
    .object({
      name,
      version: name,
      build: name,
      channel: name,
      subdir: name,
      file: name,
      sha256: sha256.optional(),
      md5: z.string().regex(/^[0-9a-f]{32}$/, "32 lowercase hex digits").optional(),
    })
    .strict()
    .refine((p) => p.sha256 !== undefined || p.md5 !== undefined, "a conda package needs sha256 or md5");
  const jar = z.object({ coordinate: z.string().regex(/^[^:\s]+:[^:\s]+:[^:\s]+(:[^:\s]+)?$/, "group:artifact:version[:classifier]"), file: name, sha256 }).strict();
  const image = z.object({ base: name, digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, "sha256: and 64 hex digits") }).strict();

  /** Version 1 (LOCK.md). Unknown keys are refused: a lock envforge cannot read fully is never half-applied. */
  return z
    .object({
      version: z.literal(1),
      python: z.union([z.string(), z.number()]).transform(String).optional(),
      platform: name,
      pip: z.array(distribution).optional(),
      conda: z.array(condaPackage).optional(),
      spark: z.array(jar).optional(),
      image: image.optional(),
    })
    .strict();
}

/**
 * Reads a lock's text (YAML or JSON) into an `EnvLock`; a malformed one is `E_INVALID_LOCK` at the
 * line and column of the offending value.
 */
export function parseLockText(text: string, file: string): EnvLock {
  const doc = parseSourceDocument(text, file);
  const data = doc.data as Record<string, unknown>;
  if (typeof data === "object" && data !== null && !Array.isArray(data) && data.version !== undefined && data.version !== 1) {
    throw createError("E_INVALID_LOCK", `${file} is a lock of version ${String(data.version)}; this envforge reads version 1`, {
      location: doc.locator.locate(["version"]),
      hint: "update envforge, or write the lock again with `envforge lock`",
    });
  }
  const result = lockSchema().safeParse(data);
  if (result.success) return result.data as EnvLock;
  const issue = result.error.issues[0]!;
  const at = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  const field = at.length > 0 ? formatPath(at) : "(lock)";
  throw createError("E_INVALID_LOCK", `${file}: ${field}: ${issue.message}`, {
    location: doc.locator.locate(at, issue.code === "unrecognized_keys"),
    hint: "a lock is written by `envforge lock` (format: LOCK.md): delete this one and run `envforge lock` again rather than editing it by hand",
  });
}
