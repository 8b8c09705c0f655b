import { eventFromRow } from "../store/store.js";
import { applyEvent, emptyState, type LedgerState } from "../verify/fold.js";
import type { RequestContext } from "./context.js";
import { ApiError } from "./problem.js";

export const EVENT_COLUMNS = `block_number::text AS block_number, block_hash, log_index, block_timestamp::text AS block_timestamp,
  transaction_hash, transaction_index, address, contract, event_name, args`;

const VOUCHER_EVENTS = "('VoucherIssued', 'VoucherRedeemed', 'VoucherRevoked', 'VoucherExpired', 'VoucherReissued')";

/**
 * SQL for the raw-log events of the voucher whose id (text) is `$1`, in chain order; `bounded` adds
 * `block_number <= $2`, and `scoped` only the events of one city (text, the next parameter: `$3`, or `$2`
 * unbounded). Every voucher event names its city, so a voucher outside the scope has no events at all.
 */
export function voucherEventsSql(bounded: boolean, scoped = false): string {
  return `SELECT ${EVENT_COLUMNS} FROM events
      WHERE contract = 'ledger' AND event_name IN ${VOUCHER_EVENTS} AND (args->>'id' = $1 OR args->>'newId' = $1)
        ${bounded ? "AND block_number <= $2" : ""} ${scoped ? `AND args->>'city' = $${bounded ? 3 : 2}` : ""}
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

/** Refuses a block the mirror has not indexed yet: the answer would silently miss events. */
export async function checkIndexed(ctx: RequestContext, atBlock: number): Promise<void> {
  const rows = await ctx.db.query<{ n: string }>("SELECT block_number::text AS n FROM sync_checkpoint WHERE id = 1");
  const indexed = Number(rows[0]?.n ?? -1);
  if (atBlock > indexed) throw new ApiError("BLOCK_NOT_INDEXED", `block ${atBlock} is above the indexed block ${indexed}`);
}

/**
 * A city's state as of the end of `atBlock`, folded from the raw log (not from the derived tables): every ledger
 * event naming the city up to that block, in chain order.
 */
export async function replayCity(ctx: RequestContext, city: number, atBlock: number): Promise<LedgerState> {
  await checkIndexed(ctx, atBlock);
  const rows = await ctx.db.query(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE contract = 'ledger' AND args->>'city' = $1 AND block_number <= $2
      ORDER BY events.block_number, events.log_index`,
    [String(city), atBlock],
  );
  const state = emptyState();
  for (const row of rows) applyEvent(state, eventFromRow(row));
  return state;
}

/**
 * A voucher's state as of the end of `atBlock`, folded from its events in the raw log; with `city`, a voucher of
 * another city is not there, as if it did not exist.
 */
export async function replayVoucher(ctx: RequestContext, id: string, atBlock: number, city?: number): Promise<LedgerState> {
  await checkIndexed(ctx, atBlock);
  const state = emptyState();
  for (const row of await voucherEvents(ctx, id, atBlock, city)) applyEvent(state, eventFromRow(row));
  return state;
}
