import { DecodeError } from "../internal/errors.js";
import type { Queryable } from "./database.js";
import type { StoredEvent } from "./projection.js";
import { type Column, insertRows } from "./rows.js";

const VOUCHER_COLUMNS: Column[] = [
  ["id", "numeric"], ["programme", "int"], ["holder", "text"], ["entity", "int"], ["application_ref", "text"],
  ["face_value", "numeric"], ["remaining", "numeric"], ["held", "numeric"], ["redeemed", "numeric"], ["claimed", "numeric"],
  ["status", "text"], ["frozen", "boolean"], ["year", "int"], ["issued_at", "bigint"], ["expires_at", "bigint"], ["issuer", "text"],
  ["issued_block", "bigint"], ["issued_tx", "text"], ["updated_block", "bigint"],
];

/**
 * Issues, the bulk of a ledger's events (`issueBatch`), written in bulk: consecutive `VoucherIssued` events are held
 * and written with one statement for their vouchers and one per programme and per fiscal year for the counters, with
 * what writing them one by one gives (the sums, the last block). The projection flushes before any other event that
 * changes a table, so that every event sees the rows of those before it.
 */
export function createIssueBuffer(tx: Queryable) {
  let vouchers: Record<string, unknown>[] = [];
  const key = (programme: string, year: string) => `${programme}|${year}`;
  let periods = new Map<string, { programme: string; year: string; amount: bigint; block: number }>();
  let programmes = new Map<string, { amount: bigint; count: number; block: number; event: StoredEvent }>();
  return {
    add(e: StoredEvent, s: (name: string) => string): void {
      vouchers.push({
        id: s("id"), programme: s("programme"), holder: s("holder"), entity: s("entity"), application_ref: s("applicationRef"),
        face_value: s("faceValue"), remaining: s("faceValue"), held: "0", redeemed: "0", claimed: "0", status: "Active", frozen: false,
        year: s("year"), issued_at: e.blockTimestamp, expires_at: s("expiresAt"), issuer: s("issuer"), issued_block: e.blockNumber,
        issued_tx: e.transactionHash, updated_block: e.blockNumber,
      });
      const period = periods.get(key(s("programme"), s("year"))) ?? { programme: s("programme"), year: s("year"), amount: 0n, block: 0 };
      periods.set(key(s("programme"), s("year")), { ...period, amount: period.amount + BigInt(s("faceValue")), block: e.blockNumber });
      const programme = programmes.get(s("programme")) ?? { amount: 0n, count: 0, block: 0, event: e };
      programmes.set(s("programme"), { amount: programme.amount + BigInt(s("faceValue")), count: programme.count + 1, block: e.blockNumber, event: e });
    },
    async flush(): Promise<void> {
      if (vouchers.length === 0) return;
      const [rows, years, totals] = [vouchers, periods, programmes];
      vouchers = [];
      periods = new Map();
      programmes = new Map();
      await insertRows(tx, "v2_vouchers", VOUCHER_COLUMNS, rows, { doNothing: true, returning: "id" }).then((inserted) => {
        if (inserted.length !== rows.length) throw new DecodeError("a VoucherIssued event names a voucher issued before");
      });
      for (const p of years.values()) {
        await tx.query(
          `INSERT INTO v2_periods (programme, year, budget, appropriation, issued, revoked, expired, clawed_back, updated_block)
           VALUES ($1, $2, 0, $3, $4, 0, 0, 0, $5)
           ON CONFLICT (programme, year) DO UPDATE SET issued = v2_periods.issued + $4, updated_block = EXCLUDED.updated_block`,
          [p.programme, p.year, `0x${"0".repeat(64)}`, p.amount.toString(), p.block],
        );
      }
      for (const [id, p] of totals) {
        const updated = await tx.query(
          "UPDATE v2_programmes SET issued = issued + $2, voucher_count = voucher_count + $3, updated_block = $4 WHERE id = $1 RETURNING id",
          [id, p.amount.toString(), p.count, p.block],
        );
        if (updated.length === 0) throw new DecodeError(`VoucherIssued in block ${p.event.blockNumber} names unknown programme ${id}`);
      }
    },
  };
}
