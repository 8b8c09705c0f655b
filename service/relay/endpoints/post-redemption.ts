import type { RequestHandler } from "express";

import { admit } from "../admit.js";
import type { Relay } from "../relay.js";
import { acceptedView } from "./view.js";
import { acceptedSchema, redemptionBodySchema } from "../../client/wire.js";

/**
 * `POST /v1/redemptions`: one signed redemption. 202 when queued; 200 with the stored request when the same request
 * is sent again (failed included, with its code and reason) or the invoice has a live request of this data center.
 */
export const input = redemptionBodySchema;
export const output = acceptedSchema;

export function postRedemption(relay: Relay): RequestHandler {
  return async (req, res) => {
    const { kind, row } = await admit(relay, req.body);
    if (kind === "accepted") relay.notify();
    const body = output.parse(acceptedView(row));
    res.status(kind === "accepted" ? 202 : 200).location(body.statusUrl).json(body);
  };
}
