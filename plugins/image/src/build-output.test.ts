import { describe, expect, it } from "vitest";
import { BuildOutputTracker, stripAnsi } from "./build-output.js";

const feed = (text: string) => {
  const t = new BuildOutputTracker();
  for (const line of text.split("\n")) t.feed(line);
  return t;
};

describe("BuildOutputTracker", () => {
  it("finds the failing step and its own output in classic builder output", () => {
    const t = feed(
      [
        "Step 1/4 : FROM envforge-test-python:bookworm",
        " ---> b8a78cec8d66",
        "Step 2/4 : RUN echo hello-before",
        " ---> Using cache",
        " ---> 36e17536021c",
        "Step 3/4 : RUN echo \"some output\" && exit 3",
        " ---> Running in 1821b784a96f",
        "some output",
        "\u001b[91mto stderr",
        "\u001b[0mThe command '/bin/sh -c echo \"some output\" && exit 3' returned a non-zero code: 3",
      ].join("\n"),
    );
    expect(t.failure()).toEqual({ step: 'RUN echo "some output" && exit 3', exitCode: 3, tail: ["some output", "to stderr"] });
    expect(t.cachedSteps()).toEqual(["RUN echo hello-before"]);
  });

  it("finds the failing step and its own output in BuildKit plain output", () => {
    const t = feed(
      [
        "#7 [1/4] FROM docker.io/library/envforge-test-python:bookworm",
        "#7 CACHED",
        "",
        "#4 [2/4] RUN echo hello-before",
        "#4 0.637 hello-before",
        "#4 DONE 0.6s",
        "",
        "#5 [3/4] RUN echo \"some output\" && exit 3",
        "#5 sha256:efbb8be63e40dda8033ec48cf95c534c8a344df60f9729cd411cc505c583e1cf",
        "#5 0.872 to stderr",
        "#5 0.872 some output",
        "#5 ERROR: executor failed running [/bin/sh -c echo \"some output\" && exit 3]: exit code: 3",
        "------",
        " > [3/4] RUN echo \"some output\" && exit 3:",
        "------",
      ].join("\n"),
    );
    expect(t.failure()).toEqual({ step: 'RUN echo "some output" && exit 3', exitCode: 3, tail: ["to stderr", "some output"] });
    expect(t.cachedSteps()).toEqual(["FROM docker.io/library/envforge-test-python:bookworm"]);
    expect(t.steps()).toHaveLength(3);
  });

  it("a classic step that fails to start is still named, with the engine's error", () => {
    const t = feed(
      [
        "Step 5/8 : RUN [\"/opt/venv/bin/python\"]",
        " ---> Running in e6b883f7f45d",
        "Removing intermediate container e6b883f7f45d",
        "failed to create shim task: OCI runtime create failed: exec: \"/opt/venv/bin/python\": no such file or directory: unknown",
      ].join("\n"),
    );
    expect(t.failure()).toMatchObject({ step: 'RUN ["/opt/venv/bin/python"]', tail: [expect.stringContaining("no such file or directory")] });
  });

  it("reads buildah/podman output too (shared with the podman plugin)", () => {
    const t = feed(
      [
        "STEP 1/3: FROM docker.io/library/envforge-test-python:bookworm",
        "STEP 2/3: RUN echo ok",
        "--> Using cache 3bd8bce7bec7",
        "STEP 3/3: RUN echo out && exit 4",
        "out",
        'Error: building at STEP "RUN echo out && exit 4": while running runtime: exit status 4',
      ].join("\n"),
    );
    expect(t.failure()).toEqual({ step: "RUN echo out && exit 4", exitCode: 4, tail: ["out"] });
    expect(t.cachedSteps()).toEqual(["RUN echo ok"]);
  });

  it("falls back to the last lines of the build when no step is known", () => {
    const t = feed("error during connect: cannot reach the daemon\n\n");
    expect(t.failure()).toEqual({ step: undefined, exitCode: undefined, tail: ["error during connect: cannot reach the daemon"] });
  });

  it("keeps only a bounded tail of a noisy step", () => {
    const lines = ["Step 1/1 : RUN noisy", ...Array.from({ length: 500 }, (_, i) => `line ${i}`), "The command 'x' returned a non-zero code: 1"];
    const f = feed(lines.join("\n")).failure();
    expect(f.tail).toHaveLength(40);
    expect(f.tail.at(-1)).toBe("line 499");
  });

  it("strips colour codes", () => {
    expect(stripAnsi("\u001b[91mred\u001b[0m")).toBe("red");
  });
});
