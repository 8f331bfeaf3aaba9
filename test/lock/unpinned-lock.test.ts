import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatLock, hostLockPlatform, type EnvLock } from "@envforge/core/plugin-kit";
import { tempDir, testEngine } from "../support/engine.js";

/**
 * W_UNPINNED is for packages nothing pins: a package the lock beside the definition pins is built
 * from the lock, so pip, conda and Spark do not warn about it (the lock is read before the
 * sections parse: ParseContext.lock). Without the lock, the same definition warns as before.
 */
const SHA = "cd".repeat(32);
const DEFINITION = [
  "python:",
  "  pip: [tinyb>=2.0, Tiny_A, other]",
  "  conda:",
  "    channels: [conda-forge]",
  "    dependencies: [NumPy, scipy]",
  "spark:",
  "  packages: [org.example:lib:latest.release, org.example:free:1.0+]",
  "",
].join("\n");
const LOCK: EnvLock = {
  version: 1,
  python: "3.11",
  platform: hostLockPlatform(),
  pip: [
    { name: "tiny-a", version: "1.0.0", file: "tiny_a-1.0.0-py3-none-any.whl", sha256: SHA },
    { name: "tinyb", version: "2.0.0", file: "tinyb-2.0.0-py3-none-any.whl", sha256: SHA },
  ],
  conda: [{ name: "numpy", version: "1.26.4", build: "py311h_0", channel: "conda-forge", subdir: "linux-64", file: "numpy-1.26.4-py311h_0.conda", sha256: SHA }],
  spark: [{ coordinate: "org.example:lib:1.2.0", file: "lib-1.2.0.jar", sha256: SHA }],
};

async function unpinnedWarnings(withLock: boolean): Promise<string[]> {
  const dir = await tempDir("envforge-unpinned-lock-");
  await writeFile(path.join(dir, "env.yaml"), DEFINITION);
  if (withLock) await writeFile(path.join(dir, "env.lock"), formatLock(LOCK));
  const { engine, events } = await testEngine();
  await engine.resolve(path.join(dir, "env.yaml"));
  return events.flatMap((e) => (e.type === "warning" && e.code === "W_UNPINNED" ? [e.message] : []));
}

const about = (messages: string[], what: string) => messages.some((m) => m.includes(what));

describe("W_UNPINNED and the lock", () => {
  it("does not warn about packages the lock pins, and still warns about the others", async () => {
    const messages = await unpinnedWarnings(true);
    for (const pinned of ['"tinyb"', '"tiny-a" (Tiny_A)', '"NumPy"', "org.example:lib:latest.release"]) expect(about(messages, pinned), `${pinned} in ${messages.join("\n")}`).toBe(false);
    for (const unpinned of ['"other"', '"scipy"', "org.example:free:1.0+"]) expect(about(messages, unpinned), `${unpinned} in ${messages.join("\n")}`).toBe(true);
  });

  it("warns about all of them without the lock", async () => {
    const messages = await unpinnedWarnings(false);
    for (const what of ['"tinyb"', '"tiny-a" (Tiny_A)', '"NumPy"', '"scipy"', '"other"', "org.example:lib:latest.release", "org.example:free:1.0+"]) {
      expect(about(messages, what), `${what} in ${messages.join("\n")}`).toBe(true);
    }
  });
});
