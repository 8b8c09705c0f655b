import { z } from "zod";

import { cityScope } from "../auth/access.js";
import { ApiError, defineEndpoint } from "../endpoint.js";
import { AGGREGATE_TIME_ZONE, dayInput, dayNumber, dayText, INTERVALS, MAX_PERIODS, monthsBefore, OFFSET_SECONDS, periodsOf, today } from "../periods.js";
import { amountSchema, cityInput } from "../format.js";

const bucketSchema = z
  .strictObject({
    period: z.string().meta({ description: "The day (YYYY-MM-DD) or month (YYYY-MM), in Asia/Shanghai", example: "2026-01-31" }),
    city: z.number().int(),
    issued: amountSchema.meta({ description: "Face value of the vouchers issued (re-issues are not new issuance)" }),
    issuedCount: z.number().int().nonnegative(),
    redeemed: amountSchema,
    redeemedCount: z.number().int().nonnegative(),
    revoked: amountSchema,
    expired: amountSchema,
  })
  .meta({ id: "AggregateBucket" });

const aggregatesSchema = z
  .strictObject({
    interval: z.enum(INTERVALS),
    timeZone: z.literal(AGGREGATE_TIME_ZONE),
    from: z.iso.date().meta({ description: "The first day covered" }),
    to: z.iso.date().meta({ description: "The last day covered (inclusive)" }),
    currency: z.string().meta({ example: "CNY" }),
    asOfBlock: z.number().int().meta({ description: "The mirror's checkpoint the figures are computed at (-1 before the first sync)" }),
    periods: z.array(z.string()).meta({ description: "Every period of the range, in order (buckets omit the empty ones)" }),
    buckets: z.array(bucketSchema).meta({ description: "One per period and city with any activity, by period then city" }),
  })
  .meta({ id: "Aggregates" });

/** GET /v1/aggregates: issued, redeemed, revoked and expired per day or month and city, computed by the database. */
export const getAggregates = defineEndpoint({
  id: "getAggregates",
  method: "get",
  path: "/v1/aggregates",
  summary: "Issued, redeemed, revoked and expired per day or month and city (Asia/Shanghai calendar), at the mirror's checkpoint",
  description:
    `Computed in SQL from the mirror's event log up to its checkpoint; at most ${MAX_PERIODS} periods per answer. ` +
    "An issuer sees its own city only; data centers may not read it. Without `from`/`to`: the last 30 days (12 months) to today.",
  tag: "Cities",
  auth: "token",
  query: z.strictObject({
    interval: z.enum(INTERVALS).default("day"),
    from: dayInput.optional().meta({ description: "First day (inclusive), Asia/Shanghai" }),
    to: dayInput.optional().meta({ description: "Last day (inclusive), Asia/Shanghai; default today" }),
    city: cityInput.optional(),
  }),
  output: aggregatesSchema,
  errors: [],
  async handle({ query }, ctx) {
    const city = cityScope(ctx.access, query.city, "aggregates");
    const to = query.to ?? today();
    const from = query.from ?? (query.interval === "day" ? dayText(dayNumber(to) - 29) : monthsBefore(to, 11));
    const invalid = (message: string) => new ApiError("VALIDATION_FAILED", message, { errors: [{ path: "query.from", message }] });
    if (from > to) throw invalid(`from (${from}) is after to (${to})`);
    const periods = periodsOf(query.interval, from, to);
    if (periods.length > MAX_PERIODS) throw invalid(`at most ${MAX_PERIODS} ${query.interval}s per request (${from} to ${to} is more)`);

    const start = dayNumber(from) * 86_400 - OFFSET_SECONDS;
    const end = (dayNumber(to) + 1) * 86_400 - OFFSET_SECONDS;
    const params: unknown[] = [start, end, query.interval === "day" ? "YYYY-MM-DD" : "YYYY-MM"];
    let cityFilter = "";
    if (city !== undefined) {
      params.push(String(city));
      cityFilter = `AND e.city = $${params.length}::int`;
    }
    // One statement: the checkpoint and the events it covers are read in one snapshot.
    const rows = await ctx.db.query<Record<string, string>>(
      `WITH cp AS (SELECT coalesce((SELECT block_number FROM sync_checkpoint WHERE id = 1), -1) AS block)
       SELECT cp.block::text AS as_of,
              agg.period, agg.city, agg.issued, agg.issued_count, agg.redeemed, agg.redeemed_count, agg.revoked, agg.expired
         FROM cp LEFT JOIN (
           SELECT to_char(to_timestamp(e.block_timestamp + ${OFFSET_SECONDS}) AT TIME ZONE 'UTC', $3) AS period,
                  e.city,
                  coalesce(sum(e.amount) FILTER (WHERE e.event_name = 'VoucherIssued'), 0)::text AS issued,
                  count(*) FILTER (WHERE e.event_name = 'VoucherIssued')::text AS issued_count,
                  coalesce(sum(e.amount) FILTER (WHERE e.event_name = 'VoucherRedeemed'), 0)::text AS redeemed,
                  count(*) FILTER (WHERE e.event_name = 'VoucherRedeemed')::text AS redeemed_count,
                  coalesce(sum(e.amount) FILTER (WHERE e.event_name = 'VoucherRevoked'), 0)::text AS revoked,
                  coalesce(sum(e.amount) FILTER (WHERE e.event_name = 'VoucherExpired'), 0)::text AS expired
             FROM events e, cp
            WHERE e.contract = 'ledger'
              AND e.event_name IN ('VoucherIssued', 'VoucherRedeemed', 'VoucherRevoked', 'VoucherExpired')
              AND e.block_number <= cp.block
              AND e.block_timestamp >= $1 AND e.block_timestamp < $2 ${cityFilter}
            GROUP BY 1, 2
         ) agg ON true
        ORDER BY agg.period, agg.city`,
      params,
    );
    const f = ctx.format;
    return {
      interval: query.interval,
      timeZone: AGGREGATE_TIME_ZONE,
      from,
      to,
      currency: f.currency,
      asOfBlock: Number(rows[0]?.as_of ?? -1),
      periods,
      buckets: rows.filter((r) => r.period !== null && r.period !== undefined).map((r) => ({
        period: String(r.period),
        city: Number(r.city),
        issued: f.amount(r.issued),
        issuedCount: Number(r.issued_count),
        redeemed: f.amount(r.redeemed),
        redeemedCount: Number(r.redeemed_count),
        revoked: f.amount(r.revoked),
        expired: f.amount(r.expired),
      })),
    };
  },
});
