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
