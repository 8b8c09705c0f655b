import { safeAdditionalInfo, safeSigners } from "../chain/safe.js";
import { DecodeError } from "../internal/errors.js";
import type { Queryable } from "./database.js";
import type { StoredEvent } from "./projection.js";

/**
 * Who acted, for ledger v2 (the tables of service/store/migrations-governance.ts): the AccessManager's scheduled
 * operations, the Safe's transactions with the owners who signed them, and, for every event emitted inside an
 * executed operation or a Safe transaction, which. Within a transaction the chain's logs say it in order: the
 * AccessManager logs OperationExecuted before it makes the call (or, for a call straight to the target, as the target
 * consumes the operation, before its own events), and SafeL2 logs SafeMultiSigTransaction before its call and
 * ExecutionSuccess after it. So an event belongs to the last operation executed before it in its transaction (within
 * the Safe transaction it was executed in, if any), and to the Safe transaction open around it.
 *
 * Called with every event of a batch, in chain order, by ledger v2's projection. Only the first transaction of a
 * batch can have logs before the batch (a rollback rebuilds page by page): its earlier markers are read back from
 * the raw log.
 */
export interface GovernanceProjector {
  apply(e: StoredEvent): Promise<void>;
}

const MARKERS = ["OperationExecuted", "SafeMultiSigTransaction", "ExecutionSuccess", "ExecutionFailure"];

export function createGovernanceProjector(tx: Queryable): GovernanceProjector {
  let current: string | undefined;
  let first = true;
  /** The operation executed last in this transaction, and whether inside the open Safe transaction. */
  let operation: { id: string; nonce: string; inSafe: boolean } | undefined;
  /** The log index of the Safe transaction open in this transaction. */
  let safe: number | undefined;

  function mark(e: Pick<StoredEvent, "eventName" | "args" | "logIndex">) {
    if (e.eventName === "OperationExecuted") {
      operation = { id: String(e.args.operationId), nonce: String(e.args.nonce), inSafe: safe !== undefined };
    } else if (e.eventName === "SafeMultiSigTransaction") {
      safe = e.logIndex;
      operation = undefined;
    } else if (e.eventName === "ExecutionSuccess" || e.eventName === "ExecutionFailure") {
      safe = undefined;
      if (operation?.inSafe === true) operation = undefined;
    }
  }

  async function enter(e: StoredEvent) {
    if (e.transactionHash === current) return;
    current = e.transactionHash;
    operation = undefined;
    safe = undefined;
    if (!first) return;
    first = false;
    const earlier = await tx.query(
      `SELECT log_index, event_name, args FROM events
        WHERE block_number = $1 AND transaction_hash = $2 AND log_index < $3 AND event_name = ANY($4::text[]) ORDER BY log_index`,
      [e.blockNumber, e.transactionHash, e.logIndex, `{${MARKERS.join(",")}}`],
    );
    for (const row of earlier) {
      const args = (typeof row.args === "string" ? JSON.parse(row.args) : row.args) as StoredEvent["args"];
      mark({ eventName: String(row.event_name), args, logIndex: Number(row.log_index) });
    }
  }

  async function act(e: StoredEvent, op: { id: string; nonce: string } | undefined) {
    if (op === undefined && safe === undefined) return;
    await tx.query(
      `INSERT INTO v2_acts (block_hash, log_index, block_number, transaction_hash, contract, event_name, operation_id, operation_nonce,
         safe_log_index) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [e.blockHash, e.logIndex, e.blockNumber, e.transactionHash, e.contract, e.eventName, op?.id ?? null, op?.nonce ?? null, safe ?? null],
    );
  }

  async function close(e: StoredEvent, status: "Executed" | "Cancelled") {
    const rows = await tx.query(
      `UPDATE v2_operations SET status = $3, closed_at = $4, closed_block = $5, closed_block_hash = $6, closed_log_index = $7, closed_tx = $8
        WHERE operation_id = $1 AND nonce = $2 RETURNING operation_id`,
      [String(e.args.operationId), String(e.args.nonce), status, e.blockTimestamp, e.blockNumber, e.blockHash, e.logIndex, e.transactionHash],
    );
    // The AccessManager logs OperationExecuted and OperationCanceled only for an operation it has scheduled.
    if (rows.length === 0) throw new DecodeError(`${e.eventName} in block ${e.blockNumber} names unknown operation ${String(e.args.operationId)}`);
  }

  async function apply(e: StoredEvent): Promise<void> {
    await enter(e);
    const a = e.args;
    if (e.contract === "safe") {
      if (e.eventName === "SafeMultiSigTransaction") {
        const info = safeAdditionalInfo(String(a.additionalInfo));
        const data = String(a.data);
        await tx.query(
          `INSERT INTO v2_safe_transactions (block_hash, log_index, block_number, block_timestamp, transaction_hash, safe, safe_nonce,
             sender, threshold, target, value, operation, selector, data, signatures)
           VALUES ($1, $2, $3, $4, $5, (SELECT address FROM events WHERE block_number = $3 AND log_index = $2 AND block_hash = $1),
             $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
          [e.blockHash, e.logIndex, e.blockNumber, e.blockTimestamp, e.transactionHash, info.nonce, info.sender, info.threshold,
            String(a.to), String(a.value), Number(a.operation), data.slice(0, 10), data, String(a.signatures)],
        );
      } else if ((e.eventName === "ExecutionSuccess" || e.eventName === "ExecutionFailure") && safe !== undefined) {
        const rows = await tx.query("SELECT signatures, threshold, sender FROM v2_safe_transactions WHERE block_hash = $1 AND log_index = $2", [e.blockHash, safe]);
        const row = rows[0];
        if (row === undefined) throw new DecodeError(`${e.eventName} in block ${e.blockNumber} closes no Safe transaction`);
        const hash = String(a.txHash);
        const signers = safeSigners(hash, String(row.signatures), Number(row.threshold));
        await tx.query(
          `UPDATE v2_safe_transactions SET safe_tx_hash = $3, signers = $4::text[], signer_kinds = $5::text[], success = $6, end_log_index = $7
            WHERE block_hash = $1 AND log_index = $2`,
          [e.blockHash, safe, hash, `{${signers.map((s) => s.owner).join(",")}}`,
            `{${signers.map((s) => `"${s.kind === "approved hash" && s.owner === String(row.sender) ? "executor" : s.kind}"`).join(",")}}`,
            e.eventName === "ExecutionSuccess", e.logIndex],
        );
      }
      mark(e);
      return;
    }
    if (e.contract === "accessManager" && e.eventName === "OperationScheduled") {
      const data = String(a.data);
      await tx.query(
        `INSERT INTO v2_operations (operation_id, nonce, caller, target, selector, data, executable_from, status, scheduled_at, scheduled_block,
           scheduled_block_hash, scheduled_log_index, scheduled_tx)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'Scheduled', $8, $9, $10, $11, $12)`,
        [String(a.operationId), String(a.nonce), String(a.caller), String(a.target), data.slice(0, 10), data, String(a.schedule),
          e.blockTimestamp, e.blockNumber, e.blockHash, e.logIndex, e.transactionHash],
      );
      await act(e, undefined);
      return;
    }
    if (e.contract === "accessManager" && (e.eventName === "OperationExecuted" || e.eventName === "OperationCanceled")) {
      await close(e, e.eventName === "OperationExecuted" ? "Executed" : "Cancelled");
      await act(e, undefined);
      mark(e);
      return;
    }
    await act(e, operation);
  }

  return { apply };
}
