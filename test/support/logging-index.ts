import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export interface LoggingIndex {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Every request as it arrived: method, raw target and Authorization header. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A package server on 127.0.0.1 that records every request, to prove what a build sent out:
 * a find-links page at any `/fl/…/` path and a PEP 503 index at any `…/simple/<project>/`,
 * both linking the given wheels under `/files/`.
 */
export async function startLoggingIndex(wheels: string[]): Promise<LoggingIndex> {
  const requests: string[] = [];
  const links = () => wheels.map((f) => `<a href="/files/${path.basename(f)}">${path.basename(f)}</a>`).join("\n");
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""}`);
    void (async () => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname.startsWith("/fl/") || /\/simple\/[^/]+\/?$/.test(url.pathname)) {
        res.writeHead(200, { "Content-Type": "text/html" }).end(`<!DOCTYPE html><html><body>\n${links()}\n</body></html>\n`);
        return;
      }
      const file = /^\/files\/([^/]+)$/.exec(url.pathname);
      const match = file && wheels.find((w) => path.basename(w) === file[1]);
      if (!match) return void res.writeHead(404).end();
      res.writeHead(200, { "Content-Type": "application/octet-stream" }).end(await readFile(match));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
