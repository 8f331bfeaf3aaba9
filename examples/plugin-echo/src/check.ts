// The plugin's tests, on envforge's test harness. Run: `npm run build && npm run check`.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { isEnvforgeError } from "@envforge/core";
import { createTestEngine } from "@envforge/core/testing";
import { ECHO_TARGET, echoPlugin } from "./echo-plugin.js";
import { sharedTierPlugin, type SharedStore } from "./shared-tier.js";

const shared: SharedStore = new Map();
const a = await createTestEngine([echoPlugin, sharedTierPlugin(shared)]);
const b = await createTestEngine([echoPlugin, sharedTierPlugin(shared)]);
let counted = 0;
a.engine.hooks.event.tap("echo-check", (event) => {
  if (event.type === "build.finish") counted += 1;
});

try {
  const source = { object: { echo: "hello from a plugin   " } };
  // The section is typed and canonical: trailing blanks do not change the hash.
  const { hash } = await a.engine.hash(source);
  assert.equal((await a.engine.hash({ object: { echo: "hello from a plugin" } })).hash, hash);

  // A miss builds the file; the same engine then hits its own cache.
  const built = await a.engine.build(source, { target: ECHO_TARGET });
  assert.equal(built.cached, false);
  assert.equal(await readFile(path.join(built.entry.artifact.path!, "echo.txt"), "utf8"), "hello from a plugin\n");
  assert.equal((await a.engine.build(source, { target: ECHO_TARGET })).cached, true);
  assert.equal(counted, 1, "one build for two requests");

  // Another engine (another machine's cache) is served by the shared tier: restored into its own cache.
  const served = await b.engine.build(source, { target: ECHO_TARGET });
  assert.equal(served.cached, true);
  assert.equal(served.store, "echo-shared");
  assert.ok(served.entry.artifact.path!.startsWith(b.cacheDir), "restored into b's own cache");
  assert.equal(await readFile(path.join(served.entry.artifact.path!, "echo.txt"), "utf8"), "hello from a plugin\n");
  // …and recorded there: the next hit is local.
  const again = await b.engine.build(source, { target: ECHO_TARGET });
  assert.equal(again.store === "local" || again.store === "memory", true, `b's next hit is its own, got ${again.store}`);

  // The plugin's own error code: an input error at the field's line.
  await assert.rejects(a.engine.hash({ text: "name: x\necho: '  '\n", file: "env.yaml" }), (error: unknown) => {
    assert.ok(isEnvforgeError(error));
    assert.equal(error.code, "E_ECHO_EMPTY");
    assert.equal(error.kind, "input");
    assert.equal(error.location?.line, 2);
    return true;
  });
  assert.deepEqual(a.warningCodes(), []);
  console.log("plugin-echo: ok (typed section, builder target, shared tier, own error code)");
} finally {
  await a.cleanup();
  await b.cleanup();
}
