import type { EnvironmentRecord, WorkspaceBuildResult } from "@envforge/workspace";

type Summarized = Pick<WorkspaceBuildResult, "result" | "drift" | "previousGeneration"> & { record?: Pick<EnvironmentRecord, "name" | "version"> | undefined };

/** What `--print-artifact-path` prints: the artifact's folder, or an image's reference. */
export function artifactPathOf(artifact: { path?: string | undefined; reference?: string | undefined; kind: string }): string {
  return artifact.path ?? artifact.reference ?? artifact.kind;
}

/** What `envforge build` prints on stdout (without --json). Lean: the quick path prints it too. */
export function buildSummary(out: Summarized): string {
  const { result } = out;
  const artifact = result.entry.artifact;
  const where = artifactPathOf(artifact);
  const how = result.cached ? `cache hit (${result.store})` : `built (generation ${result.entry.generation})`;
  const lines = [`hash: ${result.hash}`, `target: ${result.target}`, `status: ${how}`, `artifact: ${where}`];
  if (out.record) lines.push(`environment: ${out.record.name}@${out.record.version}`);
  const leftOut = artifact.details?.leftOut;
  if (Array.isArray(leftOut) && leftOut.length > 0) lines.push(`python-only: the Python part of the definition (left out: ${leftOut.join(", ")})`);
  if (out.drift) {
    const d = out.drift;
    if (d.noPreviousLock) lines.push("drift: the previous generation recorded no lock");
    else if (d.equal) lines.push(`drift: none (${d.unchanged} packages resolved as before)`);
    else {
      lines.push(`drift against generation ${out.previousGeneration} (still cached until collected):`);
      for (const m of d.moved) lines.push(`  ~ ${m.name} ${m.from} → ${m.to}`);
      for (const a of d.added) lines.push(`  + ${a.name} ${a.version}`);
      for (const r of d.removed) lines.push(`  - ${r.name} ${r.version}`);
    }
  }
  return lines.join("\n");
}
