import type { Queryable } from "./database.js";

/** The roll-up's sums (service/store/migrations-v2-daily.ts), in its column names. */
export const DAILY_SUMS = [
  "issued", "issued_count", "redeemed", "redeemed_count", "claimed", "claimed_count", "gpu_centihours", "paid", "revoked",
  "expired", "clawed_back",
] as const;
export type DailySum = (typeof DAILY_SUMS)[number];
export type DailyAmounts = Partial<Record<DailySum, bigint>>;

const OFFSET_SECONDS = 8 * 3600;
/** The day number (days since 1970-01-01 in UTC+8, Asia/Shanghai's calendar) of an instant in unix seconds. */
export const shanghaiDay = (unixSeconds: number | string): number => Math.floor((Number(unixSeconds) + OFFSET_SECONDS) / 86_400);

/**
 * The roll-up's changes of one block, added up in memory as the projection applies its events and written with one
 * statement at the end (nothing in the projection reads the roll-up back). Each change goes to the programme's whole
 * (company 0) and once to each company named.
 */
export function createDailyBuffer(tx: Queryable) {
  let rows = new Map<string, { company: number; day: number; programme: number; sums: Record<DailySum, bigint> }>();
  let block = 0;
  return {
    add(at: number | string, blockNumber: number, programme: number | string, companies: readonly (number | string)[], amounts: DailyAmounts): void {
      block = blockNumber;
      const day = shanghaiDay(at);
      for (const company of new Set([0, ...companies.map(Number)])) {
        const key = `${company}|${day}|${programme}`;
        let row = rows.get(key);
        if (row === undefined) {
          row = { company, day, programme: Number(programme), sums: Object.fromEntries(DAILY_SUMS.map((s) => [s, 0n])) as Record<DailySum, bigint> };
          rows.set(key, row);
        }
        for (const [sum, amount] of Object.entries(amounts) as [DailySum, bigint][]) row.sums[sum] += amount;
      }
    },
    async flush(): Promise<void> {
      if (rows.size === 0) return;
      const changes = [...rows.values()].map((r) => ({
        company: r.company, day: r.day, programme: r.programme, ...Object.fromEntries(DAILY_SUMS.map((s) => [s, r.sums[s].toString()])),
      }));
      rows = new Map();
      const types = DAILY_SUMS.map((s) => `${s} ${s.endsWith("_count") ? "int" : "numeric"}`).join(", ");
      await tx.query(
        `INSERT INTO v2_daily (company, day, programme, ${DAILY_SUMS.join(", ")}, updated_block)
         SELECT company, day, programme, ${DAILY_SUMS.join(", ")}, $2 FROM jsonb_to_recordset($1::jsonb)
             AS x(company int, day int, programme int, ${types})
         ON CONFLICT (company, day, programme) DO UPDATE SET
           ${DAILY_SUMS.map((s) => `${s} = v2_daily.${s} + EXCLUDED.${s}`).join(", ")}, updated_block = EXCLUDED.updated_block`,
        [JSON.stringify(changes), block],
      );
    },
  };
}
