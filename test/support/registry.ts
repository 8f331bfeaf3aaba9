import { spawn, type ChildProcess } from "node:child_process";
import { openSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm, unlink } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { commandExists, run } from "./processes.js";

/**
 * A private OCI registry for tests: Debian's `docker-registry` (CNCF Distribution 2.8) on
 * 127.0.0.1 with filesystem storage in a temp folder, optionally behind htpasswd (bcrypt) Basic
 * auth. Its pid file goes to $ENVFORGE_TEST_RUNTIME_DIR so the CI script stops it whatever happens.
 */
export interface TestRegistry {
  /** `127.0.0.1:PORT`: what the registry cache plugin and image references take. */
  host: string;
  dir: string;
  pid: number;
  log(): Promise<string>;
  stop(): Promise<void>;
}

export async function registryUnavailable(): Promise<string | undefined> {
  if (!(await commandExists("docker-registry"))) return "docker-registry is not installed (apt-get install docker-registry)";
  return undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A bcrypt htpasswd line (Distribution accepts nothing else). Python's `crypt` (3.12 and older)
 * or apache2-utils' `htpasswd` make one offline; undefined when neither is here.
 */
export async function htpasswdLine(username: string, password: string): Promise<string | undefined> {
  const py = await run(
    "python3",
    ["-W", "ignore", "-c", "import crypt,sys; print(sys.argv[1] + ':' + crypt.crypt(sys.argv[2], crypt.mksalt(crypt.METHOD_BLOWFISH)))", username, password],
    { allowFailure: true },
  );
  if (py.code === 0 && /:\$2[aby]\$/.test(py.stdout)) return py.stdout.trim();
  const ht = await run("htpasswd", ["-nbB", username, password], { allowFailure: true });
  if (ht.code === 0 && /:\$2[aby]\$/.test(ht.stdout)) return ht.stdout.trim();
  return undefined;
}

/** Starts a registry and waits until `/v2/` answers (401 counts: auth is on). */
export async function startRegistry(options: { htpasswd?: string } = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "envforge-registry-"));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = [
    "version: 0.1",
    "log: {level: warn, accesslog: {disabled: true}}",
    `storage: {filesystem: {rootdirectory: ${JSON.stringify(path.join(dir, "data"))}}, delete: {enabled: true}}`,
    `http: {addr: "${host}", secret: envforge-test}`,
  ];
  if (options.htpasswd !== undefined) {
    writeFileSync(path.join(dir, "htpasswd"), `${options.htpasswd}\n`);
    config.push(`auth: {htpasswd: {realm: envforge-test, path: ${JSON.stringify(path.join(dir, "htpasswd"))}}}`);
  }
  writeFileSync(path.join(dir, "config.yml"), `${config.join("\n")}\n`);
  const logFile = path.join(dir, "registry.log");
  const out = openSync(logFile, "a");
  const child: ChildProcess = spawn("docker-registry", ["serve", path.join(dir, "config.yml")], { stdio: ["ignore", out, out] });
  const pid = child.pid!;
  const runtimeDir = process.env.ENVFORGE_TEST_RUNTIME_DIR;
  const runtimePid = runtimeDir ? path.join(runtimeDir, `registry-${pid}.pid`) : undefined;
  if (runtimePid) writeFileSync(runtimePid, String(pid));
  let exited = false;
  child.on("exit", () => (exited = true));
  const log = () => readFile(logFile, "utf8").catch(() => "");
  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      const deadline = Date.now() + 10_000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (!exited) child.kill("SIGKILL");
    }
    if (runtimePid) await unlink(runtimePid).catch(() => undefined);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await fetch(`http://${host}/v2/`).then((r) => r.status, () => 0);
    if (status === 200 || status === 401) break;
    if (exited || Date.now() > deadline) {
      const text = await log();
      await stop();
      throw new Error(`docker-registry did not start: ${text.split("\n").slice(-10).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { host, dir, pid, log, stop };
}
