import { describe, expect, it } from "vitest";
import { hostPath, hostProgram } from "./host-path.js";

describe("host paths in builder options", () => {
  it("reads a relative path against the host's folder; absolute paths and URLs stay", () => {
    expect(hostPath("/home/me/project", "./wheels")).toBe("/home/me/project/wheels");
    expect(hostPath("/home/me/project", "../shared/wheels")).toBe("/home/me/shared/wheels");
    expect(hostPath("/home/me/project", "wheels")).toBe("/home/me/project/wheels");
    expect(hostPath("/home/me/project", "/srv/wheels")).toBe("/srv/wheels");
    expect(hostPath("/home/me/project", "https://pypi.example/simple")).toBe("https://pypi.example/simple");
    expect(hostPath("/home/me/project", "file:///srv/wheels")).toBe("file:///srv/wheels");
  });

  it("leaves a bare program name to PATH, reads one with a slash as a path", () => {
    expect(hostProgram("/home/me/project", "python3")).toBe("python3");
    expect(hostProgram("/home/me/project", "./py/bin/python3")).toBe("/home/me/project/py/bin/python3");
    expect(hostProgram("/home/me/project", "/usr/bin/python3")).toBe("/usr/bin/python3");
  });
});
