import type { EngineEvent } from "./events.js";

const MASK = "***";

/** Replaces every secret in text; secrets shorter than 4 characters are ignored (they would mask noise). */
export function createRedactor(secrets: readonly string[]) {
  const list = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  const text = (s: string): string => {
    if (list.length === 0) return s;
    let out = s;
    for (const secret of list) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  };
  const event = (e: EngineEvent): EngineEvent => {
    if (list.length === 0) return e;
    if (e.type === "log") return { ...e, line: text(e.line) };
    if (e.type === "warning") return { ...e, message: text(e.message), hint: e.hint === undefined ? undefined : text(e.hint) };
    return e;
  };
  return { text, event };
}
