import { z } from "zod";

import { address, signingInfoSchema } from "../../domain/redemption-wire.js";
import { within } from "./deadline.js";
import { defineRelayEndpoint } from "./endpoint.js";
import { readSigningInfo } from "./get-signing-info.js";

/**
 * `GET /v2/redemptions/signing-info?dataCenter=0x…`: as v1's, for ledger v2: the chain, the ledger's EIP-712 domain
 * (`VoucherLedger`, version 2) and the forwarder's, the currency, and the supplier's next forwarder nonce.
 */
export const getSigningInfoV2 = defineRelayEndpoint({
  id: "getSigningInfoV2",
  method: "get",
  path: "/v2/redemptions/signing-info",
  summary: "What to sign a ledger v2 redemption with: the EIP-712 domains and the supplier's next forwarder nonce",
  tag: "redemptions",
  auth: "public",
  query: z.object({ dataCenter: address.optional().meta({ description: "The supplier address whose next forwarder nonce to give" }) }),
  output: signingInfoSchema,
  errors: [],
  async handle({ query }, { relay, checkTimeoutMs }) {
    return within(readSigningInfo(relay, query.dataCenter), checkTimeoutMs, "reading the signing information");
  },
});
