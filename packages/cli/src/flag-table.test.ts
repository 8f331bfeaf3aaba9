import { describe, expect, it } from "vitest";
import { BUILD_FLAGS, BUILD_REQUEST_FLAGS, GLOBAL_FLAGS, flagNames } from "./flag-table.js";
import { quickBuildFlags } from "./quick-build.js";

const ALL = [...GLOBAL_FLAGS, ...BUILD_REQUEST_FLAGS, ...BUILD_FLAGS];

describe("the flag table", () => {
  it("names each flag once, and the quick path takes a value exactly where the flag has one", () => {
    const names = ALL.flatMap((spec) => flagNames(spec).names);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of ALL) {
      const { takesValue, negated } = flagNames(spec);
      const use = spec.quick;
      if (use === undefined || use === "ignored") continue;
      expect("value" in use || "policyList" in use, spec.flags).toBe(takesValue);
      if (negated) expect("toggle" in use || "policyToggle" in use, spec.flags).toBe(true);
    }
  });

  it("the quick path reads the table: a flag it keeps, one it ignores, one it leaves to the full CLI", () => {
    expect(quickBuildFlags(["build", "env.yaml", "-t", "conda", "--no-register", "--find-links", "w", "--pass-env", "A,B"])).toEqual({
      ref: "env.yaml",
      target: "conda",
      quiet: false,
      register: false,
      printArtifactPath: false,
      policy: { passEnv: ["A", "B"] },
    });
    expect(quickBuildFlags(["build", "env.yaml", "--rebuild"])).toBeUndefined();
    expect(quickBuildFlags(["build", "env.yaml", "--quiet=yes"])).toBeUndefined();
    expect(quickBuildFlags(["--progress=json", "build", "env.yaml"])).toBeUndefined();
    expect(quickBuildFlags(["--json", "build", "env.yaml", "-q"])).toMatchObject({ ref: "env.yaml", json: true, quiet: true });
    expect(quickBuildFlags(["build", "env.yaml", "--json", "--print-artifact-path"])).toBeUndefined(); // the full CLI refuses the pair
  });
});
