import { z } from "zod";

import { v2Scope } from "../auth/access.js";
import { defineEndpoint } from "../endpoint.js";
import { timeSchema } from "../format.js";
import { AS_OF_SQL, CAPS_CTE, fiscalYearOf, percentSql } from "../reports-v2.js";

/**
 * The thresholds of GET /v2/alerts (README: Reports, statements, alerts). "Now" is the time of the mirror's checkpoint
 * block, so that an alert follows the chain the mirror has read, not the server's clock.
 */
export const ALERT_THRESHOLDS = {
  /** An active voucher expiring within this many days. */
  voucherExpiringDays: 30,
  /** An accreditation in force ending within this many days. */
  accreditationEndingDays: 30,
  /** A programme whose committed amount reaches this % of the current fiscal year's budget. */
  budgetUsePercent: 90,
  /** A company whose committed amount reaches this % of its cap for the current year (or lifetime). */
  capUsePercent: 90,
  /** A supplier whose price per GPU-hour (invoiced / GPU-hours) lies more than this % above or below its peers' median. */
  priceDeviationPercent: 50,
} as const;

export const ALERT_KINDS = [
  "voucherExpiring", "accreditationEnding", "budgetUse", "capUse", "supplierSuspended", "claimOverdue", "priceOutlier",
] as const;

const alertSchema = z
  .strictObject({
    kind: z.enum(ALERT_KINDS),
    programme: z.number().int(),
    company: z.number().int().nullable().meta({ description: "The company concerned (holder, supplier, claimant); null for a programme's budget" }),
    value: z.string().nullable().meta({ description: "The figure that tripped it: %, a CNY amount per GPU-hour, or null" }),
    threshold: z.string().nullable(),
    at: timeSchema.nullable().meta({ description: "When it falls due (expiry, end of accreditation, end of review)" }),
    records: z.array(z.strictObject({
      type: z.enum(["voucher", "accreditation", "period", "cap", "claim"]),
      id: z.string().meta({ description: "voucher id; supplier/programme; programme/year; programme/company/year; claim id" }),
    })),
  })
  .meta({ id: "Alert" });

const alertsSchema = z
  .strictObject({
    asOfBlock: z.number().int(),
    asOf: timeSchema.meta({ description: "The time of the checkpoint's block: the alerts' now" }),
    thresholds: z.strictObject({
      voucherExpiringDays: z.number(), accreditationEndingDays: z.number(), budgetUsePercent: z.number(), capUsePercent: z.number(),
      priceDeviationPercent: z.number(),
    }),
    alerts: z.array(alertSchema),
  })
  .meta({ id: "Alerts" });

type Row = Record<string, unknown>;
const DAY = 86_400;

/**
 * GET /v2/alerts: what needs someone's attention, computed in SQL at the mirror's checkpoint. An issuer sees its
 * programmes' alerts; a company the ones that name it.
 */
