import { type TypedDataDomain, TypedDataEncoder, verifyTypedData } from "ethers";

import { ledgerInterface } from "./abi-v1.js";
import type { Consent, ForwardRequest, SigningInfo } from "./redemption-wire.js";

/**
 * What a ledger v1 redemption is signed as: the holder's EIP-712 `Consent`, the data center's ERC2771Forwarder
 * `ForwardRequest` around the ledger's `redeem` calldata, and the digests and signers of both. The relay checks with
 * these; the client signs with them.
 */

/** The EIP-712 `Consent` type the holder signs, as the ledger hashes it. */
export const CONSENT_TYPES = {
  Consent: [
    { name: "voucherId", type: "uint256" },
    { name: "dataCenter", type: "address" },
    { name: "amount", type: "uint128" },
    { name: "invoiceHash", type: "bytes32" },
    { name: "invoiceTotal", type: "uint128" },
    { name: "deadline", type: "uint64" },
  ],
};

/** OpenZeppelin ERC2771Forwarder's `ForwardRequest` type (the signer's nonce is signed, not sent in calldata). */
export const FORWARD_REQUEST_TYPES = {
  ForwardRequest: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "gas", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint48" },
    { name: "data", type: "bytes" },
  ],
};

/** Gas the data center grants the forwarded `redeem` call by default (it uses about 100k). */
export const DEFAULT_REQUEST_GAS = 250_000n;

export function domainOf(d: SigningInfo["consentDomain"]): TypedDataDomain {
  return { name: d.name, version: d.version, chainId: BigInt(d.chainId), verifyingContract: d.verifyingContract };
}

export interface SignedConsent {
  consent: Consent;
  signature: string;
}

/** The ledger's `redeem(consent, signature)` calldata. */
export function redeemCalldata(signed: SignedConsent): string {
  return ledgerInterface.encodeFunctionData("redeem", [signed.consent, signed.signature]);
}

/** Who signed a forward request (with the nonce it claims), or undefined if the signature is malformed. */
export function forwardRequestSigner(domain: TypedDataDomain, request: ForwardRequest & { signature: string }): string | undefined {
  const { signature, ...message } = request;
  try {
    return verifyTypedData(domain, FORWARD_REQUEST_TYPES, message, signature);
  } catch {
    return undefined;
  }
}

/**
 * The EIP-712 digest of a forward request (what the data center signs): two bodies with the same digest are the same
 * request, sent again; the service answers the second with the first's outcome.
 */
export function forwardRequestDigest(domain: TypedDataDomain, request: ForwardRequest): string {
  const { from, to, value, gas, nonce, deadline, data } = request;
  return TypedDataEncoder.hash(domain, FORWARD_REQUEST_TYPES, { from, to, value, gas, nonce, deadline, data });
}

/** The digest the holder signs, for display. */
export function consentDigest(domain: TypedDataDomain, consent: Consent): string {
  return TypedDataEncoder.hash(domain, CONSENT_TYPES, consent);
}
