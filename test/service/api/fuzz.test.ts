import { gzipSync } from "node:zlib";

import { expect } from "chai";
import fc from "fast-check";
import { Wallet } from "ethers";

import { PROBLEMS, isProblemCode } from "../../../service/internal/problems.js";
import { createRedemptionClient } from "../../../service/client/index.js";
import type { RedemptionBody } from "../../../service/domain/redemption-wire.js";
import { toWire } from "../../../service/domain/redemption-wire.js";
import { ROLE } from "../../../service/domain/roles-v1.js";
import { runWorkload } from "../helpers/ledger.js";
import { backends } from "../helpers/mirror.js";
import { body, type Scenario, setUp } from "../relay/helpers/scenario.js";
import { type ApiFixture, startApiFixture, tokenFor } from "./helpers.js";
import { exchange, type RawExchange, type RawResponse } from "./raw-http.js";

/** Seed of the properties (FC_SEED=… explores others; a failure prints the seed and path that reproduce it). */
const SEED = Number(process.env.FC_SEED ?? 20_260_101);
/** Bounds of each property: runs, and a time after which it stops (as passed) with what it has tried. */
const RUNS = Number(process.env.FC_RUNS ?? 400);
const TIME_LIMIT_MS = 150_000;

/** 503s that are about the service's own state, which must say when to try again. */
const STATE_CODES = new Set(["UNAVAILABLE", "NOT_READY", "TIMEOUT"]);

/** Checks one problem object: a catalogue code whose status, title and type match. */
function checkProblem(problem: Record<string, unknown>, status: number, where: string): void {
  const code = problem.code;
  expect(isProblemCode(code), `${where}: code ${String(code)} is not in the catalogue`).to.equal(true);
  const entry = PROBLEMS[code as keyof typeof PROBLEMS];
  expect(entry.status, `${where}: ${String(code)} answered with ${status}`).to.equal(status);
  expect(problem.status, where).to.equal(status);
  expect(problem.type, where).to.equal(`urn:compute-voucher:problem:${String(code)}`);
  expect(problem.title, where).to.equal(entry.title);
  expect(problem.detail, where).to.be.a("string");
}

/**
 * The rule of the HTTP layer: no 5xx but a 503 about the service's state (with Retry-After); every 4xx and 503 is
 * application/problem+json with a catalogue code; a batch answers each item by the same rule.
 */
function checkResponse(r: RawResponse, where: string, head: boolean): void {
  const text = r.body.toString("utf8");
  const at = `${where} → ${r.status} ${text.slice(0, 300)}`;
  if (r.status >= 500) {
    expect(r.status, at).to.equal(503);
  }
  if (r.status >= 400) {
    expect(r.headers["content-type"] ?? "", at).to.match(/^application\/problem\+json/);
    if (head) return;
    const problem = JSON.parse(text) as Record<string, unknown>;
    checkProblem(problem, r.status, at);
    if (r.status === 503) {
      expect(STATE_CODES.has(String(problem.code)), at).to.equal(true);
      expect(r.headers["retry-after"], at).to.match(/^\d+$/);
    }
  }
  if (r.status === 200 && where.includes("/v1/redemptions/batch") && /^application\/json/.test(r.headers["content-type"] ?? "")) {
    const { results } = JSON.parse(text) as { results: { index: number; status: number; problem?: Record<string, unknown> }[] };
    for (const item of results) {
      if (item.status >= 500) expect(item.status, `${at}: item ${item.index}`).to.equal(503);
      if (item.problem !== undefined) checkProblem(item.problem, item.status, `${at}: item ${item.index}`);
    }
  }
}

/** Percent-encodes the UTF-8 bytes of `value` except unreserved characters and, with `keepPercent`, '%' itself. */
function percent(value: string, keepPercent: boolean): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) || (keepPercent && c === "%") ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

interface Known {
  port: number;
  token: string;
  /** API operations from the served /openapi.json: method, path template, query parameter names. */
  operations: { method: string; path: string; query: string[] }[];
  listIds: string[];
  cursor: string;
  /** A real cursor of each list, decoded ([list id, key]), by path template: mutated into the cursors sent. */
  cursors: Map<string, [string, unknown[]]>;
  voucherId: string;
  bodies: RedemptionBody[];
}

