import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createEngine, EnvforgeError, type EngineEvent, type EnginePlugin } from "@envforge/core/plugin-kit";
import { pipPlugin } from "./plugin.js";

/** Test helpers for this package's unit tests (not exported from the package). */

export function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "envforge-pip-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

export function pipEngine(extra: EnginePlugin[] = []) {
  const engine = createEngine({
    plugins: [pipPlugin(), ...extra],
    cacheDir: mkdtempSync(path.join(os.tmpdir(), "envforge-pip-cache-")),
  });
  const events: EngineEvent[] = [];
  engine.hooks.event.tap("test", (e) => events.push(e));
  const warnings = (code?: string) =>
    events.filter((e): e is Extract<EngineEvent, { type: "warning" }> => e.type === "warning" && (code === undefined || e.code === code));
  return { engine, events, warnings };
}

/** Hash of a definition given as files (env.yaml plus whatever it references). */
export async function hashTree(files: Record<string, string>): Promise<string> {
  const dir = writeTree(files);
  return (await pipEngine().engine.hash(path.join(dir, "env.yaml"))).hash;
}

export async function canonicalOf(files: Record<string, string>): Promise<unknown> {
  const dir = writeTree(files);
  return (await pipEngine().engine.hash(path.join(dir, "env.yaml"))).canonical.sections.pip;
}

/** The error a definition is refused with (fails the test if it is accepted). */
export async function refusal(files: Record<string, string>): Promise<EnvforgeError & { dir: string }> {
  const dir = writeTree(files);
  try {
    await pipEngine().engine.hash(path.join(dir, "env.yaml"));
  } catch (e) {
    if (e instanceof EnvforgeError) return Object.assign(e, { dir });
    throw e;
  }
  throw new Error("expected the definition to be refused");
}

export const env = (pip: string[]) => `python:\n  pip:\n${pip.map((p) => `    - ${JSON.stringify(p)}\n`).join("")}`;
export const envFile = (file = "./requirements.txt") => `python:\n  pipRequirements: ${file}\n`;
