import { expect } from "chai";
import type { Signer } from "ethers";
import { SiweMessage } from "siwe";
import type { z } from "zod";

import { type Api, createApi, startHttpServer, type HttpServer } from "../../../service/api/index.js";
import type { OpenApiDocument } from "../../../service/api/openapi.js";
import { problemSchema } from "../../../service/api/problem.js";
import { devAccountKey, loadConfig } from "../../../service/internal/config.js";
import { createLogger } from "../../../service/internal/logger.js";
import { type Mirror, openMirror } from "../../../service/mirror.js";
import { createRelay, createRelayRouter, RELAY_DOCUMENTED, RELAY_ENDPOINTS, type Relay, relayDepsFor } from "../../../service/relay/index.js";
import type { TestLedger } from "../helpers/ledger.js";
import { type BackendKind, mirrorEnv, newDatabase, type TestDatabase } from "../helpers/mirror.js";

export interface ApiFixture {
  backend: BackendKind;
  mirror: Mirror;
  api: Api;
  http: HttpServer;
  client: Client;
  db: TestDatabase;
  env: Record<string, string>;
  /** The redemption relay, when the fixture was asked for it. */
  relay: Relay | undefined;
  /** Syncs the mirror to the chain's head. */
  sync(): Promise<void>;
  /** Stops the server, the API and the mirror, keeping the database. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

export interface ApiFixtureOptions {
  /**
   * Also run the redemption relay (Hardhat's dev accounts 17 and 18 as relayers) and serve its routes from the same
   * app, as service/main.ts does: `rpcUrl` is the relay's chain node (a proxy in front of the node), `checkTimeoutMs`
   * its bound on a request's checks.
   */
  relay?: { rpcUrl?: string; checkTimeoutMs?: number };
}

/**
 * A real mirror of the test ledger (synced to the head) with the audit API over it on a free port of 127.0.0.1;
 * with `options.relay`, the redemption relay's routes too.
 */
export async function startApiFixture(
  nodeUrl: string,
  t: TestLedger,
  backend: BackendKind,
  extra: Record<string, string> = {},
  options: ApiFixtureOptions = {},
): Promise<ApiFixture> {
  const db = await newDatabase(backend);
  const env = await mirrorEnv(nodeUrl, t, db, { ...API_TEST_ENV, ...extra });
  return startApiFixtureOn(env, db, backend, options);
}

/** The API's settings for tests: validated responses, and rate limits no test reaches. */
export const API_TEST_ENV: Record<string, string> = {
  PORT: "0",
  API_VALIDATE_RESPONSES: "true",
  API_RATE_LIMIT_PER_ADDRESS: "100000",
  API_RATE_LIMIT_PER_TOKEN: "100000",
  API_RATE_LIMIT_AUTH_PER_IP: "100000",
  API_RATE_LIMIT_PUBLIC_PER_IP: "100000",
};

