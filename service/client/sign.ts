import { getAddress, type Signer, type TypedDataDomain } from "ethers";

import type { Consent, ForwardRequest, RedemptionBody } from "../domain/redemption-wire.js";
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
  const from = getAddress(await dataCenter.getAddress());
  const request: ForwardRequest = {
    from,
    to: getAddress(options.ledger),
    value: 0n,
    gas: options.gas ?? DEFAULT_REQUEST_GAS,
    nonce: options.nonce,
    deadline: options.deadline,
    data: redeemCalldata(signed),
  };
  const signature = await dataCenter.signTypedData(options.forwarderDomain, FORWARD_REQUEST_TYPES, request);
  return { consent: { ...signed.consent, signature: signed.signature }, request: { ...request, signature } };
}

