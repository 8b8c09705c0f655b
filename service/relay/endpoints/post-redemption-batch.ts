import type { RequestHandler } from "express";

import { admitPrepared, prepare, type PreparedRedemption } from "../admit.js";
import { problemOf } from "../errors.js";
import type { Relay } from "../relay.js";
import { within } from "./deadline.js";
import { acceptedView } from "./view.js";
import { validationProblem } from "../../internal/problems.js";
import { batchResultSchema, type BatchResult, redemptionBatchSchema } from "../../domain/redemption-wire.js";

/**
 * `POST /v1/redemptions/batch`: up to 100 redemptions, admitted in order (so one data center's consecutive
 * forwarder nonces may share a batch), each answered with its own status: 202, 200, or a problem. The checks of all
 * items get `checkTimeoutMs` (then the whole batch is 503 UNAVAILABLE and nothing of it is stored); once admission
 * has begun, every item is answered for what happened to it, a chain node or database failing at one item included
 * (that item 503, the items before it stored).
 */
export const input = redemptionBatchSchema;
/** Items of one batch whose checks and chain reads run at once. */
const PREPARE_CONCURRENCY = 8;
export const output = batchResultSchema;

export function postRedemptionBatch(relay: Relay, options: { checkTimeoutMs: number; onError?: ((error: unknown) => void) | undefined }): RequestHandler {
  return async (req, res) => {
    const parsed = input.safeParse(req.body);
    if (!parsed.success) throw validationProblem("body", parsed.error, "1 to 100 redemptions");
    // The checks and chain reads of the items run concurrently (a few at a time); their admission, which orders
    // one data center's forwarder nonces, runs in the batch's order.
    const items = parsed.data.redemptions;
    const prepared = new Array<Promise<PreparedRedemption>>(items.length);
    let next = 0;
    let gaveUp = false;
    const lanes = Array.from({ length: Math.min(PREPARE_CONCURRENCY, items.length) }, async () => {
      while (next < items.length && !gaveUp) {
        const i = next++;
        prepared[i] = prepare(relay, items[i], `body.redemptions.${i}`);
        await prepared[i].catch(() => undefined);
      }
    });
    await within(Promise.all(lanes), options.checkTimeoutMs, "checking the batch").catch((error: unknown) => {
      gaveUp = true;
      throw error;
    });
    const results: BatchResult["results"] = [];
    for (const [index] of items.entries()) {
      try {
        const { kind, row } = await admitPrepared(relay, await prepared[index]!);
        results.push({ index, status: kind === "accepted" ? 202 : 200, accepted: acceptedView(row) });
      } catch (error) {
        const { status, body, problem } = problemOf(error);
        if (problem.code === "INTERNAL") options.onError?.(error);
        results.push({ index, status, problem: body });
      }
    }
    if (results.some((r) => r.status === 202)) relay.notify();
    res.status(200).json(output.parse({ results }));
  };
}
