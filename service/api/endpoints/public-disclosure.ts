import { z } from "zod";

import { csvColumns, streamCsv } from "../csv.js";
import { ApiError, defineEndpoint, STREAMED } from "../endpoint.js";
import { type CursorKey, decodeCursor, encodeCursor, MAX_LIMIT, pageQueryShape } from "../cursor.js";
import { amountSchema, hashSchema } from "../format.js";
import { defineList } from "../list.js";
import { createFilters } from "../records.js";
import { programmeSchema } from "../records-v2.js";
import { AS_OF_SQL, fiscalYearOf, flowsCte, REPORT_TIME_ZONE, VOUCHER_COMMITTED_SQL } from "../reports-v2.js";
import { programmeInput, yearInput } from "./v2-inputs.js";

/**
 * The public disclosure (公示) of ledger v2's programmes, read without signing in. The chain holds no "what is
 * public" setting and the scheme files none either, so one default applies to every programme (README: Public
 * disclosure): a programme's rules in brief, per fiscal year its budget, what it committed, the subsidy it wrote off
 * and how many companies took it; and the list of the companies subsidised, each with what was committed to it for
 * the year and the subsidy written off for it in the year. Nothing else: no addresses, suppliers, invoices, evidence,
 * prices, claims under review, payments or caps.
 */

const int = z.number().int();

const yearSchema = z.strictObject({
  year: int,
  budget: amountSchema,
  committed: amountSchema.meta({ description: "Issued - revoked - expired - clawed back, against the year's budget" }),
  subsidy: amountSchema.meta({ description: "Written off in the year (suppliers' redemptions, approved claims) less clawbacks" }),
  companies: int.meta({ description: "Companies in the year's published list" }),
});

const publicProgrammeSchema = programmeSchema
  .pick({ id: true, name: true, level: true, region: true, kind: true, firstYear: true, yearCount: true, paused: true })
  .extend({ years: z.array(yearSchema) })
  .meta({ id: "PublicProgramme" });

const companyRefSchema = z
  .strictObject({
    id: int.meta({ description: "The company's number in the scheme registry" }),
    creditCodeHash: hashSchema.meta({ description: "Hash of its unified social credit code, as the chain holds it" }),
    name: z.string().nullable().meta({ description: "Its registered name, from the identity registry; null until that registry holds it" }),
  })
  .meta({ id: "PublicCompany" });

const disclosureItemSchema = z.strictObject({
  company: companyRefSchema,
  committed: amountSchema.meta({ description: "Committed to it for the fiscal year (vouchers issued less what was returned)" }),
  subsidy: amountSchema.meta({ description: "Subsidy written off for it in the fiscal year, less clawbacks" }),
});

const disclosureSchema = z
  .strictObject({
    programme: publicProgrammeSchema,
    fiscalYear: int,
    timeZone: z.literal(REPORT_TIME_ZONE),
    currency: z.string(),
    asOfBlock: int,
    totals: yearSchema,
    items: z.array(disclosureItemSchema).meta({ description: "The published list, by company number: one page of it (`limit`, `cursor`)" }),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "PublicDisclosure" });

type Row = Record<string, unknown>;
const all = () => "true";

