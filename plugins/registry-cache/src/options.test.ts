import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { credentialsFromDockerConfig, resolveRegistryOptions } from "./options.js";

const tmp = mkdtempSync(path.join(os.tmpdir(), "envforge-registry-options-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const config = (name: string, json: unknown) => {
  const file = path.join(tmp, name);
  writeFileSync(file, JSON.stringify(json));
  return file;
};

describe("registry cache options", () => {
  it("defaults: repository envforge/cache, both image targets, push on, 5 s per request", () => {
    expect(resolveRegistryOptions({ registry: "127.0.0.1:5000" })).toMatchObject({
      registry: "127.0.0.1:5000",
      repository: "envforge/cache",
      insecure: false,
      targets: ["docker", "podman"],
      push: true,
      timeoutMs: 5000,
    });
    expect(resolveRegistryOptions({ registry: "https://ghcr.io/" }).registry).toBe("ghcr.io");
  });

  it.each([
    [{ registry: "" }, /not a registry host/],
    [{ registry: "ghcr.io/team" }, /not a registry host/],
    [{ registry: "a b" }, /not a registry host/],
    [{ registry: "ghcr.io", repository: "Team/Cache" }, /not a repository name/],
    [{ registry: "ghcr.io", repository: "team//cache" }, /not a repository name/],
    [{ registry: "ghcr.io", targets: ["venv"] }, /not an image target/],
    [{ registry: "ghcr.io", timeoutMs: 0 }, /positive number/],
    [{ registry: "ghcr.io", credentials: { username: "me" } as never }, /username and password, or token/],
    [{ registry: "ghcr.io", credentials: { username: "me", password: "p", token: "t" } as never }, /username and password, or token/],
    [{ registry: "ghcr.io", credentials: { token: "t" }, credentialsFile: "/x" }, /both set/],
  ])("refuses %j", (options, message) => {
    expect(() => resolveRegistryOptions(options)).toThrow(message);
  });
});

describe("credentials from a docker config.json", () => {
  it("reads auth, username/password and registrytoken for this registry only, with or without scheme", async () => {
    const file = config("a.json", {
      auths: {
        "https://127.0.0.1:5000/v1/": { auth: Buffer.from("ci:pass:with:colons").toString("base64") },
        "ghcr.io": { username: "me", password: "pat" },
        "acr.example": { registrytoken: "tok" },
      },
    });
    expect(await credentialsFromDockerConfig(file, "127.0.0.1:5000")).toEqual({ username: "ci", password: "pass:with:colons" });
    expect(await credentialsFromDockerConfig(file, "ghcr.io")).toEqual({ username: "me", password: "pat" });
    expect(await credentialsFromDockerConfig(file, "acr.example")).toEqual({ token: "tok" });
    expect(await credentialsFromDockerConfig(file, "other.example")).toBeUndefined();
  });

  it("credential helpers and identity tokens are named, not run; a missing file says which", async () => {
    await expect(credentialsFromDockerConfig(config("b.json", { credsStore: "desktop" }), "ghcr.io")).rejects.toThrow(/credential helper/);
    await expect(credentialsFromDockerConfig(config("c.json", { auths: { "ghcr.io": { identitytoken: "x" } } }), "ghcr.io")).rejects.toThrow(/identity token/);
    await expect(credentialsFromDockerConfig(path.join(tmp, "nope.json"), "ghcr.io")).rejects.toThrow(/nope\.json: ENOENT/);
  });
});
