import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { EnvforgeError } from "@envforge/core/plugin-kit";
import { findIvyJar, findJava, resolveBuilderOptions } from "./options.js";
import { MAVEN_CENTRAL } from "./repositories.js";

describe("spark builder options", () => {
  it("defaults: Maven Central when a definition names no repository, no credentials", () => {
    const options = resolveBuilderOptions({ ivyJar: "/x/ivy.jar", java: "/j" }, undefined);
    expect(options).toEqual({ ivyJar: "/x/ivy.jar", java: "/j", javaOptions: [], credentials: [], defaultRepositories: [MAVEN_CENTRAL] });
  });

  it("a build's options override the plugin's defaults", () => {
    const options = resolveBuilderOptions({ java: "/default/java", defaultRepositories: ["https://mirror.example/m2/"] }, { java: "/build/java" });
    expect(options.java).toBe("/build/java");
    expect(options.defaultRepositories).toEqual(["https://mirror.example/m2"]);
  });

  it("reads user:password@host credentials (the CLI's -o spark.credentials=…) and objects", () => {
    const options = resolveBuilderOptions({}, { credentials: ["me:p@ss:w0rd@repo.example.com", { host: "other.example", username: "u", password: "p", realm: "R" }] });
    expect(options.credentials).toEqual([
      { username: "me", password: "p@ss:w0rd", host: "repo.example.com" },
      { host: "other.example", username: "u", password: "p", realm: "R" },
    ]);
  });

  it("a malformed credential is refused without echoing it", () => {
    const error = (() => {
      try {
        resolveBuilderOptions({}, { credentials: "justapassword" });
      } catch (e) {
        return e as EnvforgeError;
      }
    })()!;
    expect(error.code).toBe("E_INVALID_VALUE");
    expect(error.message + error.hint).not.toContain("justapassword");
  });

  it("a wrongly typed option names the option and the valid ones", () => {
    expect(() => resolveBuilderOptions({}, { java: 3 })).toThrow(/spark\.java/);
  });

  it("finds Ivy: $ENVFORGE_IVY_JAR, ivy.jar, then the newest ivy-<version>.jar, else E_TOOL_NOT_FOUND with the package to install", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "ivy-"));
    expect(findIvyJar({ ENVFORGE_IVY_JAR: "/custom/ivy.jar" }, dir)).toBe("/custom/ivy.jar");
    expect(() => findIvyJar({}, dir)).toThrow(expect.objectContaining({ code: "E_TOOL_NOT_FOUND", hint: expect.stringContaining("apt-get install ivy") }));
    writeFileSync(path.join(dir, "ivy-2.4.0.jar"), "");
    writeFileSync(path.join(dir, "ivy-2.5.1.jar"), "");
    expect(findIvyJar({}, dir)).toBe(path.join(dir, "ivy-2.5.1.jar"));
    writeFileSync(path.join(dir, "ivy.jar"), "");
    expect(findIvyJar({}, dir)).toBe(path.join(dir, "ivy.jar"));
  });

  it("finds Java under JAVA_HOME, else on the PATH", () => {
    const home = mkdtempSync(path.join(os.tmpdir(), "jdk-"));
    expect(findJava({ JAVA_HOME: home })).toBe("java");
    const bin = path.join(home, "bin");
    mkdirSync(bin);
    writeFileSync(path.join(bin, "java"), "");
    expect(findJava({ JAVA_HOME: home })).toBe(path.join(bin, "java"));
  });
});
