import { z } from "zod";

import { forbidden, v2Scope } from "../auth/access.js";
import { defineEndpoint } from "../endpoint.js";
import { amountSchema } from "../format.js";
import { gpuHours, gpuHoursSchema } from "../records-v2.js";
import {
  AS_OF_SQL, bookCte, CAPS_CTE, fiscalYearOf, flowsCte, midnightOf, percentSchema, percentSql, REPORT_TIME_ZONE,
} from "../reports-v2.js";
import { yearInput } from "./v2-inputs.js";

const int = z.number().int();

const figures = {
  budget: amountSchema.meta({ description: "The fiscal year's budget" }),
  committed: amountSchema.meta({ description: "Committed against it now: issued - revoked - expired - clawed back" }),
  usePercent: percentSchema,
  subsidy: amountSchema.meta({ description: "Written off in the fiscal year (redemptions, approved claims) less its clawbacks" }),
  gpuHours: gpuHoursSchema,
  earned: amountSchema.meta({ description: "Everything written off to payees so far, less clawbacks" }),
  paid: amountSchema.meta({ description: "Everything paid so far, less repayments" }),
  payable: amountSchema.meta({ description: "earned - paid" }),
  companiesAtCap: int.meta({ description: "Companies whose committed amount is at or above 90% of the cap for the year" }),
};

const rowSchema = z.strictObject({ programme: int, name: z.string(), ...figures }).meta({ id: "ProgrammeReportRow" });

const outputSchema = z
  .strictObject({
    fiscalYear: int,
    timeZone: z.literal(REPORT_TIME_ZONE),
    currency: z.string(),
    asOfBlock: int,
    programmes: z.array(rowSchema),
    totals: z.strictObject(figures).meta({ description: "Across the programmes listed; usePercent of the summed budgets" }),
  })
  .meta({ id: "ProgrammesReport" });

export const CAP_REPORT_PERCENT = 90;

type Row = Record<string, unknown>;

/** GET /v2/reports/programmes: one row per programme for a fiscal year, and a totals row, computed in SQL. */
export const getProgrammesReport = defineEndpoint({
  id: "getProgrammesReport",
  method: "get",
  path: "/v2/reports/programmes",
  summary: "Every programme's figures for a fiscal year (budget use, subsidy, GPU-hours, payable), with a totals row",
  description: "Fiscal year = calendar year in Asia/Shanghai; default the year of the mirror's checkpoint. Issuers see their own programmes; companies may not read it.",
  tag: "Ledger v2 reports",
  auth: "token",
  query: z.strictObject({ year: yearInput.optional() }),
  output: outputSchema,
  errors: [],
  async handle({ query }, ctx) {
    const scope = v2Scope(ctx.access, "programme reports");
    if (scope.entity !== undefined) throw forbidden("a company may not read programme reports");
    const asOf = (await ctx.db.query<Row>(AS_OF_SQL))[0]!;
    const year = query.year ?? fiscalYearOf(Number(asOf.at));
    const start = midnightOf(`${year}-01-01`);
    const end = midnightOf(`${year + 1}-01-01`);
    const within = (column: string) => `($4::int[] IS NULL OR ${column} = ANY($4::int[]))`;
    const rows = await ctx.db.query<Row>(
      `WITH cp AS (${AS_OF_SQL}), ${flowsCte(within)}, ${bookCte(within)}, ${CAPS_CTE},
       r AS (
         SELECT p.id, p.name, coalesce(y.budget, 0) AS budget, coalesce(y.committed, 0) AS committed,
                (SELECT coalesce(sum(amount), 0) FROM flows WHERE programme = p.id AND at >= $2 AND at < $3) AS subsidy,
                (SELECT coalesce(sum(gpu_centihours), 0) FROM flows WHERE programme = p.id AND at >= $2 AND at < $3) AS gpu,
                (SELECT coalesce(sum(amount), 0) FROM flows WHERE programme = p.id) AS earned,
                (SELECT coalesce(sum(amount), 0) FROM book WHERE programme = p.id) AS paid,
                (SELECT count(*) FROM caps WHERE caps.programme = p.id AND caps.year IN (0, $1)
                   AND caps.used * 100 >= caps.cap * ${CAP_REPORT_PERCENT}) AS at_cap
           FROM v2_programmes p LEFT JOIN v2_periods y ON y.programme = p.id AND y.year = $1
          WHERE ${within("p.id")}
       )
       SELECT cp.block AS as_of, r.id, r.name, r.budget::text, r.committed::text, ${percentSql("r.committed", "r.budget")} AS use_percent,
              r.subsidy::text, r.gpu::text, r.earned::text, r.paid::text, (r.earned - r.paid)::text AS payable, r.at_cap::text
         FROM cp LEFT JOIN r ON true
       UNION ALL
       SELECT NULL, NULL, NULL, sum(budget)::text, sum(committed)::text, ${percentSql("sum(committed)", "sum(budget)")},
              coalesce(sum(subsidy), 0)::text, coalesce(sum(gpu), 0)::text, coalesce(sum(earned), 0)::text, coalesce(sum(paid), 0)::text,
              coalesce(sum(earned - paid), 0)::text, coalesce(sum(at_cap), 0)::text
         FROM r
        ORDER BY 2 NULLS LAST`,
      [year, start, end, scope.programmes ?? null],
    );
    const f = ctx.format;
    const money = (r: Row) => ({
      budget: f.amount(r.budget ?? 0), committed: f.amount(r.committed ?? 0), usePercent: (r.use_percent as string | null) ?? null,
      subsidy: f.amount(r.subsidy), gpuHours: gpuHours(r.gpu), earned: f.amount(r.earned), paid: f.amount(r.paid),
      payable: f.amount(r.payable), companiesAtCap: Number(r.at_cap),
    });
    const programmes = rows.filter((r) => r.id !== null && r.id !== undefined);
    const totals = rows.find((r) => r.as_of === null)!;
    return {
      fiscalYear: year,
      timeZone: REPORT_TIME_ZONE,
      currency: f.currency,
      asOfBlock: Number(asOf.block),
      programmes: programmes.map((r) => ({ programme: Number(r.id), name: String(r.name), ...money(r) })),
      totals: money(totals),
    };
  },
});
