import { admitPrepared, prepareBody } from "../admit.js";
import { redemptionV1 } from "../ledger.js";
import { Reply } from "../../internal/endpoint.js";
import { acceptedSchema, redemptionBodySchema } from "../../domain/redemption-wire.js";
import { within } from "./deadline.js";
import { defineRelayEndpoint } from "./endpoint.js";
import { acceptedView } from "./view.js";

/**
 * `POST /v1/redemptions`: one signed redemption. 202 when queued; 200 with the stored request when the same request
 * is sent again (failed included, with its code and reason) or the invoice has a live request of this data center.
 * Its checks and chain reads get `checkTimeoutMs` (then 503 UNAVAILABLE, nothing stored); once it is being stored,
 * it is answered with the stored request however long that takes.
 */
export const postRedemption = defineRelayEndpoint({
  id: "postRedemption",
  method: "post",
  path: "/v1/redemptions",
  summary: "Submit one signed redemption",
  description:
    "The start-up's EIP-712 consent and the data center's ERC2771Forwarder request around the ledger's `redeem`. " +
    "Checked (shape, signatures, nonce, a simulation of the ledger's call) and queued; `Location` is its status URL.",
  tag: "redemptions",
  auth: "public",
  body: redemptionBodySchema,
  output: acceptedSchema,
  status: 202,
  replies: [{ status: 200, description: "The same request sent again, or the invoice's live request of this data center: the stored request" }],
  errors: [
    "INVALID_SIGNATURE", "REQUEST_MISMATCH", "REQUEST_EXPIRED", "NONCE_USED", "NONCE_GAP", "NONCE_BLOCKED", "INVOICE_IN_USE",
    "UNKNOWN_VOUCHER", "WRONG_DATA_CENTER", "NOT_ACCREDITED", "CONSENT_EXPIRED", "VOUCHER_INACTIVE", "VOUCHER_EXPIRED", "INVOICE_USED",
    "INVALID_AMOUNT", "OVER_RATIO", "INSUFFICIENT_VALUE", "INVALID_CONSENT", "PAUSED", "UNTRUSTED_TARGET", "MISMATCHED_VALUE", "FAILED_CALL",
    "REVERTED",
  ],
  async handle({ body }, { relay, checkTimeoutMs }) {
    const prepared = await within(prepareBody(relay, redemptionV1(body)), checkTimeoutMs, "checking the redemption");
    const { kind, row } = await admitPrepared(relay, prepared);
    if (kind === "accepted") relay.notify();
    const view = acceptedView(row);
    return new Reply(view, kind === "accepted" ? 202 : 200, { location: view.statusUrl });
  },
});
