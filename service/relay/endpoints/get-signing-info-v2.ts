import { z } from "zod";

import type { Relay } from "../relay.js";
import { address } from "../../domain/redemption-wire.js";
import { signingInfoV2Schema, type SigningInfoV2 } from "../../domain/redemption-wire-v2.js";
import { within } from "./deadline.js";
import { defineRelayEndpoint } from "./endpoint.js";
import { readSigningInfo } from "./get-signing-info.js";

/**
 * `GET /v2/redemptions/signing-info?dataCenter=0x…&holder=0x…`: as v1's, for ledger v2: the chain, the ledger's EIP-712
 * domain (`VoucherLedger`, version 2) and the forwarder's, the currency, the supplier's next forwarder nonce; and the
 * chain's time and the holder's current consent epoch, read from the chain at one block.
 */
export const getSigningInfoV2 = defineRelayEndpoint({
  id: "getSigningInfoV2",
  method: "get",
  path: "/v2/redemptions/signing-info",
  summary: "What to sign a ledger v2 redemption with: the EIP-712 domains, the supplier's next forwarder nonce, the holder's consent epoch",
  tag: "redemptions",
  auth: "public",
  query: z.object({
    dataCenter: address.optional().meta({ description: "The supplier address whose next forwarder nonce to give" }),
    holder: address.optional().meta({ description: "The voucher holder's address whose current consent epoch to give" }),
  }),
  output: signingInfoV2Schema,
  errors: [],
  async handle({ query }, { relay, checkTimeoutMs }) {
    return within(readSigningInfoV2(relay, query), checkTimeoutMs, "reading the signing information");
  },
});

/** v1's signing information, with the chain's time and, if asked, the holder's consent epoch (of one block). */
async function readSigningInfoV2(relay: Relay, query: { dataCenter?: string; holder?: string }): Promise<SigningInfoV2> {
  const { chain } = relay;
  const holder = query.holder;
  const [info, { latest, value }] = await Promise.all([
    readSigningInfo(relay, query.dataCenter),
    chain.readAtHead((tag) => (holder === undefined ? Promise.resolve(undefined) : chain.holderAccount(holder, tag))),
  ]);
  const body: SigningInfoV2 = { ...info, chainTime: latest.timestamp.toString() };
  if (holder !== undefined && value !== undefined) body.holder = { address: holder, ...value };
  return body;
}
