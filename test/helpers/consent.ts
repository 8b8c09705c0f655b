import type { Signer, TypedDataDomain } from "ethers";

import { CONSENT_TYPES } from "../../service/domain/signing-v1.js";
import type { ComputeVoucher, IComputeVoucher } from "../../types/ethers-contracts/index.js";

export type Consent = IComputeVoucher.ConsentStruct & {
  voucherId: bigint;
  dataCenter: string;
  amount: bigint;
  invoiceHash: string;
  invoiceTotal: bigint;
  deadline: bigint;
};

/** The EIP-712 `Consent` type the holder signs: the client library's, the one data centers and start-ups use. */
export { CONSENT_TYPES };

/** The ledger's EIP-712 domain, read from the contract itself (ERC-5267). */
export async function consentDomain(ledger: ComputeVoucher): Promise<TypedDataDomain> {
  const domain = await ledger.eip712Domain();
  return {
    name: domain.name,
    version: domain.version,
    chainId: domain.chainId,
    verifyingContract: domain.verifyingContract,
  };
}

/** The holder's signature over `consent`, for `ledger` (or for an explicit domain, to test replays elsewhere). */
export async function signConsent(
  holder: Signer,
  ledger: ComputeVoucher,
  consent: Consent,
  domain?: TypedDataDomain,
): Promise<string> {
  return holder.signTypedData(domain ?? (await consentDomain(ledger)), CONSENT_TYPES, consent);
}
