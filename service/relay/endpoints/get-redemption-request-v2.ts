import { z } from "zod";

import { statusV2Schema } from "../../domain/redemption-wire-v2.js";
import { defineRelayEndpoint } from "./endpoint.js";
import { answerRequest } from "./get-redemption-request.js";
import { requestViewV2 } from "./view.js";

/**
 * `GET /v2/redemptions/requests/{id}`: a ledger v2 request's status, for the supplier address that sent it only,
 * with the same `Authorization: EIP191 …` as v1's. Another's request answers 404.
 */
export const getRedemptionRequestV2 = defineRelayEndpoint({
  id: "getRedemptionRequestV2",
  method: "get",
  path: "/v2/redemptions/requests/{id}",
  summary: "A ledger v2 redemption request's status, for the supplier that sent it",
  description: "Another supplier's request, or an id that is no request's, answers 404 NOT_FOUND.",
  tag: "redemptions",
  auth: "signature",
  params: z.object({ id: z.string().meta({ description: "The request's id (a UUID)" }) }),
  output: statusV2Schema,
  errors: ["NOT_FOUND"],
  handle: ({ params }, context) => answerRequest(params.id, context, requestViewV2),
});
