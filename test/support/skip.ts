/**
 * Real-tool tests skip locally with a visible reason when a tool is missing, but in CI
 * (CI=true) a missing tool is a failure: the suite must not pass by skipping everything.
 */
export const inCI = process.env.CI === "true";

/** A describe-block title that says why it is skipped. */
export function titleWithReason(title: string, reason: string | undefined): string {
  return reason ? `${title} — SKIPPED: ${reason}` : title;
}

export function warnSkip(what: string, reason: string | undefined): void {
  if (reason && !inCI) console.warn(`[envforge tests] skipping ${what}: ${reason}`);
}
