import type { BlockHeader } from "../chain/rpc.js";
import type { DecodedArgs } from "../chain/abi.js";
import type { Database, Queryable } from "./database.js";
import { DERIVED_TABLES_V2 } from "./migrations-v2.js";
import { DERIVED_TABLES, project, type StoredEvent } from "./projection.js";
import { projectByBlock, rollbackVersions } from "./history.js";
import { projectV2 } from "./projection-v2.js";
import { type Column, insertRows } from "./rows.js";

export interface Checkpoint {
  chainId: number;
  ledger: string;
  accessManager: string;
  deploymentBlock: number;
  /** The last block whose events are all in the mirror. */
  number: number;
  hash: string;
  /**
   * The highest block the writer has verified final (FINALITY_DEPTH below a head it has seen, linked by parent hash
   * to the headers it kept). It only moves up, and the mirror keeps every header from it to the checkpoint.
   */
  final: { number: number; hash: string };
  /** Set when the chain replaced the final block: the writer stopped, and the database is not synced any further. */
  halted: Halt | undefined;
  /**
   * The first block whose state the derived tables' versions answer (`atBlock`, rollbacks): the mirror's start, or
   * the checkpoint at the migration that added the versions for a mirror older than it.
   */
  historyFrom: number;
}

export interface Halt {
  code: string;
  reason: string;
  /** When it was recorded (ISO 8601). */
  at: string;
}

/** Where the mirror starts: the block before the deployment, which is also its first final block. */
export type Start = Omit<Checkpoint, "final" | "halted" | "historyFrom">;

/** A raw event as the sync writes it. */
export interface NewEvent extends StoredEvent {
  chainId: number;
  transactionIndex: number;
  address: string;
  topics: string[];
  data: string;
}

const EVENT_COLUMNS: Column[] = [
  ["chain_id", "bigint"], ["block_hash", "text"], ["log_index", "int"], ["block_number", "bigint"],
  ["block_timestamp", "bigint"], ["transaction_hash", "text"], ["transaction_index", "int"], ["address", "text"],
  ["contract", "text"], ["event_name", "text"], ["args", "jsonb"], ["topics", "jsonb"], ["data", "text"],
  ["voucher_id", "numeric"], ["new_voucher_id", "numeric"], ["city", "int"], ["amount", "numeric"],
  ["claim_id", "numeric"], ["entry_id", "numeric"],
];

const DECIMAL = /^[0-9]{1,78}$/;
/**
 * The columns of an event the API filters and sums on (migrations 11 and 12): a ledger event's voucher, the voucher
 * re-issued to, its city, its amount (an issue's face value) and its claim (ledger v2), and a payment ledger event's
 * entry; null where the event has none.
 */
export function eventColumns(e: StoredEvent): {
  voucher_id: string | null; new_voucher_id: string | null; city: number | null; amount: string | null; claim_id: string | null; entry_id: string | null;
} {
  const of = (contract: string, value: unknown) => (e.contract === contract && typeof value === "string" && DECIMAL.test(value) ? value : null);
  const decimal = (value: unknown) => of("ledger", value);
  const city = decimal(e.args.city);
  return {
    voucher_id: decimal(e.args.id),
    new_voucher_id: decimal(e.args.newId),
    city: city !== null && city.length <= 9 ? Number(city) : null,
    amount: decimal(e.args.faceValue ?? e.args.amount),
    claim_id: decimal(e.args.claimId),
    entry_id: of("payments", e.args.entryId),
  };
}
const BLOCK_COLUMNS: Column[] = [["number", "bigint"], ["hash", "text"], ["parent_hash", "text"], ["timestamp", "bigint"]];

const REBUILD_PAGE = 5000;

/** The mirror's tables whose statistics the planner needs (the derived tables and their versions, the raw log, the headers). */
const ANALYZED_TABLES = ["events", "blocks", ...DERIVED_TABLES, ...DERIVED_TABLES_V2, "derived_versions"];
/** Statistics are refreshed once this many events were written since the last refresh, or half as many as then. */
const ANALYZE_EVERY = 10_000;

export interface MirrorStore {
  readonly db: Database;
  checkpoint(): Promise<Checkpoint | undefined>;
  /**
   * Records where the mirror starts (the block before the deployment), as checkpoint and final block; only when
   * there is no checkpoint yet.
   */
  initCheckpoint(start: Start): Promise<void>;
  /**
   * Writes, in one transaction, the events of blocks `(checkpoint, to]`, the headers to keep (every header from
   * the final block, or from the first block of the range, up to `to`), and the new checkpoint `to`. Moves the final
   * block up to `final` when its header is kept, then drops the headers below the final block. Events already
   * present are skipped (and not projected twice). As the log grows, refreshes the planner's statistics of the
   * mirror's tables (after the transaction). Returns the final block's number.
   */
  commit(input: { events: NewEvent[]; headers: BlockHeader[]; to: BlockHeader; final: number }): Promise<{ final: number }>;
  /** Headers the mirror kept (every block from the final block to the checkpoint), newest first. */
  keptBlocks(): Promise<{ number: number; hash: string }[]>;
  /**
   * Rolls back to `fork` (a block still on the chain, at or above the final block) in one transaction: moves the
   * events above it to `reorged_events`, drops the headers above it, puts the derived tables back to their state at
   * `fork` from their versions (only the rows that changed above it are touched; see service/store/history.ts) and
   * sets the checkpoint there. Below the history's first block (a mirror migrated since), it rebuilds the derived
   * tables from the raw log instead. `rewritten`: the derived rows deleted and put back.
   */
  rollback(fork: { number: number; hash: string }): Promise<{ removed: number; rewritten: number }>;
  /** Records that the mirror stopped for good (a reorg below the final block); changes nothing else. */
  halt(halt: Omit<Halt, "at">): Promise<void>;
  /**
   * Empties the derived tables and their versions, and rebuilds them from the raw log, in chain order, block by
   * block (the versions with them, from the mirror's start).
   */
  rebuild(tx: Queryable): Promise<void>;
  eventCount(): Promise<number>;
  /** Refreshes the planner's statistics of the mirror's tables now (commit does it as the log grows). */
  analyze(): Promise<void>;
}

