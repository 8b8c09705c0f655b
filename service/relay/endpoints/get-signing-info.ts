import type { RequestHandler } from "express";
import { z } from "zod";

import { nonceRun } from "../nonces.js";
import type { Relay } from "../relay.js";
import { within } from "./deadline.js";
import { validationProblem } from "../../internal/problems.js";
import { address, signingInfoSchema, type SigningInfo } from "../../domain/redemption-wire.js";

/**
 * `GET /v1/redemptions/signing-info?dataCenter=0x…`: what a start-up and a data center need to sign without a
 * chain node: the chain, the ledger's and the forwarder's EIP-712 domains, and the data center's next forwarder
 * nonce (counting its requests still queued or in flight).
 */
export const input = z.object({ dataCenter: address.optional() });
export const output = signingInfoSchema;

export function getSigningInfo(relay: Relay, options: { timeoutMs: number }): RequestHandler {
  return async (req, res) => {
    const parsed = input.safeParse(req.query);
    if (!parsed.success) throw validationProblem("query", parsed.error);
    res.json(await within(read(relay, parsed.data.dataCenter), options.timeoutMs, "reading the signing information"));
  };
}

async function read(relay: Relay, dc: string | undefined): Promise<SigningInfo> {
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
    const [chainNonce, latest] = await Promise.all([chain.forwarderNonce(dc), chain.latest()]);
    body.nextNonce = nonceRun(chainNonce, await queue.nonceHolders(dc, chainNonce), latest.timestamp).next.toString();
  }
  return output.parse(body);
}
