import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { createError, definePlugin, defineSection, type SourceLocation } from "@envforge/core";
import { z } from "@envforge/core/plugin-kit";

// The section's types, and the plugin's own error code, join envforge's by declaration merging:
// from here on `spec.sections.echo` and `canonical.sections.echo` are typed, and
// `createError("E_ECHO_EMPTY", …)` type-checks.
declare module "@envforge/core" {
  interface SectionTypes {
    echo: { parsed: { text: string; location: SourceLocation }; canonical: { text: string } };
  }
  interface ErrorCodeRegistry {
    E_ECHO_EMPTY: true;
  }
}

export const ECHO_TARGET = "echo-file";

const echoSection = defineSection({
  name: "echo",
  schema(schema) {
    schema.field({ path: "echo", section: "echo", schema: z.string(), description: "Text the echo-file target writes" });
  },
  parse(fields, ctx) {
    const text = fields["echo"] as string;
    const location = ctx.locate(["echo"]);
    if (text.trim() === "") throw createError("E_ECHO_EMPTY", "echo is empty", { location, field: "echo" });
    return { text, location };
  },
  // Trailing blanks do not change what is built, so they do not change the hash either.
  canonicalize: (parsed) => ({ text: parsed.text.trimEnd() }),
  imageFragment: (value) => ({ order: 60, instructions: [`RUN echo ${JSON.stringify(value.text)} > /echo.txt`] }),
});

/** The `echo:` section and the `echo-file` target: a folder with one file, `echo.txt`. */
export const echoPlugin = definePlugin({
  name: "echo",
  sections: [echoSection],
  errors: { E_ECHO_EMPTY: { kind: "input", meaning: "The echo section is empty.", hint: "write the text to echo" } },
  apply(engine) {
    engine.targets.declare({ name: ECHO_TARGET, carries: ["echo"] });
    engine.hooks.build.for(ECHO_TARGET).tapPromise("echo", async (ctx) => {
      const echo = ctx.canonical.sections.echo;
      if (!echo) throw createError("E_ECHO_EMPTY", "the definition has no echo section");
      // The engine created the artifact folder; the builder fills it in place.
      await mkdir(ctx.artifactDir, { recursive: true });
      await writeFile(path.join(ctx.artifactDir, "echo.txt"), `${echo.text}\n`);
      ctx.log(`wrote echo.txt (${echo.text.length} characters)`);
      return { artifact: { kind: "echo-folder", path: ctx.artifactDir } };
    });
  },
});
