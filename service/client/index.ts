/**
 * The redemption client: what a start-up needs to sign its consent, and what a data center needs to sign a
 * forward request, submit it to the service and follow it. Usable on its own (ethers and zod only).
 */
export { createRedemptionClient, RedemptionProblem, type RedemptionClient, type SubmitResult } from "./client.js";
export { CONSENT_TYPES, DEFAULT_REQUEST_GAS, domainOf, FORWARD_REQUEST_TYPES, forwardRequestDigest, redeemCalldata, signConsent, signRedemption, type SignedConsent } from "./sign.js";
export { decodeRevert, FORWARDER_ABI, LEDGER_ABI } from "./abi.js";
export { checkAmountForm, formatAmount, parseAmount, voucherIdOf } from "./amount.js";
export * from "./wire.js";
