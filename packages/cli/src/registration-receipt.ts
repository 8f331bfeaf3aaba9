/**
 * Receipts of `envforge build` registering a named definition file, so the quick path (see
 * quick-build.ts) can answer a named definition too.
 *
 * A build registers a named definition every time; once the registry holds it as the latest
 * version, registering it again changes nothing and answers the same record. A receipt records
 * that answer together with a stamp of the registry's files (size, mtime, inode of the snapshot
 * and the journal), taken while the registry was seen to hold it. As long as the stamp is the
 * same, the registry is the same, so the answer is too; any write to the registry (another
 * version, a label, an archive) changes the stamp and the full CLI registers as usual.
 */
import { hash as cryptoHash } from "node:crypto";
import { statSync } from "node:fs";
import path from "node:path";
import { readRegularFileSync, writeQuickRecord } from "@envforge/core/quick";

export interface RegistrationReceipt {
  hash: string;
  name: string;
  version: string;
  stamp: string;
}

function receiptPath(cacheDir: string, pipelineId: string, file: string): string {
  const id = cryptoHash("sha256", JSON.stringify([pipelineId, file]), "hex");
  return path.join(cacheDir, "v1", "sources", "registered", `${id}.json`);
}

/** The registry's files as they are now (`FileRegistry.beside`: `<cacheDir>/registry`). */
export function registryStamp(cacheDir: string): string {
  return ["registry.json", "journal.jsonl"]
    .map((name) => {
      const info = statSync(path.join(cacheDir, "registry", name), { throwIfNoEntry: false, bigint: true });
      return info ? `${info.size}:${info.mtimeNs}:${info.ino}` : "-";
    })
    .join("/");
}

/** The record a build of `file` (resolved to `hash`) would register, when the registry is unchanged. */
export function readReceipt(cacheDir: string, pipelineId: string, file: string, hash: string): { name: string; version: string } | undefined {
  let receipt: Partial<RegistrationReceipt>;
  try {
    receipt = JSON.parse(readRegularFileSync(receiptPath(cacheDir, pipelineId, file), "utf8")) as Partial<RegistrationReceipt>;
  } catch {
    return undefined;
  }
  if (receipt.hash !== hash || typeof receipt.name !== "string" || typeof receipt.version !== "string") return undefined;
  return receipt.stamp === registryStamp(cacheDir) ? { name: receipt.name, version: receipt.version } : undefined;
}

/** Best effort, atomic (core's `writeQuickRecord`): a lost receipt only means the long way next time. */
export function writeReceipt(cacheDir: string, pipelineId: string, file: string, receipt: RegistrationReceipt): void {
  writeQuickRecord(receiptPath(cacheDir, pipelineId, file), path.join(cacheDir, "v1", "tmp"), receipt);
}
