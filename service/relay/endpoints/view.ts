import type { Relay } from "../relay.js";
import type { RequestRow } from "../queue.js";
import type { Accepted, RequestView } from "../../domain/redemption-wire.js";
import { type AcceptedV2, consentV2Schema, type RequestViewV2 } from "../../domain/redemption-wire-v2.js";
import { programmeOfVoucher } from "../../domain/redemption-v2.js";

export const statusUrl = (id: string) => `/v1/redemptions/requests/${id}`;
export const statusUrlV2 = (id: string) => `/v2/redemptions/requests/${id}`;

export function acceptedView(row: RequestRow): Accepted {
  const failed = row.status === "failed";
  return {
    id: row.id,
    status: row.status,
    invoiceHash: row.invoiceHash,
    statusUrl: statusUrl(row.id),
    code: failed ? row.code : null,
    reason: failed ? row.reason : null,
  };
}

/** A request as the status endpoint shows it; `final` counts confirmations against the finality depth. */
export function requestView(row: RequestRow, head: number, relay: Pick<Relay, "finalityDepth">): RequestView {
  return {
    id: row.id,
    status: row.status,
    dataCenter: row.dataCenter,
    voucherId: row.voucherId.toString(),
    invoiceHash: row.invoiceHash,
    amount: row.amount.toString(),
    forwarderNonce: row.forwarderNonce.toString(),
    createdAt: row.createdAt,
    ...outcomeOf(row, head, relay),
  };
}

/** The chain's part of a request's view: its transaction, block and finality, as far as its status has them. */
function outcomeOf(row: RequestRow, head: number, relay: Pick<Relay, "finalityDepth">) {
  const confirmed = row.status === "confirmed" && row.blockNumber !== null;
  return {
    transactionHash: row.status === "queued" ? null : row.transactionHash,
    blockNumber: confirmed ? row.blockNumber : null,
    blockHash: confirmed ? row.blockHash : null,
    final: confirmed ? head - row.blockNumber! >= relay.finalityDepth : null,
    code: row.status === "failed" ? row.code : null,
    reason: row.status === "failed" ? row.reason : null,
  };
}

/** A v2 request as `POST /v2/redemptions` answers it: its invoice by the number hash the consent named. */
export function acceptedViewV2(row: RequestRow): AcceptedV2 {
  const failed = row.status === "failed";
  return {
    id: row.id,
    status: row.status,
    invoiceNumberHash: consentV2Schema.shape.invoiceNumberHash.parse(row.body.consent.invoiceNumberHash),
    statusUrl: statusUrlV2(row.id),
    code: failed ? row.code : null,
    reason: failed ? row.reason : null,
  };
}

/** A v2 request as its status endpoint shows it. */
export function requestViewV2(row: RequestRow, head: number, relay: Pick<Relay, "finalityDepth">): RequestViewV2 {
  return {
    id: row.id,
    status: row.status,
    supplier: row.dataCenter,
    voucherId: row.voucherId.toString(),
    programme: programmeOfVoucher(row.voucherId),
    invoiceNumberHash: consentV2Schema.shape.invoiceNumberHash.parse(row.body.consent.invoiceNumberHash),
    amount: row.amount.toString(),
    forwarderNonce: row.forwarderNonce.toString(),
    createdAt: row.createdAt,
    ...outcomeOf(row, head, relay),
  };
}