/** As {@link startApiFixture}, for a mirror configured by `env` (ledger v2's, for one) over the database `db`. */
export async function startApiFixtureOn(
  env: Record<string, string>,
  db: TestDatabase,
  backend: BackendKind,
  options: ApiFixtureOptions = {},
): Promise<ApiFixture> {
  const { mirror: config, api: apiConfig } = loadConfig(env);
  const logger = createLogger({ level: config.logLevel });
  const mirror = await openMirror({ config, logger });
  await mirror.syncer!.syncToHead();
  let relay: Relay | undefined;
  if (options.relay !== undefined) {
    const { relay: relaySettings } = loadConfig({ ...env, RELAYER_KEYS: [devAccountKey(17), devAccountKey(18)].join(","), RELAY_POLL_MS: "50" });
    const deps = relayDepsFor(config, relaySettings, mirror, logger);
    relay = await createRelay({ ...deps, rpcUrl: options.relay.rpcUrl ?? deps.rpcUrl });
  }
  const routers = relay === undefined ? [] : [createRelayRouter({ relay, checkTimeoutMs: options.relay?.checkTimeoutMs ?? apiConfig.requestTimeoutMs })];
  const api = await createApi({ config, api: apiConfig, mirror, logger, routers, documented: relay === undefined ? [] : [RELAY_DOCUMENTED] });
  const http = await startHttpServer(api, { port: 0 });
  const client = createClient(http.url, api);
  let stopped = false;
  async function stop() {
    if (stopped) return;
    stopped = true;
    await http.close();
    await relay?.stop();
    await api.close();
    await mirror.close();
  }
  return {
    backend, mirror, api, http, client, db, env, relay,
    async sync() {
      await mirror.syncer!.syncToHead();
    },
    stop,
    async close() {
      await stop();
      await db.drop().catch(() => undefined);
    },
  };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface Client {
  url: string;
  document: OpenApiDocument;
  request(method: string, path: string, options?: { token?: string; headers?: Record<string, string>; body?: string }): Promise<ApiResponse>;
  get(path: string, token?: string, headers?: Record<string, string>): Promise<ApiResponse>;
  /** Every page of a list, following nextCursor. */
  all(path: string, token: string, limit?: number): Promise<unknown[]>;
}

type Operation = { operationId: string; responses: Record<string, { content?: Record<string, unknown> }> };

/**
 * An HTTP client that checks every response against the OpenAPI document: the route, method and status must be
 * documented, with the media type answered, and the body must parse with the schema the document was generated
 * from (the endpoint's output schema, or the problem schema).
 */
export function createClient(url: string, api: Api): Client {
  const document = api.document;
  const templates = Object.keys(document.paths ?? {}).map((path) => ({
    path,
    pattern: new RegExp(`^${path.replace(/\{\w+\}/g, "[^/]+")}$`),
  }));
  const outputs = new Map<string, z.ZodType>([...api.endpoints, ...RELAY_ENDPOINTS].map((e) => [e.id, e.output]));

  function validate(method: string, path: string, response: ApiResponse): void {
    const pathname = new URL(path, url).pathname;
    const type = response.headers.get("content-type") ?? "";
    const template = templates.find((t) => t.pattern.test(pathname));
    const operation = template === undefined
      ? undefined
      : ((document.paths as Record<string, Record<string, Operation>>)[template.path]![method.toLowerCase()]);
    if (pathname.startsWith("/docs") || pathname === "/openapi.json") return;
    if (operation === undefined) {
      expect(response.status, `${method} ${path}`).to.equal(404);
      expect(type).to.match(/^application\/problem\+json/);
      problemSchema.parse(response.json);
      expect(response.json.code).to.equal("ROUTE_NOT_FOUND");
      return;
    }
    const documented = operation.responses[String(response.status)];
    expect(documented, `${method} ${path} answered ${response.status}, which the document does not list: ${response.text.slice(0, 300)}`).to.not.equal(undefined);
    const mediaType = type.split(";")[0]!.trim();
    expect(Object.keys(documented!.content ?? {}), `${method} ${path} ${response.status}`).to.include(mediaType);
    if (mediaType === "application/problem+json") {
      const parsed = problemSchema.safeParse(response.json);
      expect(parsed.success, `problem of ${method} ${path}: ${JSON.stringify(parsed.error?.issues)}`).to.equal(true);
      expect(response.json.status).to.equal(response.status);
    } else if (mediaType === "application/json") {
      const parsed = outputs.get(operation.operationId)!.safeParse(response.json);
      expect(parsed.success, `${method} ${path}: ${JSON.stringify(parsed.error?.issues.slice(0, 3))}`).to.equal(true);
    }
  }

  async function request(method: string, path: string, options: { token?: string; headers?: Record<string, string>; body?: string } = {}) {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined && headers["content-type"] === undefined) headers["content-type"] = "application/json";
    const res = await fetch(new URL(path, url), { method, headers, body: options.body });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const response = { status: res.status, headers: res.headers, text, json };
    validate(method, path, response);
    return response;
  }

  return {
    url,
    document,
    request,
    get: (path, token, headers) => request("GET", path, { token, headers }),
    async all(path, token, limit = 7) {
      const items: unknown[] = [];
      let cursor: string | null = null;
      do {
        const sep = path.includes("?") ? "&" : "?";
        const page: ApiResponse = await request("GET", `${path}${sep}limit=${limit}${cursor === null ? "" : `&cursor=${cursor}`}`, { token });
        expect(page.status, page.text).to.equal(200);
        items.push(...page.json.items);
        cursor = page.json.nextCursor;
      } while (cursor !== null);
      return items;
    },
  };
}

/** A SIWE message for the API, with overrides to make it wrong in one way. */
export async function siweMessage(
  client: Client,
  signer: Signer,
  overrides: Partial<{ scheme: string; domain: string; uri: string; chainId: number; nonce: string; issuedAt: Date; expirationTime: Date | null }> = {},
): Promise<string> {
  const nonce = overrides.nonce ?? (await client.request("POST", "/v1/auth/nonce")).json.nonce;
  const info = (await client.request("POST", "/v1/auth/nonce")).json;
  const issuedAt = overrides.issuedAt ?? new Date();
  const expiration = overrides.expirationTime === undefined ? new Date(issuedAt.getTime() + 5 * 60_000) : overrides.expirationTime;
  return new SiweMessage({
    ...(overrides.scheme === undefined ? {} : { scheme: overrides.scheme }),
    domain: overrides.domain ?? info.domain,
    address: await signer.getAddress(),
    statement: "Sign in to the compute-voucher audit API.",
    uri: overrides.uri ?? info.uri,
    version: "1",
    chainId: overrides.chainId ?? info.chainId,
    nonce,
    issuedAt: issuedAt.toISOString(),
    ...(expiration === null ? {} : { expirationTime: expiration.toISOString() }),
  }).prepareMessage();
}

/** Signs in with SIWE; returns the login response. */
export async function login(client: Client, signer: Signer, message?: string): Promise<ApiResponse> {
  const text = message ?? (await siweMessage(client, signer));
  const signature = await signer.signMessage(text);
  return client.request("POST", "/v1/auth/login", { body: JSON.stringify({ message: text, signature }) });
}

export async function tokenFor(client: Client, signer: Signer): Promise<string> {
  const response = await login(client, signer);
  expect(response.status, response.text).to.equal(200);
  return response.json.token as string;
}
