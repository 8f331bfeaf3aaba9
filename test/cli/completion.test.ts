import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { createProgram } from "@envforge/cli";
import { beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../support/engine.js";
import { inCI, titleWithReason, warnSkip } from "../support/skip.js";
import { runCli } from "./support.js";

/**
 * `envforge completion bash|zsh|fish`: scripts generated from the commander program, so every
 * command, subcommand and flag completes. Each script must parse in its shell (`-n`), and bash's
 * must complete for real (its completion function driven with COMP_WORDS in a bash process).
 */
const has = (shell: string) => spawnSync(shell, ["-c", "exit 0"]).status === 0;

function scriptOf(shell: string): Promise<string> {
  return runCli(["completion", shell]).then((run) => {
    expect(run.code, run.stderr).toBe(0);
    return run.stdout;
  });
}

type Command = Awaited<ReturnType<typeof createProgram>>;

/** Every command path of the program ("cache ls", "env get"…). */
function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

describe.each(["bash", "zsh", "fish"])("envforge completion %s", (shell) => {
  const reason = has(shell) ? undefined : `${shell} is not installed`;
  if (reason && inCI) throw new Error(`the ${shell} completion test needs ${shell} in CI`);
  warnSkip(`the ${shell} completion parse check`, reason);

  it.skipIf(reason !== undefined)(titleWithReason(`parses (${shell} -n)`, reason), async () => {
    const dir = await tempDir("envforge-completion-");
    const file = path.join(dir, `envforge.${shell}`);
    writeFileSync(file, await scriptOf(shell));
    const check = spawnSync(shell, ["-n", file], { encoding: "utf8" });
    expect(check.status, check.stderr).toBe(0);
    expect(check.stderr).toBe("");
  });

  it("names every command and subcommand of the program, and their flags", async () => {
    const script = await scriptOf(shell);
    const program = await createProgram({ io: { out: () => undefined, err: () => undefined, isTTY: false, cwd: "/", env: {} }, extraPlugins: [], exitCode: 0 } as never);
    for (const words of commandPaths(program)) expect(script, words.join(" ")).toContain(words[words.length - 1]);
    for (const flag of ["--cache-dir", "--strict", "--rebuild", "--exit-code", "--min-score", "--max-age-days", "--version"]) {
      expect(script, flag).toContain(shell === "fish" ? `-l '${flag.slice(2)}'` : flag);
    }
  });
});

const bash = has("bash") ? undefined : "bash is not installed";
if (bash && inCI) throw new Error("the bash completion test needs bash in CI");

describe.skipIf(bash !== undefined)(titleWithReason("bash completion, driven for real", bash), () => {
  let script: string;
  beforeAll(async () => {
    const dir = await tempDir("envforge-completion-bash-");
    script = path.join(dir, "envforge.bash");
    writeFileSync(script, await scriptOf("bash"));
  });

  /** What `_envforge` puts in COMPREPLY for a command line whose last word is being completed. */
  function complete(...words: string[]): string[] {
    const driver = [
      `source ${JSON.stringify(script)}`,
      "complete -p envforge",
      "COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMPREPLY=()",
      "_envforge",
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join("\n");
    const run = spawnSync("bash", ["-c", driver, "bash", "envforge", ...words], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const [registration, ...replies] = run.stdout.split("\n").filter((l) => l !== "");
    expect(registration).toBe("complete -o bashdefault -o default -F _envforge envforge");
    return replies;
  }

  it("completes a command name", () => {
    expect(complete("bui")).toEqual(["build", "build-all"]);
    expect(complete("ex")).toEqual(["explain"]);
    expect(complete("")).toEqual(expect.arrayContaining(["build", "cache", "env", "hash", "completion", "help"]));
  });

  it("completes subcommands below a command, past global flags and their values", () => {
    expect(complete("cache", "")).toEqual(expect.arrayContaining(["ls", "gc", "verify"]));
    expect(complete("--cache-dir", "/tmp/x", "cache", "l")).toEqual(["ls"]);
    expect(complete("env", "g")).toEqual(["get"]);
  });

  it("completes a command's flags and the global ones", () => {
    expect(complete("build", "--reb")).toEqual(["--rebuild"]);
    expect(complete("build", "--re")).toEqual(["--rebuild", "--registry-cache", "--registry-insecure", "--registry-credentials"]);
    expect(complete("explain", "a.yaml", "b.yaml", "--exit")).toEqual(["--exit-code"]);
    expect(complete("cache", "gc", "--max-")).toEqual(["--max-age-days", "--max-size"]);
    expect(complete("build", "--stri")).toEqual(["--strict"]);
  });

  it("completes a fixed set of values (completion's shells); a flag's value is left to file completion", () => {
    expect(complete("completion", "")).toEqual(["bash", "zsh", "fish"]);
    expect(complete("build", "--target", "")).toEqual([]);
  });
});

describe("envforge completion with an unknown shell", () => {
  it("exits 1 naming the shells it knows", async () => {
    const run = await runCli(["completion", "tcsh"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/bash, zsh, fish/);
  });
});

const fish = has("fish") ? undefined : "fish is not installed";
if (fish && inCI) throw new Error("the fish completion test needs fish in CI");

describe.skipIf(fish !== undefined)(titleWithReason("fish completion, driven for real (complete -C)", fish), () => {
  let script: string;
  beforeAll(async () => {
    const dir = await tempDir("envforge-completion-fish-");
    script = path.join(dir, "envforge.fish");
    writeFileSync(script, await scriptOf("fish"));
  });

  const complete = (line: string): string[] => {
    const run = spawnSync("fish", ["-c", `source ${JSON.stringify(script)}; complete -C ${JSON.stringify(line)}`], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    return run.stdout.split("\n").filter((l) => l !== "").map((l) => l.split("\t")[0]!);
  };

  it("completes command names, subcommands past global flags, and flags", () => {
    expect(complete("envforge bu")).toEqual(["build", "build-all"]);
    expect(complete("envforge --cache-dir /tmp/x cache l")).toEqual(["ls"]);
    expect(complete("envforge build --reb")).toEqual(["--rebuild"]);
    expect(complete("envforge completion ").sort()).toEqual(["bash", "fish", "zsh"]);
  });
});
