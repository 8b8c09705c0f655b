import express, { type Router } from "express";

import { handlerOf, mount } from "../internal/endpoint.js";
import { getRedemptionRequest } from "./endpoints/get-redemption-request.js";
import { getSigningInfo } from "./endpoints/get-signing-info.js";
import { RELAY_ALWAYS, type RelayContext, type RelayEndpoint, relayProblemSchema } from "./endpoints/endpoint.js";
import { postRedemptionBatch } from "./endpoints/post-redemption-batch.js";
import { postRedemption } from "./endpoints/post-redemption.js";
import { relayProblemHandler } from "./errors.js";
import type { Relay } from "./relay.js";

/** The relay's endpoints, in the service's one endpoint style. */
export const RELAY_ENDPOINTS: readonly RelayEndpoint[] = [postRedemption, postRedemptionBatch, getRedemptionRequest, getSigningInfo];

/** The relay's endpoints as /openapi.json documents them (createApi's `documented`). */
export const RELAY_DOCUMENTED = { endpoints: RELAY_ENDPOINTS, always: RELAY_ALWAYS, problemSchema: relayProblemSchema };

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
 * The redemption endpoints, under `/v1/redemptions`: each validated by its input schema and answered by the one
 * endpoint handler. Handlers throw {@link RelayProblem}s; the router ends in the service's one error middleware, so
 * they are answered as problem+json from the one catalogue, in the same words as the audit API's, whether or not
 * they are mounted in its app.
 */
export function createRelayRouter({ relay, onError, checkTimeoutMs = 10_000 }: RelayRouterDeps): Router {
  const router = express.Router();
  const json = express.json({ limit: "1mb", type: ["application/json", "application/*+json"] });
  const context = (req: RelayContext["req"], res: RelayContext["res"]): RelayContext => ({ relay, checkTimeoutMs, onError, req, res });
  for (const endpoint of RELAY_ENDPOINTS) {
    mount(router, endpoint, endpoint.body === undefined ? [] : [json], handlerOf(endpoint, context, { validateResponses: true }));
  }
  router.use("/v1/redemptions", relayProblemHandler(onError));
  return router;
}
