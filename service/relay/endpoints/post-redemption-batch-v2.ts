import { redemptionBatchSchema } from "../../domain/redemption-wire.js";
import { batchResultV2Schema } from "../../domain/redemption-wire-v2.js";
import { defineRelayEndpoint } from "./endpoint.js";
import { admitBatch } from "./post-redemption-batch.js";
import { acceptedViewV2 } from "./view.js";

/**
 * `POST /v2/redemptions/batch`: up to 100 ledger v2 redemptions, admitted in order and each answered in its place,
 * as v1's batch is.
 */
export const postRedemptionBatchV2 = defineRelayEndpoint({
  id: "postRedemptionBatchV2",
  method: "post",
  path: "/v2/redemptions/batch",
  summary: "Submit up to 100 signed ledger v2 redemptions, each answered in its place",
  description:
    "Each item is the body of POST /v2/redemptions; an item that is not one is answered in its place (400 " +
    "VALIDATION_FAILED, its fields under `body.redemptions.<index>`), as is every refusal.",
  tag: "redemptions",
  auth: "public",
  body: redemptionBatchSchema,
  output: batchResultV2Schema,
  errors: [],
  handle: ({ body }, context) => admitBatch(context, body.redemptions, acceptedViewV2),
});
