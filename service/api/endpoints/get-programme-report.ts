import { z } from "zod";

import { notFound, v2Scope } from "../auth/access.js";
import { defineEndpoint } from "../endpoint.js";
import { amountSchema, timeSchema } from "../format.js";
import { gpuHours, gpuHoursSchema } from "../records-v2.js";
import {
  AS_OF_SQL, bookCte, dayInput, flowsCte, MAX_REPORT_PERIODS, PERIOD_KINDS, percentSchema, percentSql,
  periodParams, periodsSql, perGpuHourSql, REPORT_TIME_ZONE, requestedPeriods,
} from "../reports-v2.js";
import { programmeInput } from "./v2-inputs.js";

const int = z.number().int();

const periodSchema = z
  .strictObject({
    period: z.string().meta({ description: "YYYY-MM, YYYY-Qn or YYYY, in Asia/Shanghai", example: "2026-Q4" }),
    fiscalYear: int,
    firstDay: z.iso.date(),
    lastDay: z.iso.date(),
    start: timeSchema.meta({ description: "Its first instant (midnight, Asia/Shanghai)" }),
    end: timeSchema.meta({ description: "The first instant after it" }),
    budget: amountSchema.meta({ description: "The budget of its fiscal year" }),
    committed: amountSchema.meta({ description: "Committed against that budget at the period's end: issued - revoked - expired - clawed back" }),
    usePercent: percentSchema,
    redeemedBySuppliers: amountSchema.meta({ description: "Written off by suppliers' redemptions in the period" }),
    claimedByBuyers: amountSchema.meta({ description: "Buyers' claims approved in the period" }),
    clawedBack: amountSchema.meta({ description: "Clawed back in the period" }),
    subsidy: amountSchema.meta({ description: "redeemedBySuppliers + claimedByBuyers - clawedBack" }),
    gpuHours: gpuHoursSchema.meta({ description: "GPU-hours of the invoices written off in the period" }),
    byClass: z.array(z.strictObject({ computeClass: int, category: int, subsidy: amountSchema, gpuHours: gpuHoursSchema }))
      .meta({ description: "The period's subsidy by the invoice's compute class and the beneficiary's category (as it is now)" }),
    bySupplier: z.array(z.strictObject({
      company: int, subsidy: amountSchema, invoiced: amountSchema, gpuHours: gpuHoursSchema,
      subsidyPerGpuHour: amountSchema.nullable(), pricePerGpuHour: amountSchema.nullable().meta({ description: "invoiced / GPU-hours" }),
    })),
    payees: z.array(z.strictObject({
      company: int,
      earned: amountSchema.meta({ description: "Written off to it in the period (less clawbacks)" }),
      paid: amountSchema.meta({ description: "Paid in the period, less repayments (entries that stand)" }),
      payable: amountSchema.meta({ description: "Earned minus paid, everything up to the period's end" }),
    })),
  })
  .meta({ id: "ProgrammeReportPeriod" });

const reportSchema = z
  .strictObject({
    programme: int,
    name: z.string(),
    period: z.enum(PERIOD_KINDS),
    timeZone: z.literal(REPORT_TIME_ZONE),
    currency: z.string(),
    asOfBlock: int,
    periods: z.array(periodSchema),
  })
  .meta({ id: "ProgrammeReport" });

type Row = Record<string, unknown>;
const json = <T>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;

/**
 * GET /v2/programmes/{id}/report: one programme's figures per month, quarter or fiscal year, every one computed by the
 * database from the mirror's tables in one statement. Scoped as GET /v2/programmes/{id}; a company may not read it.
 */
