import { getAddress, type Signer, type TypedDataDomain } from "ethers";

import { type Consent as ConsentV2, CONSENT_TYPES as CONSENT_TYPES_V2 } from "../domain/consent.js";
import type { Consent, ForwardRequest, RedemptionBody } from "../domain/redemption-wire.js";
import type { RedemptionBodyV2 } from "../domain/redemption-wire-v2.js";
import { redeemCalldataV2, type SignedConsentV2 } from "../domain/redemption-v2.js";
import { CONSENT_TYPES, DEFAULT_REQUEST_GAS, FORWARD_REQUEST_TYPES, redeemCalldata, type SignedConsent } from "../domain/signing-v1.js";

/** The start-up (holder) signs its consent to one redemption against one invoice. */
export async function signConsent(holder: Signer, domain: TypedDataDomain, consent: Consent): Promise<SignedConsent> {
  const c = { ...consent, dataCenter: getAddress(consent.dataCenter) };
  return { consent: c, signature: await holder.signTypedData(domain, CONSENT_TYPES, c) };
}

export interface ForwardOptions {
  ledger: string;
  forwarderDomain: TypedDataDomain;
  /** The data center's forwarder nonce for this request (see `nextNonce` of the signing info). */
  nonce: bigint;
  /** Unix seconds after which the forwarder refuses the request. */
  deadline: bigint;
  gas?: bigint;
}

/**
 * The data center wraps a signed consent into an ERC2771Forwarder request that calls the ledger's `redeem`, signs
 * it, and gets the body of `POST /v1/redemptions`.
 */
export async function signRedemption(dataCenter: Signer, signed: SignedConsent, options: ForwardOptions): Promise<RedemptionBody> {
  const request = await signForward(dataCenter, redeemCalldata(signed), options);
  return { consent: { ...signed.consent, signature: signed.signature }, request };
}

/** The data center's (supplier's) signed ERC2771Forwarder request to call the ledger with `data`. */
async function signForward(signer: Signer, data: string, options: ForwardOptions): Promise<RedemptionBody["request"]> {
  const request: ForwardRequest = {
    from: getAddress(await signer.getAddress()),
    to: getAddress(options.ledger),
    value: 0n,
    gas: options.gas ?? DEFAULT_REQUEST_GAS,
    nonce: options.nonce,
    deadline: options.deadline,
    data,
  };
  return { ...request, signature: await signer.signTypedData(options.forwarderDomain, FORWARD_REQUEST_TYPES, request) };
}

/** The start-up (holder) signs its consent to one redemption under ledger v2 (EIP-712 `Consent`, consent.ts). */
export async function signConsentV2(holder: Signer, domain: TypedDataDomain, consent: ConsentV2): Promise<SignedConsentV2> {
  const c = { ...consent, supplier: getAddress(consent.supplier) };
  return { consent: c, signature: await holder.signTypedData(domain, CONSENT_TYPES_V2, c) };
}

/**
 * The supplier wraps a signed v2 consent into an ERC2771Forwarder request that calls the ledger's `redeem`, signs it,
 * and gets the body of `POST /v2/redemptions`.
 */
export async function signRedemptionV2(supplier: Signer, signed: SignedConsentV2, options: ForwardOptions): Promise<RedemptionBodyV2> {
  const request = await signForward(supplier, redeemCalldataV2(signed), options);
  return { consent: { ...signed.consent, signature: signed.signature }, request };
}

