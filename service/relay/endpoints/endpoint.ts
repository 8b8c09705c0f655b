import type { Request, Response } from "express";
import { z } from "zod";

import { type Endpoint, endpointDefiner } from "../../internal/endpoint.js";
import { type ProblemCode, problemSchema } from "../../internal/problems.js";
import type { Relay } from "../relay.js";

/** What a relay endpoint's handler gets: the relay, its bounds, and the raw request (for `Authorization`). */
export interface RelayContext {
  relay: Relay;
  /** How long checks and chain reads may take before the answer is 503 UNAVAILABLE, nothing stored. */
  checkTimeoutMs: number;
  /** Where unexpected errors of one batch item (answered as its 500) are logged. */
  onError: ((error: unknown) => void) | undefined;
  req: Request;
  res: Response;
}

/** A relay endpoint: the service's one endpoint style (service/internal/endpoint.ts), with the relay's context. */
export type RelayEndpoint = Endpoint<RelayContext>;

export const defineRelayEndpoint = endpointDefiner<RelayContext>();

/**
 * What every relay endpoint can answer besides its own codes. The relay's routes are not under the audit API's rate
 * limits or request timeout: they bound their own work and answer 503 UNAVAILABLE past it.
 */
export const RELAY_ALWAYS: ProblemCode[] = ["BAD_REQUEST", "VALIDATION_FAILED", "INVALID_JSON", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "INTERNAL", "UNAVAILABLE"];

/** The relay's problem details: the one format, with the extension members of its refusals. */
export const relayProblemSchema = problemSchema
  .extend({
    nextNonce: z.string().optional().meta({ description: "NONCE_USED, NONCE_GAP, NONCE_BLOCKED: the nonce to sign with" }),
    blockedBy: z
      .object({ id: z.string(), forwarderNonce: z.string(), code: z.string().nullable() })
      .optional()
      .meta({ description: "NONCE_BLOCKED: the earlier request that left its nonce unused" }),
    error: z.string().optional().meta({ description: "A ledger refusal: the custom error's name" }),
    args: z.record(z.string(), z.string()).optional().meta({ description: "A ledger refusal: the custom error's arguments" }),
  })
  .meta({ id: "RelayProblem", description: "RFC 9457 problem details of the redemption relay" });
