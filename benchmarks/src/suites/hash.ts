import { generateSpecs, LARGE, TYPICAL, type SpecShape } from "../generators.js";
import { benchEngine, parseAll } from "../envforge.js";
import { compare } from "../harness.js";
import type { CaseResult, Row, TargetCheck } from "../model.js";
import { limitSubject, peerSubjects } from "../peers.js";
import { checkTarget, type Thresholds } from "../targets.js";
import type { SuiteContext } from "./context.js";

/** Distinct specs hashed round-robin: the same requirement lines recur across them, as in real use. */
const POOL = { typical: 64, large: 8 };

async function hashCase(ctx: SuiteContext, id: string, title: string, shape: SpecShape, pool: number): Promise<CaseResult> {
  const engine = benchEngine(ctx.scratch("hash-cache"));
  const parsed = await parseAll(engine, generateSpecs(shape, pool), ctx.scratch("specs"));
  const texts = parsed.map((p) => engine.hashParsed(p).canonicalText);
  let i = 0;
  const rows = await compare(
    [
      { name: "envforge hashParsed", role: "envforge", fn: () => engine.hashParsed(parsed[i++ % parsed.length]!), note: "canonicalize every section (PEP 503/440, MatchSpecs, image refs) + serialize + sha256" },
      ...peerSubjects(parsed.map((p) => p.loaded.data)),
      limitSubject(texts),
    ],
    ctx.config,
  );
  const bytes = Math.round(texts.reduce((a, t) => a + Buffer.byteLength(t), 0) / texts.length);
  return { suite: "hash", id, title, unit: "µs", rows, notes: [`${pool} distinct specs hashed round-robin; canonical text ≈ ${bytes} bytes`] };
}

export function hashTargets(cases: CaseResult[], overrides: Thresholds): TargetCheck[] {
  const out: TargetCheck[] = [];
  for (const c of cases) {
    const ef = c.rows.find((r: Row) => r.role === "envforge");
    if (!ef) continue;
    out.push(
      checkTarget(`${c.id}:vs-peers`, overrides, {
        describe: (t) => (t === 1 ? `${c.title}: envforge faster than every peer` : `${c.title}: envforge under ${t}x the time of the best peer`),
        value: ef.ratioToBestPeer!,
        measured: `${ef.ratioToBestPeer!.toFixed(2)}x the time of the best peer (${ef.bestPeer})`,
      }),
    );
    out.push(
      checkTarget(`${c.id}:vs-limit`, overrides, {
        describe: (t) => `${c.title}: envforge within ${t}x of one sha256 of the canonical bytes`,
        value: ef.ratioToLimit!,
        measured: `${ef.ratioToLimit!.toFixed(2)}x the limit`,
      }),
    );
  }
  return out;
}

export async function hashSuite(ctx: SuiteContext): Promise<{ cases: CaseResult[]; targets: TargetCheck[] }> {
  const cases = [
    await hashCase(ctx, "hash-typical", "Hash, typical spec (20 pip, 10 conda, 3 steps, 2 spark)", TYPICAL, ctx.config.smoke ? 4 : POOL.typical),
    await hashCase(ctx, "hash-large", "Hash, large spec (400 pip requirements)", LARGE, ctx.config.smoke ? 2 : POOL.large),
  ];
  return { cases, targets: hashTargets(cases, ctx.config.targets) };
}
