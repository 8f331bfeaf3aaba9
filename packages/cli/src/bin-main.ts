/**
 * The second script the binary runs (bundle/envforge.cjs, scripts/bundle-cli.mjs): the full CLI,
 * `main`, set up for one short process rather than for a host that embeds it.
 */
import { z } from "@envforge/core/plugin-kit";

// zod compiles each object schema's parser with `new Function` on its first use: worth it in a
// long-lived host, not in a command that parses a definition or two (and no code cache keeps it).
z.config({ jitless: true });

export { main } from "./main.js";
