import { AbiCoder, dataLength, dataSlice, getAddress, getBytes, hashMessage, recoverAddress, toNumber } from "ethers";

import { DecodeError } from "../internal/errors.js";

/** How an owner's approval is given in a Safe transaction's signatures (Safe.checkNSignatures). */
export const SAFE_SIGNATURE_KINDS = ["contract", "approved hash", "eth_sign", "signature"] as const;
export type SafeSignatureKind = (typeof SAFE_SIGNATURE_KINDS)[number];

export interface SafeSigner {
  owner: string;
  kind: SafeSignatureKind;
}

/**
 * The owners whose approvals a Safe transaction carried, read from its signatures as Safe.checkNSignatures reads
 * them: the first `threshold` 65-byte parts {r}{s}{v}. v = 0 is a contract's signature and v = 1 an approved hash
 * (on chain with approveHash, or by the owner who executes): both name the owner in r; v > 30 is an eth_sign
 * signature of the hash, anything else an ECDSA signature of the hash itself. The Safe accepted the transaction only
 * if these are its owners, in ascending order: the chain's own check, so nothing here checks it again.
 */
export function safeSigners(safeTxHash: string, signatures: string, threshold: number): SafeSigner[] {
  if (dataLength(signatures) < threshold * 65) {
    throw new DecodeError(`Safe transaction ${safeTxHash}: ${dataLength(signatures)} bytes of signatures, fewer than ${threshold} × 65`);
  }
  const out: SafeSigner[] = [];
  for (let i = 0; i < threshold; i++) {
    const r = dataSlice(signatures, 65 * i, 65 * i + 32);
    const s = dataSlice(signatures, 65 * i + 32, 65 * i + 64);
    const v = toNumber(dataSlice(signatures, 65 * i + 64, 65 * i + 65));
    if (v === 0 || v === 1) {
      out.push({ owner: getAddress(dataSlice(r, 12)), kind: v === 0 ? "contract" : "approved hash" });
    } else if (v > 30) {
      out.push({ owner: recoverAddress(hashMessage(getBytes(safeTxHash)), { r, s, v: v - 4 }), kind: "eth_sign" });
    } else {
      out.push({ owner: recoverAddress(safeTxHash, { r, s, v }), kind: "signature" });
    }
  }
  return out;
}

/** SafeL2's `additionalInfo`: abi.encode(nonce, msg.sender, threshold). */
export function safeAdditionalInfo(additionalInfo: string): { nonce: string; sender: string; threshold: number } {
  const [nonce, sender, threshold] = AbiCoder.defaultAbiCoder().decode(["uint256", "address", "uint256"], additionalInfo);
  return { nonce: String(nonce), sender: getAddress(String(sender)), threshold: Number(threshold) };
}
