import { describe, expect, it } from "vitest";
import { EnvforgeError } from "@envforge/core/plugin-kit";
import { isImageReference, normalizeImageReference } from "./reference.js";

const SHA = "sha256:" + "0123456789abcdef".repeat(4);

describe("normalizeImageReference", () => {
  it.each([
    ["python:3.11", "docker.io/library/python:3.11"],
    ["docker.io/library/python:3.11", "docker.io/library/python:3.11"],
    ["index.docker.io/library/python:3.11", "docker.io/library/python:3.11"],
    ["docker.io/python:3.11", "docker.io/library/python:3.11"],
    ["ubuntu", "docker.io/library/ubuntu:latest"],
    ["ubuntu:latest", "docker.io/library/ubuntu:latest"],
    ["  ubuntu  ", "docker.io/library/ubuntu:latest"],
    ["bitnami/spark:3.5", "docker.io/bitnami/spark:3.5"],
    ["ghcr.io/org/img", "ghcr.io/org/img:latest"],
    ["localhost:5000/a/b:1.0", "localhost:5000/a/b:1.0"],
    ["localhost/img", "localhost/img:latest"],
    [`python@${SHA}`, `docker.io/library/python@${SHA}`],
    [`python:3.11@${SHA}`, `docker.io/library/python:3.11@${SHA}`],
  ])("%s → %s", (input, expected) => {
    expect(normalizeImageReference(input).reference).toBe(expected);
  });

  it("keeps the digest without inventing a tag (Docker's TagNameOnly)", () => {
    const ref = normalizeImageReference(`python@${SHA}`);
    expect(ref.tag).toBeUndefined();
    expect(ref.digest).toBe(SHA);
  });

  it("tag and digest pin different things, so they stay distinct", () => {
    expect(normalizeImageReference(`python:3.11@${SHA}`).reference).not.toBe(normalizeImageReference(`python@${SHA}`).reference);
  });

  it("answers in linear time on inputs that make the library's regular expressions backtrack", () => {
    for (const input of ["a".repeat(40) + "!", "a".repeat(5000) + "!", "a-".repeat(2000) + "!", "a".repeat(40) + ":" + "!", "a.".repeat(2000) + "A", "registry.example.com:" + "1".repeat(40) + "x/a"]) {
      const started = performance.now();
      expect(isImageReference(input)).toBe(false);
      expect(performance.now() - started).toBeLessThan(50);
    }
  });

  it.each([
    ["a__b/c-d--e/f.g:T_a.g-1", "docker.io/a__b/c-d--e/f.g:T_a.g-1"],
  ])("accepts Docker's grammar edge %s", (input, expected) => {
    expect(normalizeImageReference(input).reference).toBe(expected);
  });

  it.each([
    ["", "empty"],
    ["Python:3.11", "lowercase"],
    ["python 3.11", ""],
    ["python:", ""],
    [":3.11", ""],
    ["python:3.11;rm -rf /", ""],
    ["python:$(id)", ""],
    ["a".repeat(64), "64-byte hexadecimal"],
    ["python@sha256:abc", ""],
    [`python@sha256:${"A".repeat(64)}`, "lowercase hex"],
    [`python@md5:${"a".repeat(32)}`, "unsupported digest algorithm"],
    ["python:3.11\nRUN id", ""],
    ["[::1]:5000/img:1", "registry host"],
    ["my_registry.com/img", "registry host"],
    ["localhost:port/img", "registry host"],
  ])("refuses %j", (input, why) => {
    const site = { location: { file: "env.yaml", line: 3, column: 14 }, field: "docker.baseImage" };
    let error: unknown;
    try {
      normalizeImageReference(input, site);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvforgeError);
    const e = error as EnvforgeError;
    expect(e.code).toBe("E_INVALID_IMAGE_REFERENCE");
    expect(e.location).toEqual(site.location);
    expect(e.field).toBe("docker.baseImage");
    expect(e.hint).toMatch(/registry\/\]name/);
    expect(e.message).toContain(why);
    expect(isImageReference(input)).toBe(false);
  });
});
