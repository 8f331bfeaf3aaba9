import { writeFile } from "node:fs/promises";
import { stringify } from "yaml";
import type { CommandContext } from "./context.js";
import { resolvePath } from "./context.js";

/** Writes a definition as YAML to `--output FILE`, or to stdout. */
export async function emitDefinition(ctx: CommandContext, definition: unknown, output: string | undefined, header?: string): Promise<void> {
  const text = `${header ? `${header.split("\n").map((l) => `# ${l}`).join("\n")}\n` : ""}${stringify(definition, { lineWidth: 0 })}`;
  if (output) {
    await writeFile(resolvePath(ctx.io, output), text);
    ctx.io.err(`wrote ${output}\n`);
  } else ctx.io.out(text);
}
