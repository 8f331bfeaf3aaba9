import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createError } from "@envforge/core/plugin-kit";

/**
 * rattler's WASM build cannot read `file://` channels (see lock.ts), so local channels are served
 * to it from a loopback server (127.0.0.1, an ephemeral port) for the duration of one solve.
 */
export interface ServedChannels {
  urls: string[];
  /** Maps a URL of a served package back to the channel's own `file://` URL. */
  original(url: string): string;
  close(): Promise<void>;
}

function localDir(channel: string): string | undefined {
  if (/^file:\/\//i.test(channel)) return fileURLToPath(channel);
  if (path.isAbsolute(channel) || channel.startsWith("./") || channel.startsWith("../")) return path.resolve(channel);
  return undefined;
}

export async function serveLocalChannels(channels: readonly string[]): Promise<ServedChannels> {
  const dirs = channels.map(localDir);
  if (dirs.every((d) => d === undefined)) return { urls: [...channels], original: (u) => u, close: async () => undefined };
  for (const [i, dir] of dirs.entries()) {
    if (dir === undefined) continue;
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) {
      throw createError("E_FILE_NOT_FOUND", `channel ${channels[i]} is not a folder`, { hint: "a local channel is a folder with <subdir>/repodata.json (e.g. noarch/repodata.json)" });
    }
  }
  // node:http (and net, stream…) only when a local channel is served: not on every start-up.
  const http = await import("node:http");
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const [, index, ...rest] = url.pathname.split("/");
    const root = dirs[Number(index)];
    const file = root === undefined ? undefined : path.resolve(root, ...rest.map(decodeURIComponent));
    if (req.method !== "GET" || root === undefined || file === undefined || !file.startsWith(root + path.sep)) {
      res.writeHead(404).end();
      return;
    }
    const stream = createReadStream(file);
    stream.on("open", () => res.writeHead(200, { "content-type": "application/octet-stream" }));
    stream.on("error", () => res.writeHead(404).end());
    stream.pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const urls = channels.map((c, i) => (dirs[i] === undefined ? c : `${base}/${i}/`));
  return {
    urls,
    original(url) {
      const m = new RegExp(`^${base.replace(/\./g, "\\.")}/(\\d+)/(.*)$`).exec(url);
      const dir = m ? dirs[Number(m[1])] : undefined;
      return m && dir !== undefined ? `${pathToFileURL(dir).href.replace(/\/$/, "")}/${m[2]}` : url;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