export const getAlerts = defineEndpoint({
  id: "getAlerts",
  method: "get",
  path: "/v2/alerts",
  summary: "Alerts: vouchers expiring, accreditations ending, budgets and caps near use, suspended suppliers, overdue claims, price outliers",
  tag: "Ledger v2 reports",
  auth: "token",
  query: z.strictObject({ kind: z.enum(ALERT_KINDS).optional() }),
  output: alertsSchema,
  errors: [],
  async handle({ query }, ctx) {
    const scope = v2Scope(ctx.access, "alerts");
    const asOf = (await ctx.db.query<Row>(AS_OF_SQL))[0]!;
    const now = Number(asOf.at);
    const t = ALERT_THRESHOLDS;
    const rows = await ctx.db.query<Row>(
      `WITH ${CAPS_CTE},
       prices AS (
         SELECT programme, supplier, sum(invoice_total) * 100.0 / sum(gpu_centihours) AS price
           FROM (SELECT programme, supplier_entity AS supplier, invoice_total, gpu_centihours FROM v2_redemptions
                 UNION ALL SELECT programme, supplier_entity, invoice_total, gpu_centihours FROM v2_claims WHERE status IN ('Pending', 'Approved')) x
          GROUP BY 1, 2 HAVING sum(gpu_centihours) > 0
       ),
       a AS (
         SELECT 'voucherExpiring' AS kind, v.programme, v.entity AS company, NULL::text AS value, NULL::text AS threshold, v.expires_at AS at,
                'voucher' AS type, v.id::text AS id
           FROM v2_vouchers v WHERE v.status = 'Active' AND v.expires_at > $1::bigint AND v.expires_at <= $1::bigint + $2::bigint
         UNION ALL
         SELECT 'accreditationEnding', c.programme, c.supplier, NULL, NULL, c.valid_until, 'accreditation', c.supplier || '/' || c.programme
           FROM v2_accreditations c WHERE NOT c.suspended AND c.valid_from <= $1::bigint AND c.valid_until > $1::bigint AND c.valid_until <= $1::bigint + $3::bigint
         UNION ALL
         SELECT 'budgetUse', y.programme, NULL, ${percentSql("y.committed", "y.budget")}, $4::int::text, NULL, 'period', y.programme || '/' || y.year
           FROM v2_periods y WHERE y.year = $5::int AND y.budget > 0 AND y.committed * 100 >= y.budget * $4::int
         UNION ALL
         SELECT 'capUse', caps.programme, caps.entity, ${percentSql("caps.used", "caps.cap")}, $6::int::text, NULL, 'cap',
                caps.programme || '/' || caps.entity || '/' || caps.year
           FROM caps WHERE caps.year IN (0, $5::int) AND caps.used * 100 >= caps.cap * $6::int
         UNION ALL
         SELECT 'supplierSuspended', c.programme, c.supplier, NULL, NULL, NULL, 'accreditation', c.supplier || '/' || c.programme
           FROM v2_accreditations c WHERE c.suspended
         UNION ALL
         SELECT 'claimOverdue', c.programme, c.beneficiary_entity, NULL, NULL, c.review_until, 'claim', c.claim_id::text
           FROM v2_claims c WHERE c.status = 'Pending' AND c.review_until < $1::bigint
         UNION ALL
         SELECT 'priceOutlier', s.programme, s.supplier, round(s.price)::text, round(m.median)::text, NULL, 'accreditation', s.supplier || '/' || s.programme
           FROM prices s CROSS JOIN LATERAL (
             SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY o.price::float8) AS median FROM prices o
              WHERE o.programme = s.programme AND o.supplier <> s.supplier) m
          WHERE m.median IS NOT NULL AND abs(s.price - m.median::numeric) * 100 > m.median::numeric * $7::int
       )
       SELECT * FROM a
        WHERE ($8::int[] IS NULL OR a.programme = ANY($8::int[])) AND ($9::int IS NULL OR a.company = $9) AND ($10::text IS NULL OR a.kind = $10)
        ORDER BY a.kind, a.programme, a.company NULLS FIRST, a.id`,
      [now, t.voucherExpiringDays * DAY, t.accreditationEndingDays * DAY, t.budgetUsePercent, fiscalYearOf(now), t.capUsePercent,
        t.priceDeviationPercent, scope.programmes ?? null, scope.entity ?? null, query.kind ?? null],
    );
    const f = ctx.format;
    const isPrice = (r: Row) => r.kind === "priceOutlier";
    return {
      asOfBlock: Number(asOf.block),
      asOf: f.time(now),
      thresholds: { ...t },
      alerts: rows.map((r) => ({
        kind: String(r.kind) as (typeof ALERT_KINDS)[number],
        programme: Number(r.programme),
        company: r.company === null ? null : Number(r.company),
        value: r.value === null ? null : isPrice(r) ? f.amount(r.value) : String(r.value),
        threshold: r.threshold === null ? null : isPrice(r) ? f.amount(r.threshold) : String(r.threshold),
        at: r.at === null ? null : f.time(r.at),
        records: [{ type: String(r.type) as "voucher", id: String(r.id) }],
      })),
    };
  },
});