/** Per programme and fiscal year of a programme: the published list's rows (`list`) and its totals (`years`). */
const DISCLOSURE_CTES = `${flowsCte(all)},
  bounds AS (SELECT y.programme, y.year, y.budget, y.committed,
                    extract(epoch FROM make_timestamp(y.year, 1, 1, 0, 0, 0))::bigint - 28800 AS start_at,
                    extract(epoch FROM make_timestamp(y.year + 1, 1, 1, 0, 0, 0))::bigint - 28800 AS end_at
               FROM v2_periods y),
  list AS (
    SELECT b.programme, b.year, x.entity, sum(x.committed) AS committed, sum(x.subsidy) AS subsidy
      FROM bounds b JOIN (
        SELECT v.programme, v.year, v.entity, ${VOUCHER_COMMITTED_SQL} AS committed, 0 AS subsidy, NULL::bigint AS at
          FROM v2_vouchers v
        UNION ALL
        SELECT f.programme, NULL, f.beneficiary, 0, f.amount, f.at FROM flows f
      ) x ON x.programme = b.programme AND (x.year = b.year OR x.at >= b.start_at AND x.at < b.end_at)
     GROUP BY 1, 2, 3
    HAVING sum(x.committed) > 0 OR sum(x.subsidy) <> 0
  ),
  years AS (
    SELECT b.programme, b.year, b.budget, b.committed,
           (SELECT coalesce(sum(f.amount), 0) FROM flows f WHERE f.programme = b.programme AND f.at >= b.start_at AND f.at < b.end_at) AS subsidy,
           (SELECT count(*) FROM list l WHERE l.programme = b.programme AND l.year = b.year) AS companies
      FROM bounds b
  )`;

const PROGRAMME_SQL = `p.id, p.name, p.level, p.region, p.kind, p.first_year, p.year_count, p.paused,
  (SELECT coalesce(json_agg(json_build_object('year', y.year, 'budget', y.budget::text, 'committed', y.committed::text,
     'subsidy', y.subsidy::text, 'companies', y.companies) ORDER BY y.year), '[]') FROM years y WHERE y.programme = p.id) AS years`;

function programmeOf(row: Row, format: { amount(v: unknown): string }): z.input<typeof publicProgrammeSchema> {
  const years = (typeof row.years === "string" ? JSON.parse(row.years) : row.years) as Row[];
  return {
    id: Number(row.id), name: String(row.name), level: String(row.level) as never, region: Number(row.region), kind: String(row.kind) as never,
    firstYear: Number(row.first_year), yearCount: Number(row.year_count), paused: row.paused === true,
    years: years.map((y) => ({
      year: Number(y.year), budget: format.amount(y.budget), committed: format.amount(y.committed), subsidy: format.amount(y.subsidy),
      companies: Number(y.companies),
    })),
  };
}

/** GET /public/v2/programmes: every programme's public figures, keyset-paged by id, without signing in. */
export const listPublicProgrammes = {
  ...defineList({
    id: "listPublicProgrammes",
    path: "/public/v2/programmes",
    summary: "Public: every programme with its budget, committed, subsidy and number of companies per fiscal year (no sign-in)",
    tag: "Public disclosure",
    name: "PublicProgramme",
    filters: {},
    item: publicProgrammeSchema,
    keyTypes: ["bigint"],
    async plan(_input, ctx) {
      const filters = createFilters();
      return async (after, limit) => {
        const page = filters.page("p.id", after, ["bigint"], limit);
        return ctx.db.query(`WITH ${DISCLOSURE_CTES} SELECT ${PROGRAMME_SQL} FROM v2_programmes p ${page.where} ORDER BY p.id LIMIT ${page.limit}`, page.params);
      };
    },
    key: (row: Row) => [Number(row.id)],
    map: (row: Row, ctx) => programmeOf(row, ctx.format),
  }),
  auth: "public" as const,
};

