import express, { type Router } from "express";

import { handlerOf, mount } from "../internal/endpoint.js";
import { getRedemptionRequest } from "./endpoints/get-redemption-request.js";
import { getSigningInfo } from "./endpoints/get-signing-info.js";
import { RELAY_ALWAYS, type RelayContext, type RelayEndpoint, relayProblemSchema } from "./endpoints/endpoint.js";
import { postRedemptionBatch } from "./endpoints/post-redemption-batch.js";
import { postRedemption } from "./endpoints/post-redemption.js";
import { getRedemptionRequestV2 } from "./endpoints/get-redemption-request-v2.js";
import { getSigningInfoV2 } from "./endpoints/get-signing-info-v2.js";
import { postRedemptionBatchV2 } from "./endpoints/post-redemption-batch-v2.js";
import { postRedemptionV2 } from "./endpoints/post-redemption-v2.js";
import { relayProblemHandler } from "./errors.js";
import type { LedgerVersion } from "./ledger.js";
import type { Relay } from "./relay.js";

/** The relay's endpoints per ledger version, in the service's one endpoint style: a relay serves its ledger's only. */
export const RELAY_ENDPOINTS_OF: Readonly<Record<LedgerVersion, readonly RelayEndpoint[]>> = {
  1: [postRedemption, postRedemptionBatch, getRedemptionRequest, getSigningInfo],
  2: [postRedemptionV2, postRedemptionBatchV2, getRedemptionRequestV2, getSigningInfoV2],
};

/** Every endpoint of the relay, both ledgers'. */
export const RELAY_ENDPOINTS: readonly RelayEndpoint[] = [...RELAY_ENDPOINTS_OF[1], ...RELAY_ENDPOINTS_OF[2]];

/** The endpoints of a relay of `version` as /openapi.json documents them (createApi's `documented`). */
export function relayDocumented(version: LedgerVersion) {
  return { endpoints: RELAY_ENDPOINTS_OF[version], always: RELAY_ALWAYS, problemSchema: relayProblemSchema };
}

/** The v1 relay's endpoints as /openapi.json documents them. */
export const RELAY_DOCUMENTED = relayDocumented(1);

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
 * The redemption endpoints of the relay's ledger, under `/v1/redemptions` or `/v2/redemptions`: each validated by its input schema and answered by the one
 * endpoint handler. Handlers throw {@link RelayProblem}s; the router ends in the service's one error middleware, so
 * they are answered as problem+json from the one catalogue, in the same words as the audit API's, whether or not
 * they are mounted in its app.
 */
export function createRelayRouter({ relay, onError, checkTimeoutMs = 10_000 }: RelayRouterDeps): Router {
  const router = express.Router();
  const json = express.json({ limit: "1mb", type: ["application/json", "application/*+json"] });
  const context = (req: RelayContext["req"], res: RelayContext["res"]): RelayContext => ({ relay, checkTimeoutMs, onError, req, res });
  for (const endpoint of RELAY_ENDPOINTS_OF[relay.version]) {
    mount(router, endpoint, endpoint.body === undefined ? [] : [json], handlerOf(endpoint, context, { validateResponses: true }));
  }
  router.use(`/v${relay.version}/redemptions`, relayProblemHandler(onError));
  return router;
}
