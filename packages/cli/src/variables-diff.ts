/** One runtime variable that differs between two definitions (absent on a side: undefined). */
export interface VariableChange {
  name: string;
  a?: string | undefined;
  b?: string | undefined;
}

/** A definition document's runtime `variables`, as the parser reads them (values as strings). */
export function runtimeVariables(document: unknown): Record<string, string> {
  const raw = (document as { variables?: unknown } | undefined)?.variables;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {};
  return Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

/** The variables added, removed or changed from `a` to `b`, by name. */
export function variableChanges(a: Record<string, string>, b: Record<string, string>): VariableChange[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return names.filter((n) => a[n] !== b[n]).map((name) => ({ name, a: a[name], b: b[name] }));
}

/** `NAME: 'x' → 'y'`, `NAME: (unset) → 'y'`. */
export function describeVariableChange(change: VariableChange): string {
  const show = (v: string | undefined) => (v === undefined ? "(unset)" : JSON.stringify(v));
  return `  ${change.name}: ${show(change.a)} → ${show(change.b)}`;
}
