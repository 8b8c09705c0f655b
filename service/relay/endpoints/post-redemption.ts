import type { RequestHandler } from "express";

import { admitPrepared, prepare } from "../admit.js";
import type { Relay } from "../relay.js";
import { within } from "./deadline.js";
import { acceptedView } from "./view.js";
import { acceptedSchema, redemptionBodySchema } from "../../domain/redemption-wire.js";

/**
 * `POST /v1/redemptions`: one signed redemption. 202 when queued; 200 with the stored request when the same request
 * is sent again (failed included, with its code and reason) or the invoice has a live request of this data center. Its checks
 * and chain reads get `checkTimeoutMs` (then 503 UNAVAILABLE, nothing stored); once it is being stored, it is
 * answered with the stored request however long that takes.
 */
export const input = redemptionBodySchema;
export const output = acceptedSchema;

export function postRedemption(relay: Relay, options: { checkTimeoutMs: number }): RequestHandler {
  return async (req, res) => {
    const prepared = await within(prepare(relay, req.body), options.checkTimeoutMs, "checking the redemption");
    const { kind, row } = await admitPrepared(relay, prepared);
    if (kind === "accepted") relay.notify();
    const body = output.parse(acceptedView(row));
    res.status(kind === "accepted" ? 202 : 200).location(body.statusUrl).json(body);
  };
}
