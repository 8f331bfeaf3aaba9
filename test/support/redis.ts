import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { unlink } from "node:fs/promises";
import net from "node:net";
import { commandExists } from "./processes.js";
import { freePort } from "./registry.js";

/**
 * A private Redis for tests: Debian's `redis-server` on 127.0.0.1, nothing persisted, optionally
 * with a password. Its pid file goes to $ENVFORGE_TEST_RUNTIME_DIR so the CI script stops it
 * whatever happens. `stop()` and `start()` again on the same port stand for a server that goes
 * down mid-run and comes back.
 */
export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function redisUnavailable(): Promise<string | undefined> {
  if (!(await commandExists("redis-server"))) return "redis-server is not installed (apt-get install redis-server)";
  return undefined;
}

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(/PONG|NOAUTH/.test(data.toString()));
    });
    socket.once("error", () => resolve(false));
  });

export async function startRedis(options: { password?: string } = {}): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let runtimePid: string | undefined;
  const start = async () => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"];
    if (options.password) args.push("--requirepass", options.password);
    const proc = spawn("redis-server", args, { stdio: "ignore" });
    child = proc;
    const dir = process.env.ENVFORGE_TEST_RUNTIME_DIR;
    runtimePid = dir ? `${dir}/redis-${proc.pid}.pid` : undefined;
    if (runtimePid) writeFileSync(runtimePid, String(proc.pid));
    const deadline = Date.now() + 15_000;
    while (!(await answers(port))) {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (proc && proc.exitCode === null) {
      const gone = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGKILL");
      await gone;
    }
    if (runtimePid) await unlink(runtimePid).catch(() => undefined);
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}
