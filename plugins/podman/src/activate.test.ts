import { describe, expect, it } from "vitest";
import type { ActivationContext, CacheEntry } from "@envforge/core/plugin-kit";
import { podmanActivation } from "./activate.js";

const ID = `sha256:${"ab".repeat(32)}`;

const entry: CacheEntry = {
  schema: 1,
  hash: `efh1:${"cd".repeat(32)}` as CacheEntry["hash"],
  target: "podman",
  generation: 1,
  builder: "podman",
  artifact: { kind: "podman-image", reference: `localhost/envforge/cache:${"cd".repeat(32)}`, digest: ID },
  timings: { startedAt: "", finishedAt: "", durationMs: 0 },
  canonicalText: "",
};

const ctx = (over: Partial<ActivationContext> = {}): ActivationContext => ({ spec: undefined, variables: {}, options: {}, tty: false, runOptions: {}, ...over });

describe("podman activation", () => {
  it("runs the image by ID in the builder's storage, never pulling; the storage configuration rides on the CLI's environment", () => {
    const a = podmanActivation(entry, ctx({ variables: { GREETING: "hi" }, options: { podman: { runInit: false } } }), {
      root: "/s/root",
      runroot: "/s/run",
      storageDriver: "vfs",
      storageConf: "/s/storage.conf",
    });
    expect(a.argvPrefix).toEqual(["podman", "--root=/s/root", "--runroot=/s/run", "--storage-driver=vfs", "run", "--rm", "-i", "--pull=never", "--env=GREETING", ID]);
    expect(a.env).toEqual({ CONTAINERS_STORAGE_CONF: "/s/storage.conf", GREETING: "hi" });
    expect(a.notes?.[0]).toMatch(/no init process in the container/);
  });

  it("init, its path, ulimits, network, a terminal and the working folder from options", () => {
    const a = podmanActivation(
      entry,
      ctx({ tty: true, runOptions: { mountCwd: true, cwd: "/home/me/project" }, options: { podman: { runUlimit: ["nofile=1024:1024", "nproc=4096:4096"], runNetwork: "none" } } }),
      { runInitPath: "/usr/bin/tini-static" },
    );
    expect(a.argvPrefix).toEqual([
      "podman", "run", "--rm", "-i", "-t", "--pull=never", "--init", "--init-path=/usr/bin/tini-static",
      "--ulimit=nofile=1024:1024", "--ulimit=nproc=4096:4096", "--network=none",
      "--volume=/home/me/project:/home/me/project", "--workdir=/home/me/project", ID,
    ]);
    expect(a.notes).toBeUndefined();
  });

  it("refuses what podman would read otherwise: a wildcard name, a bad ulimit, a colon in the mounted folder", () => {
    expect(() => podmanActivation(entry, ctx({ variables: { "AWS_*": "x" } }), {})).toThrow(/cannot be passed into a podman container/);
    expect(() => podmanActivation(entry, ctx({ options: { podman: { runUlimit: "--privileged" } } }), {})).toThrow(/is not a ulimit/);
    expect(() => podmanActivation(entry, ctx({ runOptions: { mountCwd: true, cwd: "/a:b" } }), {})).toThrow(/colon/);
  });
});
