import { admitPrepared, prepareBody } from "../admit.js";
import { redemptionV2 } from "../ledger.js";
import { Reply } from "../../internal/endpoint.js";
import { acceptedV2Schema, redemptionBodyV2Schema } from "../../domain/redemption-wire-v2.js";
import { within } from "./deadline.js";
import { defineRelayEndpoint } from "./endpoint.js";
import { acceptedViewV2 } from "./view.js";

/**
 * `POST /v2/redemptions`: one signed ledger v2 redemption: the holder's EIP-712 `Consent` (v2: supplier, invoice
 * number hash, totals, class, service period, GPU-hours, evidence, the unrelated declaration, epoch, deadline) and the
 * supplier's ERC2771Forwarder request around the ledger's `redeem`. Answered as v1's is: 202 queued, 200 the stored
 * request, or a problem; the ledger's refusals found by simulating the call as the forwarder makes it.
 */
export const postRedemptionV2 = defineRelayEndpoint({
  id: "postRedemptionV2",
  method: "post",
  path: "/v2/redemptions",
  summary: "Submit one signed ledger v2 redemption",
  description:
    "The start-up's EIP-712 consent (ledger v2) and the supplier's ERC2771Forwarder request around the ledger's `redeem`. " +
    "Checked (shape, signatures, nonce, a simulation of the ledger's call as the forwarder makes it) and queued; `Location` is its status URL.",
  tag: "redemptions",
  auth: "public",
  body: redemptionBodyV2Schema,
  output: acceptedV2Schema,
  status: 202,
  replies: [{ status: 200, description: "The same request sent again, or the live request of this supplier address for the invoice in this programme" }],
  errors: [
    "INVALID_SIGNATURE", "REQUEST_MISMATCH", "REQUEST_EXPIRED", "NONCE_USED", "NONCE_GAP", "NONCE_BLOCKED", "INVOICE_PENDING",
    "UNKNOWN_VOUCHER", "VOUCHER_INACTIVE", "VOUCHER_FROZEN", "REISSUE_PENDING", "VOUCHER_EXPIRED", "INSUFFICIENT_VALUE", "INVALID_AMOUNT",
    "NOT_BENEFICIARY", "UNKNOWN_PROGRAMME", "PROGRAMME_PAUSED", "WRONG_SUPPLIER", "NOT_ACCREDITED", "CLASS_NOT_ACCREDITED", "OUTSIDE_WINDOW",
    "CONTRACT_TOO_EARLY", "INVALID_SERVICE_PERIOD", "EVIDENCE_MISSING", "RELATED_PARTIES", "UNDECLARED_RELATION", "INELIGIBLE", "OVER_RATIO",
    "INVALID_INVOICE", "INVOICE_USED", "INVOICE_NOT_STACKABLE", "INVOICE_MISMATCH", "INVOICE_OTHER_BUYER", "OVER_COMBINED_SHARE",
    "OUTSIDE_ENTITY_WINDOW", "CONSENT_EXPIRED", "CONSENT_TOO_LONG", "CONSENT_CANCELLED", "INVALID_CONSENT", "PAYEE_NOT_ALLOWED",
    "INVOICE_CLAIMED", "NOT_PERMITTED", "PAUSED", "UNTRUSTED_TARGET", "MISMATCHED_VALUE", "FAILED_CALL", "REVERTED",
  ],
  async handle({ body }, { relay, checkTimeoutMs }) {
    const prepared = await within(prepareBody(relay, redemptionV2(body)), checkTimeoutMs, "checking the redemption");
    const { kind, row } = await admitPrepared(relay, prepared);
    if (kind === "accepted") relay.notify();
    const view = acceptedViewV2(row);
    return new Reply(view, kind === "accepted" ? 202 : 200, { location: view.statusUrl });
  },
});