function requestArbitrary(k: Known) {
  const relayRoutes = [
    { method: "POST", path: "/v1/redemptions", query: [] },
    { method: "POST", path: "/v1/redemptions/batch", query: [] },
    { method: "GET", path: "/v1/redemptions/requests/{id}", query: [] },
    { method: "GET", path: "/v1/redemptions/signing-info", query: ["dataCenter"] },
  ];
  const others = ["/", "/{x}", "/v1/{x}", "/v1/vouchers/{x}/{x}", "/dashboard/{x}", "/docs/{x}", "//v1//cities", "/openapi.json"]
    .map((path) => ({ method: "GET", path, query: ["x"] }));
  const route = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...k.operations) },
    { weight: 2, arbitrary: fc.constantFrom(...k.operations.filter((op) => k.cursors.has(op.path))) },
    { weight: 3, arbitrary: fc.constantFrom(...relayRoutes) },
    { weight: 1, arbitrary: fc.constantFrom(...others) },
  );
  const huge = fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n });
  const special = fc.constantFrom(
    "\u0000", "a\u0000b", "%", "%zz", "%E0%A4%A", "%C0%AF", "%FF%FE", "%00", "%ud800", "..", "-1", "0", "1e400", "NaN", "Infinity",
    "0x", "0x0000000000000000000000000000000000000000", "310000", "2026-13-45T99:00:00Z", "csv", "json", "Active", "true", "[]", "{}",
    k.voucherId, k.bodies[0]!.request.from, "00000000-0000-4000-8000-000000000000", "\ud800", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "名字", "a".repeat(600),
  );
  const value = fc.oneof(
    fc.string({ maxLength: 24 }),
    fc.string({ unit: "binary", maxLength: 8 }),
    fc.string({ unit: "grapheme", maxLength: 6 }),
    huge.map(String),
    special,
    special,
  );
  const cursor = fc.oneof(
    fc.constant(k.cursor),
    fc.string({ maxLength: 40 }),
    fc.tuple(
      fc.constantFrom(...k.listIds, "x"),
      fc.array(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("\u0000", "a\u0000", "\ud800"), fc.integer(), huge.map(String), fc.double()), { maxLength: 4 }),
    ).map(base64url),
  );
  /** Writes one value into a path segment: encoded, with its '%' left raw (bad escapes survive), or raw bytes. */
  const segment = fc.tuple(value, fc.constantFrom("encoded", "encoded", "encoded", "keep-percent", "keep-percent", "raw")).map(([v, how]) =>
    how === "raw" ? v : percent(v, how === "keep-percent"));
  const bigJson = huge.map((n) => `{"consent":{"amount":${n}},"request":{"nonce":${n}}}`);
  const fieldValue = fc.oneof(
    huge.map(String), huge, fc.constantFrom(String(2n ** 128n), String(2n ** 64n), String(2n ** 256n), String(2n ** 48n), 1e300, -1, 1.5, "0x", "\u0000", null, true, [], {}, "0x" + "ff".repeat(65)),
    fc.string({ maxLength: 10 }),
  );
  /** Integers at and around the ABI widths, as decimal strings and as JSON numbers. */
  const width = fc.tuple(fc.constantFrom(48n, 53n, 64n, 128n, 256n, 260n), fc.integer({ min: -1, max: 1 }), fc.boolean()).map(([bits, d, asNumber]) =>
    asNumber ? 2n ** bits + BigInt(d) : String(2n ** bits + BigInt(d)));
  const intFields = new Set(["voucherId", "amount", "invoiceTotal", "deadline", "value", "gas", "nonce"]);
  /** A real signed body with one field replaced (mostly an existing one, integers by integers around their width). */
  const mutated = fc.tuple(fc.nat(k.bodies.length - 1), fc.constantFrom("consent", "request"), fc.nat(), fc.string({ maxLength: 12 }), fieldValue, width, fc.nat(9)).map(
    ([i, part, pick, key, v, w, how]) => {
      const wire = toWire(k.bodies[i]!) as unknown as Record<string, Record<string, unknown>>;
      const fields = Object.keys(wire[part]!);
      const name = how === 0 ? key : fields[pick % fields.length]!;
      return { ...wire, [part]: { ...wire[part], [name]: intFields.has(name) && how < 7 ? w : v } };
    },
  );
  const item = fc.oneof(mutated, fc.constant(toWire(k.bodies[0]!)), fc.json({ maxDepth: 2 }).map((j) => JSON.parse(j) as unknown));
  const jsonBody = fc.oneof(
    mutated,
    fc.constantFrom(...k.bodies.map(toWire)),
    fc.array(item, { maxLength: 5 }).map((redemptions) => ({ redemptions })),
    fc.constant({ redemptions: Array(101).fill({}) }),
    fc.json({ maxDepth: 3 }).map((j) => JSON.parse(j) as unknown),
  ).map((v) => JSON.stringify(v, (_key, x: unknown) => (typeof x === "bigint" ? `__big${x}__` : x)).replace(/"__big(-?\d+)__"/g, "$1"));
  /** What the relay's POST routes are sent most of the time: bodies of the right shape, or nearly. */
  const relayBody = fc.oneof(
    { weight: 4, arbitrary: mutated },
    { weight: 3, arbitrary: fc.array(fc.oneof({ weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: item }), { minLength: 1, maxLength: 6 }).map((redemptions) => ({ redemptions })) },
    { weight: 1, arbitrary: fc.constantFrom(...k.bodies.map(toWire)) },
  ).map((v) => JSON.stringify(v, (_key, x: unknown) => (typeof x === "bigint" ? `__big${x}__` : x)).replace(/"__big(-?\d+)__"/g, "$1"));
  /** A list's real cursor with one value replaced. */
  const cursorEdit = fc.record({
    at: fc.nat(),
    to: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom("\u0000", "a\u0000b", "\u0000\u0000") },
      { weight: 2, arbitrary: fc.constantFrom("\ud800", "", "a".repeat(101), -2, 2 ** 60, 1.5, null, String(2n ** 300n)) },
      { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 8 }), fc.integer()) },
    ),
    list: fc.constantFrom("same", "same", "same", "other"),
  });
  const bodyText = fc.option(
    fc.oneof(
      jsonBody,
      jsonBody,
      bigJson,
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
      fc.nat(3000).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
    ),
    { nil: undefined },
  );
  return fc.record({
    route,
    method: fc.oneof(
      { weight: 6, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "PROPFIND") },
    ),
    segments: fc.array(segment, { minLength: 2, maxLength: 2 }),
    // Queries are strict: an unknown name is refused before the others are looked at, so most queries use only
    // the route's own names.
    query: fc.oneof(
      { weight: 2, arbitrary: fc.constant([] as [string, string][]) },
      { weight: 1, arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom("cursor", "limit", "format", "x", "a[b]", "__proto__", "constructor"), fc.string({ maxLength: 6 })), fc.oneof(value, cursor)), { maxLength: 5 }) },
    ),
    queryValues: fc.array(fc.oneof(value, cursor), { minLength: 3, maxLength: 3 }),
    useQueryNames: fc.array(fc.nat(), { maxLength: 2 }),
    contentType: fc.constantFrom(
      undefined, "application/json", "application/json", "application/json", "application/json", "application/json", "application/json; charset=utf-8", "application/json; charset=latin1", "application/json; charset=utf-16le",
      "application/json; charset=x-unknown", "application/merge-patch+json", "text/plain", "multipart/form-data; boundary=x",
      "application/x-www-form-urlencoded", "", ";;;", 'application/json; charset="utf-8"',
    ),
    contentEncoding: fc.constantFrom(undefined, undefined, "identity", "gzip", "deflate", "br", "x-unknown", "gzip, gzip", "zstd"),
    compress: fc.boolean(),
    accept: fc.constantFrom(undefined, "text/csv", "application/json", "*/*", "text/html", "x/y;q=0", "text/csv;q=0.1, application/json;q=0.2", ";;"),
    authorization: fc.constantFrom(
      undefined, "token", "token", "token", "token", "token", "Bearer junk", "Bearer v1.e30.AAAA", `EIP191 ${k.bodies[0]!.request.from}.${Math.floor(Date.now() / 1000)}.0x00`,
      "EIP191 x", "Basic YTpi", `Bearer ${"a".repeat(5000)}`,
    ),
    extraHeaders: fc.array(fc.tuple(fc.constantFrom("x-a", "expect", "range", "if-none-match", "x-forwarded-for", "origin", "cookie", "accept-encoding", "content-language"), fc.string({ unit: "grapheme-ascii", maxLength: 20 })), { maxLength: 3 }),
    framing: fc.constantFrom("length", "length", "length", "chunked", "cut", "none"),
    body: bodyText,
    relayBody: fc.option(relayBody, { freq: 8, nil: undefined }),
    cursorEdit: fc.option(cursorEdit, { freq: 5, nil: undefined }),
  });
}

