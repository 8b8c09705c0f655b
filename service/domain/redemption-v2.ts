import { Interface, type TypedDataDomain, TypedDataEncoder } from "ethers";

import { FORWARDER_ABI, type DecodedRevert } from "./abi-v1.js";
import { type Consent, CONSENT_TYPES } from "./consent.js";
import { invoiceKey, VOUCHER_STATUS_V2, nameOf } from "./ledger-v2.js";

/**
 * Ledger v2's redemption surface as human-readable ABI, and its revert catalogue: what the relay calls, simulates and
 * decodes, and what a supplier's or a start-up's software needs to build a redemption (no Hardhat artifacts). They
 * must match contracts/IVoucherLedgerCore.sol, IVoucherLedgerExtension.sol and IVoucherLedgerTypes.sol;
 * test/service/relay/catalogue.test.ts checks them against the compiled contracts.
 */
const CONSENT_TUPLE =
  "(uint256 voucherId, address supplier, bytes32 invoiceNumberHash, uint64 amount, uint64 invoiceTotal, uint8 computeClass, " +
  "uint32 serviceFromDay, uint32 serviceToDay, uint64 gpuCentihours, uint32 contractDay, (bytes32 contractCommitment, " +
  "bytes32 invoiceCommitment, bytes32 paymentCommitment, uint64 electricityKwh, bytes32 assessmentCommitment) evidence, " +
  "bool unrelated, uint32 epoch, uint64 deadline)";

export const LEDGER_V2_REDEMPTION_ABI = [
  `function redeem(${CONSENT_TUPLE} consent, bytes signature)`,
  `function redeemBatch(${CONSENT_TUPLE}[] consents, bytes[] signatures)`,
  `function consentDigest(${CONSENT_TUPLE} consent) view returns (bytes32)`,
  "function trustedForwarder() view returns (address)",
  "function currency() view returns (string)",
  "function decimals() view returns (uint8)",
  "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)",
  "function getAccount(address account) view returns ((uint32 entity, uint8 category, uint8 roles, bool related, uint32 consentEpoch))",
  "function getAccreditation(address supplier, uint32 programme) view returns ((uint32 entity, uint40 validFrom, uint40 validUntil, uint32 classes, bool suspended, uint64 redeemed))",
  "function invoicePaidBy(bytes32 invoiceKey_, uint32 programme) view returns (uint64)",
  "error VoucherLedgerUnknownVoucher(uint256 id)",
  "error VoucherLedgerInactive(uint256 id, uint8 status)",
  "error VoucherLedgerFrozen(uint256 id)",
  "error VoucherLedgerReissuePending(uint256 id)",
  "error VoucherLedgerExpired(uint256 id, uint32 expiresAt)",
  "error VoucherLedgerInsufficientValue(uint256 id, uint64 requested, uint64 remaining)",
  "error VoucherLedgerInvalidAmount(uint64 amount, uint64 max)",
  "error VoucherLedgerNotBeneficiary(address account)",
  "error VoucherLedgerUnknownProgramme(uint32 programme)",
  "error VoucherLedgerProgrammePaused(uint32 programme)",
  "error VoucherLedgerWrongSupplier(address consentSupplier, address caller)",
  "error VoucherLedgerNotAccredited(address supplier, uint32 programme)",
  "error VoucherLedgerClassNotAccredited(address supplier, uint32 programme, uint8 computeClass)",
  "error VoucherLedgerOutsideWindow(uint32 programme, uint40 redeemFrom, uint40 redeemUntil)",
  "error VoucherLedgerContractTooEarly(uint32 programme, uint32 contractDay, uint16 earliestDay)",
  "error VoucherLedgerInvalidServicePeriod(uint32 fromDay, uint32 toDay)",
  "error VoucherLedgerEvidenceMissing(uint32 programme, uint8 what)",
  "error VoucherLedgerRelatedParties(uint32 beneficiaryEntity, uint32 supplierEntity)",
  "error VoucherLedgerUndeclaredRelation()",
  "error VoucherLedgerIneligible(uint32 programme, uint8 computeClass, uint8 category)",
  "error VoucherLedgerOverRatio(uint64 amount, uint64 invoiceTotal, uint16 ratioBps)",
  "error VoucherLedgerInvalidInvoice()",
  "error VoucherLedgerInvoiceUsed(bytes32 invoiceKey, uint32 programme)",
  "error VoucherLedgerInvoiceNotStackable(bytes32 invoiceKey, uint32 programme)",
  "error VoucherLedgerInvoiceMismatch(bytes32 invoiceKey)",
  "error VoucherLedgerInvoiceOtherBuyer(bytes32 invoiceKey, uint32 recordedBuyer, uint32 buyer)",
  "error VoucherLedgerOverCombinedShare(bytes32 invoiceKey, uint64 subsidised, uint64 amount, uint16 maxShareBps)",
  "error VoucherLedgerOutsideEntityWindow(uint32 programme, uint32 entity, uint32 serviceToDay, uint32 lastDay)",
  "error VoucherLedgerConsentExpired(uint64 deadline, uint256 now_)",
  "error VoucherLedgerConsentTooLong(uint64 deadline, uint256 latest)",
  "error VoucherLedgerConsentCancelled(address holder, uint32 epoch, uint32 current)",
  "error VoucherLedgerInvalidConsent(uint256 id, address holder)",
  "error VoucherLedgerPayeeNotAllowed(uint32 programme, uint8 payee)",
  "error VoucherLedgerInvoiceClaimed(bytes32 invoiceKey)",
  "error VoucherLedgerClaimPending(bytes32 invoiceKey)",
  "error VoucherLedgerBatchLength(uint256 length, uint256 other)",
  "error AccessManagedUnauthorized(address caller)",
  "error EnforcedPause()",
];