/** The halt recorded in a `sync_checkpoint` row, if any. */
export function haltFromRow(row: Record<string, unknown>): Halt | undefined {
  if (row.halted_code === null || row.halted_code === undefined) return undefined;
  const at = row.halted_at instanceof Date ? row.halted_at.toISOString() : new Date(String(row.halted_at)).toISOString();
  return { code: String(row.halted_code), reason: String(row.halted_reason), at };
}

/** An `events` row (as the store and the API select it) as an event of the raw log. */
export function eventFromRow(row: Record<string, unknown>): StoredEvent {
  return {
    blockNumber: Number(row.block_number),
    blockHash: String(row.block_hash),
    logIndex: Number(row.log_index),
    blockTimestamp: Number(row.block_timestamp),
    transactionHash: String(row.transaction_hash),
    contract: String(row.contract),
    eventName: String(row.event_name),
    args: (typeof row.args === "string" ? JSON.parse(row.args) : row.args) as DecodedArgs,
  };
}

/**
 * The mirror's store. `ledgerVersion` says which ledger the raw log is of, and so which projection builds the derived
 * tables from it: v1's (cities, vouchers, …) or v2's (`v2_*`, service/store/migrations-v2.ts). Both sets of tables
 * exist in every mirror; the other set stays empty.
 */
