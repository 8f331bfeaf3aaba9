import { readFileSync } from "node:fs";

/**
 * The `pipelineId` of the engine the CLI builds (see core's source-memo.ts): the bundled plugins
 * are released together with the CLI, so its version names them all. A change to how any of them
 * parses or canonicalizes ships with a new version, which gives memos recorded by the old one no
 * say. (Working on envforge itself: clear `<cache>/v1/sources`, or set ENVFORGE_QUICK=0.)
 */
export const CLI_PIPELINE_ID = `envforge-cli@${(JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version}/efh1`;
