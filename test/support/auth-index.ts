import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export interface AuthIndex {
  /** `http://127.0.0.1:<port>/simple` (no credentials in it). */
  url: string;
  host: string;
  /** Requests answered 401 (no or wrong credentials) and 200. */
  stats: { denied: number; served: number };
  close(): Promise<void>;
}

/**
 * A PEP 503 "simple" package index on 127.0.0.1 that answers only requests carrying HTTP Basic
 * credentials `user:password`, serving the given wheel files. No public index is reachable here,
 * and a private one is what credentials are for.
 */
export async function startAuthIndex(wheels: string[], user: string, password: string): Promise<AuthIndex> {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  const byProject = new Map<string, string[]>();
  for (const file of wheels) {
    const project = path.basename(file).split("-")[0]!.toLowerCase().replace(/[-_.]+/g, "-");
    byProject.set(project, [...(byProject.get(project) ?? []), file]);
  }
  const stats = { denied: 0, served: 0 };
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.headers.authorization !== expected) {
        stats.denied++;
        res.writeHead(401, { "WWW-Authenticate": 'Basic realm="envforge-test"' }).end();
        return;
      }
      const url = new URL(req.url ?? "/", "http://x");
      const simple = /^\/simple\/([^/]+)\/?$/.exec(url.pathname);
      if (simple) {
        const files = byProject.get(simple[1]!.toLowerCase()) ?? [];
        if (files.length === 0) return void res.writeHead(404).end();
        stats.served++;
        const links = files.map((f) => `<a href="/files/${path.basename(f)}">${path.basename(f)}</a>`).join("\n");
        res.writeHead(200, { "Content-Type": "text/html" }).end(`<!DOCTYPE html><html><body>\n${links}\n</body></html>\n`);
        return;
      }
      const file = /^\/files\/([^/]+)$/.exec(url.pathname);
      const match = file && wheels.find((w) => path.basename(w) === file[1]);
      if (!match) return void res.writeHead(404).end();
      stats.served++;
      res.writeHead(200, { "Content-Type": "application/octet-stream" }).end(await readFile(match));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/simple`,
    host: `127.0.0.1:${port}`,
    stats,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
