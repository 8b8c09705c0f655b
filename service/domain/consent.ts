import type { TypedDataField } from "ethers";

/** The EIP-712 types of a holder's consent to a redemption (ledger v2), exactly as `VoucherLedger` hashes them. */
export const CONSENT_TYPES: Record<string, TypedDataField[]> = {
  Consent: [
    { name: "voucherId", type: "uint256" },
    { name: "supplier", type: "address" },
    { name: "invoiceNumberHash", type: "bytes32" },
    { name: "amount", type: "uint64" },
    { name: "invoiceTotal", type: "uint64" },
    { name: "computeClass", type: "uint8" },
    { name: "serviceFromDay", type: "uint32" },
    { name: "serviceToDay", type: "uint32" },
    { name: "gpuCentihours", type: "uint64" },
    { name: "contractDay", type: "uint32" },
    { name: "evidence", type: "Evidence" },
    { name: "unrelated", type: "bool" },
    { name: "epoch", type: "uint32" },
    { name: "deadline", type: "uint64" },
  ],
  Evidence: [
    { name: "contractCommitment", type: "bytes32" },
    { name: "invoiceCommitment", type: "bytes32" },
    { name: "paymentCommitment", type: "bytes32" },
    { name: "electricityKwh", type: "uint64" },
    { name: "assessmentCommitment", type: "bytes32" },
  ],
};

/** The EIP-712 domain name and version of the ledger (v2). */
export const LEDGER_DOMAIN = { name: "VoucherLedger", version: "2" } as const;

/** The evidence of a redemption. */
export interface Evidence {
  contractCommitment: string;
  invoiceCommitment: string;
  paymentCommitment: string;
  electricityKwh: bigint;
  assessmentCommitment: string;
}

/** A holder's consent (ledger v2), as signed. */
export interface Consent {
  voucherId: bigint;
  supplier: string;
  invoiceNumberHash: string;
  amount: bigint;
  invoiceTotal: bigint;
  computeClass: number;
  serviceFromDay: number;
  serviceToDay: number;
  gpuCentihours: bigint;
  contractDay: number;
  evidence: Evidence;
  unrelated: boolean;
  epoch: number;
  deadline: bigint;
}

/** The EIP-712 type of a supplier's attestation of an invoice a buyer paid (a buyer's claim carries it). */
export const ATTESTATION_TYPES: Record<string, TypedDataField[]> = {
  Attestation: [
    { name: "supplier", type: "address" },
    { name: "invoiceNumberHash", type: "bytes32" },
    { name: "invoiceTotal", type: "uint64" },
    { name: "computeClass", type: "uint8" },
    { name: "serviceFromDay", type: "uint32" },
    { name: "serviceToDay", type: "uint32" },
    { name: "gpuCentihours", type: "uint64" },
    { name: "amountPaid", type: "uint64" },
    { name: "buyer", type: "address" },
  ],
};

/** A supplier's attestation, as signed. */
export interface Attestation {
  supplier: string;
  invoiceNumberHash: string;
  invoiceTotal: bigint;
  computeClass: number;
  serviceFromDay: number;
  serviceToDay: number;
  gpuCentihours: bigint;
  amountPaid: bigint;
  buyer: string;
}

/** A buyer's claim, as sent. */
export interface ClaimRequest {
  voucherId: bigint;
  amount: bigint;
  contractDay: number;
  unrelated: boolean;
  evidence: Evidence;
  attestation: Attestation;
}
