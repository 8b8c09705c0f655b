/**
 * The redemption client: what a start-up needs to sign its consent, and what a data center needs to sign a
 * forward request, submit it to the service and follow it. Usable on its own (ethers and zod only).
 */
export { createRedemptionClient, RedemptionProblem, type RedemptionClient, type SubmitResult } from "./client.js";
export { signConsent, signConsentV2, signRedemption, signRedemptionV2, type ForwardOptions } from "./sign.js";
export { createRedemptionClientV2, type RedemptionClientV2, type SubmitResultV2 } from "./client-v2.js";
export { checkAmountForm, formatAmount, parseAmount, voucherIdOf } from "./amount.js";
// The ledger's vocabulary the client speaks, from the service's domain module (the relay validates with the same).
export { CONSENT_TYPES, DEFAULT_REQUEST_GAS, domainOf, FORWARD_REQUEST_TYPES, forwardRequestDigest, redeemCalldata, type SignedConsent } from "../domain/signing-v1.js";
export { decodeRevert, FORWARDER_ABI, LEDGER_ABI } from "../domain/abi-v1.js";
export * from "../domain/redemption-wire.js";
// Ledger v2: the consent's EIP-712 types, its calldata and revert catalogue, and the v2 wire schemas.
export { CONSENT_TYPES as CONSENT_TYPES_V2, type Consent as ConsentV2, type Evidence, LEDGER_DOMAIN } from "../domain/consent.js";
export { consentDigestV2, decodeRevertV2, LEDGER_V2_REDEMPTION_ABI, redeemCalldataV2, type SignedConsentV2 } from "../domain/redemption-v2.js";
export * from "../domain/redemption-wire-v2.js";
