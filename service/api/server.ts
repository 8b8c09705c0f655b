import { createServer, type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";

import { Problem, type ProblemCode } from "../internal/problems.js";
import type { Api } from "./app.js";

export interface HttpServer {
  server: Server;
  url: string;
  port: number;
  /** Stops accepting connections and waits for requests in flight (idle keep-alive connections are closed). */
  close(): Promise<void>;
}

/** The catalogue code of a request Node's HTTP parser refused, by the parser's error code. */
function parserRefusal(code: string | undefined): ProblemCode {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return "HEADERS_TOO_LARGE";
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return "PAYLOAD_TOO_LARGE";
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return "REQUEST_TIMEOUT";
    default:
      return "BAD_REQUEST";
  }
}

/** A whole HTTP/1.1 response carrying a problem, for a socket no Express response stands for; it closes. */
function rawProblem(problem: Problem): string {
  const body = JSON.stringify(problem.details());
  const headers: Record<string, string> = {
    "content-type": "application/problem+json",
    "content-length": String(Buffer.byteLength(body)),
    connection: "close",
    ...problem.headers,
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  return `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ""}\r\n${lines}\r\n${body}`;
}

function endWith(socket: Duplex, problem: Problem): void {
  socket.on("error", () => socket.destroy());
  socket.end(rawProblem(problem), () => socket.destroy());
}

/**
 * Answers what never reaches Express as problem details too: a request Node's parser refuses (a bad method or
 * header byte, header fields over the limit, a request not received within the server's timeouts) and CONNECT.
 * As Node's own default does, nothing is written where a response has already begun on the socket.
 */
export function answerParserRefusals(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Node's own check: the response of an earlier request on this keep-alive socket may be under way.
    const current = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === "ECONNRESET" || !socket.writable || current?.headersSent === true) {
      socket.destroy();
      return;
    }
    endWith(socket, new Problem(parserRefusal(error.code), `the HTTP request was refused before it was read (${error.code ?? "malformed"})`));
  });
  server.on("connect", (_req: IncomingMessage, socket: Duplex) => {
    endWith(socket, new Problem("METHOD_NOT_ALLOWED", "CONNECT is not served: this is not a proxy", { headers: { allow: "GET, POST" } }));
  });
}

/** Listens on `host:port` (port 0: any free port). Defaults: the API configuration's host and port. */
export async function startHttpServer(api: Api, options: { host?: string; port?: number } = {}): Promise<HttpServer> {
  const host = options.host ?? api.services.config.host;
  const port = options.port ?? api.services.config.port;
  // A request without Host (HTTP/1.1 requires one) is refused by the app as problem details, not by Node's bare
  // 400; an Expect other than 100-continue is ignored (RFC 9110 §10.1.1 allows it) rather than answered with a bare 417.
  const server = createServer({ requireHostHeader: false }, api.app);
  server.on("checkExpectation", api.app);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  answerParserRefusals(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${shown}:${address.port}`;
  // The bound port as a structured record (PORT=0 binds any free port): what a parent process waits for, so it is
  // logged below LOG_LEVEL too (not when silent).
  const logger = api.services.logger;
  (logger.level === "silent" || logger.isLevelEnabled("info") ? logger : logger.child({}, { level: "info" })).info(
    { event: "api.listening", port: address.port, url },
    "audit API listening",
  );
  return {
    server,
    url,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
