import type { Command } from "commander";

/**
 * Shell completion scripts generated from the commander program itself, so a new command or flag
 * completes without anyone editing a script. Each script holds the command tree as data (which
 * words are commands at each level, which flags, which flags take a value) plus a small walker
 * that finds the command path typed so far; positional arguments complete as file names.
 */
export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

interface Flag {
  names: string[];
  description: string;
  takesValue: boolean;
  choices: readonly string[] | undefined;
}

interface Node {
  /** Command words from the root, space-separated ("" for the root, "cache ls"). */
  path: string;
  subcommands: Array<{ name: string; description: string }>;
  flags: Flag[];
}

const HELP_FLAG: Flag = { names: ["-h", "--help"], description: "display help", takesValue: false, choices: undefined };
/** Answered before commander parses (version.ts), so not among the program's options. */
const VERSION_FLAG: Flag = { names: ["-V", "--version"], description: "print the version of envforge", takesValue: false, choices: undefined };

/** One short line: the description up to its first clause, without control characters. */
function short(text: string): string {
  const line = text.replace(/\s+/g, " ").split(/: |; | \(/)[0]!.trim();
  return line.length > 70 ? `${line.slice(0, 67)}...` : line;
}

export function commandTree(program: Command): Node[] {
  const nodes: Node[] = [];
  const walk = (command: Command, path: string) => {
    const subcommands = command.commands.filter((c) => !(c as { _hidden?: boolean })._hidden);
    nodes.push({
      path,
      subcommands: [
        ...subcommands.map((c) => ({ name: c.name(), description: short(c.description()) })),
        ...(subcommands.length > 0 ? [{ name: "help", description: "display help for a command" }] : []),
        // An argument with a fixed set of values (`completion <shell>`) completes like a command word.
        ...(command.registeredArguments[0]?.argChoices ?? []).map((choice) => ({ name: choice, description: command.registeredArguments[0]!.description })),
      ],
      flags: [
        ...command.options
          .filter((o) => !o.hidden)
          .map((o) => ({ names: [o.short, o.long].filter((n): n is string => n !== undefined), description: short(o.description), takesValue: o.required || o.optional, choices: o.argChoices })),
        HELP_FLAG,
        ...(path === "" ? [VERSION_FLAG] : []),
      ],
    });
    for (const sub of subcommands) walk(sub, path === "" ? sub.name() : `${path} ${sub.name()}`);
  };
  walk(program, "");
  return nodes;
}

export function completionScript(shell: Shell, program: Command): string {
  const nodes = commandTree(program);
  const name = program.name();
  if (shell === "bash") return bashScript(name, nodes);
  if (shell === "zsh") return zshScript(name, nodes);
  return fishScript(name, nodes);
}

/** A word safe inside single quotes in bash and zsh. */
const sq = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
/** The same for fish, whose single quotes take \' and \\. */
const fq = (text: string) => `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
const fn = (name: string) => `_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;

const valued = (node: Node) => node.flags.filter((f) => f.takesValue).flatMap((f) => f.names);
const flagNames = (node: Node) => node.flags.flatMap((f) => f.names);

/** `case` arms of a POSIX-style function answering per command path. */
function caseArms(nodes: Node[], words: (node: Node) => string[]): string {
  return nodes
    .map((n) => ({ path: n.path, words: words(n) }))
    .filter((n) => n.words.length > 0)
    .map((n) => `    ${sq(n.path)}) echo ${sq(n.words.join(" "))} ;;`)
    .join("\n");
}

function bashScript(name: string, nodes: Node[]): string {
  const f = fn(name);
  return `# ${name} completion for bash.
# Load it in this shell:        eval "$(${name} completion bash)"
# or install it for every shell: ${name} completion bash > ~/.local/share/bash-completion/completions/${name}
${f}_subcommands() {
  case "$1" in
${caseArms(nodes, (n) => n.subcommands.map((s) => s.name))}
  esac
}
${f}_flags() {
  case "$1" in
${caseArms(nodes, flagNames)}
  esac
}
${f}_valued() {
  case "$1" in
${caseArms(nodes, valued)}
  esac
}
${f}_choices() {
  case "$1" in
${nodes.flatMap((n) => n.flags.filter((fl) => fl.choices).flatMap((fl) => fl.names.map((x) => `    ${sq(`${n.path}|${x}`)}) echo ${sq(fl.choices!.join(" "))} ;;`))).join("\n") || "    *) ;;"}
  esac
}
${f}() {
  local cur prev word path="" i choices
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if [[ " $(${f}_valued "$path") $(${f}_valued "") " == *" $word "* ]]; then
      ((i++))
      continue
    fi
    [[ "$word" == -* ]] && continue
    if [[ " $(${f}_subcommands "$path") " == *" $word "* ]]; then
      path="\${path:+$path }$word"
    fi
  done
  if [[ " $(${f}_valued "$path") $(${f}_valued "") " == *" $prev "* ]]; then
    choices="$(${f}_choices "$path|$prev")"
    [[ -n "$choices" ]] && COMPREPLY=($(compgen -W "$choices" -- "$cur"))
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(${f}_flags "$path") $(${f}_flags "")" -- "$cur"))
    return 0
  fi
  COMPREPLY=($(compgen -W "$(${f}_subcommands "$path")" -- "$cur"))
}
complete -o bashdefault -o default -F ${f} ${name}
`;
}

