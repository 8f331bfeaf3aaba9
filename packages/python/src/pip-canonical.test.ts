import { describe, expect, it } from "vitest";
import { pipCanonicalParts, pipInstallFiles } from "./pip-canonical.js";

describe("the pip section's canonical form", () => {
  it("pipInstallFiles writes options, the constraints reference, then requirements", () => {
    expect(pipInstallFiles(["a==1", "b==2"])).toEqual({ requirements: "a==1\nb==2\n" });
    expect(pipInstallFiles({ requirements: ["a==1"], constraints: ["c<2"], options: ["--pre"] })).toEqual({
      requirements: "--pre\n-c constraints.txt\na==1\n",
      constraints: "c<2\n",
    });
  });

  it("pipCanonicalParts reads either form", () => {
    expect(pipCanonicalParts(undefined)).toEqual({ requirements: [], constraints: [], options: [] });
    expect(pipCanonicalParts(["a==1"])).toEqual({ requirements: ["a==1"], constraints: [], options: [] });
    expect(pipCanonicalParts({ requirements: ["a==1"], options: ["--pre"] })).toEqual({ requirements: ["a==1"], constraints: [], options: ["--pre"] });
  });
});
