import { getAddress, isAddress, verifyMessage } from "ethers";
import { z } from "zod";

import { RelayProblem } from "../errors.js";
import type { Relay } from "../relay.js";
import { within } from "./deadline.js";
import { requestView } from "./view.js";
import type { RequestRow } from "../queue.js";
import { readAuthMessage, statusSchema } from "../../domain/redemption-wire.js";
import { defineRelayEndpoint, type RelayContext } from "./endpoint.js";

/**
 * `GET /v1/redemptions/requests/{id}`: a request's status, for the data center that sent it only. It proves who
 * it is with `Authorization: EIP191 <address>.<unix seconds>.<signature>`, the signature (EIP-191) of
 * {@link readAuthMessage} for this id, made within the last five minutes. Another's request answers 404.
 */
const MAX_SKEW_S = 300;

/** The data center (or supplier) an `Authorization: EIP191 …` header proves, for reading request `id`. */
export function caller(header: string | undefined, id: string): string {
  const match = /^EIP191\s+(0x[0-9a-fA-F]{40})\.(\d{1,12})\.(0x[0-9a-fA-F]+)$/.exec(header ?? "");
  if (match === null) throw new RelayProblem("UNAUTHENTICATED", "send Authorization: EIP191 <address>.<unix seconds>.<signature>");
  const [, address, time, signature] = match as unknown as [string, string, string, string];
  const timestamp = Number(time);
  if (Math.abs(Date.now() / 1000 - timestamp) > MAX_SKEW_S) {
    throw new RelayProblem("UNAUTHENTICATED", "the Authorization timestamp is more than five minutes from now");
  }
  let signer: string;
  try {
    signer = verifyMessage(readAuthMessage(id, timestamp), signature);
  } catch {
    throw new RelayProblem("UNAUTHENTICATED", "the Authorization signature is malformed");
  }
  if (!isAddress(address) || signer !== getAddress(address)) {
    throw new RelayProblem("UNAUTHENTICATED", `the Authorization is signed by ${signer}, not ${address}`);
  }
  return signer;
}

export const getRedemptionRequest = defineRelayEndpoint({
  id: "getRedemptionRequest",
  method: "get",
  path: "/v1/redemptions/requests/{id}",
  summary: "A redemption request's status, for the data center that sent it",
  description: "Another data center's request, or an id that is no request's, answers 404 NOT_FOUND.",
  tag: "redemptions",
  auth: "signature",
  // Any string: an id that is not a request's UUID is answered 404, as an unknown one is.
  params: z.object({ id: z.string().meta({ description: "The request's id (a UUID)" }) }),
  output: statusSchema,
  errors: ["NOT_FOUND"],
  handle: ({ params }, context) => answerRequest(params.id, context, requestView),
});

/** The answer of a status endpoint (either ledger's): the caller's request `id`, as `view` shows it. */
export function answerRequest<V>(
  id: string,
  { relay, checkTimeoutMs, req }: Pick<RelayContext, "relay" | "checkTimeoutMs" | "req">,
  view: (row: RequestRow, head: number, relay: Relay) => V,
): Promise<V> {
  if (!z.uuid().safeParse(id).success) throw new RelayProblem("NOT_FOUND", "no redemption request has this id");
  const who = caller(req.get("authorization"), id);
  return within(readRequest(relay, id, who, view), checkTimeoutMs, "reading the request");
}

/** A request of `who`'s as `view` shows it (another's, or none, is NOT_FOUND). */
async function readRequest<V>(relay: Relay, id: string, who: string, view: (row: RequestRow, head: number, relay: Relay) => V): Promise<V> {
  const row = await relay.queue.get(id);
  if (row === undefined || row.dataCenter !== who) throw new RelayProblem("NOT_FOUND", `no redemption request ${id} of ${who}`);
  const head = row.status === "confirmed" ? (await relay.chain.latest()).number : 0;
  return view(row, head, relay);
}