/** GET /public/v2/programmes/{id}/disclosure: a programme's public figures for a fiscal year and its published list. */
export const getPublicDisclosure = defineEndpoint({
  id: "getPublicDisclosure",
  method: "get",
  path: "/public/v2/programmes/{id}/disclosure",
  summary: "Public: a programme's figures for a fiscal year and its published list of subsidised companies and amounts (no sign-in)",
  description:
    "Fiscal year = calendar year in Asia/Shanghai; default the year of the mirror's checkpoint. The list is keyset-paged by company number " +
    "(`limit`, `cursor` from `nextCursor`); `format=csv` (or `Accept: text/csv`) gives the whole list as CSV.",
  tag: "Public disclosure",
  auth: "public",
  params: z.strictObject({ id: programmeInput }),
  query: z.strictObject({ year: yearInput.optional(), ...pageQueryShape }),
  output: disclosureSchema,
  alternative: { mediaType: "text/csv", description: "The whole published list as CSV (every page), one row per company" },
  errors: ["NOT_FOUND", "INVALID_CURSOR"],
  async handle({ params, query }, ctx) {
    let after = decodeCursor("getPublicDisclosure", query.cursor, ["bigint"]);
    const asOf = (await ctx.db.query<Row>(AS_OF_SQL))[0]!;
    const year = query.year ?? fiscalYearOf(Number(asOf.at));
    const f = ctx.format;
    /** The programme's row, and the published list's companies after `key`, at most `n`. */
    const page = async (key: CursorKey | undefined, n: number) => {
      const rows = await ctx.db.query<Row>(
        `WITH ${DISCLOSURE_CTES}
         SELECT 'programme' AS row, ${PROGRAMME_SQL}, NULL::int AS entity, NULL AS credit_code_hash, NULL AS committed, NULL AS subsidy
           FROM v2_programmes p WHERE p.id = $1
         UNION ALL
         SELECT * FROM (
           SELECT 'item', NULL::int, NULL, NULL, NULL::int, NULL, NULL::int, NULL::int, NULL::boolean, NULL::json, l.entity, e.credit_code_hash,
                  l.committed::text, l.subsidy::text
             FROM list l JOIN v2_entities e ON e.id = l.entity
            WHERE l.programme = $1 AND l.year = $2 AND ($3::int IS NULL OR l.entity > $3)
            ORDER BY l.entity LIMIT $4) items`,
        [params.id, year, key === undefined ? null : key[0], n],
      );
      const head = rows.find((r) => r.row === "programme");
      if (head === undefined) throw new ApiError("NOT_FOUND", "no such programme");
      const items = rows.filter((r) => r.row === "item").sort((a, b) => Number(a.entity) - Number(b.entity));
      // The published list names the companies (公示): their names from the identity registry, where it has them.
      const hashes = items.map((r) => String(r.credit_code_hash));
      const named = await ctx.db.query<{ h: string; name: string }>(
        "SELECT credit_code_hash AS h, name FROM registry_companies WHERE credit_code_hash = ANY($1::text[])", [hashes],
      );
      const names = new Map(named.map((x) => [String(x.h), String(x.name)]));
      return {
        head,
        items: items.map((r) => ({
          key: [Number(r.entity)] as CursorKey,
          item: {
            company: { id: Number(r.entity), creditCodeHash: String(r.credit_code_hash), name: names.get(String(r.credit_code_hash)) ?? null },
            committed: f.amount(r.committed), subsidy: f.amount(r.subsidy),
          },
        })),
      };
    };
    if (query.format === "csv" || (query.format === undefined && ctx.req.accepts(["application/json", "text/csv"]) === "text/csv")) {
      await page(undefined, 0);
      let done = false;
      await streamCsv(ctx.res, `disclosure-${params.id}-${year}`, csvColumns(disclosureItemSchema), async () => {
        if (done) return undefined;
        const { items } = await page(after, MAX_LIMIT);
        if (items.length < MAX_LIMIT) done = true;
        if (items.length > 0) after = items[items.length - 1]!.key;
        return items.map((i) => i.item);
      });
      return STREAMED;
    }
    const { head, items } = await page(after, query.limit + 1);
    const programme = programmeOf(head, f);
    const shown = items.slice(0, query.limit);
    const totals = programme.years.find((y) => y.year === year) ?? { year, budget: f.amount(0), committed: f.amount(0), subsidy: f.amount(0), companies: 0 };
    return {
      programme, fiscalYear: year, timeZone: REPORT_TIME_ZONE, currency: f.currency, asOfBlock: Number(asOf.block), totals,
      items: shown.map((i) => i.item),
      nextCursor: items.length > query.limit ? encodeCursor("getPublicDisclosure", shown[shown.length - 1]!.key) : null,
    };
  },
});
