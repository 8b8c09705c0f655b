/**
 * The redemption client: what a start-up needs to sign its consent, and what a data center needs to sign a
 * forward request, submit it to the service and follow it. Usable on its own (ethers and zod only).
 */
export { createRedemptionClient, RedemptionProblem, type RedemptionClient, type SubmitResult } from "./client.js";
export { signConsent, signRedemption, type ForwardOptions } from "./sign.js";
export { checkAmountForm, formatAmount, parseAmount, voucherIdOf } from "./amount.js";
// The ledger's vocabulary the client speaks, from the service's domain module (the relay validates with the same).
export { CONSENT_TYPES, DEFAULT_REQUEST_GAS, domainOf, FORWARD_REQUEST_TYPES, forwardRequestDigest, redeemCalldata, type SignedConsent } from "../domain/signing-v1.js";
export { decodeRevert, FORWARDER_ABI, LEDGER_ABI } from "../domain/abi-v1.js";
export * from "../domain/redemption-wire.js";
