import { AbiCoder, keccak256 } from "ethers";

/**
 * Ledger v2's enumerations by name, in the contracts' order (the index is the value on chain): the words the mirror
 * stores, the API filters on and the verifier compares. contracts/IVoucherLedgerTypes.sol, ISchemeRegistry.sol and
 * IPaymentLedger.sol are their source; test/service/domain/abi-v2.test.ts checks the lengths against the ABI.
 */

/** IVoucherLedgerTypes.VoucherStatus. A re-issue keeps the voucher's id (it moves to another address of its company). */
export const VOUCHER_STATUS_V2 = ["None", "Active", "Redeemed", "Revoked", "Expired"] as const;
export type VoucherStatusV2 = (typeof VOUCHER_STATUS_V2)[number];

/** IVoucherLedgerTypes.ClaimStatus. */
export const CLAIM_STATUS = ["None", "Pending", "Approved", "Rejected", "Lapsed"] as const;
export type ClaimStatus = (typeof CLAIM_STATUS)[number];

/** IPaymentLedger.EntryKind. */
export const ENTRY_KIND = ["None", "Payment", "Repayment"] as const;
export type EntryKind = (typeof ENTRY_KIND)[number];

/** ISchemeRegistry.FundingLevel. */
export const FUNDING_LEVEL = ["None", "National", "Province", "City", "District"] as const;
export type FundingLevel = (typeof FUNDING_LEVEL)[number];

/** ISchemeRegistry.ProgrammeKind. */
export const PROGRAMME_KIND = ["None", "Compute", "Model", "TrainingData"] as const;
export type ProgrammeKind = (typeof PROGRAMME_KIND)[number];

/** ISchemeRegistry.Programme.payees: who a programme pays (never both for one invoice). */
export const PAYEES = { 1: "Suppliers", 2: "Buyers", 3: "Either" } as const;

/** LedgerFlags.ROLE_*: what a company (and each of its addresses) may be. */
export const ENTITY_ROLE = { BENEFICIARY: 1, SUPPLIER: 2 } as const;

/** LedgerFlags.VOUCHER_*: the flags of a voucher's word. */
export const VOUCHER_FLAG = { FROZEN: 1, REISSUE_PENDING: 2 } as const;

/** LedgerFlags.INVOICE_*: the flags of an invoice. */
export const INVOICE_FLAG = { BUYER: 1, PENDING: 2 } as const;

/** The name of an enumeration's value, or the number in decimal for one the contracts do not define. */
export function nameOf(names: readonly string[], value: number | bigint | string): string {
  return names[Number(value)] ?? String(value);
}

/**
 * An invoice's key on chain: `keccak256(abi.encode(uint32 supplierEntity, bytes32 invoiceNumberHash))`, as the
 * ledger's `invoiceKey` computes it (only the invoice's own supplier can use its number).
 */
export function invoiceKey(supplierEntity: number | bigint | string, invoiceNumberHash: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["uint32", "bytes32"], [BigInt(supplierEntity), invoiceNumberHash]));
}
