import { z } from "zod";

import { programmeFilter, v2Scope } from "../auth/access.js";
import { ApiError, defineEndpoint } from "../endpoint.js";
import { AGGREGATE_TIME_ZONE, dayInput, dayNumber, dayText, INTERVALS, MAX_PERIODS, monthsBefore, periodsOf, today } from "../periods.js";
import { amountSchema } from "../format.js";
import { gpuHours, gpuHoursSchema } from "../records-v2.js";
import { programmeInput } from "./v2-inputs.js";

const count = z.number().int().nonnegative();

const bucketSchema = z
  .strictObject({
    period: z.string().meta({ description: "The day (YYYY-MM-DD) or month (YYYY-MM), in Asia/Shanghai", example: "2026-01-31" }),
    programme: z.number().int(),
    issued: amountSchema.meta({ description: "Face value of the vouchers issued (re-issues are not new issuance)" }),
    issuedCount: count,
    redeemed: amountSchema.meta({ description: "Subsidy of the suppliers' redemptions" }),
    redeemedCount: count,
    claimed: amountSchema.meta({ description: "Subsidy of the buyers' claims approved in the period (on the day of the decision)" }),
    claimedCount: count,
    gpuHours: gpuHoursSchema.meta({ description: "Metered GPU-hours of those redemptions and approved claims" }),
    clawedBack: amountSchema.meta({ description: "Subsidy of redemptions and claims clawed back in the period" }),
    paid: amountSchema.meta({
      description: "The finance bureau's payments recorded in the period, less its repayments; a corrected entry counts as never made",
    }),
    revoked: amountSchema.meta({ description: "Value returned to the budget by revocations (a claim rejected on a revoked voucher included)" }),
    expired: amountSchema.meta({ description: "Value returned to the budget by expiries (a claim rejected on an expired voucher included)" }),
  })
  .meta({ id: "AggregateBucketV2" });

const aggregatesSchema = z
  .strictObject({
    interval: z.enum(INTERVALS),
    timeZone: z.literal(AGGREGATE_TIME_ZONE),
    from: z.iso.date().meta({ description: "The first day covered" }),
    to: z.iso.date().meta({ description: "The last day covered (inclusive)" }),
    currency: z.string().meta({ example: "CNY" }),
    asOfBlock: z.number().int().meta({ description: "The mirror's checkpoint the figures are at (-1 before the first sync)" }),
    periods: z.array(z.string()).meta({ description: "Every period of the range, in order (buckets omit the empty ones)" }),
    buckets: z.array(bucketSchema).meta({ description: "One per period and programme with any activity, by period then programme" }),
  })
  .meta({ id: "AggregatesV2" });

type Row = Record<string, string | number | null>;

/** The columns of a bucket as the query returns them, in order. */
const BUCKET_COLUMNS = [
  "period", "programme", "issued", "issued_count", "redeemed", "redeemed_count", "claimed", "claimed_count", "gpu_centihours",
  "clawed_back", "paid", "revoked", "expired",
] as const;

/**
 * GET /v2/aggregates: ledger v2's issued, redeemed, claimed, GPU-hours, paid, revoked and expired per day or month and
 * programme, read from the daily roll-up the projection writes (service/store/migrations-v2-daily.ts); months sum
 * their days in SQL.
 */