type FuzzRequest = ReturnType<typeof requestArbitrary> extends fc.Arbitrary<infer T> ? T : never;

/** The bytes of a generated request, with how it is sent. */
function build(k: Known, r: FuzzRequest): { bytes: Buffer; method: string; half: boolean; where: string } {
  const method = r.method ?? r.route.method;
  let n = 0;
  const path = r.route.path.replace(/\{\w+\}/g, () => r.segments[n++ % r.segments.length]!);
  const names = r.route.query;
  const pairs = [
    ...r.useQueryNames.filter(() => names.length > 0).map((i, j): [string, string] => [names[i % names.length]!, r.queryValues[j]!]),
    ...r.query,
  ];
  const real = k.cursors.get(r.route.path);
  if (real !== undefined && r.cursorEdit !== undefined) {
    const [list, key] = real;
    const edited = key.map((v, i) => (i === r.cursorEdit!.at % key.length ? r.cursorEdit!.to : v));
    pairs.push(["cursor", base64url([r.cursorEdit.list === "same" ? list : k.listIds[r.cursorEdit.at % k.listIds.length], edited])]);
  }
  const query = pairs.map(([key, v]) => `${percent(key, false)}=${percent(v, false)}`).join("&");
  const target = `${path}${query === "" ? "" : `?${query}`}`;
  const headers: [string, string][] = [["host", `127.0.0.1:${k.port}`], ["connection", "close"]];
  if (r.contentType !== undefined) headers.push(["content-type", r.contentType]);
  if (r.contentEncoding !== undefined) headers.push(["content-encoding", r.contentEncoding]);
  if (r.accept !== undefined) headers.push(["accept", r.accept]);
  if (r.authorization !== undefined) headers.push(["authorization", r.authorization === "token" ? `Bearer ${k.token}` : r.authorization]);
  headers.push(...r.extraHeaders.filter(([name, v]) => !(name === "expect" && v === "")));
  const relayPost = method === "POST" && r.route.path.startsWith("/v1/redemptions") && r.relayBody !== undefined;
  const text = relayPost ? r.relayBody : r.body;
  let payload = text === undefined ? Buffer.alloc(0) : Buffer.from(text, "utf8");
  if (r.compress && r.contentEncoding === "gzip") payload = gzipSync(payload);
  let framed = payload;
  let half = false;
  if (text !== undefined) {
    if (r.framing === "chunked") {
      headers.push(["transfer-encoding", "chunked"]);
      framed = Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from("\r\n0\r\n\r\n")]);
    } else if (r.framing === "cut") {
      // A client that announces more than it sends and goes away.
      headers.push(["content-length", String(payload.length + 10)]);
      half = true;
    } else if (r.framing === "length") {
      headers.push(["content-length", String(payload.length)]);
    }
  }
  const head = `${method} ${target} HTTP/1.1\r\n${headers.map(([name, v]) => `${name}: ${v}`).join("\r\n")}\r\n\r\n`;
  return { bytes: Buffer.concat([Buffer.from(head, "latin1"), framed]), method, half, where: `${method} ${target.slice(0, 200)}` };
}