export const ledgerV2RedemptionInterface = new Interface(LEDGER_V2_REDEMPTION_ABI);
const forwarder = new Interface(FORWARDER_ABI);

/** The EVIDENCE_MISSING `what` argument's words. */
const EVIDENCE = ["", "GPU-hours", "the electricity used", "a third party's assessment"];

/** Turns revert data of ledger v2 (or the forwarder) into a stable code of the catalogue and a sentence. */
export function decodeRevertV2(data: string | undefined | null): DecodedRevert {
  const unknown = { code: "REVERTED", error: "unknown", args: {} };
  if (data === undefined || data === null || data === "0x") return { ...unknown, message: "the call reverted without a reason" };
  const parsed = ledgerV2RedemptionInterface.parseError(data) ?? forwarder.parseError(data);
  if (parsed === null) return { ...unknown, message: `the call reverted with unknown data ${data.slice(0, 10)}` };
  const a = parsed.args;
  const s = (i: number) => (i < a.length ? String(a[i]) : "?");
  const args: Record<string, string> = {};
  parsed.fragment.inputs.forEach((input, i) => {
    args[input.name] = String(a[i]);
  });
  const words: Record<string, () => [string, string]> = {
    VoucherLedgerUnknownVoucher: () => ["UNKNOWN_VOUCHER", `voucher ${s(0)} does not exist`],
    VoucherLedgerInactive: () => ["VOUCHER_INACTIVE", `voucher ${s(0)} is ${nameOf(VOUCHER_STATUS_V2, s(1))}, not Active`],
    VoucherLedgerFrozen: () => ["VOUCHER_FROZEN", `voucher ${s(0)} is frozen`],
    VoucherLedgerReissuePending: () => ["REISSUE_PENDING", `voucher ${s(0)} has a re-issue pending`],
    VoucherLedgerExpired: () => ["VOUCHER_EXPIRED", `voucher ${s(0)} expired at ${s(1)}`],
    VoucherLedgerInsufficientValue: () => ["INSUFFICIENT_VALUE", `voucher ${s(0)} has ${s(2)} left, less than the amount ${s(1)}`],
    VoucherLedgerInvalidAmount: () => ["INVALID_AMOUNT", `the amount ${s(0)} is not allowed (at most ${s(1)})`],
    VoucherLedgerNotBeneficiary: () => ["NOT_BENEFICIARY", `the voucher's holder ${s(0)} is not an active address of a beneficiary company`],
    VoucherLedgerUnknownProgramme: () => ["UNKNOWN_PROGRAMME", `programme ${s(0)} is not configured`],
    VoucherLedgerProgrammePaused: () => ["PROGRAMME_PAUSED", `programme ${s(0)} is paused`],
    VoucherLedgerWrongSupplier: () => ["WRONG_SUPPLIER", `the consent names supplier ${s(0)}, but ${s(1)} is redeeming`],
    VoucherLedgerNotAccredited: () => ["NOT_ACCREDITED", `supplier ${s(0)} is not accredited for programme ${s(1)} now`],
    VoucherLedgerClassNotAccredited: () => ["CLASS_NOT_ACCREDITED", `supplier ${s(0)} is not accredited for compute class ${s(2)} in programme ${s(1)}`],
    VoucherLedgerOutsideWindow: () => ["OUTSIDE_WINDOW", `programme ${s(0)} counts redemptions from ${s(1)} until ${s(2)} only`],
    VoucherLedgerContractTooEarly: () => ["CONTRACT_TOO_EARLY", `the contract of day ${s(1)} was signed before programme ${s(0)}'s earliest day ${s(2)}`],
    VoucherLedgerInvalidServicePeriod: () => ["INVALID_SERVICE_PERIOD", `the service period from day ${s(0)} to day ${s(1)} is inverted or out of range`],
    VoucherLedgerEvidenceMissing: () => ["EVIDENCE_MISSING", `programme ${s(0)} requires ${EVIDENCE[Number(a[1])] ?? `evidence ${s(1)}`}`],
    VoucherLedgerRelatedParties: () => ["RELATED_PARTIES", `buyer company ${s(0)} and supplier company ${s(1)} are related parties (or one company)`],
    VoucherLedgerUndeclaredRelation: () => ["UNDECLARED_RELATION", "the consent does not declare buyer and supplier unrelated"],
    VoucherLedgerIneligible: () => ["INELIGIBLE", `programme ${s(0)} pays nothing for compute class ${s(1)} and beneficiary category ${s(2)}`],
    VoucherLedgerOverRatio: () => ["OVER_RATIO", `the amount ${s(0)} is more than ${Number(a[2]) / 100}% of the invoice total ${s(1)}`],
    VoucherLedgerInvalidInvoice: () => ["INVALID_INVOICE", "the invoice number hash is zero"],
    VoucherLedgerInvoiceUsed: () => ["INVOICE_USED", `programme ${s(1)} has already paid invoice ${s(0)}`],
    VoucherLedgerInvoiceNotStackable: () => ["INVOICE_NOT_STACKABLE", `invoice ${s(0)} cannot be paid by programme ${s(1)} as well as another`],
    VoucherLedgerInvoiceMismatch: () => ["INVOICE_MISMATCH", `the consent's invoice terms differ from those invoice ${s(0)} was first redeemed with, or do not fit`],
    VoucherLedgerInvoiceOtherBuyer: () => ["INVOICE_OTHER_BUYER", `invoice ${s(0)} was paid for company ${s(1)}, not ${s(2)}`],
    VoucherLedgerOverCombinedShare: () => ["OVER_COMBINED_SHARE", `invoice ${s(0)}'s subsidy ${s(1)} plus ${s(2)} would exceed ${Number(a[3]) / 100}% of it`],
    VoucherLedgerOutsideEntityWindow: () => ["OUTSIDE_ENTITY_WINDOW", `the service ends on day ${s(2)}, after company ${s(1)}'s last day ${s(3)} in programme ${s(0)}`],
    VoucherLedgerConsentExpired: () => ["CONSENT_EXPIRED", `the holder's consent expired at ${s(0)} (chain time ${s(1)})`],
    VoucherLedgerConsentTooLong: () => ["CONSENT_TOO_LONG", `the consent's deadline ${s(0)} is later than consents may run (at most ${s(1)}, 90 days ahead)`],
    VoucherLedgerConsentCancelled: () => ["CONSENT_CANCELLED", `holder ${s(0)} cancelled its consents of epoch ${s(1)} (now epoch ${s(2)})`],
    VoucherLedgerInvalidConsent: () => ["INVALID_CONSENT", `the consent is not signed by voucher ${s(0)}'s holder ${s(1)}`],
    VoucherLedgerPayeeNotAllowed: () => ["PAYEE_NOT_ALLOWED", `programme ${s(0)} does not pay ${Number(a[1]) === 1 ? "suppliers" : "buyers"}`],
    VoucherLedgerInvoiceClaimed: () => ["INVOICE_CLAIMED", `invoice ${s(0)} is the buyer's (claimed, or a claim on it awaits review)`],
    VoucherLedgerClaimPending: () => ["INVOICE_CLAIMED", `a claim on invoice ${s(0)} awaits review`],
    VoucherLedgerBatchLength: () => ["REQUEST_MISMATCH", `a batch of ${s(0)} consents with ${s(1)} signatures`],
    AccessManagedUnauthorized: () => ["NOT_PERMITTED", `the ledger's access manager does not let ${s(0)} redeem (the ledger may be closed)`],
    EnforcedPause: () => ["PAUSED", "the ledger is paused"],
    ERC2771ForwarderInvalidSigner: () => ["INVALID_SIGNATURE", `the forward request is signed by ${s(0)}, not by ${s(1)} (or its nonce is used)`],
    ERC2771ForwarderExpiredRequest: () => ["REQUEST_EXPIRED", `the forward request expired at ${s(0)}`],
    ERC2771UntrustfulTarget: () => ["UNTRUSTED_TARGET", `${s(0)} does not trust the forwarder ${s(1)}`],
    ERC2771ForwarderMismatchedValue: () => ["MISMATCHED_VALUE", `the request carries value ${s(0)} but ${s(1)} was sent`],
    FailedCall: () => ["FAILED_CALL", "the forwarded call failed"],
  };
  const [code, message] = words[parsed.name]?.() ?? ["REVERTED", parsed.name];
  return { code, error: parsed.name, message, args };
}

