import { describe, expect, it } from "vitest";
import { EnvforgeError } from "@envforge/core/plugin-kit";
import { normalizePlatform } from "./platform.js";

describe("normalizePlatform", () => {
  it.each([
    ["linux/amd64", "linux/amd64"],
    ["Linux/AMD64", "linux/amd64"],
    ["linux/x86_64", "linux/amd64"],
    ["linux/amd64/v1", "linux/amd64"],
    ["linux/amd64/v3", "linux/amd64/v3"],
    ["linux/aarch64", "linux/arm64"],
    ["linux/arm64/v8", "linux/arm64"],
    ["linux/arm", "linux/arm/v7"],
    ["linux/arm/7", "linux/arm/v7"],
    ["linux/arm/v6", "linux/arm/v6"],
    ["linux/armhf", "linux/arm/v7"],
    ["linux/i386", "linux/386"],
    ["windows/amd64", "windows/amd64"],
    [" linux/s390x ", "linux/s390x"],
  ])("%s → %s", (input, expected) => {
    expect(normalizePlatform(input)).toBe(expected);
  });

  it.each([
    ["linux", "os/arch"],
    ["linux/", "os/arch"],
    ["linux/amd64/v3/x", "os/arch"],
    ["plan10/amd64", "unknown operating system"],
    ["linux/amd65", "unknown architecture"],
    ["linux/arm64/v7", "unknown variant"],
    ["linux/s390x/v2", "has no variants"],
    ["linux/amd64;id", "unknown architecture"],
  ])("refuses %j", (input, why) => {
    const location = { file: "env.yaml", line: 4, column: 13 };
    try {
      normalizePlatform(input, { location, field: "docker.platform" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EnvforgeError);
      const err = e as EnvforgeError;
      expect(err.code).toBe("E_INVALID_VALUE");
      expect(err.message).toContain(why);
      expect(err.location).toEqual(location);
      expect(err.hint).toContain("linux/amd64");
    }
  });
});
