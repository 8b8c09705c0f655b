import type { RequestHandler } from "express";

import { admit } from "../admit.js";
import { problemOf, RelayProblem } from "../errors.js";
import type { Relay } from "../relay.js";
import { acceptedView } from "./view.js";
import { batchResultSchema, type BatchResult, redemptionBatchSchema } from "../../client/wire.js";

/**
 * `POST /v1/redemptions/batch`: up to 100 redemptions, admitted in order (so one data center's consecutive
 * forwarder nonces may share a batch), each answered with its own status: 202, 200, or a problem.
 */
export const input = redemptionBatchSchema;
export const output = batchResultSchema;

export function postRedemptionBatch(relay: Relay): RequestHandler {
  return async (req, res) => {
    const parsed = input.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RelayProblem("INVALID_BODY", `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"} (1 to 100 redemptions)`);
    }
    const results: BatchResult["results"] = [];
    for (const [index, item] of parsed.data.redemptions.entries()) {
      try {
        const { kind, row } = await admit(relay, item);
        results.push({ index, status: kind === "accepted" ? 202 : 200, accepted: acceptedView(row) });
      } catch (error) {
        const { status, body } = problemOf(error);
        if (status >= 500) throw error;
        results.push({ index, status, problem: body as BatchResult["results"][number]["problem"] });
      }
    }
    if (results.some((r) => r.status === 202)) relay.notify();
    res.status(200).json(output.parse({ results }));
  };
}