/** Requests Node's parser refuses, and CONNECT: each must be answered with a problem, never an empty close. */
function parserArbitrary(k: Known) {
  const host = `Host: 127.0.0.1:${k.port}\r\n`;
  return fc.oneof(
    fc.constantFrom("GE T", "FOO", "G\u0001T", "get", "PRI", "").map((m) => `${m} /health HTTP/1.1\r\n${host}\r\n`),
    fc.constantFrom("X A: b", "X-A\u0000: b", "X-A: b\u0000c", "X-A: b\rc", "X-\u007fA: b", ": b", "X-A", " X-A: b").map((h) => `GET /health HTTP/1.1\r\n${host}${h}\r\n\r\n`),
    fc.integer({ min: 17, max: 90 }).map((kb) => `GET /health HTTP/1.1\r\n${host}X-Big: ${"a".repeat(kb * 1024)}\r\n\r\n`),
    fc.constantFrom("HTTP/9.9", "HTTP/1.1x", "HTTP/0.9", "HTTX/1.1", "").map((v) => `GET /health ${v}\r\n${host}\r\n`),
    fc.constantFrom(
      `POST /v1/redemptions HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\nzz\r\n`,
      `POST /v1/redemptions HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`,
      `POST /v1/redemptions HTTP/1.1\r\n${host}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`,
      `POST /v1/redemptions HTTP/1.1\r\n${host}Content-Length: -1\r\n\r\n`,
      `POST /v1/redemptions HTTP/1.1\r\n${host}Transfer-Encoding: gzip\r\n\r\nabc`,
      `GET /v1/redemptions/requests/%zz HTTP/1.1\r\n${host}\r\n`,
      `GET /v1/cit ies HTTP/1.1\r\n${host}\r\n`,
      `GET /\u0000 HTTP/1.1\r\n${host}\r\n`,
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
      `CONNECT 127.0.0.1:${k.port} HTTP/1.1\r\n${host}\r\n`,
      `CONNECT example.com:443 HTTP/1.1\r\n\r\n`,
      `GET /health HTTP/1.1\r\n${host}Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n`,
      `GET /health HTTP/1.1\r\n${host}Expect: teapot\r\nConnection: close\r\n\r\n`,
      `GET /health HTTP/1.1\r\n\r\n`,
    ),
    fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => `${Buffer.from(bytes).toString("latin1")}\r\n\r\n`),
  );
}

