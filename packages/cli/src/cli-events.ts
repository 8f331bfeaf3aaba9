import type { EngineEvent } from "@envforge/core/plugin-kit";
import { cliHint } from "./cli-hints.js";

/**
 * What the CLI's renderer sees of the engine's events: each warning once per command — a command
 * that reads the same definition twice (`explain A A`, `env diff`, `pin`'s re-hash, a registered
 * version's copy beside its file) or a tool that reports one problem from two stages would
 * otherwise print it again — and warning hints that name the CLI's flags (cli-hints.ts).
 */
export function cliEvents(render: (event: EngineEvent) => void): (event: EngineEvent) => void {
  const seen = new Set<string>();
  return (event) => {
    if (event.type !== "warning") return render(event);
    const where = event.location ? `${event.location.file}:${event.location.line}:${event.location.column}` : "";
    const key = `${event.code}\u0000${event.message}\u0000${where}`;
    if (seen.has(key)) return;
    seen.add(key);
    render(event.hint === undefined ? event : { ...event, hint: cliHint(event.hint) });
  };
}
