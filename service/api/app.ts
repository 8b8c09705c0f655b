import express, { type Express, type RequestHandler } from "express";
import { Interface } from "ethers";

import type { ChainProfile } from "../chain/profile.js";
import { createRpc } from "../chain/rpc.js";
import type { ApiConfig, Config } from "../internal/config.js";
import type { Logger } from "../internal/logger.js";
import type { Database } from "../store/database.js";
import type { SyncStatus } from "../sync/syncer.js";
import { type AnyVerifyReport, verifyLedger } from "../verify/verify.js";
import { createAuthService } from "./auth/service.js";
import { createChainView } from "./chain-view.js";
import type { ApiServices, ApiTarget } from "./context.js";
import { openApiDatabase } from "./database.js";
import { type AnyEndpoint, handlerOf, mount } from "./endpoint.js";
import { ENDPOINTS } from "./endpoints/index.js";
import { createFormat } from "./format.js";
import { createMetrics } from "./metrics.js";
import { migrateApi } from "./migrations.js";
import { buildOpenApi, docsRouter, type DocumentedEndpoints, type OpenApiDocument } from "./openapi.js";
import { ApiError, errorMiddleware, notFoundHandler, sendProblem } from "./problem.js";

export interface ApiDeps {
  /** The service's configuration (RPC, database, finality depth, port). */
  config: Config;
  /** The API's section of the configuration (loadConfig().api). */
  api: ApiConfig;
  /** The opened mirror: its target, its database, and (in the writer) its syncer. */
  mirror: {
    target: ApiTarget;
    /** What the chain's node can answer: verify reads the contract as it allows, and /status shows it. */
    profile: ChainProfile;
    store: { db: Database; analyze(): Promise<void> };
    syncer?: { status(): SyncStatus | undefined } | undefined;
  };
  logger: Logger;
  /**
   * More routes served by the same app (the dashboard's, the redemption relay's), mounted before the API's own and
   * the JSON 404, and not under the API's request timeout: they bound their own work (the relay must not answer
   * "not stored" for a request it goes on to store).
   */
  routers?: readonly RequestHandler[];
  /** The endpoints of those routers, documented in /openapi.json with the API's own (the relay's). */
  documented?: readonly DocumentedEndpoints[];
}

export interface Api {
  app: Express;
  document: OpenApiDocument;
  services: ApiServices;
  endpoints: readonly AnyEndpoint[];
  close(): Promise<void>;
}

const CURRENCY_ABI = new Interface(["function currency() view returns (string)", "function decimals() view returns (uint8)"]);

/**
 * Gives up on a request that has not started its answer after `ms` (a streamed CSV has started: it runs on), with
 * 503 TIMEOUT and `Retry-After`. Only for the API's own routes, which read and store nothing a client relies on.
 */
function requestTimeout(ms: number): RequestHandler {
  return (req, res, next) => {
    const timer = setTimeout(() => {
      if (!res.headersSent) sendProblem(res, new ApiError("TIMEOUT", `no answer within ${ms} ms`), req.path);
    }, ms);
    const clear = () => clearTimeout(timer);
    res.once("finish", clear);
    res.once("close", clear);
    next();
  };
}

/** HTTP/1.1 requires a Host header (RFC 9112 §3.2); the server leaves the refusal to the app, as problem details. */
const requireHost: RequestHandler = (req, res, next) => {
  if (req.httpVersion === "1.1" && req.headers.host === undefined) {
    res.setHeader("connection", "close");
    sendProblem(res, new ApiError("BAD_REQUEST", "an HTTP/1.1 request must carry a Host header"), req.path);
    return;
  }
  next();
};

function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once("finish", () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const entry = { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 100) / 100, address: res.locals.access?.address };
      if (res.statusCode >= 500) logger.error(entry, "request");
      else logger.info(entry, "request");
    });
    next();
  };
}

/**
 * The audit API: an Express app over the mirror's database. Runs the API's migrations when this process is the
 * writer, reads the currency from the ledger, and wires the endpoints, docs, metrics and error handling.
 */
export async function createApi(deps: ApiDeps): Promise<Api> {
  const { config, api, mirror } = deps;
  const logger = deps.logger.child({ component: "api" });
  if (!config.readOnly) {
    const applied = await migrateApi(mirror.store.db);
    if (applied.length > 0) {
      // New indexes on expressions have no statistics until the next ANALYZE: take them now.
      await mirror.store.analyze();
      logger.info({ applied }, "API migrations applied");
    }
  }
  const db = openApiDatabase(config, mirror.store.db, api.statementTimeoutMs);
  const rpc = createRpc({ url: config.rpcUrl, timeoutMs: config.rpcTimeoutMs });
  const call = async (fn: "currency" | "decimals"): Promise<unknown> =>
    CURRENCY_ABI.decodeFunctionResult(fn, String(await rpc.call("eth_call", [{ to: mirror.target.ledger, data: CURRENCY_ABI.encodeFunctionData(fn) }, "latest"])))[0];
  const currency = String(await call("currency"));
  const decimals = Number(await call("decimals"));
  const chain = createChainView({ rpc, db, logger, syncStatus: () => mirror.syncer?.status() });
  const format = createFormat({ currency, decimals, finalized: () => chain.finalized() });
  const auth = createAuthService({
    config: api, db, chainId: mirror.target.chainId, logger,
    // In the writer, the syncer's status object is replaced after every commit: roles are re-read after each.
    ...(mirror.syncer === undefined ? {} : { generation: () => mirror.syncer!.status() }),
  });
  const metrics = createMetrics({ chain, db });
  let verifying: Promise<AnyVerifyReport> | undefined;
  const services: ApiServices = {
    config: api, db, format, chain, auth, metrics, logger, target: mirror.target, finalityDepth: config.finalityDepth,
    profile: mirror.profile,
    verify() {
      verifying ??= verifyLedger({ rpc, target: mirror.target, logger, db, historicalCalls: mirror.profile.historicalCalls }).finally(() => {
        verifying = undefined;
      });
      return verifying;
    },
  };

  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(requireHost);
  app.use(metrics.middleware);
  app.use(requestLog(logger));
  for (const extra of deps.routers ?? []) app.use(extra);
  app.use(requestTimeout(api.requestTimeoutMs));

  const document = buildOpenApi(ENDPOINTS, api.publicUrl, deps.documented);
  app.get("/openapi.json", (_req, res) => {
    res.json(document);
  });
  app.use(docsRouter());

  // Bodies are read only by the endpoints that take one (an unknown route stays a 404 whatever its body).
  const json = express.json({ limit: api.bodyLimitBytes, strict: true });
  const router = express.Router();
  for (const endpoint of ENDPOINTS) {
    const before =
      endpoint.auth === "token"
        ? [auth.authenticate, ...auth.limitByCaller]
        : endpoint.path.startsWith("/v1/auth/")
          ? [auth.limitByIp]
          : endpoint.path.startsWith("/public/")
            ? [auth.limitPublic]
            : [];
    if (endpoint.body !== undefined) before.push(json);
    mount(router, endpoint, before, handlerOf(endpoint, services, { validateResponses: api.validateResponses }));
  }
  app.use(router);
  app.use(notFoundHandler);
  app.use(errorMiddleware(logger));

  return {
    app,
    document,
    services,
    endpoints: ENDPOINTS,
    async close() {
      chain.close();
      await verifying?.catch(() => undefined);
      await db.close();
    },
  };
}
