import { describe, expect, it } from "vitest";
import { BuildOutputTracker, PODMAN_OUTPUT } from "./build-output.js";

const feed = (text: string) => {
  const t = new BuildOutputTracker(PODMAN_OUTPUT);
  for (const line of text.split("\n")) t.feed(line);
  return t;
};

// Captured from podman 4.3 / buildah 1.28 on this machine.
const FAILED = `STEP 1/6: FROM docker.io/library/envforge-test-python:bookworm
STEP 2/6: ARG FOO
--> 7a3a3431503
STEP 3/6: RUN echo "hi $FOO" > /etc/x
--> f643af01e2d
STEP 4/6: RUN ["sh","-c","echo out-before-fail; echo err-line >&2; exit 3"]
out-before-fail
err-line
subprocess exited with status 3
subprocess exited with status 3
Error: building at STEP "RUN sh -c echo out-before-fail; echo err-line >&2; exit 3": exit status 3`;

const CACHED = `STEP 1/5: FROM docker.io/library/envforge-test-python:bookworm
STEP 2/5: ARG FOO
--> Using cache 7a3a34315036d20f4d3969e85a11770893bc64e4ac16086cc967d5a1d5ee51d5
--> 7a3a3431503
STEP 3/5: RUN echo "hi $FOO" > /etc/x
--> Using cache f643af01e2d4ba200a95e0281db8528cdfc95a74697fce2fb155b3c55cd47e72
--> f643af01e2d
STEP 4/5: LABEL dev.envforge.hash="efh1:abc"
--> bba6d401e08
STEP 5/5: LABEL "dev.envforge.builder"="podman"
COMMIT envforge/test:1
--> 72b969746c3
Successfully tagged localhost/envforge/test:1
72b969746c3daba2d44b01d2dd49a7d073a04414fa0533d75135777943047e72`;

describe("podman build output", () => {
  it("a failed RUN names the step as written, its exit code and only its own output", () => {
    const failure = feed(FAILED).failure();
    expect(failure).toEqual({
      step: 'RUN ["sh","-c","echo out-before-fail; echo err-line >&2; exit 3"]',
      exitCode: 3,
      tail: ["out-before-fail", "err-line"],
    });
  });

  it("knows which steps came from the layer cache", () => {
    const t = feed(CACHED);
    expect(t.cachedSteps()).toEqual(["ARG FOO", 'RUN echo "hi $FOO" > /etc/x']);
    expect(t.steps()).toHaveLength(5);
  });

  it("without a step (podman itself failed) the tail is the whole output's end", () => {
    const t = feed("Error: creating build container: short-name resolution enforced\nmore context");
    expect(t.failure()).toEqual({ step: undefined, exitCode: undefined, tail: ["Error: creating build container: short-name resolution enforced", "more context"] });
  });

  it("keeps at most 40 lines of a step, and strips colours", () => {
    const lines = ["STEP 1/2: RUN noisy", ...Array.from({ length: 100 }, (_, i) => `\u001b[31mline ${i}\u001b[0m`), 'Error: building at STEP "RUN noisy": exit status 1'];
    const failure = feed(lines.join("\n")).failure();
    expect(failure.tail).toHaveLength(40);
    expect(failure.tail.at(-1)).toBe("line 99");
    expect(failure.exitCode).toBe(1);
  });
});
