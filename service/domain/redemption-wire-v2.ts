import { z } from "zod";

import { address, bytes32, forwardRequestSchema, hexBytes, problemSchema, requestStatus, signingInfoSchema, uint, uintOf } from "./redemption-wire.js";

/**
 * The redemption endpoints' wire format for ledger v2 (`/v2/redemptions…`), shared by the relay (which validates with
 * it) and the client (which builds with it). The forward request is v1's (the same OpenZeppelin forwarder); the
 * consent is v2's `Consent` (service/domain/consent.ts). Amounts, ids, nonces and deadlines are decimal strings;
 * classes, days and epochs are JSON numbers; addresses are checksummed on output.
 */

/** A JSON integer that fits a `uint<bits>` of 32 bits or fewer (a class, a day number, an epoch). */
function smallUint(bits: 8 | 32) {
  return z.number().int().min(0).max(2 ** bits - 1);
}

export const evidenceSchema = z.object({
  contractCommitment: bytes32,
  invoiceCommitment: bytes32,
  paymentCommitment: bytes32,
  electricityKwh: uintOf(64),
  assessmentCommitment: bytes32,
});

/** Ledger v2's `Consent`, with the holder's signature (EIP-712, or ERC-1271 for a contract wallet). */
export const consentV2Schema = z.object({
  voucherId: uint,
  supplier: address,
  invoiceNumberHash: bytes32,
  amount: uintOf(64),
  invoiceTotal: uintOf(64),
  computeClass: smallUint(8),
  serviceFromDay: smallUint(32),
  serviceToDay: smallUint(32),
  gpuCentihours: uintOf(64),
  contractDay: smallUint(32),
  evidence: evidenceSchema,
  unrelated: z.boolean(),
  epoch: smallUint(32),
  deadline: uintOf(64),
  signature: hexBytes,
});

export const redemptionBodyV2Schema = z.object({ consent: consentV2Schema, request: forwardRequestSchema });

export type RedemptionBodyV2 = z.infer<typeof redemptionBodyV2Schema>;
export type RedemptionBodyV2Input = z.input<typeof redemptionBodyV2Schema>;

/** The answer to a posted v2 redemption: the request stored for it (as v1's, with the invoice by its number hash). */
export const acceptedV2Schema = z.object({
  id: z.string(),
  status: requestStatus,
  invoiceNumberHash: z.string(),
  statusUrl: z.string(),
  code: z.string().nullable(),
  reason: z.string().nullable(),
});
export type AcceptedV2 = z.infer<typeof acceptedV2Schema>;

export const statusV2Schema = z.object({
  id: z.string(),
  status: requestStatus,
  supplier: z.string(),
  voucherId: z.string(),
  programme: z.number(),
  invoiceNumberHash: z.string(),
  amount: z.string(),
  forwarderNonce: z.string(),
  createdAt: z.string(),
  transactionHash: z.string().nullable(),
  blockNumber: z.number().nullable(),
  blockHash: z.string().nullable(),
  final: z.boolean().nullable(),
  code: z.string().nullable(),
  reason: z.string().nullable(),
});
export type RequestViewV2 = z.infer<typeof statusV2Schema>;

export const batchResultV2Schema = z.object({
  results: z.array(
    z.object({
      index: z.number(),
      status: z.number(),
      accepted: acceptedV2Schema.optional(),
      problem: problemSchema.optional(),
    }),
  ),
});
export type BatchResultV2 = z.infer<typeof batchResultV2Schema>;

/**
 * `GET /v2/redemptions/signing-info`: v1's signing information, and what a holder needs to sign a v2 consent without a
 * chain node: the chain's time (a consent's deadline is the chain's, at most 90 days after it) and, if asked, the
 * holder's current consent epoch (a consent of another epoch is void).
 */
export const signingInfoV2Schema = signingInfoSchema.extend({
  chainTime: z.string().meta({ description: "The latest block's timestamp (Unix seconds), which the ledger compares a consent's deadline with" }),
  holder: z
    .object({
      address: z.string().meta({ description: "The holder address asked for (checksummed)" }),
      consentEpoch: z.number().int().min(0).meta({ description: "The epoch its consents must carry now: one more after each cancellation" }),
      beneficiary: z.boolean().meta({ description: "Whether the address acts for a beneficiary company now (only then may it consent)" }),
    })
    .optional()
    .meta({ description: "The holder's consent epoch, when `holder` is given" }),
});
export type SigningInfoV2 = z.infer<typeof signingInfoV2Schema>;

/** JSON of a v2 body: bigints as decimal strings, at every depth. */
export function toWireV2(body: RedemptionBodyV2): RedemptionBodyV2Input {
  return JSON.parse(JSON.stringify(body, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value))) as RedemptionBodyV2Input;
}