export const getAggregatesV2 = defineEndpoint({
  id: "getAggregatesV2",
  method: "get",
  path: "/v2/aggregates",
  summary: "Ledger v2's issued, redeemed, claimed, GPU-hours, paid, revoked and expired per day or month and programme (Asia/Shanghai)",
  description:
    `From the mirror's daily roll-up at its checkpoint; at most ${MAX_PERIODS} periods per answer. Auditors, governors and ` +
    "the finance bureau see every programme, an issuer its own programmes, a company the figures that concern it (its vouchers, " +
    "its redemptions and claims as supplier or beneficiary, its payments). Without `from`/`to`: the last 30 days (12 months) to today.",
  tag: "Ledger v2 reports",
  auth: "token",
  query: z.strictObject({
    interval: z.enum(INTERVALS).default("day"),
    from: dayInput.optional().meta({ description: "First day (inclusive), Asia/Shanghai" }),
    to: dayInput.optional().meta({ description: "Last day (inclusive), Asia/Shanghai; default today" }),
    programme: programmeInput.optional(),
  }),
  output: aggregatesSchema,
  errors: [],
  async handle({ query }, ctx) {
    const scope = v2Scope(ctx.access, "aggregates");
    const programmes = programmeFilter(scope, query.programme, "aggregates");
    const to = query.to ?? today();
    const from = query.from ?? (query.interval === "day" ? dayText(dayNumber(to) - 29) : monthsBefore(to, 11));
    const invalid = (message: string) => new ApiError("VALIDATION_FAILED", message, { errors: [{ path: "query.from", message }] });
    if (from > to) throw invalid(`from (${from}) is after to (${to})`);
    const periods = periodsOf(query.interval, from, to);
    if (periods.length > MAX_PERIODS) throw invalid(`at most ${MAX_PERIODS} ${query.interval}s per request (${from} to ${to} is more)`);

    const params: unknown[] = [scope.entity ?? 0, dayNumber(from), dayNumber(to)];
    let programmeSql = "";
    if (programmes !== undefined) {
      params.push(programmes);
      programmeSql = "AND d.programme = ANY($4::int[])";
    }
    // The period as a number, labelled here: a day by its number, a month by its place among the months' first days
    // (to_char on dates costs PGlite more than the rest of the query).
    let period = "d.day";
    if (query.interval === "month") {
      params.push(periods.map((month) => dayNumber(`${month}-01`)));
      period = `width_bucket(d.day, $${params.length}::int[])`;
    }
    // One statement: the checkpoint and the roll-up it covers are read in one snapshot; the buckets travel as one JSON
    // text (one value instead of thirteen a bucket: most of the cost on PGlite), the sums in it as decimal text.
    const [row] = await ctx.db.query<{ as_of: string; buckets: string | null }>(
      `SELECT coalesce((SELECT block_number FROM sync_checkpoint WHERE id = 1), -1)::text AS as_of,
              (SELECT json_agg(json_build_array(${BUCKET_COLUMNS.map((c) => `a.${c}`).join(", ")}) ORDER BY a.period, a.programme)::text FROM (
         SELECT ${period} AS period, d.programme,
                sum(d.issued)::text AS issued, sum(d.issued_count)::text AS issued_count,
                sum(d.redeemed)::text AS redeemed, sum(d.redeemed_count)::text AS redeemed_count,
                sum(d.claimed)::text AS claimed, sum(d.claimed_count)::text AS claimed_count,
                sum(d.gpu_centihours)::text AS gpu_centihours, sum(d.clawed_back)::text AS clawed_back, sum(d.paid)::text AS paid,
                sum(d.revoked)::text AS revoked, sum(d.expired)::text AS expired
           FROM v2_daily d
          WHERE d.company = $1 AND d.day BETWEEN $2 AND $3 ${programmeSql}
          GROUP BY 1, 2
       ) a) AS buckets`,
      params,
    );
    const rows = (JSON.parse(row?.buckets ?? "[]") as unknown[][]).map((b) => Object.fromEntries(BUCKET_COLUMNS.map((c, i) => [c, b[i]])) as Row);
    const f = ctx.format;
    return {
      interval: query.interval,
      timeZone: AGGREGATE_TIME_ZONE,
      from,
      to,
      currency: f.currency,
      asOfBlock: Number(row?.as_of ?? -1),
      periods,
      buckets: rows.map((r) => ({
        period: query.interval === "day" ? dayText(Number(r.period)) : periods[Number(r.period) - 1]!,
        programme: Number(r.programme),
        issued: f.amount(r.issued),
        issuedCount: Number(r.issued_count),
        redeemed: f.amount(r.redeemed),
        redeemedCount: Number(r.redeemed_count),
        claimed: f.amount(r.claimed),
        claimedCount: Number(r.claimed_count),
        gpuHours: gpuHours(r.gpu_centihours),
        clawedBack: f.amount(r.clawed_back),
        paid: f.amount(r.paid),
        revoked: f.amount(r.revoked),
        expired: f.amount(r.expired),
      })),
    };
  },
});
