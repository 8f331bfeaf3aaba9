import os from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { createEngine, type Lock } from "@envforge/core/plugin-kit";
import { condaPlugin } from "@envforge/plugin-conda";
import { pipPlugin } from "@envforge/plugin-pip";
import { pin } from "@envforge/workspace";

const lock: Lock = {
  packages: [
    { ecosystem: "pip", name: "requests", version: "2.32.3" },
    { ecosystem: "pip", name: "rich", version: "13.7.1" },
    { ecosystem: "pip", name: "flask", version: "3.0.3" },
    { ecosystem: "pip", name: "click", version: "8.1.7" },
    { ecosystem: "conda", name: "python", version: "3.11.9" },
    { ecosystem: "conda", name: "pandas", version: "2.2.2" },
  ],
};

/**
 * The order `envforge pin` reports in, frozen from the pinning that knew pip and conda itself:
 * the document's inline items (pip's, then conda's with its `pip:` sub-list in place), then the
 * conda file, then requirements files in the order they were named. The pip and conda `pin` taps
 * must keep it.
 */
describe("pin order across sections", () => {
  it("inline items, the conda file, then requirements files as named", async () => {
    const text = [
      "python:",
      "  pipRequirements: main.txt",
      "  pip:",
      "    - -r inline.txt",
      "    - rich",
      "    - scipy",
      "  conda:",
      "    dependencies:",
      "      - python=3.11",
      "      - pip:",
      "          - -r sub.txt",
      "          - flask",
      "      - pandas",
      "  condaFile: environment.yml",
      "",
    ].join("\n");
    const files = {
      "main.txt": "requests\n",
      "inline.txt": "click\n",
      "sub.txt": "flask>=2\n-r nested/more.txt\n",
      "nested/more.txt": "rich\n",
      "environment.yml": "dependencies:\n  - python\n  - pip:\n      - requests\n",
    };
    const engine = createEngine({ cacheDir: path.join(os.tmpdir(), "ef-pin-order"), plugins: [pipPlugin(), condaPlugin()] });
    const result = await pin(engine, { document: parse(text) as Record<string, unknown>, files, text }, lock);
    expect(result.changes.map((c) => `${c.ecosystem} ${c.where} ${c.to}`)).toEqual([
      "pip python.pip[1] rich==13.7.1",
      "conda python.conda.dependencies[0] python==3.11.9",
      "pip python.conda.dependencies[1].pip[1] flask==3.0.3",
      "conda python.conda.dependencies[2] pandas==2.2.2",
      "conda environment.yml: dependencies[0] python==3.11.9",
      "pip environment.yml: dependencies[1].pip[0] requests==2.32.3",
      "pip inline.txt:1 click==8.1.7",
      "pip sub.txt:1 flask==3.0.3",
      "pip main.txt:1 requests==2.32.3",
      "pip nested/more.txt:1 rich==13.7.1",
    ]);
    expect(result.missing).toEqual([{ ecosystem: "pip", written: "scipy", where: "python.pip[2]" }]);
    expect(result.definition.files).toEqual({
      "main.txt": "requests==2.32.3\n",
      "inline.txt": "click==8.1.7\n",
      "sub.txt": "flask==3.0.3\n-r nested/more.txt\n",
      "nested/more.txt": "rich==13.7.1\n",
      "environment.yml": "dependencies:\n  - python==3.11.9\n  - pip:\n      - requests==2.32.3\n",
    });
    expect(result.definition.text).toBe(text.replace("    - rich\n", "    - rich==13.7.1\n").replace("python=3.11", "python==3.11.9").replace("- flask", "- flask==3.0.3").replace("- pandas", "- pandas==2.2.2"));
  });
});
