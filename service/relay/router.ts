import express, { type Router } from "express";

import { getRedemptionRequest } from "./endpoints/get-redemption-request.js";
import { getSigningInfo } from "./endpoints/get-signing-info.js";
import { postRedemptionBatch } from "./endpoints/post-redemption-batch.js";
import { postRedemption } from "./endpoints/post-redemption.js";
import { relayProblemHandler } from "./errors.js";
import type { Relay } from "./relay.js";

export interface RelayRouterDeps {
  relay: Relay;
  /** Where unexpected errors (answered as a bare 500) are logged. */
  onError?: (error: unknown) => void;
  /**
   * How long a request's checks and chain reads (and a read endpoint's reads) may take before it is answered 503
   * UNAVAILABLE with `Retry-After`, nothing stored. A redemption being stored is answered with the stored request
   * however long that takes, so these routes are not under the audit API's request timeout. Default 10 s.
   */
  checkTimeoutMs?: number;
}

/**
 * The redemption endpoints, under `/v1/redemptions`. Handlers throw {@link RelayProblem}s; the router ends in the
 * service's one error middleware, so they are answered as problem+json from the one catalogue, in the same words as
 * the audit API's, whether or not they are mounted in its app.
 */
export function createRelayRouter({ relay, onError, checkTimeoutMs = 10_000 }: RelayRouterDeps): Router {
  const router = express.Router();
  const json = express.json({ limit: "1mb", type: ["application/json", "application/*+json"] });
  router.post("/v1/redemptions", json, postRedemption(relay, { checkTimeoutMs }));
  router.post("/v1/redemptions/batch", json, postRedemptionBatch(relay, { checkTimeoutMs, onError }));
  router.get("/v1/redemptions/requests/:id", getRedemptionRequest(relay, { timeoutMs: checkTimeoutMs }));
  router.get("/v1/redemptions/signing-info", getSigningInfo(relay, { timeoutMs: checkTimeoutMs }));
  router.use("/v1/redemptions", relayProblemHandler(onError));
  return router;
}
