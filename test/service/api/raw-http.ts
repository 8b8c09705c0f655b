import { connect } from "node:net";

/** One HTTP/1.1 response read off a socket. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** What came back on a connection: every response on it, in order, and whether the server closed it. */
export interface RawExchange {
  responses: RawResponse[];
  /** Bytes after the last whole response (a response cut short). */
  rest: Buffer;
  closed: boolean;
}

function dechunk(buffer: Buffer, from: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const line = buffer.indexOf("\r\n", at);
    if (line < 0) return undefined;
    const size = Number.parseInt(buffer.subarray(at, line).toString("latin1").split(";")[0]!, 16);
    if (!Number.isFinite(size)) return undefined;
    at = line + 2;
    if (size === 0) {
      const trailer = buffer.indexOf("\r\n\r\n", at - 2);
      return trailer < 0 ? undefined : { body: Buffer.concat(parts), end: trailer + 4 };
    }
    if (buffer.length < at + size + 2) return undefined;
    parts.push(buffer.subarray(at, at + size));
    at += size + 2;
  }
}

/** Splits what a server wrote into responses; `method` is the first request's (a HEAD response has no body). */
export function parseResponses(buffer: Buffer, method: string, closed: boolean): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let at = 0;
  let first = true;
  while (at < buffer.length) {
    const end = buffer.indexOf("\r\n\r\n", at);
    if (end < 0) break;
    const [statusLine, ...lines] = buffer.subarray(at, end).toString("latin1").split("\r\n");
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "");
    if (match === null) break;
    const status = Number(match[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let bodyStart = end + 4;
    if (status < 200) {
      at = bodyStart;
      continue;
    }
    let body: Buffer;
    if ((first && method === "HEAD") || status === 204 || status === 304) {
      body = Buffer.alloc(0);
    } else if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
      const chunked = dechunk(buffer, bodyStart);
      if (chunked === undefined) break;
      body = chunked.body;
      bodyStart = chunked.end;
      at = bodyStart;
      responses.push({ status, headers, body });
      first = false;
      continue;
    } else if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"]);
      if (buffer.length < bodyStart + length) break;
      body = buffer.subarray(bodyStart, bodyStart + length);
      bodyStart += length;
    } else {
      if (!closed) break;
      body = buffer.subarray(bodyStart);
      bodyStart = buffer.length;
    }
    responses.push({ status, headers, body });
    first = false;
    at = bodyStart;
  }
  return { responses, rest: buffer.subarray(at) };
}

/**
 * Writes `request` (bytes exactly as given) on a new connection to 127.0.0.1:`port`, then, with `half`, closes the
 * writing side (a client that stops mid-request); reads until the server closes or `timeoutMs` passes.
 */
export function exchange(port: number, request: Buffer | string, options: { method?: string; half?: boolean; timeoutMs?: number } = {}): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const chunks: Buffer[] = [];
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const buffer = Buffer.concat(chunks);
      resolve({ ...parseResponses(buffer, options.method ?? "GET", closed), closed });
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 10_000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => {
      closed = true;
      finish();
    });
    socket.on("close", () => {
      closed = true;
      finish();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // A server that closes while this side still writes (a refusal before the body was read) resets it.
      if (error.code === "ECONNRESET" || error.code === "EPIPE") return;
      clearTimeout(timer);
      reject(error);
    });
    socket.on("connect", () => {
      socket.write(request);
      if (options.half === true) socket.end();
    });
  });
}
