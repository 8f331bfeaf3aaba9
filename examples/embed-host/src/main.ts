import { createEngine } from "@envforge/core";
import { pipPlugin } from "@envforge/plugin-pip";

const engine = createEngine({ plugins: [pipPlugin()], cacheDir: ".envforge-cache" });
engine.hooks.event.tap("my-host", (event) => {
  if (event.type === "cache.hit") console.log(`reused ${event.hash} from ${event.store}`);
});

const { hash } = await engine.hash("env.yaml");                // one stage alone
console.log(`env.yaml hashes to ${hash}`);
const result = await engine.build("env.yaml", {                 // the whole pipeline
  target: "venv",
  builderOptions: { pip: { findLinks: ["./wheels"], noIndex: true } }, // never hashed
});
console.log(result.cached, result.entry.artifact.path, result.entry.lock?.packages);
