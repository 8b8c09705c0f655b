import type { Queryable } from "../store/database.js";
import { historyRange, readerAt, tableAtSql } from "../store/history.js";
import type { RequestContext } from "./context.js";
import { ApiError } from "./problem.js";
import { CITY_COLUMNS, VOUCHER_COLUMNS } from "./records.js";

export const EVENT_COLUMNS = `block_number::text AS block_number, block_hash, log_index, block_timestamp::text AS block_timestamp,
  transaction_hash, transaction_index, address, contract, event_name, args`;

const VOUCHER_EVENTS = "('VoucherIssued', 'VoucherRedeemed', 'VoucherRevoked', 'VoucherExpired', 'VoucherReissued')";

/**
 * SQL for the raw-log events of the voucher whose id (text) is `$1`, in chain order; `bounded` adds
 * `block_number <= $2`, and `scoped` only the events of one city (the next parameter: `$3`, or `$2` unbounded).
 * Every voucher event names its city, so a voucher outside the scope has no events at all. It reads the events'
 * columns (`voucher_id`, `new_voucher_id`, `city`), not their decoded arguments.
 */
export function voucherEventsSql(bounded: boolean, scoped = false): string {
  return `SELECT ${EVENT_COLUMNS} FROM events
      WHERE contract = 'ledger' AND event_name IN ${VOUCHER_EVENTS} AND (voucher_id = $1::numeric OR new_voucher_id = $1::numeric)
        ${bounded ? "AND block_number <= $2" : ""} ${scoped ? `AND city = $${bounded ? 3 : 2}::int` : ""}
      ORDER BY events.block_number, events.log_index`;
}

/**
 * The raw-log events of one voucher (its issue or re-issue to it, redemptions, closing), in chain order, up to
 * `atBlock`, and only if it is of `city` when one is given.
 */
export async function voucherEvents(ctx: RequestContext, id: string, atBlock?: number, city?: number): Promise<Record<string, unknown>[]> {
  const params: unknown[] = [id];
  if (atBlock !== undefined) params.push(atBlock);
  if (city !== undefined) params.push(String(city));
  return ctx.db.query(voucherEventsSql(atBlock !== undefined, city !== undefined), params);
}

/**
 * Refuses a block the store cannot answer for: above the indexed block (the answer would silently miss events), or
 * below the first block of the derived tables' history when that starts after the ledger's deployment (a mirror
 * older than the history, service/store/migrations-history.ts). Before the deployment, nothing existed: answerable.
 */
export async function checkIndexed(ctx: RequestContext, atBlock: number): Promise<void> {
  const range = await historyRange(ctx.db);
  const indexed = range?.to ?? -1;
  if (atBlock > indexed) throw new ApiError("BLOCK_NOT_INDEXED", `block ${atBlock} is above the indexed block ${indexed}`);
  const start = await ctx.db.query<{ n: string }>("SELECT (deployment_block - 1)::text AS n FROM sync_checkpoint WHERE id = 1");
  if (range !== undefined && range.from > Number(start[0]!.n) && atBlock < range.from) {
    throw new ApiError("BLOCK_NOT_KEPT", `block ${atBlock} is below block ${range.from}, where the mirror's history starts`);
  }
}

/**
 * The database as a request reads it: the live tables, or with `atBlock` (checked with {@link checkIndexed} first)
 * the derived tables as of the end of that block, from the store's versions (service/store/history.ts `readerAt`):
 * the endpoint's queries are the same either way.
 */
export async function databaseAt(ctx: RequestContext, atBlock: number | undefined): Promise<Queryable> {
  if (atBlock === undefined) return ctx.db;
  await checkIndexed(ctx, atBlock);
  return readerAt(ctx.db, atBlock);
}

/** A city's row as of the end of `atBlock`, from the store's versions of the `cities` table. */
export async function cityAt(ctx: RequestContext, city: number, atBlock: number): Promise<Record<string, unknown> | undefined> {
  await checkIndexed(ctx, atBlock);
  const rows = await ctx.db.query(
    `SELECT ${CITY_COLUMNS} FROM ${tableAtSql("cities", "$2::bigint", "jsonb_build_object('city', $1::int)")} cities`,
    [city, atBlock],
  );
  return rows[0];
}

/**
 * A voucher's row as of the end of `atBlock`, from the store's versions of the `vouchers` table; with `city`, a
 * voucher of another city is not there, as if it did not exist.
 */
export async function voucherAt(ctx: RequestContext, id: string, atBlock: number, city?: number): Promise<Record<string, unknown> | undefined> {
  await checkIndexed(ctx, atBlock);
  const rows = await ctx.db.query(
    `SELECT ${VOUCHER_COLUMNS} FROM ${tableAtSql("vouchers", "$2::bigint", "jsonb_build_object('id', $1::numeric)")} vouchers
      ${city === undefined ? "" : "WHERE city = $3::int"}`,
    city === undefined ? [id, atBlock] : [id, atBlock, city],
  );
  return rows[0];
}
