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
}

/**
 * The redemption endpoints, under `/v1/redemptions`. Handlers throw {@link RelayProblem}s; the router's own error
 * middleware answers them as problem+json (its codes, such as NOT_ACCREDITED or NONCE_GAP, are not in the audit
 * API's catalogue), so the app's middleware only sees what happens outside these routes.
 */
export function createRelayRouter({ relay, onError }: RelayRouterDeps): Router {
  const router = express.Router();
  const json = express.json({ limit: "1mb", type: ["application/json", "application/*+json"] });
  router.post("/v1/redemptions", json, postRedemption(relay));
  router.post("/v1/redemptions/batch", json, postRedemptionBatch(relay));
  router.get("/v1/redemptions/requests/:id", getRedemptionRequest(relay));
  router.get("/v1/redemptions/signing-info", getSigningInfo(relay));
  router.use("/v1/redemptions", relayProblemHandler(onError));
  return router;
}
