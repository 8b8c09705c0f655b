import { z } from "zod";

import { companyFilter, programmeFilter, v2Scope } from "../auth/access.js";
import { amountSchema } from "../format.js";
import { defineList } from "../list.js";
import { createFilters, sql } from "../records.js";
import { CAPS_CTE, percentSchema, percentSql } from "../reports-v2.js";
import { companyInput, programmeInput, yearInput } from "./v2-inputs.js";
import { companyIdentitySchema, identity, identityOf } from "../identities.js";

const int = z.number().int();

const capSchema = z
  .strictObject({
    programme: int,
    company: int,
    companyIdentity: companyIdentitySchema,
    year: int.nullable().meta({ description: "The fiscal year the cap counts; null for a cap over the programme's life" }),
    used: amountSchema.meta({ description: "Committed to the company: issued less what revocations, expiries and rejected claims returned" }),
    cap: amountSchema,
    left: amountSchema.meta({ description: "cap - used (negative if a lowered cap is exceeded)" }),
    usePercent: percentSchema,
  })
  .meta({ id: "CapUse" });

/**
 * GET /v2/reports/caps: companies against their caps, per programme with a cap and cap period, keyset-paged by
 * programme and company. An issuer sees its programmes'; a company its own.
 */
export const listCaps = defineList({
  id: "listCaps",
  path: "/v2/reports/caps",
  summary: "Companies against their caps per programme and fiscal year (used, cap, left, %); filter by programme, company, year, minimum %",
  tag: "Ledger v2 reports",
  name: "CapUse",
  filters: {
    programme: programmeInput.optional(),
    company: companyInput.optional(),
    year: yearInput.optional().meta({ description: "The cap's fiscal year (lifetime caps are listed with any year)" }),
    minPercent: z.coerce.number().min(0).max(1000).optional().meta({ description: "Only companies at or above this % of their cap" }),
  },
  item: capSchema,
  keyTypes: ["bigint", "bigint", "bigint"],
  async plan({ query }, ctx) {
    const scope = v2Scope(ctx.access, "caps");
    const programmes = programmeFilter(scope, query.programme, "caps");
    const company = companyFilter(scope, query.company, "caps") ?? scope.entity;
    const filters = createFilters();
    if (programmes !== undefined) filters.add(sql`caps.programme = ANY(${programmes}::int[])`);
    if (company !== undefined) filters.add(sql`caps.entity = ${company}`);
    if (query.year !== undefined) filters.add(sql`caps.year IN (0, ${query.year})`);
    if (query.minPercent !== undefined) filters.add(sql`caps.used * 100 >= caps.cap * ${query.minPercent}::numeric`);
    return async (after, limit) => {
      const page = filters.page("caps.programme, caps.entity, caps.year", after, ["bigint", "bigint", "bigint"], limit);
      return ctx.db.query(
        `WITH ${CAPS_CTE}
         SELECT caps.programme, caps.entity, caps.year, caps.used::text, caps.cap::text, (caps.cap - caps.used)::text AS left_,
                ${percentSql("caps.used", "caps.cap")} AS use_percent, ${identityOf("caps.entity")} AS company_identity
           FROM caps ${page.where} ORDER BY caps.programme, caps.entity, caps.year LIMIT ${page.limit}`,
        page.params,
      );
    };
  },
  key: (row) => [Number(row.programme), Number(row.entity), Number(row.year)],
  map: (row, ctx) => ({
    programme: Number(row.programme), company: Number(row.entity), companyIdentity: identity(row.company_identity), year: Number(row.year) === 0 ? null : Number(row.year),
    used: ctx.format.amount(row.used), cap: ctx.format.amount(row.cap), left: ctx.format.amount(row.left_),
    usePercent: (row.use_percent as string | null) ?? null,
  }),
  recordId: (item) => `cap ${item.programme}:${item.company}:${item.year ?? "life"}`,
});
