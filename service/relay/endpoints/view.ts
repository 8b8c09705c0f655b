import type { Relay } from "../relay.js";
import type { RequestRow } from "../queue.js";
import type { Accepted, RequestView } from "../../domain/redemption-wire.js";

export const statusUrl = (id: string) => `/v1/redemptions/requests/${id}`;

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
  const confirmed = row.status === "confirmed" && row.blockNumber !== null;
  return {
    id: row.id,
    status: row.status,
    dataCenter: row.dataCenter,
    voucherId: row.voucherId.toString(),
    invoiceHash: row.invoiceHash,
    amount: row.amount.toString(),
    forwarderNonce: row.forwarderNonce.toString(),
    createdAt: row.createdAt,
    transactionHash: row.status === "queued" ? null : row.transactionHash,
    blockNumber: confirmed ? row.blockNumber : null,
    blockHash: confirmed ? row.blockHash : null,
    final: confirmed ? head - row.blockNumber! >= relay.finalityDepth : null,
    code: row.status === "failed" ? row.code : null,
    reason: row.status === "failed" ? row.reason : null,
  };
}