export const getProgrammeReport = defineEndpoint({
  id: "getProgrammeReport",
  method: "get",
  path: "/v2/programmes/{id}/report",
  summary: "A programme's report per month, quarter or fiscal year: budget use, subsidy by class and category, GPU-hours, suppliers, payees",
  description:
    `Periods in Asia/Shanghai (fiscal year = calendar year); every period the range touches, at most ${MAX_REPORT_PERIODS}. ` +
    "Without from/to: the programme's fiscal years. Issuers see their own programmes; companies may not read it.",
  tag: "Ledger v2 reports",
  auth: "token",
  params: z.strictObject({ id: programmeInput }),
  query: z.strictObject({
    period: z.enum(PERIOD_KINDS).default("month"),
    from: dayInput.optional().meta({ description: "First day (inclusive)" }),
    to: dayInput.optional().meta({ description: "Last day (inclusive)" }),
  }),
  output: reportSchema,
  errors: ["NOT_FOUND"],
  async handle({ params, query }, ctx) {
    const scope = v2Scope(ctx.access, "programme reports");
    if (scope.entity !== undefined) throw notFound("programme");
    if (scope.programmes !== undefined && !scope.programmes.includes(params.id)) throw notFound("programme");
    const programme = (await ctx.db.query<Row>("SELECT name, first_year, year_count FROM v2_programmes WHERE id = $1", [params.id]))[0];
    if (programme === undefined) throw notFound("programme");
    const first = Number(programme.first_year);
    const from = query.from ?? `${first}-01-01`;
    const to = query.to ?? `${first + Number(programme.year_count) - 1}-12-31`;
    const periods = requestedPeriods(query.period, from, to);
    const only = (column: string) => `${column} = $1`;
    const rows = await ctx.db.query<Row>(
      `WITH cp AS (${AS_OF_SQL}), p AS (${periodsSql(2)}), ${flowsCte(only)}, ${bookCte(only)},
       f AS (SELECT p.label, flows.* FROM p JOIN flows ON flows.at >= p.start_at AND flows.at < p.end_at),
       c AS (
         SELECT p.label, p.year, coalesce(y.budget, 0) AS budget,
                (SELECT coalesce(sum(v.face_value), 0) FROM v2_vouchers v WHERE v.programme = $1 AND v.year = p.year AND v.issued_at < p.end_at)
              - (SELECT coalesce(sum(e.amount), 0) FROM events e JOIN v2_vouchers v ON v.id = e.voucher_id
                  WHERE e.contract = 'ledger' AND e.event_name IN ('VoucherRevoked', 'VoucherExpired') AND v.programme = $1
                    AND v.year = p.year AND e.block_timestamp < p.end_at)
              - (SELECT coalesce(sum(k.amount), 0) FROM v2_clawbacks k WHERE k.programme = $1 AND k.year = p.year AND k.block_timestamp < p.end_at)
              - (SELECT coalesce(sum(e.amount), 0) FROM events e
                   JOIN v2_claims cl ON cl.claim_id = e.claim_id JOIN v2_vouchers v ON v.id = cl.voucher_id
                  WHERE e.contract = 'ledger' AND e.event_name = 'ClaimRejected' AND cl.programme = $1 AND v.year = p.year
                    AND e.block_timestamp < p.end_at
                    AND EXISTS (SELECT 1 FROM events x WHERE x.contract = 'ledger' AND x.event_name IN ('VoucherRevoked', 'VoucherExpired')
                                  AND x.voucher_id = v.id AND (x.block_number, x.log_index) < (e.block_number, e.log_index))) AS committed
           FROM p LEFT JOIN v2_periods y ON y.programme = $1 AND y.year = p.year
       )
       SELECT cp.block AS as_of, p.label, c.budget::text, c.committed::text, ${percentSql("c.committed", "c.budget")} AS use_percent,
              (SELECT coalesce(sum(amount) FILTER (WHERE kind = 'redemption'), 0)::text FROM f WHERE f.label = p.label) AS redeemed,
              (SELECT coalesce(sum(amount) FILTER (WHERE kind = 'claim'), 0)::text FROM f WHERE f.label = p.label) AS claimed,
              (SELECT coalesce(-sum(amount) FILTER (WHERE kind = 'clawback'), 0)::text FROM f WHERE f.label = p.label) AS clawed_back,
              (SELECT coalesce(sum(amount), 0)::text FROM f WHERE f.label = p.label) AS subsidy,
              (SELECT coalesce(sum(gpu_centihours), 0)::text FROM f WHERE f.label = p.label) AS gpu,
              (SELECT coalesce(json_agg(json_build_object('computeClass', x.compute_class, 'category', x.category, 'subsidy', x.subsidy::text,
                      'gpu', x.gpu::text) ORDER BY x.compute_class, x.category), '[]')
                 FROM (SELECT f.compute_class, coalesce(e.category, 0) AS category, sum(f.amount) AS subsidy, sum(f.gpu_centihours) AS gpu
                         FROM f LEFT JOIN v2_entities e ON e.id = f.beneficiary WHERE f.label = p.label GROUP BY 1, 2) x) AS by_class,
              (SELECT coalesce(json_agg(json_build_object('company', x.supplier, 'subsidy', x.subsidy::text, 'invoiced', x.invoiced::text,
                      'gpu', x.gpu::text, 'perGpuHour', ${perGpuHourSql("x.subsidy", "x.gpu")}, 'price', ${perGpuHourSql("x.invoiced", "x.gpu")})
                      ORDER BY x.supplier), '[]')
                 FROM (SELECT f.supplier, sum(f.amount) AS subsidy, sum(f.invoice_total) AS invoiced, sum(f.gpu_centihours) AS gpu
                         FROM f WHERE f.label = p.label GROUP BY 1) x) AS by_supplier,
              (SELECT coalesce(json_agg(json_build_object('company', x.payee, 'earned', x.earned::text, 'paid', x.paid::text,
                      'payable', x.payable::text) ORDER BY x.payee), '[]')
                 FROM (SELECT q.payee,
                              (SELECT coalesce(sum(amount), 0) FROM flows WHERE payee = q.payee AND at >= p.start_at AND at < p.end_at) AS earned,
                              (SELECT coalesce(sum(amount), 0) FROM book WHERE payee = q.payee AND at >= p.start_at AND at < p.end_at) AS paid,
                              (SELECT coalesce(sum(amount), 0) FROM flows WHERE payee = q.payee AND at < p.end_at)
                            - (SELECT coalesce(sum(amount), 0) FROM book WHERE payee = q.payee AND at < p.end_at) AS payable
                         FROM (SELECT payee FROM flows WHERE at < p.end_at UNION SELECT payee FROM book WHERE at < p.end_at) q) x) AS payees
         FROM cp, p JOIN c ON c.label = p.label
        ORDER BY p.start_at`,
      [params.id, ...periodParams(periods)],
    );
    const f = ctx.format;
    const byLabel = new Map(rows.map((r) => [String(r.label), r]));
    return {
      programme: params.id,
      name: String(programme.name),
      period: query.period,
      timeZone: REPORT_TIME_ZONE,
      currency: f.currency,
      asOfBlock: Number(rows[0]?.as_of ?? -1),
      periods: periods.map((p) => {
        const r = byLabel.get(p.label)!;
        return {
          period: p.label, fiscalYear: p.year, firstDay: p.firstDay, lastDay: p.lastDay, start: f.time(p.start), end: f.time(p.end),
          budget: f.amount(r.budget), committed: f.amount(r.committed), usePercent: (r.use_percent as string | null) ?? null,
          redeemedBySuppliers: f.amount(r.redeemed), claimedByBuyers: f.amount(r.claimed), clawedBack: f.amount(r.clawed_back),
          subsidy: f.amount(r.subsidy), gpuHours: gpuHours(r.gpu),
          byClass: json<Row[]>(r.by_class).map((x) => ({
            computeClass: Number(x.computeClass), category: Number(x.category), subsidy: f.amount(x.subsidy), gpuHours: gpuHours(x.gpu),
          })),
          bySupplier: json<Row[]>(r.by_supplier).map((x) => ({
            company: Number(x.company), subsidy: f.amount(x.subsidy), invoiced: f.amount(x.invoiced), gpuHours: gpuHours(x.gpu),
            subsidyPerGpuHour: x.perGpuHour === null ? null : f.amount(x.perGpuHour), pricePerGpuHour: x.price === null ? null : f.amount(x.price),
          })),
          payees: json<Row[]>(r.payees).map((x) => ({
            company: Number(x.company), earned: f.amount(x.earned), paid: f.amount(x.paid), payable: f.amount(x.payable),
          })),
        };
      }),
    };
  },
});
