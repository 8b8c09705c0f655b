import type { RequestHandler } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

import type { ChainView } from "./chain-view.js";
import type { Queryable } from "../store/database.js";

export interface ApiMetrics {
  registry: Registry;
  /** Counts and times every request, labelled by route template (not by raw path: bounded cardinality). */
  middleware: RequestHandler;
}

/** The API's Prometheus metrics, in a registry of its own (no global default registry). */
export function createMetrics(deps: { chain: ChainView; db: Queryable; defaults?: boolean }): ApiMetrics {
  const registry = new Registry();
  if (deps.defaults !== false) collectDefaultMetrics({ register: registry, prefix: "cvl_api_" });
  const requests = new Counter({
    name: "cvl_http_requests_total",
    help: "HTTP requests, by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "cvl_http_request_duration_seconds",
    help: "HTTP request latency, by method and route",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  let snapshot = { head: 0, indexed: -1 };
  new Gauge({
    name: "cvl_sync_lag_blocks",
    help: "Blocks between the chain's head and the last block the mirror has indexed",
    registers: [registry],
    async collect() {
      snapshot = await deps.chain.refresh().catch(() => snapshot);
      this.set(Math.max(0, snapshot.head - snapshot.indexed));
    },
  });
  new Gauge({
    name: "cvl_sync_indexed_block",
    help: "The last block the mirror has indexed",
    registers: [registry],
    collect() {
      this.set(snapshot.indexed);
    },
  });
  new Gauge({
    name: "cvl_events_indexed",
    help: "Events in the mirror's raw log",
    registers: [registry],
    async collect() {
      const rows = await deps.db.query<{ n: string }>("SELECT count(*)::text AS n FROM events").catch(() => []);
      if (rows[0] !== undefined) this.set(Number(rows[0].n));
    },
  });

  const middleware: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once("finish", () => {
      // Express types req.route as any: the matched route's path, when a route matched.
      const path = (req.route as { path?: unknown } | undefined)?.path;
      const route = path === undefined ? "unmatched" : `${req.baseUrl}${String(path)}`;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      latency.observe({ method: req.method, route }, seconds);
    });
    next();
  };
  return { registry, middleware };
}
