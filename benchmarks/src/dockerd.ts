import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";

export interface PrivateDockerd {
  /** `unix:///…/docker.sock`, for DOCKER_HOST. */
  host: string;
  stop(): Promise<void>;
}

async function answers(host: string | undefined): Promise<boolean> {
  const env = host ? { DOCKER_HOST: host } : {};
  const probe = await execa("docker", ["version", "--format", "{{.Server.Version}}"], { env, reject: false, timeout: 10_000 });
  return probe.exitCode === 0;
}

/** Why no private daemon can be started here, or undefined. */
async function cannotStart(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "dockerd needs root";
  const found = await execa("sh", ["-c", "command -v dockerd && command -v docker"], { reject: false });
  return found.exitCode === 0 ? undefined : "docker and dockerd are not installed";
}

/**
 * The Docker daemon the comparison runs against: the one DOCKER_HOST (or the default socket)
 * names when it answers, else a private one started here the way the tests start theirs (own data
 * root and socket, vfs storage, no iptables or bridge), stopped again afterwards.
 */
export async function dockerDaemon(log: (line: string) => void): Promise<{ host?: string; stop(): Promise<void> } | { unavailable: string }> {
  if (await answers(undefined)) return { stop: async () => undefined };
  const why = await cannotStart();
  if (why) return { unavailable: `no Docker daemon answers and none can be started here (${why})` };
  const dir = mkdtempSync(path.join(os.tmpdir(), "efb-"));
  const host = `unix://${path.join(dir, "docker.sock")}`;
  writeFileSync(path.join(dir, "daemon.json"), "{}");
  const args = ["--config-file", path.join(dir, "daemon.json"), "--storage-driver", "vfs", "--iptables=false", "--ip6tables=false", "--bridge=none"];
  args.push("--data-root", path.join(dir, "data"), "--exec-root", path.join(dir, "exec"), "--pidfile", path.join(dir, "docker.pid"), "-H", host);
  const child: ResultPromise = execa("dockerd", args, { reject: false, stdout: { file: path.join(dir, "dockerd.log") }, stderr: { file: path.join(dir, "dockerd.log") } });
  const stop = async () => {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    await child;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  const deadline = Date.now() + 60_000;
  while (!(await answers(host))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      return { unavailable: "a private dockerd did not start within a minute" };
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  log(`docker: started a private dockerd at ${host}`);
  return { host, stop } satisfies PrivateDockerd;
}
