import type { RequestHandler } from "express";
import { getAddress, isAddress, verifyMessage } from "ethers";
import { z } from "zod";

import { RelayProblem } from "../errors.js";
import type { Relay } from "../relay.js";
import { within } from "./deadline.js";
import { requestView } from "./view.js";
import { readAuthMessage, statusSchema } from "../../domain/redemption-wire.js";

/**
 * `GET /v1/redemptions/requests/{id}`: a request's status, for the data center that sent it only. It proves who
 * it is with `Authorization: EIP191 <address>.<unix seconds>.<signature>`, the signature (EIP-191) of
 * {@link readAuthMessage} for this id, made within the last five minutes. Another's request answers 404.
 */
export const input = z.object({ id: z.uuid() });
export const output = statusSchema;

const MAX_SKEW_S = 300;

function caller(header: string | undefined, id: string): string {
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

export function getRedemptionRequest(relay: Relay, options: { timeoutMs: number }): RequestHandler {
  async function read(id: string, who: string) {
    const row = await relay.queue.get(id);
    if (row === undefined || row.dataCenter !== who) throw new RelayProblem("NOT_FOUND", `no redemption request ${id} of ${who}`);
    const head = row.status === "confirmed" ? (await relay.chain.latest()).number : 0;
    return output.parse(requestView(row, head, relay));
  }
  return async (req, res) => {
    const parsed = input.safeParse(req.params);
    if (!parsed.success) throw new RelayProblem("NOT_FOUND", "no redemption request has this id");
    const { id } = parsed.data;
    const who = caller(req.get("authorization"), id);
    res.json(await within(read(id, who), options.timeoutMs, "reading the request"));
  };
}
