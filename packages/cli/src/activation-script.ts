import type { Activation } from "@envforge/core/plugin-kit";

/** A POSIX shell word that is exactly `value`: single quotes, each `'` written as `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/**
 * The activation as lines a POSIX shell evaluates (`eval "$(envforge activate REF)"`), as
 * `conda shell.bash activate` and `pixi shell-hook` print them: `unset` first, then the
 * variables, then PATH with the environment's folders in front of the shell's own `$PATH`.
 * Names are checked by core's variable rules; values are quoted, so nothing in them is run.
 */
export function activationScript(activation: Activation): string {
  const lines: string[] = [];
  for (const name of activation.unset ?? []) lines.push(`unset ${name}`);
  for (const [name, value] of Object.entries(activation.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    if (name === "PATH" && activation.pathPrepend?.length) continue;
    lines.push(`export ${name}=${shellQuote(value)}`);
  }
  const front = activation.pathPrepend ?? [];
  if (front.length > 0) {
    const base = activation.env.PATH !== undefined ? shellQuote(activation.env.PATH) : '"$PATH"';
    lines.push(`export PATH=${shellQuote(front.join(":"))}:${base}`);
  }
  return lines.map((l) => `${l}\n`).join("");
}
