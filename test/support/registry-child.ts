/**
 * A process that writes to the workspace registry as fast as it can, for crash trials: argv[2] is
 * JSON { dir, names, staleMs, start }. It registers versions of each name (several writers at
 * once), sets and moves labels, and prints `committed` (name, version, hash) only after each call
 * returned: what a killed run reported committed must survive the kill.
 */
import { FileRegistry } from "@envforge/workspace";

interface Job {
  dir: string;
  names: string[];
  staleMs: number;
  /** Distinguishes the hashes of this run from earlier runs'. */
  start: number;
}

const job = JSON.parse(process.argv[2] ?? "{}") as Job;
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
// A small journal limit: checkpoints (snapshot rewrite, journal restart) happen often, so kills land in them too.
const registry = new FileRegistry(job.dir, { staleMs: job.staleMs, maxJournalBytes: 4096 });

const hashOf = (n: number) => `efh1:${n.toString(16).padStart(64, "0")}` as const;

say({ type: "ready", pid: process.pid });
let n = job.start;
await Promise.all(
  job.names.map(async (name) => {
    for (;;) {
      const hash = hashOf(n++);
      const { record } = await registry.register({
        name,
        hash,
        definition: { document: { name, python: { pip: [`pkg==${n}`] } }, files: { "requirements.txt": `pkg==${n}\n` } },
        labels: n % 3 === 0 ? ["stable"] : undefined,
      });
      say({ type: "committed", name: record.name, version: record.version, hash: record.hash });
    }
  }),
);
