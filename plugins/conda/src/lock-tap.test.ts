import { resolveLock } from "@envforge/core/plugin-kit";
import { describe, expect, it } from "vitest";
import { condaEngine, tempDir } from "./testing/helpers.js";
import { fileSha256, writeChannel } from "./testing/channel.js";

/**
 * conda's `lock` tap through core's resolveLock (what `envforge lock` runs): the builder options
 * say where each channel name is, the lock records the name only.
 */
describe("conda's lock tap", () => {
  it("locks the whole closure, keeps it when a newer b appears, and moves it with upgrade", { timeout: 60_000 }, async () => {
    const dir = await tempDir("envforge-chain-");
    await writeChannel(dir, [
      { name: "a", version: "1.0", depends: ["b"] },
      { name: "b", version: "1.0", depends: ["c"] },
      { name: "c", version: "1.0" },
    ]);
    const { engine } = await condaEngine();
    const resolved = await engine.resolve({ object: { python: { conda: { channels: ["labs"], dependencies: ["a"] } } } });
    const builderOptions = { conda: { channelUrls: { labs: dir } } };
    const first = await resolveLock(engine, resolved, { platform: "linux-x86_64", builderOptions, upgrade: false, upgradePackages: [] });
    expect(first.locked).toEqual(["conda"]);
    expect(first.lock.conda!.map((p) => `${p.channel}::${p.subdir}/${p.file}`)).toEqual(["labs::noarch/a-1.0-0.tar.bz2", "labs::noarch/b-1.0-0.tar.bz2", "labs::noarch/c-1.0-0.tar.bz2"]);
    expect(first.lock.conda![1]!.sha256).toBe(fileSha256(dir, "noarch", "b-1.0-0.tar.bz2"));
    expect(JSON.stringify(first.lock)).not.toContain(dir);

    await writeChannel(dir, [{ name: "b", version: "1.1", depends: ["c"] }]);
    const again = await resolveLock(engine, resolved, { platform: "linux-x86_64", builderOptions, previous: first.lock, upgrade: false, upgradePackages: [] });
    expect(again.lock.conda).toEqual(first.lock.conda);
    const upgraded = await resolveLock(engine, resolved, { platform: "linux-x86_64", builderOptions, previous: first.lock, upgrade: true, upgradePackages: [] });
    expect(upgraded.lock.conda!.find((p) => p.name === "b")!.version).toBe("1.1");
  });
});