/** `name:description` lines for zsh's _describe (a colon in a name or description is escaped). */
function describeLines(items: Array<{ name: string; description: string }>): string {
  return items.map((i) => `${i.name.replace(/:/g, "\\:")}:${i.description.replace(/:/g, "\\:")}`).join("\n");
}

function zshScript(name: string, nodes: Node[]): string {
  const f = fn(name);
  const describeArms = (items: (n: Node) => Array<{ name: string; description: string }>) =>
    nodes
      .map((n) => ({ path: n.path, lines: describeLines(items(n)) }))
      .filter((n) => n.lines !== "")
      .map((n) => `    ${sq(n.path)}) print -r -- ${sq(n.lines)} ;;`)
      .join("\n");
  return `#compdef ${name}
# ${name} completion for zsh.
# Load it in this shell:  source <(${name} completion zsh)
# or install it:          ${name} completion zsh > "\${fpath[1]}/_${name}"   (then restart zsh)
${f}_subcommands() {
  case "$1" in
${describeArms((n) => n.subcommands)}
  esac
}
${f}_flags() {
  case "$1" in
${describeArms((n) => n.flags.flatMap((fl) => fl.names.map((x) => ({ name: x, description: fl.description }))))}
  esac
}
${f}_valued() {
  case "$1" in
${caseArms(nodes, valued)}
  esac
}
${f}() {
  local cmdpath="" word prev
  local -a subs flags
  local -i i
  for (( i = 2; i < CURRENT; i++ )); do
    word="\${words[i]}"
    if [[ " $(${f}_valued "$cmdpath") $(${f}_valued "") " == *" $word "* ]]; then
      (( i++ ))
      continue
    fi
    [[ "$word" == -* ]] && continue
    subs=(\${(f)"$(${f}_subcommands "$cmdpath")"})
    if (( \${subs[(I)\${word}:*]} )); then
      cmdpath="\${cmdpath:+$cmdpath }$word"
    fi
  done
  prev="\${words[CURRENT-1]}"
  if [[ " $(${f}_valued "$cmdpath") $(${f}_valued "") " == *" $prev "* ]]; then
    _files
    return
  fi
  if [[ "\${words[CURRENT]}" == -* ]]; then
    flags=(\${(f)"$(${f}_flags "$cmdpath"; ${f}_flags "")"})
    _describe -t options 'option' flags
    return
  fi
  subs=(\${(f)"$(${f}_subcommands "$cmdpath")"})
  if (( \${#subs} )); then
    _describe -t commands 'command' subs
  else
    _files
  fi
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  ${f} "$@"
else
  compdef ${f} ${name}
fi
`;
}

function fishScript(name: string, nodes: Node[]): string {
  const f = `__${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
  const arms = (words: (n: Node) => string[]) =>
    nodes
      .map((n) => ({ path: n.path, words: words(n) }))
      .filter((n) => n.words.length > 0)
      .map((n) => `    case ${fq(n.path)}\n        printf '%s\\n' ${n.words.map(fq).join(" ")}`)
      .join("\n");
  const lines: string[] = [];
  for (const node of nodes) {
    const at = `-n ${fq(`${f}_at ${fq(node.path)}`)}`;
    if (node.subcommands.length > 0) lines.push(`complete -c ${name} ${at} -f`);
    for (const sub of node.subcommands) lines.push(`complete -c ${name} ${at} -f -a ${fq(sub.name)} -d ${fq(sub.description)}`);
    for (const flag of node.flags) {
      const parts = flag.names.map((x) => (x.startsWith("--") ? `-l ${fq(x.slice(2))}` : `-s ${fq(x.slice(1))}`));
      const value = flag.takesValue ? (flag.choices ? ` -x -a ${fq(flag.choices.join(" "))}` : " -r") : "";
      // The root's flags are accepted after any command too.
      const where = node.path === "" ? "" : ` ${at}`;
      lines.push(`complete -c ${name}${where} ${parts.join(" ")}${value} -d ${fq(flag.description)}`);
    }
  }
  return `# ${name} completion for fish.
# Load it in this shell:  ${name} completion fish | source
# or install it:          ${name} completion fish > ~/.config/fish/completions/${name}.fish
function ${f}_subcommands
    switch "$argv[1]"
${arms((n) => n.subcommands.map((s) => s.name))}
    end
end
function ${f}_valued
    switch "$argv[1]"
${arms(valued)}
    end
end
function ${f}_path
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l path
    set -l skip 0
    for token in $tokens
        if test $skip -eq 1
            set skip 0
            continue
        end
        if contains -- $token (${f}_valued "$path") (${f}_valued "")
            set skip 1
            continue
        end
        if string match -q -- '-*' $token
            continue
        end
        if contains -- $token (${f}_subcommands "$path")
            set path (string trim -- "$path $token")
        end
    end
    echo "$path"
end
function ${f}_at
    test (${f}_path) = "$argv[1]"
end
${lines.join("\n")}
`;
}
