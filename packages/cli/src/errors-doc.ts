/**
 * ERRORS.md, written from the code table (core's errors/codes.ts and what plugins declare with
 * `definePlugin({ errors, warnings })`) by `npm run errors-doc` (scripts/errors-doc.mjs); a test
 * (test/errors-doc.test.ts) fails when the file and the table disagree.
 */
import type { ErrorInfo, WarningInfo } from "@envforge/core/plugin-kit";
import { EXIT, EXIT_OF_KIND } from "./exit-status.js";

/** What `knownCodes()` returns: each code with its entry and who declared it (`envforge` or a plugin). */
export interface CodeTable {
  errors: ReadonlyArray<readonly [code: string, info: ErrorInfo, declaredBy: string]>;
  warnings: ReadonlyArray<readonly [code: string, info: WarningInfo, declaredBy: string]>;
}

const BUILTIN = "envforge";

/** A table cell: one line, `|` escaped. */
const cell = (text: string | undefined): string => (text === undefined || text === "" ? "—" : text.replace(/\s+/g, " ").replace(/\|/g, "\\|"));

function errorRows(rows: CodeTable["errors"]): string[] {
  return [
    "| code | kind | exit | meaning | default hint |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(([code, info]) => `| \`${code}\` | ${info.kind} | ${EXIT_OF_KIND[info.kind]} | ${cell(info.meaning)} | ${cell(info.hint)} |`),
  ];
}

function warningRows(rows: CodeTable["warnings"]): string[] {
  return ["| code | meaning | default hint |", "| --- | --- | --- |", ...rows.map(([code, info]) => `| \`${code}\` | ${cell(info.meaning)} | ${cell(info.hint)} |`)];
}

/** The plugins that declared codes, in the order they were declared. */
function pluginsOf(table: CodeTable): string[] {
  return [...new Set([...table.errors, ...table.warnings].map(([, , by]) => by).filter((by) => by !== BUILTIN))];
}

export function errorsDoc(table: CodeTable): string {
  const builtinErrors = table.errors.filter(([, , by]) => by === BUILTIN);
  const builtinWarnings = table.warnings.filter(([, , by]) => by === BUILTIN);
  const lines = [
    "# Error and warning codes",
    "",
    "<!-- Written by `npm run errors-doc` from packages/core/src/errors/codes.ts and the codes the stock plugins declare. Do not edit: change the table and run it again. -->",
    "",
    "Every error envforge raises carries a code from this table, and every warning a `W_` code. Hosts",
    "match on the code, never on the message: a code is never renamed or reused. The hint given is",
    "the default one; the site that raises an error often gives a more precise hint.",
    "",
    "The `envforge` command's exit status follows the code's kind:",
    "",
    "| kind | exit | what to do |",
    "| --- | --- | --- |",
    `| input | ${EXIT_OF_KIND.input} | fix the definition, a flag or a file it names |`,
    `| build | ${EXIT_OF_KIND.build} | a build failed, timed out or was cancelled, or a tool is missing: read the build log |`,
    `| internal | ${EXIT_OF_KIND.internal} | a bug in envforge or a plugin: report it |`,
    "",
    `A failure that is no envforge error is internal too (exit ${EXIT.internal}; \`E_INTERNAL\` in \`--json\` output).`,
    `Other statuses: ${EXIT.ok} success, ${EXIT.check} a check did not meet its threshold, 128 + the signal's number when a signal stopped the command.`,
    "",
    "## Errors",
    "",
    ...errorRows(builtinErrors),
    "",
    "## Warnings",
    "",
    ...warningRows(builtinWarnings),
    "",
    "## Codes of the stock plugins",
    "",
    "Declared with `definePlugin({ errors, warnings })`, named `E_<PLUGIN>_…` / `W_<PLUGIN>_…`.",
  ];
  const plugins = pluginsOf(table);
  if (plugins.length === 0) lines.push("", "None of the stock plugins declares codes of its own.");
  for (const plugin of plugins) {
    const errors = table.errors.filter(([, , by]) => by === plugin);
    const warnings = table.warnings.filter(([, , by]) => by === plugin);
    lines.push("", `### ${plugin}`);
    if (errors.length > 0) lines.push("", ...errorRows(errors));
    if (warnings.length > 0) lines.push("", ...warningRows(warnings));
  }
  return `${lines.join("\n")}\n`;
}
