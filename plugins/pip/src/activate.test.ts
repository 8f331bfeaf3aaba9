import { describe, expect, it } from "vitest";
import type { CacheEntry } from "@envforge/core/plugin-kit";
import { activateVenv } from "./activate.js";

const entry = (artifact: CacheEntry["artifact"]): CacheEntry => ({
  schema: 1,
  hash: `efh1:${"c".repeat(64)}`,
  target: "venv",
  generation: 1,
  builder: "pip",
  artifact,
  timings: { startedAt: "", finishedAt: "", durationMs: 0 },
  canonicalText: "{}",
});

describe("venv activation", () => {
  it("a venv: its bin first on PATH, VIRTUAL_ENV, PYTHONHOME removed (as bin/activate does)", () => {
    expect(activateVenv(entry({ kind: "venv", path: "/cache/v1/artifacts/venv/x.1" }))).toEqual({
      env: { VIRTUAL_ENV: "/cache/v1/artifacts/venv/x.1" },
      unset: ["PYTHONHOME"],
      pathPrepend: ["/cache/v1/artifacts/venv/x.1/bin"],
    });
  });

  it("a user-managed environment: the named interpreter's folder first on PATH, and a note naming it", () => {
    const activation = activateVenv(entry({ kind: "venv", path: "/opt/py/bin/python3.12", details: { userManaged: true } }))!;
    expect(activation.pathPrepend).toEqual(["/opt/py/bin"]);
    expect(activation.env).toEqual({});
    expect(activation.unset).toBeUndefined();
    expect(activation.notes?.[0]).toContain("/opt/py/bin/python3.12 is the interpreter");
  });

  it("not a venv: not this tap's", () => {
    expect(activateVenv(entry({ kind: "docker-image", reference: "x" }))).toBeUndefined();
  });
});
