import { readdir, readFile, readlink } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Stops what a killed build left running. Builders start tools in their own process groups (so a
 * cancel kills the whole tree), which also means a SIGKILLed host leaves them running, still
 * writing into the artifact folder the next build of the same key reuses. The caller holds the
 * key's lock, so no live build of that key exists on this machine: every process whose command
 * line names the folders, or that runs inside them, is a stray. Linux only (`/proc`); a no-op
 * elsewhere. Returns how many processes were signalled.
 */
export async function stopStrays(folders: readonly string[], signal: "SIGTERM" | "SIGKILL" = "SIGKILL"): Promise<number> {
  if (process.platform !== "linux") return 0;
  let killed = 0;
  // A stray may fork while we look: a few rounds until none is left (one round for a polite SIGTERM).
  for (let round = 0; round < (signal === "SIGKILL" ? 5 : 1); round++) {
    const found = await findStrays(folders);
    if (found.length === 0) break;
    for (const pid of found) {
      try {
        process.kill(pid, signal);
        killed++;
      } catch {
        // gone already
      }
    }
    await sleep(50);
  }
  return killed;
}

async function findStrays(folders: readonly string[]): Promise<number[]> {
  const names = await readdir("/proc").catch(() => [] as string[]);
  const within = (p: string) => folders.some((f) => p === f || p.startsWith(`${f}/`) || p.includes(`=${f}/`) || p.endsWith(`=${f}`));
  const out: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const args = (await readFile(`/proc/${name}/cmdline`, "utf8")).split("\0");
      if (args.some(within) || within(await readlink(`/proc/${name}/cwd`))) out.push(Number(name));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return out;
}
