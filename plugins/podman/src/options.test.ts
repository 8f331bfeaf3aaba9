import { describe, expect, it } from "vitest";
import { EnvforgeError } from "@envforge/core/plugin-kit";
import { resolvePodmanOptions } from "./options.js";
import { PodmanCli } from "./podman-cli.js";

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EnvforgeError);
    return (e as EnvforgeError).code;
  }
  throw new Error("expected an EnvforgeError");
};

describe("podman builder options", () => {
  it("defaults: chroot isolation, storage cache on, no network flag", () => {
    expect(resolvePodmanOptions({}, {})).toMatchObject({ isolation: "chroot", storageCache: true, network: undefined, credentials: [] });
  });

  it("per-build options win over plugin options; flat credentials become one entry", () => {
    const o = resolvePodmanOptions(
      { isolation: "oci", network: "none", root: "/a" },
      { podman: { root: "/b", registry: "ghcr.io", username: "me", password: "pw-secret", storageCache: "false" } },
    );
    expect(o).toMatchObject({ isolation: "oci", network: "none", root: "/b", storageCache: false });
    expect(o.credentials).toEqual([{ registry: "ghcr.io", username: "me", password: "pw-secret" }]);
  });

  it("refuses what podman would refuse later, with the way out", () => {
    expect(code(() => resolvePodmanOptions({ network: "none" }, {}))).toBe("E_INVALID_VALUE");
    expect(code(() => resolvePodmanOptions({ isolation: "vm" as never }, {}))).toBe("E_INVALID_VALUE");
    expect(code(() => resolvePodmanOptions({ isolation: "oci", network: "bad name;rm" }, {}))).toBe("E_INVALID_VALUE");
    expect(code(() => resolvePodmanOptions({}, { podman: { registry: "ghcr.io", username: "me" } }))).toBe("E_MISSING_FIELD");
    expect(code(() => resolvePodmanOptions({ url: "unix:///s", root: "/r" }, {}))).toBe("E_CONFLICTING_FIELDS");
    expect(code(() => resolvePodmanOptions({ url: "unix:///s", connection: "c" }, {}))).toBe("E_CONFLICTING_FIELDS");
    expect(code(() => resolvePodmanOptions({ identity: "/k" }, {}))).toBe("E_MISSING_FIELD");
    expect(code(() => resolvePodmanOptions({ root: "" }, {}))).toBe("E_INVALID_VALUE");
  });

  it("chroot with the host network is fine", () => {
    expect(resolvePodmanOptions({ network: "host" }, {}).network).toBe("host");
  });
});

describe("podman CLI arguments", () => {
  it("local storage flags are single words, so a value can never pass for another flag", () => {
    const cli = new PodmanCli({ root: "--log-level=debug", runroot: "/run/x", storageDriver: "vfs", storageConf: "/etc/s.conf" });
    expect(cli.globalArgs).toEqual(["--root=--log-level=debug", "--runroot=/run/x", "--storage-driver=vfs"]);
    expect(cli.env.CONTAINERS_STORAGE_CONF).toBe("/etc/s.conf");
    expect(cli.remote).toBe(false);
  });

  it("a remote podman goes through --remote, and its description hides URL credentials", () => {
    const cli = new PodmanCli({ url: "ssh://builder:pw@build-host/run/podman/podman.sock", identity: "/k" });
    expect(cli.globalArgs).toEqual(["--remote", "--url=ssh://builder:pw@build-host/run/podman/podman.sock", "--identity=/k"]);
    expect(cli.remote).toBe(true);
    expect(cli.describe()).toBe("podman at ssh://build-host/run/podman/podman.sock");
    expect(new PodmanCli({ connection: "ci" }).globalArgs).toEqual(["--remote", "--connection=ci"]);
  });

  it("a missing podman is E_TOOL_NOT_FOUND with the install hint", async () => {
    const cli = new PodmanCli({ podmanPath: "/nonexistent/podman" });
    await expect(cli.run(["info"])).rejects.toMatchObject({ code: "E_TOOL_NOT_FOUND", hint: expect.stringContaining("apt-get install podman") });
  });
});