export function createMirrorStore(db: Database, options: { ledgerVersion?: 1 | 2 } = {}): MirrorStore {
  // v2's projection writes row by row: block by block, so that its tables' triggers record each block's versions.
  // v1's folds a whole batch and records the versions itself.
  const projectEvents: (tx: Queryable, events: readonly StoredEvent[]) => Promise<void> =
    options.ledgerVersion === 2 ? (tx, events) => projectByBlock(tx, events, projectV2) : project;
  // PGlite has no autovacuum, so nothing else refreshes the planner's statistics there: without them it reads the
  // whole `events_by_name` index for one voucher, and each read slows down as the log grows. PostgreSQL's
  // autovacuum would get there, but only later; refreshing as the log grows keeps both stores alike.
  let writtenSinceAnalyze = 0;
  /** The raw log's size as the planner last learned it (from the statistics themselves). */
  let rowsAtAnalyze: number | undefined;
  async function plannerRows(): Promise<number> {
    const rows = await db.query<{ n: string }>(
      "SELECT greatest(reltuples, 0)::bigint::text AS n FROM pg_class WHERE oid = to_regclass('events')",
    );
    return Number(rows[0]?.n ?? 0);
  }
  async function refreshStatistics(written: number): Promise<void> {
    writtenSinceAnalyze += written;
    rowsAtAnalyze ??= await plannerRows();
    if (writtenSinceAnalyze >= Math.max(ANALYZE_EVERY, rowsAtAnalyze / 2)) await analyze();
  }
  async function analyze(): Promise<void> {
    await db.query(`ANALYZE ${ANALYZED_TABLES.join(", ")}`);
    rowsAtAnalyze = await plannerRows();
    writtenSinceAnalyze = 0;
  }

  async function rebuild(tx: Queryable): Promise<void> {
    await tx.query("SELECT set_config('mirror.block', '', true)");
    for (const table of [...DERIVED_TABLES, ...DERIVED_TABLES_V2, "derived_versions"]) await tx.query(`DELETE FROM ${table}`);
    await tx.query("UPDATE sync_checkpoint SET history_from = deployment_block - 1 WHERE id = 1");
    let after = { block: -1, index: -1 };
    for (;;) {
      const rows = await tx.query(
        `SELECT block_number, block_hash, log_index, block_timestamp, transaction_hash, contract, event_name, args
           FROM events WHERE (block_number, log_index) > ($1, $2) ORDER BY block_number, log_index LIMIT ${REBUILD_PAGE}`,
        [after.block, after.index],
      );
      if (rows.length === 0) return;
      const events = rows.map(eventFromRow);
      await projectEvents(tx, events);
      const last = events[events.length - 1]!;
      after = { block: last.blockNumber, index: last.logIndex };
    }
  }

  return {
    db,
    rebuild,
    analyze,
    async checkpoint() {
      const rows = await db.query(
        `SELECT chain_id, ledger, access_manager, deployment_block, block_number, block_hash, final_number, final_hash,
                halted_code, halted_reason, halted_at, history_from FROM sync_checkpoint WHERE id = 1`,
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      return {
        chainId: Number(row.chain_id),
        ledger: String(row.ledger),
        accessManager: String(row.access_manager),
        deploymentBlock: Number(row.deployment_block),
        number: Number(row.block_number),
        hash: String(row.block_hash),
        final: { number: Number(row.final_number), hash: String(row.final_hash) },
        halted: haltFromRow(row),
        historyFrom: Number(row.history_from),
      };
    },
    async initCheckpoint(c) {
      await db.query(
        `INSERT INTO sync_checkpoint
           (id, chain_id, ledger, access_manager, deployment_block, block_number, block_hash, final_number, final_hash,
            history_from)
         VALUES (1, $1, $2, $3, $4, $5, $6, $5, $6, $5) ON CONFLICT (id) DO NOTHING`,
        [c.chainId, c.ledger, c.accessManager, c.deploymentBlock, c.number, c.hash],
      );
    },
    async commit({ events, headers, to, final }) {
      let finalNumber = -1;
      const written = await db.transaction(async (tx) => {
        const rows = events.map((e) => ({
          chain_id: e.chainId, block_hash: e.blockHash, log_index: e.logIndex, block_number: e.blockNumber,
          block_timestamp: e.blockTimestamp, transaction_hash: e.transactionHash, transaction_index: e.transactionIndex,
          address: e.address, contract: e.contract, event_name: e.eventName, args: e.args, topics: e.topics, data: e.data,
          ...eventColumns(e),
        }));
        const inserted = await insertRows(tx, "events", EVENT_COLUMNS, rows, {
          doNothing: true,
          returning: "block_hash, log_index",
        });
        const fresh = new Set(inserted.map((r) => `${String(r.block_hash)}:${Number(r.log_index)}`));
        await projectEvents(tx, events.filter((e) => fresh.has(`${e.blockHash}:${e.logIndex}`)));
        const blockRows = [...new Map([...headers, to].map((h) => [h.number, h])).values()]
          .map((h) => ({ number: h.number, hash: h.hash, parent_hash: h.parentHash, timestamp: h.timestamp }));
        await insertRows(tx, "blocks", BLOCK_COLUMNS, blockRows, { key: ["number"] });
        await tx.query("UPDATE sync_checkpoint SET block_number = $1, block_hash = $2 WHERE id = 1", [to.number, to.hash]);
        // The final block moves up only to a header the mirror keeps, and never down.
        await tx.query(
          `UPDATE sync_checkpoint c SET final_number = b.number, final_hash = b.hash
             FROM blocks b WHERE c.id = 1 AND b.number = $1 AND b.number > c.final_number`,
          [final],
        );
        const state = await tx.query<{ n: string }>("SELECT final_number::text AS n FROM sync_checkpoint WHERE id = 1");
        finalNumber = Number(state[0]!.n);
        await tx.query("DELETE FROM blocks WHERE number < $1", [finalNumber]);
        return inserted.length;
      });
      await refreshStatistics(written);
      return { final: finalNumber };
    },
    async halt({ code, reason }) {
      await db.query(
        "UPDATE sync_checkpoint SET halted_code = $1, halted_reason = $2, halted_at = now() WHERE id = 1 AND halted_code IS NULL",
        [code, reason],
      );
    },
    async keptBlocks() {
      const rows = await db.query("SELECT number, hash FROM blocks ORDER BY number DESC");
      return rows.map((r) => ({ number: Number(r.number), hash: String(r.hash) }));
    },
    async rollback(fork) {
      return db.transaction(async (tx) => {
        const columns = EVENT_COLUMNS.map(([name]) => name).join(", ");
        const moved = await tx.query(
          `INSERT INTO reorged_events (${columns}, reorged_at_block)
             SELECT ${columns}, $1 FROM events WHERE block_number > $1 ON CONFLICT DO NOTHING RETURNING log_index`,
          [fork.number],
        );
        await tx.query("DELETE FROM events WHERE block_number > $1", [fork.number]);
        await tx.query("DELETE FROM blocks WHERE number > $1", [fork.number]);
        const state = await tx.query<{ n: string }>("SELECT history_from::text AS n FROM sync_checkpoint WHERE id = 1");
        let rewritten: number;
        if (fork.number >= Number(state[0]!.n)) {
          const { deleted, restored } = await rollbackVersions(tx, fork.number);
          rewritten = deleted + restored;
        } else {
          await rebuild(tx);
          rewritten = Number((await tx.query<{ n: string }>("SELECT count(*)::text AS n FROM derived_versions"))[0]!.n);
        }
        await tx.query("UPDATE sync_checkpoint SET block_number = $1, block_hash = $2 WHERE id = 1", [fork.number, fork.hash]);
        return { removed: moved.length, rewritten };
      });
    },
    async eventCount() {
      const rows = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM events");
      return Number(rows[0]?.n ?? 0);
    },
  };
}
