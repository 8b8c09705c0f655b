import type { Database, Queryable } from "../store/database.js";
import type { RequestStatus } from "../domain/redemption-wire.js";
import type { StoredBody } from "./ledger.js";

/** One stored redemption request. Integers as bigint; the body as it came on the wire. */
export interface RequestRow {
  id: string;
  seq: bigint;
  dataCenter: string;
  /** The invoice key: v1's invoice hash, v2's redemption key (service/relay/ledger.ts). */
  invoiceHash: string;
  voucherId: bigint;
  amount: bigint;
  forwarderNonce: bigint;
  requestDeadline: bigint;
  body: StoredBody;
  relayer: string;
  status: RequestStatus;
  attempts: number;
  transactionHash: string | null;
  blockNumber: number | null;
  blockHash: string | null;
  code: string | null;
  reason: string | null;
  createdAt: string;
}

export interface TxRow {
  hash: string;
  relayer: string;
  nonce: bigint;
  raw: string;
  kind: "batch" | "filler";
  status: "pending" | "mined" | "dropped";
  sentAt: Date;
}

/** What the forwarder-nonce walk needs of a stored request ({@link nonceRun}). */
export type NonceHolder = Pick<RequestRow, "id" | "forwarderNonce" | "requestDeadline" | "status">;

export type NewRequest = Pick<
  RequestRow,
  "id" | "dataCenter" | "invoiceHash" | "voucherId" | "amount" | "forwarderNonce" | "requestDeadline" | "body" | "relayer"
>;

/** What became of one request when its transaction was mined or given up. */
export type Outcome =
  | { id: string; status: "confirmed"; blockNumber: number; blockHash: string; transactionHash: string }
  | { id: string; status: "failed"; code: string; reason: string; transactionHash?: string }
  | { id: string; status: "queued" };

const REQUEST_COLUMNS = `id, seq::text AS seq, data_center, invoice_hash, voucher_id::text AS voucher_id, amount::text AS amount,
  forwarder_nonce::text AS forwarder_nonce, request_deadline::text AS request_deadline, body, relayer, status, attempts,
  transaction_hash, block_number::text AS block_number, block_hash, code, reason, created_at::text AS created_at`;

