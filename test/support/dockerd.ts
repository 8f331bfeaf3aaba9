import { spawn, type ChildProcess } from "node:child_process";
import { openSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm, unlink } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { commandExists, run, type RunResult } from "./processes.js";

/**
 * A private Docker engine for tests: its own data root, exec root, pid file and unix socket under
 * a temp folder (and optionally a TCP port on 127.0.0.1, to stand in for a remote build host).
 * vfs storage and no iptables/bridge so it runs inside a container; builds use `--network none`.
 */
export interface Dockerd {
  /** `unix:///…/docker.sock`: pass as DOCKER_HOST or `docker --host`. */
  host: string;
  /** `tcp://127.0.0.1:PORT` when started with `tcp: true`. */
  tcpHost: string | undefined;
  dir: string;
  pid: number;
  /** Runs the docker CLI against this engine. */
  docker(args: string[], options?: { allowFailure?: boolean; timeoutMs?: number }): Promise<RunResult>;
  /** The engine's own log (for failure messages). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** Why a private dockerd cannot run here, or undefined. */
export async function dockerdUnavailable(): Promise<string | undefined> {
  if (!(await commandExists("dockerd"))) return "dockerd is not installed (apt-get install docker.io)";
  if (!(await commandExists("docker"))) return "the docker CLI is not installed";
  if (process.getuid?.() !== 0) return "dockerd needs root";
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a dockerd and waits until it answers (up to a minute). */
export async function startDockerd(options: { tcp?: boolean } = {}): Promise<Dockerd> {
  // Short path: a unix socket path must stay under ~100 bytes.
  const dir = await mkdtemp(path.join(os.tmpdir(), "efd-"));
  const socket = path.join(dir, "docker.sock");
  const host = `unix://${socket}`;
  const tcpHost = options.tcp ? `tcp://127.0.0.1:${await freePort()}` : undefined;
  writeFileSync(path.join(dir, "daemon.json"), "{}");
  const args = [
    "--config-file", path.join(dir, "daemon.json"),
    "--storage-driver", "vfs",
    "--iptables=false",
    "--ip6tables=false",
    "--bridge=none",
    "--data-root", path.join(dir, "data"),
    "--exec-root", path.join(dir, "exec"),
    "--pidfile", path.join(dir, "docker.pid"),
    "-H", host,
  ];
  if (tcpHost) args.push("-H", tcpHost);
  const logFile = path.join(dir, "dockerd.log");
  const out = openSync(logFile, "a");
  const child: ChildProcess = spawn("dockerd", args, { stdio: ["ignore", out, out], detached: false });
  const pid = child.pid!;
  // The CI script stops whatever the tests left running from these pid files.
  const runtimeDir = process.env.ENVFORGE_TEST_RUNTIME_DIR;
  const runtimePid = runtimeDir ? path.join(runtimeDir, `dockerd-${pid}.pid`) : undefined;
  if (runtimePid) writeFileSync(runtimePid, String(pid));
  let exited = false;
  child.on("exit", () => (exited = true));

  const docker = (dockerArgs: string[], o: { allowFailure?: boolean; timeoutMs?: number } = {}) =>
    run("docker", ["--host", host, ...dockerArgs], { allowFailure: o.allowFailure, timeoutMs: o.timeoutMs ?? 300_000 });
  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const deadline = Date.now() + 20_000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      if (!exited) child.kill("SIGKILL");
    }
    if (runtimePid) await unlink(runtimePid).catch(() => undefined);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
  };
  const log = () => readFile(logFile, "utf8").catch(() => "");

  const deadline = Date.now() + 60_000;
  for (;;) {
    const probe = await docker(["version", "--format", "{{.Server.Version}}"], { allowFailure: true, timeoutMs: 10_000 });
    if (probe.code === 0) break;
    if (exited || Date.now() > deadline) {
      const text = await log();
      await stop();
      throw new Error(`dockerd did not start: ${text.split("\n").slice(-15).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { host, tcpHost, dir, pid, docker, log, stop };
}
