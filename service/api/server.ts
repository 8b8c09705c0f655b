import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import type { Api } from "./app.js";

export interface HttpServer {
  server: Server;
  url: string;
  port: number;
  /** Stops accepting connections and waits for requests in flight (idle keep-alive connections are closed). */
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0: any free port). Defaults: the API configuration's host and port. */
export async function startHttpServer(api: Api, options: { host?: string; port?: number } = {}): Promise<HttpServer> {
  const host = options.host ?? api.services.config.host;
  const port = options.port ?? api.services.config.port;
  const server = createServer(api.app);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  api.services.logger.info({ url: `http://${shown}:${address.port}` }, "audit API listening");
  return {
    server,
    url: `http://${shown}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
