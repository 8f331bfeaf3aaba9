import { mkdir, mkdtemp, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { outsideRoot } from "./outside-root.js";

describe("outsideRoot", () => {
  it("judges a path as written, then with symlinks resolved, a missing path by its deepest existing parent", async () => {
    const top = await mkdtemp(path.join(os.tmpdir(), "envforge-outside-root-"));
    const root = path.join(top, "root");
    await mkdir(path.join(root, "in"), { recursive: true });
    await mkdir(path.join(top, "out"));
    await symlink(path.join(top, "out"), path.join(root, "link-out"));
    await symlink(path.join(root, "in"), path.join(root, "link-in"));
    await symlink(root, path.join(top, "root-link"));

    expect(await outsideRoot(root, path.join(root, "in"))).toBeUndefined();
    expect(await outsideRoot(root, root)).toBeUndefined();
    expect(await outsideRoot(root, path.join(root, "link-in", "later", "deeper"))).toBeUndefined();
    expect(await outsideRoot(root, path.join(root, "not-yet"))).toBeUndefined();
    expect(await outsideRoot(root, path.join(root, "..", "out"))).toBe("is outside");
    expect(await outsideRoot(root, "/etc")).toBe("is outside");
    expect(await outsideRoot(root, path.join(root, "link-out"))).toBe("links outside");
    expect(await outsideRoot(root, path.join(root, "link-out", "not-yet"))).toBe("links outside");
    // A root reached through a link: what is inside it stays inside.
    const viaLink = path.join(top, "root-link");
    expect(await outsideRoot(viaLink, path.join(viaLink, "in"))).toBeUndefined();
    expect(await outsideRoot(path.join(viaLink, "missing"), path.join(viaLink, "missing", "x"))).toBeUndefined();
  });
});