function toRequest(r: Record<string, unknown>): RequestRow {
  const body = typeof r.body === "string" ? (JSON.parse(r.body) as StoredBody) : (r.body as StoredBody);
  return {
    id: String(r.id),
    seq: BigInt(String(r.seq)),
    dataCenter: String(r.data_center),
    invoiceHash: String(r.invoice_hash),
    voucherId: BigInt(String(r.voucher_id)),
    amount: BigInt(String(r.amount)),
    forwarderNonce: BigInt(String(r.forwarder_nonce)),
    requestDeadline: BigInt(String(r.request_deadline)),
    body,
    relayer: String(r.relayer),
    status: r.status as RequestStatus,
    attempts: Number(r.attempts),
    transactionHash: (r.transaction_hash as string | null) ?? null,
    blockNumber: r.block_number === null || r.block_number === undefined ? null : Number(r.block_number),
    blockHash: (r.block_hash as string | null) ?? null,
    code: (r.code as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    createdAt: new Date(String(r.created_at)).toISOString(),
  };
}

function toTx(r: Record<string, unknown>): TxRow {
  return {
    hash: String(r.hash),
    relayer: String(r.relayer),
    nonce: BigInt(String(r.nonce)),
    raw: String(r.raw),
    kind: r.kind as TxRow["kind"],
    status: r.status as TxRow["status"],
    sentAt: new Date(String(r.sent_at)),
  };
}

export interface RelayQueue {
  /** Stores a request; undefined when a live request holds its invoice hash or its (data center, nonce). */
  insert(request: NewRequest): Promise<RequestRow | undefined>;
  get(id: string): Promise<RequestRow | undefined>;
  /** Every request of a data center at a forwarder nonce, failed ones too (at most one is live), oldest first. */
  atNonce(dataCenter: string, nonce: bigint): Promise<RequestRow[]>;
  /** Every request for an invoice hash, failed ones too (at most one is live), oldest first. */
  byInvoice(invoiceHash: string): Promise<RequestRow[]>;
  /** A data center's requests that did not fail, at forwarder nonces from `from` up, by nonce. */
  nonceHolders(dataCenter: string, from: bigint): Promise<NonceHolder[]>;
  /** The latest failed request of a data center at a forwarder nonce. */
  lastFailedAt(dataCenter: string, nonce: bigint): Promise<RequestRow | undefined>;
  /** Queued requests of a relayer, oldest first. */
  queued(relayer: string, limit: number): Promise<RequestRow[]>;
  /** Requests of a relayer with a status. */
  withStatus(relayer: string, status: RequestStatus): Promise<RequestRow[]>;
  /** Requests carried by a transaction. */
  inTransaction(hash: string): Promise<RequestRow[]>;
  /** Records a signed transaction (and, for a batch, moves its requests to `submitted`), before it is sent. */
  recordTransaction(tx: Omit<TxRow, "status" | "sentAt">, requestIds: string[]): Promise<void>;
  pendingTransactions(relayer: string): Promise<TxRow[]>;
  /** Marks a transaction mined or dropped and applies the outcomes of its requests, in one database transaction. */
  settle(hash: string, tx: { status: "mined"; blockNumber: number; blockHash: string } | { status: "dropped" }, outcomes: Outcome[]): Promise<void>;
  /** Applies outcomes to requests outside any transaction (reconciliation, expiry). */
  apply(outcomes: Outcome[]): Promise<void>;
  /** Moves the queued requests of relayers no longer configured to `relayer`. */
  adoptOrphans(relayers: string[]): Promise<number>;
  counts(): Promise<Record<RequestStatus, number>>;
}

async function applyOutcomes(q: Queryable, outcomes: Outcome[]): Promise<void> {
  for (const o of outcomes) {
    if (o.status === "confirmed") {
      await q.query(
        `UPDATE relay_requests SET status = 'confirmed', transaction_hash = $2, block_number = $3, block_hash = $4,
           code = NULL, reason = NULL, updated_at = now() WHERE id = $1`,
        [o.id, o.transactionHash, o.blockNumber, o.blockHash],
      );
    } else if (o.status === "failed") {
      await q.query(
        `UPDATE relay_requests SET status = 'failed', code = $2, reason = $3, transaction_hash = coalesce($4, transaction_hash),
           updated_at = now() WHERE id = $1`,
        [o.id, o.code, o.reason, o.transactionHash ?? null],
      );
    } else {
      await q.query(
        "UPDATE relay_requests SET status = 'queued', transaction_hash = NULL, updated_at = now() WHERE id = $1",
        [o.id],
      );
    }
  }
}

/** The relay's queries over the shared database. */
export function createRelayQueue(db: Database): RelayQueue {
  const one = async (sql: string, params: unknown[]) => {
    const rows = await db.query(sql, params);
    return rows[0] === undefined ? undefined : toRequest(rows[0]);
  };
  return {
    async insert(r) {
      const rows = await db.query(
        `INSERT INTO relay_requests (id, data_center, invoice_hash, voucher_id, amount, forwarder_nonce, request_deadline, body, relayer, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued') ON CONFLICT DO NOTHING RETURNING ${REQUEST_COLUMNS}`,
        [r.id, r.dataCenter, r.invoiceHash, r.voucherId.toString(), r.amount.toString(), r.forwarderNonce.toString(),
          r.requestDeadline.toString(), JSON.stringify(r.body), r.relayer],
      );
      return rows[0] === undefined ? undefined : toRequest(rows[0]);
    },
    get: (id) => one(`SELECT ${REQUEST_COLUMNS} FROM relay_requests WHERE id = $1`, [id]),
    async atNonce(dc, nonce) {
      const rows = await db.query(`SELECT ${REQUEST_COLUMNS} FROM relay_requests WHERE data_center = $1 AND forwarder_nonce = $2 ORDER BY seq`, [
        dc,
        nonce.toString(),
      ]);
      return rows.map(toRequest);
    },
    async byInvoice(hash) {
      const rows = await db.query(`SELECT ${REQUEST_COLUMNS} FROM relay_requests WHERE invoice_hash = $1 ORDER BY seq`, [hash]);
      return rows.map(toRequest);
    },
    async nonceHolders(dc, from) {
      const rows = await db.query<{ id: string; forwarder_nonce: string; request_deadline: string; status: RequestStatus }>(
        `SELECT id, forwarder_nonce::text AS forwarder_nonce, request_deadline::text AS request_deadline, status FROM relay_requests
         WHERE data_center = $1 AND status <> 'failed' AND forwarder_nonce >= $2 ORDER BY forwarder_nonce`,
        [dc, from.toString()],
      );
      return rows.map((r) => ({
        id: r.id,
        forwarderNonce: BigInt(r.forwarder_nonce),
        requestDeadline: BigInt(r.request_deadline),
        status: r.status,
      }));
    },
    lastFailedAt: (dc, nonce) =>
      one(
        `SELECT ${REQUEST_COLUMNS} FROM relay_requests WHERE data_center = $1 AND forwarder_nonce = $2 AND status = 'failed'
         ORDER BY seq DESC LIMIT 1`,
        [dc, nonce.toString()],
      ),
    async queued(relayer, limit) {
      const rows = await db.query(
        `SELECT ${REQUEST_COLUMNS} FROM relay_requests WHERE relayer = $1 AND status = 'queued' ORDER BY seq LIMIT $2`,
        [relayer, limit],
      );
      return rows.map(toRequest);
    },
    async withStatus(relayer, status) {
      const rows = await db.query(`SELECT ${REQUEST_COLUMNS} FROM relay_requests WHERE relayer = $1 AND status = $2 ORDER BY seq`, [
        relayer,
        status,
      ]);
      return rows.map(toRequest);
    },
    async inTransaction(hash) {
      const rows = await db.query(`SELECT ${REQUEST_COLUMNS} FROM relay_requests WHERE transaction_hash = $1 AND status = 'submitted' ORDER BY seq`, [hash]);
      return rows.map(toRequest);
    },
    async recordTransaction(tx, ids) {
      await db.transaction(async (q) => {
        // The same signed transaction again (a filler for the same nonce at the same fee, after the node refused it):
        // the one row, pending again. A row still pending or mined stays as it is.
        await q.query(
          `INSERT INTO relay_transactions (hash, relayer, nonce, raw, kind, status) VALUES ($1, $2, $3, $4, $5, 'pending')
           ON CONFLICT (hash) DO UPDATE SET status = 'pending', sent_at = now(), block_number = NULL, block_hash = NULL
           WHERE relay_transactions.status = 'dropped'`,
          [tx.hash, tx.relayer, tx.nonce.toString(), tx.raw, tx.kind],
        );
        if (ids.length > 0) {
          await q.query(
            `UPDATE relay_requests SET status = 'submitted', transaction_hash = $1, attempts = attempts + 1, updated_at = now()
             WHERE id = ANY($2::text[]) AND status = 'queued'`,
            [tx.hash, ids],
          );
        }
      });
    },
    async pendingTransactions(relayer) {
      const rows = await db.query(
        "SELECT hash, relayer, nonce::text AS nonce, raw, kind, status, sent_at::text AS sent_at FROM relay_transactions WHERE relayer = $1 AND status = 'pending' ORDER BY nonce",
        [relayer],
      );
      return rows.map(toTx);
    },
    async settle(hash, tx, outcomes) {
      await db.transaction(async (q) => {
        if (tx.status === "mined") {
          await q.query("UPDATE relay_transactions SET status = 'mined', block_number = $2, block_hash = $3 WHERE hash = $1", [
            hash,
            tx.blockNumber,
            tx.blockHash,
          ]);
        } else {
          await q.query("UPDATE relay_transactions SET status = 'dropped' WHERE hash = $1", [hash]);
        }
        await applyOutcomes(q, outcomes);
      });
    },
    apply: (outcomes) => db.transaction((q) => applyOutcomes(q, outcomes)),
    async adoptOrphans(relayers) {
      const rows = await db.query<{ id: string; data_center: string }>(
        "SELECT id, data_center FROM relay_requests WHERE status = 'queued' AND NOT (relayer = ANY($1::text[]))",
        [relayers],
      );
      for (const row of rows) {
        await db.query("UPDATE relay_requests SET relayer = $2 WHERE id = $1", [row.id, relayerFor(row.data_center, relayers)]);
      }
      return rows.length;
    },
    async counts() {
      const rows = await db.query<{ status: RequestStatus; n: string }>(
        "SELECT status, count(*)::text AS n FROM relay_requests GROUP BY status",
      );
      const out = { queued: 0, submitted: 0, confirmed: 0, failed: 0 };
      for (const r of rows) out[r.status] = Number(r.n);
      return out;
    },
  };
}

/**
 * The relayer account that carries a data center's requests: always the same one for a data center (its
 * requests must reach the chain in forwarder-nonce order, which one account's transaction nonces guarantee).
 */
export function relayerFor(dataCenter: string, relayers: string[]): string {
  const n = BigInt(dataCenter.toLowerCase()) % BigInt(relayers.length);
  return relayers[Number(n)]!;
}
