import { appendFileSync } from "node:fs";
import type { EngineCore } from "../engine/core.js";
import { builderOptionSecrets, createRedactor } from "../engine/redact.js";
import { toolEnvSecrets } from "../policy/tool-env.js";
import type { BuildJob } from "./build-attempt.js";
import type { BuildContext } from "./build-types.js";

/** A builder's context, and what the engine learns from it while the builder runs. */
export interface BuildSession {
  readonly ctx: BuildContext;
  /** The host's secrets, the builder options' and the tool variables': masked in logs, events and errors. */
  readonly secrets: ReturnType<typeof createRedactor>;
  /** The first failed log write (a full disk), if any. */
  logFault(): unknown;
}

/**
 * The `BuildContext` a target's builder gets. Logging never throws into a builder's output
 * handler, where it would crash the host: the first failed write is kept and the build fails
 * with it at the end instead.
 */
export function buildSession(core: EngineCore, job: BuildJob): BuildSession {
  const { key, folders, request } = job;
  const { emit } = core;
  const secrets = createRedactor([...(core.options.secrets ?? []), ...builderOptionSecrets(request.builderOptions), ...toolEnvSecrets(core.policy)]);
  let logFault: unknown;
  const ctx: BuildContext = {
    hash: key.hash,
    target: key.target,
    spec: job.parsed,
    canonical: job.result.canonical,
    artifactDir: folders.artifactDir,
    workDir: folders.workDir,
    generation: folders.generation,
    previous: job.previous,
    options: request.builderOptions ?? {},
    baseDir: core.baseDir,
    leftOut: job.fit.leftOut,
    policy: core.policy,
    signal: job.signal,
    log: (line, stream = "info") => {
      const clean = secrets.text(line);
      try {
        appendFileSync(folders.logPath, `${clean}\n`);
      } catch (cause) {
        logFault ??= cause;
      }
      emit({ type: "log", hash: key.hash, target: key.target, stream, line: clean });
    },
    warn: (code, message, location, hint) => emit({ type: "warning", code, message: secrets.text(message), location, hint }),
    emit: (event) => emit(secrets.event(event)),
  };
  return { ctx, secrets, logFault: () => logFault };
}