/** Applies {@link checkResponse} to every response of a connection, of which there must be one at least. */
function checkExchange(got: RawExchange, where: string, options: { method?: string } = {}): void {
  expect(got.responses.length, `${where}: no response (${got.rest.length} bytes of a partial one)`).to.be.greaterThan(0);
  got.responses.forEach((r, i) => checkResponse(r, where, i === 0 && options.method === "HEAD"));
}

describe("HTTP layer: no 5xx for what a request contains, every refusal problem+json from one catalogue", function () {
  this.timeout(600_000);
  let s: Scenario;
  const auditor = Wallet.createRandom();

  before(async function () {
    s = await setUp({ vouchers: 4, dataCenters: 2 });
    await (await s.t.manager.connect(s.t.signers.governor).grantRole(ROLE.AUDITOR, auditor.address, 0)).wait();
    await runWorkload(s.t, 12, 3);
  });

  after(async function () {
    await s?.stop();
  });

  for (const backend of backends()) {
    describe(`over ${backend}, the audit API and the relay in one server`, function () {
      let f: ApiFixture;
      let k: Known;

      before(async function () {
        f = await startApiFixture(s.node.url, s.t, backend, {}, { relay: {} });
        const token = await tokenFor(f.client, auditor);
        const client = createRedemptionClient({ baseUrl: f.http.url });
        const bodies = [await body(s, client, 0, s.dataCenters[0]!), await body(s, client, 1, s.dataCenters[1]!)];
        const document = (await (await fetch(`${f.http.url}/openapi.json`)).json()) as {
          paths: Record<string, Record<string, { operationId: string; parameters?: { in: string; name: string }[] }>>;
        };
        const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
          Object.entries(methods).map(([method, op]) => ({
            method: method.toUpperCase(),
            path,
            query: (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name),
          })),
        );
        const listIds = Object.values(document.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId)).filter((id) => id.startsWith("list"));
        const page = await f.client.get("/v1/vouchers?limit=1", token);
        const cursors = new Map<string, [string, unknown[]]>();
        for (const { path, method } of operations) {
          if (method !== "GET" || path.includes("{") || !(await f.client.get(path, token)).text.includes('"nextCursor"')) continue;
          const next = (await f.client.get(`${path}?limit=1`, token)).json.nextCursor as string | null;
          if (next !== null) cursors.set(path, JSON.parse(Buffer.from(next, "base64url").toString()) as [string, unknown[]]);
        }
        const [voucher] = await f.mirror.store.db.query<{ id: string }>("SELECT id::text AS id FROM vouchers ORDER BY id LIMIT 1");
        k = { port: f.http.port, token, operations, listIds, cursor: page.json.nextCursor, cursors, voucherId: voucher!.id, bodies };
        expect([...cursors.keys()]).to.include.members(["/v1/vouchers", "/v1/data-centers", "/v1/roles"]);
      });

      after(async function () {
        await f?.close();
      });

      async function send(request: string | Buffer, options: { method?: string; half?: boolean } = {}): Promise<RawExchange> {
        return exchange(k.port, request, options);
      }
      const host = () => `Host: 127.0.0.1:${k.port}\r\nConnection: close\r\n`;
      function post(path: string, payload: Buffer | string, headers = "application/json"): string | Buffer {
        const bytes = Buffer.from(payload);
        return Buffer.concat([
          Buffer.from(`POST ${path} HTTP/1.1\r\n${host()}Content-Type: ${headers}\r\nContent-Length: ${bytes.length}\r\n`),
          Buffer.from("\r\n"),
          bytes,
        ]);
      }
      const problemOf = (got: RawExchange) => {
        const r = got.responses[0]!;
        return { status: r.status, type: r.headers["content-type"], json: JSON.parse(r.body.toString("utf8")) as Record<string, unknown>, headers: r.headers };
      };

      it("answers header fields over Node's limit with 431 HEADERS_TOO_LARGE as problem+json", async function () {
        const got = await send(`GET /health HTTP/1.1\r\n${host()}X-Big: ${"a".repeat(20_000)}\r\n\r\n`);
        checkExchange(got, "431");
        expect(problemOf(got)).to.deep.include({ status: 431, type: "application/problem+json" });
        expect(problemOf(got).json.code).to.equal("HEADERS_TOO_LARGE");
      });

      it("answers a method and a header byte Node's parser refuses with 400 BAD_REQUEST, and CONNECT with 405", async function () {
        for (const raw of [`FOO /health HTTP/1.1\r\n${host()}\r\n`, `GET /health HTTP/1.1\r\n${host()}X-A\u0000: b\r\n\r\n`]) {
          const got = await send(raw);
          checkExchange(got, JSON.stringify(raw));
          expect(problemOf(got).json.code).to.equal("BAD_REQUEST");
        }
        const connect = await send(`CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`);
        checkExchange(connect, "CONNECT");
        expect(problemOf(connect).json.code).to.equal("METHOD_NOT_ALLOWED");
        expect(problemOf(connect).headers.allow).to.equal("GET, POST");
      });

      it("answers a malformed percent-escape in a path segment with a 400 VALIDATION_FAILED, on the relay's routes and the API's", async function () {
        const relay = await send(`GET /v1/redemptions/requests/%E0%A4%A HTTP/1.1\r\n${host()}\r\n`);
        checkExchange(relay, "relay");
        expect(problemOf(relay).json.code).to.equal("VALIDATION_FAILED");
        const api = await send(`GET /v1/cities/%zz HTTP/1.1\r\n${host()}Authorization: Bearer ${k.token}\r\n\r\n`);
        checkExchange(api, "api");
        expect(problemOf(api).json.code).to.equal("VALIDATION_FAILED");
      });

      it("refuses a relay body with an unsupported charset or content encoding (415), corrupt gzip or cut short (400), storing nothing", async function () {
        const json = JSON.stringify(toWire(k.bodies[0]!));
        const charset = await send(post("/v1/redemptions", json, "application/json; charset=x-unknown"));
        checkExchange(charset, "charset");
        expect(problemOf(charset).json.code).to.equal("UNSUPPORTED_MEDIA_TYPE");
        const encoding = await send(post("/v1/redemptions", json).toString().replace("Content-Type", "Content-Encoding: x-zip\r\nContent-Type"));
        checkExchange(encoding, "encoding");
        expect(problemOf(encoding).json.code).to.equal("UNSUPPORTED_MEDIA_TYPE");
        const corrupt = await send(Buffer.from(post("/v1/redemptions", "not gzip at all").toString().replace("Content-Type", "Content-Encoding: gzip\r\nContent-Type")));
        checkExchange(corrupt, "corrupt gzip");
        expect(problemOf(corrupt)).to.deep.include({ status: 400 });
        expect(problemOf(corrupt).json.code).to.equal("VALIDATION_FAILED");
        const gzipped = await send(Buffer.concat([
          Buffer.from(`POST /v1/redemptions/batch HTTP/1.1\r\n${host()}Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: `),
          ...(() => {
            const z = gzipSync(Buffer.from('{"redemptions":[{}]}'));
            return [Buffer.from(`${z.length}\r\n\r\n`), z];
          })(),
        ]));
        checkExchange(gzipped, "gzip batch");
        expect(gzipped.responses[0]!.status, "a gzip body is read").to.equal(200);
        const cut = await send(`POST /v1/redemptions HTTP/1.1\r\n${host()}Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{"consent":`, { half: true });
        checkExchange(cut, "cut short");
        // The client stopped mid-body: Node's parser sees the end of the stream first.
        expect(problemOf(cut).json.code).to.equal("BAD_REQUEST");
        const held = await f.relay!.queue.nonceHolders(k.bodies[0]!.request.from, 0n);
        expect(held, "nothing was stored").to.deep.equal([]);
      });

      it("refuses a batch item whose integer is wider than its ABI type as a 400 item, and answers the others", async function () {
        const wire = toWire(k.bodies[0]!) as unknown as Record<string, Record<string, unknown>>;
        const items = [
          { ...wire, consent: { ...wire.consent, amount: String(2n ** 128n) } },
          { ...wire, consent: { ...wire.consent, deadline: String(2n ** 64n) } },
          { ...wire, consent: { ...wire.consent, voucherId: String(2n ** 256n) } },
          { ...wire, request: { ...wire.request, nonce: String(2n ** 256n) } },
          { ...wire, consent: { ...wire.consent, invoiceTotal: 1e300 } },
        ];
        const got = await send(post("/v1/redemptions/batch", JSON.stringify({ redemptions: items })));
        checkExchange(got, "batch");
        const { results } = JSON.parse(got.responses[0]!.body.toString()) as { results: { status: number; problem?: { code: string; detail: string } }[] };
        expect(results.map((r) => r.status)).to.deep.equal([400, 400, 400, 400, 400]);
        expect(results.map((r) => r.problem?.code)).to.deep.equal(Array(5).fill("VALIDATION_FAILED"));
        expect(results[0]!.problem!.detail).to.match(/^body\.redemptions\.0\.consent\.amount: .*uint128/);
        const single = await send(post("/v1/redemptions", JSON.stringify(items[0])));
        checkExchange(single, "single");
        const one = problemOf(single).json as { code: string; errors: { path: string; message: string }[] };
        expect(one.code).to.equal("VALIDATION_FAILED");
        expect(one.errors).to.have.length(1);
        expect(one.errors[0]!.path).to.equal("body.consent.amount");
        expect(one.errors[0]!.message).to.match(/uint128/);
      });

      it("refuses a cursor whose key holds a NUL character with INVALID_CURSOR, as JSON and as CSV", async function () {
        const cursor = base64url(["listDataCenters", ["a\u0000b"]]);
        for (const format of ["json", "csv"]) {
          const got = await send(`GET /v1/data-centers?format=${format}&cursor=${cursor} HTTP/1.1\r\n${host()}Authorization: Bearer ${k.token}\r\n\r\n`);
          checkExchange(got, format);
          expect(problemOf(got).json.code, format).to.equal("INVALID_CURSOR");
        }
        const filter = await send(`GET /v1/data-centers?format=csv&city=%00 HTTP/1.1\r\n${host()}Authorization: Bearer ${k.token}\r\n\r\n`);
        checkExchange(filter, "NUL in a filter");
        expect(problemOf(filter).json.code).to.equal("VALIDATION_FAILED");
      });

      it("gives a 503 about the service's own state a Retry-After (not ready)", async function () {
        // The mirror is one block behind once a block is mined without it syncing.
        for (let i = 0; i < 4; i++) await s.t.provider.send("evm_mine", []);
        const got = await send(`GET /ready HTTP/1.1\r\n${host()}\r\n`);
        checkExchange(got, "ready");
        expect(problemOf(got)).to.deep.include({ status: 503 });
        expect(problemOf(got).json.code).to.equal("NOT_READY");
        await f.sync();
      });

      it("answers every generated request (paths, parameters, bodies, encodings, headers) without a 5xx or a non-problem 4xx", async function () {
        await fc.assert(
          fc.asyncProperty(requestArbitrary(k), async (r) => {
            const { bytes, method, half, where } = build(k, r);
            const got = await send(bytes, { method, half });
            checkExchange(got, where, { method });
          }),
          { numRuns: RUNS, seed: SEED, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)], endOnFailure: true },
        );
      });

      it("answers every request Node's HTTP parser refuses, and CONNECT, with a problem", async function () {
        await fc.assert(
          fc.asyncProperty(parserArbitrary(k), async (raw) => {
            // Some of these are well-formed and keep the connection open: what came within 2 s is all there is.
            const got = await exchange(k.port, Buffer.from(raw, "latin1"), { method: raw.split(" ")[0]!, timeoutMs: 2000 });
            checkExchange(got, JSON.stringify(raw.slice(0, 120)));
          }),
          { numRuns: Math.ceil(RUNS / 3), seed: SEED, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)], endOnFailure: true },
        );
      });
    });
  }
});
