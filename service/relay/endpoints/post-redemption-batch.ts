import { admitPrepared, prepare, type PreparedRedemption } from "../admit.js";
import { problemOf } from "../errors.js";
import type { RequestRow } from "../queue.js";
import { batchResultSchema, type Problem, redemptionBatchSchema } from "../../domain/redemption-wire.js";
import { within } from "./deadline.js";
import { defineRelayEndpoint, type RelayContext } from "./endpoint.js";
import { acceptedView } from "./view.js";

/** Items of one batch whose checks and chain reads run at once. */
const PREPARE_CONCURRENCY = 8;

/**
 * `POST /v1/redemptions/batch`: up to 100 redemptions, admitted in order (so one data center's consecutive
 * forwarder nonces may share a batch), each answered with its own status: 202, 200, or a problem. The checks of all
 * items get `checkTimeoutMs` (then the whole batch is 503 UNAVAILABLE and nothing of it is stored); once admission
 * has begun, every item is answered for what happened to it, a chain node or database failing at one item included
 * (that item 503, the items before it stored).
 */
export const postRedemptionBatch = defineRelayEndpoint({
  id: "postRedemptionBatch",
  method: "post",
  path: "/v1/redemptions/batch",
  summary: "Submit up to 100 signed redemptions, each answered in its place",
  description:
    "Each item is the body of POST /v1/redemptions; an item that is not one is answered in its place (400 " +
    "VALIDATION_FAILED, its fields under `body.redemptions.<index>`), as is every refusal.",
  tag: "redemptions",
  auth: "public",
  body: redemptionBatchSchema,
  output: batchResultSchema,
  errors: [],
  handle: ({ body }, context) => admitBatch(context, body.redemptions, acceptedView),
});

/**
 * Admits the items of a batch (either ledger's: the relay's version parses them), each answered in its place with
 * `view` of its stored request or its problem.
 */
export async function admitBatch<A>(
  { relay, checkTimeoutMs, onError }: Pick<RelayContext, "relay" | "checkTimeoutMs" | "onError">,
  items: unknown[],
  view: (row: RequestRow) => A,
): Promise<{ results: { index: number; status: number; accepted?: A; problem?: Problem }[] }> {
  // The checks and chain reads of the items run concurrently (a few at a time); their admission, which orders
  // one data center's forwarder nonces, runs in the batch's order.
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
  await within(Promise.all(lanes), checkTimeoutMs, "checking the batch").catch((error: unknown) => {
    gaveUp = true;
    throw error;
  });
  const results: { index: number; status: number; accepted?: A; problem?: Problem }[] = [];
  for (const [index] of items.entries()) {
    try {
      const { kind, row } = await admitPrepared(relay, await prepared[index]!);
      results.push({ index, status: kind === "accepted" ? 202 : 200, accepted: view(row) });
    } catch (error) {
      const { status, body: problem, problem: thrown } = problemOf(error);
      if (thrown.code === "INTERNAL") onError?.(error);
      results.push({ index, status, problem });
    }
  }
  if (results.some((r) => r.status === 202)) relay.notify();
  return { results };
}
