import { z } from "zod";

import { nonceRun } from "../nonces.js";
import type { Relay } from "../relay.js";
import { address, signingInfoSchema, type SigningInfo } from "../../domain/redemption-wire.js";
import { within } from "./deadline.js";
import { defineRelayEndpoint } from "./endpoint.js";

/**
 * `GET /v1/redemptions/signing-info?dataCenter=0x…`: what a start-up and a data center need to sign without a
 * chain node: the chain, the ledger's and the forwarder's EIP-712 domains, and the data center's next forwarder
 * nonce (counting its requests still queued or in flight).
 */
export const getSigningInfo = defineRelayEndpoint({
  id: "getSigningInfo",
  method: "get",
  path: "/v1/redemptions/signing-info",
  summary: "What to sign a redemption with: the EIP-712 domains and the data center's next forwarder nonce",
  tag: "redemptions",
  auth: "public",
  query: z.object({ dataCenter: address.optional().meta({ description: "The data center whose next forwarder nonce to give" }) }),
  output: signingInfoSchema,
  errors: [],
  async handle({ query }, { relay, checkTimeoutMs }) {
    return within(readSigningInfo(relay, query.dataCenter), checkTimeoutMs, "reading the signing information");
  },
});

/** The signing information of the relay's ledger, with `dc`'s next forwarder nonce if asked (either ledger's). */
export async function readSigningInfo(relay: Relay, dc: string | undefined): Promise<SigningInfo> {
  const { chain, queue } = relay;
  const d = (x: typeof chain.consentDomain) => ({
    name: String(x.name), version: String(x.version), chainId: String(x.chainId), verifyingContract: String(x.verifyingContract),
  });
  const body: SigningInfo = {
    chainId: chain.chainId.toString(),
    ledger: chain.ledger,
    forwarder: chain.forwarder,
    consentDomain: d(chain.consentDomain),
    forwarderDomain: d(chain.forwarderDomain),
    currency: chain.currency,
    decimals: chain.decimals,
  };
  if (dc !== undefined) {
    // The nonce as of the block whose time decides which held nonces have expired.
    const { latest, value: chainNonce } = await chain.readAtHead((tag) => chain.forwarderNonce(dc, tag));
    body.nextNonce = nonceRun(chainNonce, await queue.nonceHolders(dc, chainNonce), latest.timestamp).next.toString();
  }
  return body;
}