/** A consent (ledger v2) and the holder's signature over it. */
export interface SignedConsentV2 {
  consent: Consent;
  signature: string;
}

/** The ledger's `redeem(consent, signature)` calldata (ledger v2). */
export function redeemCalldataV2(signed: SignedConsentV2): string {
  return ledgerV2RedemptionInterface.encodeFunctionData("redeem", [signed.consent, signed.signature]);
}

/** The EIP-712 digest the holder signs (the ledger's `consentDigest`, and the `consentDigest` of its event). */
export function consentDigestV2(domain: TypedDataDomain, consent: Consent): string {
  return TypedDataEncoder.hash(domain, CONSENT_TYPES, consent);
}

/** The programme of a voucher id: its top 32 bits (`VoucherLedger.voucherId`). */
export function programmeOfVoucher(voucherId: bigint): number {
  return Number(voucherId >> 224n);
}

/**
 * The relay's key of a v2 invoice, at most one live request each: the ledger's own `invoiceKey(supplierEntity,
 * invoiceNumberHash)` (service/domain/ledger-v2.ts), the supplier's company taken from its accreditation for the
 * voucher's programme as the ledger takes it. Every address of a company shares it, and so does every programme: a
 * second programme's request for a stacked invoice waits until the first's is settled, so that its simulation sees it.
 */
export function redemptionKeyV2(supplierEntity: number | bigint, invoiceNumberHash: string): string {
  return invoiceKey(supplierEntity, invoiceNumberHash);
}
