/**
 * Core and the plugins write hints for whoever embeds the engine: they name engine options
 * (`allowFilesOutsideRoot`, `limits.maxFileBytes`) and host-policy fields (`policy.passEnv`).
 * A CLI user can only pass flags, so the CLI says the flag instead, or — for a bound no flag
 * changes — drops the advice to raise it. Core keeps its hints for embedders; only what the CLI
 * prints is rewritten here. Applied in order.
 */
const FLAG_OF: Record<string, string> = {
  allowFilesOutsideRoot: "--allow-outside-files",
  "policy.allowOutsideFiles": "--allow-outside-files",
  "policy.allowUserManaged": "--allow-user-managed",
  "policy.allowDockerSteps": "--allow-docker-steps",
  "policy.passEnv": "--pass-env",
  "policy.indexHosts": "--allow-index-host",
  "policy.baseImageRegistries": "--allow-registry",
  "policy.deniedVariables": "--allow-variable",
  timeoutMs: "--timeout",
};

const NAMES = Object.keys(FLAG_OF)
  .map((n) => n.replace(/\./g, "\\."))
  .join("|");

const RULES: Array<[RegExp, string | ((...groups: string[]) => string)]> = [
  // "`--allow-registry X` on the CLI, or add "X" to policy.baseImageRegistries": the flag is enough.
  [/` on the CLI, or (?:(?:leave|add) "[^"]*" (?:out of|to) )?policy\.[A-Za-z]+/g, "`"],
  // "(--allow-outside-files; engine option allowFilesOutsideRoot, policy.allowOutsideFiles)".
  [/(--[a-z-]+); (?:engine option |policy\.)[^)]*\)/g, "$1)"],
  // "--allow-user-managed (policy.allowUserManaged)", "--pass-env NAME (policy.passEnv)".
  [/(--[a-z-]+(?: [^\s()]+)?) \((?:engine option |policy\.)[^)]*\)/g, "$1"],
  // Limits: the CLI keeps the defaults, so there is nothing to raise.
  [/ \(engine option `limits\.\w+`\)/g, ""],
  [/, or raise the engine option `limits\.\w+` if this is really intended/g, ""],
  [/^engine option `limits\.\w+` sets the bound$/, "keep it under the limit: the envforge CLI does not raise it"],
  [/the engine option lockStaleMs; raise it on slow or overloaded machines/g, "the build lock's stale time; run fewer builds at once on a slow or overloaded machine"],
  [/the longest is 2\^31-1 ms \(about 24\.8 days\)/g, "the longest is 604800 (7 days)"],
  [/builder option \((\w+\.\w+)\)/g, "builder option (-o $1=...)"],
  // Whatever names remain: "the engine option `allowFilesOutsideRoot`" → "--allow-outside-files".
  [new RegExp(`(?:the )?(?:engine option )?\`?(${NAMES})\`?`, "g"), (_m, name) => FLAG_OF[name]!],
];

/** The hint as a CLI user can act on it. */
export function cliHint(hint: string): string;
export function cliHint(hint: string | undefined): string | undefined;
export function cliHint(hint: string | undefined): string | undefined {
  if (hint === undefined) return undefined;
  let out = hint;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement as string);
  return out;
}
