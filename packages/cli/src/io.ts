import { writeSync } from "node:fs";

/** Where the CLI writes: injectable so tests run commands in-process and read what they printed. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (live, coloured progress) or a pipe (plain lines). */
  isTTY: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Errors that mean the reader went away (`envforge cache ls | head -1`), not that output failed. */
const READER_GONE = new Set(["EPIPE", "ERR_STREAM_DESTROYED", "ERR_STREAM_WRITE_AFTER_END"]);

const writers = new WeakMap<NodeJS.WriteStream, (text: string) => void>();

/**
 * A writer that survives a closed pipe: once the reader is gone the rest of the output goes
 * nowhere, quietly, and the command still finishes (its cleanup and its exit status) as if it
 * had been read — where a C tool would die of SIGPIPE, a Node stream throws an unhandled EPIPE
 * with a stack. Any other write error is said once on stderr, the output likewise dropped.
 */
function writerFor(stream: NodeJS.WriteStream, fd: number): (text: string) => void {
  const known = writers.get(stream);
  if (known) return known;
  let open = true;
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (!open) return;
    open = false;
    if (READER_GONE.has(error.code ?? "")) return;
    try {
      writeSync(fd === 1 ? 2 : 1, `envforge: cannot write to ${fd === 1 ? "stdout" : "stderr"}: ${error.code ?? error.message}\n`);
    } catch {
      // Neither stream takes text: nothing left to tell.
    }
  });
  const write = (text: string) => {
    if (open) stream.write(text);
  };
  writers.set(stream, write);
  return write;
}

/** A command's `--json` result: indented, one trailing newline (the full CLI and the quick path alike). */
export function writeJson(io: CliIO, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

export function processIO(): CliIO {
  return {
    out: writerFor(process.stdout, 1),
    err: writerFor(process.stderr, 2),
    isTTY: Boolean(process.stderr.isTTY),
    cwd: process.cwd(),
    env: process.env,
  };
}
