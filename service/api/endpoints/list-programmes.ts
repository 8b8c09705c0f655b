import { programmeFilter, v2Scope } from "../auth/access.js";
import { defineList } from "../list.js";
import { createFilters, sql } from "../records.js";
import { PROGRAMME_COLUMNS, programmeRecord, programmeSchema } from "../records-v2.js";
import { classInput, companyInput } from "./v2-inputs.js";
import { z } from "zod";

/**
 * GET /v2/programmes: ledger v2's programmes with their periods, ratios and totals. An issuer sees its own
 * programmes; a company those it holds vouchers of or is accredited for.
 */
export const listProgrammes = defineList({
  id: "listProgrammes",
  path: "/v2/programmes",
  summary: "Programmes (ledger v2): rules, ratio table, budget and counters per fiscal year, totals",
  tag: "Ledger v2",
  name: "Programme",
  filters: {
    region: z.coerce.number().int().min(1).max(999_999).optional().meta({ description: "GB/T 2260 code" }),
    company: companyInput.optional().meta({ description: "Programmes a company holds vouchers of or is accredited for" }),
    class: classInput.optional().meta({ description: "Programmes whose ratio table pays this compute class" }),
  },
  item: programmeSchema,
  keyTypes: ["bigint"],
  atBlock: true,
  async plan({ query }, ctx) {
    const scope = v2Scope(ctx.access, "programmes");
    const programmes = programmeFilter(scope, undefined, "programmes");
    const company = scope.entity ?? query.company;
    const filters = createFilters();
    if (programmes !== undefined) filters.add(sql`p.id = ANY(${programmes}::int[])`);
    if (query.region !== undefined) filters.add(sql`p.region = ${query.region}`);
    if (company !== undefined) {
      filters.add(sql`(EXISTS (SELECT 1 FROM v2_vouchers v WHERE v.programme = p.id AND v.entity = ${company}) OR EXISTS (SELECT 1 FROM v2_accreditations a WHERE a.programme = p.id AND a.supplier = ${company}))`);
    }
    if (query.class !== undefined) filters.add(sql`EXISTS (SELECT 1 FROM v2_ratios r WHERE r.programme = p.id AND r.compute_class = ${query.class})`);
    return async (after, limit) => {
      const page = filters.page("p.id", after, ["bigint"], limit);
      return ctx.db.query(`SELECT ${PROGRAMME_COLUMNS} FROM v2_programmes p ${page.where} ORDER BY p.id LIMIT ${page.limit}`, page.params);
    };
  },
  key: (row) => [Number(row.id)],
  map: (row, ctx) => programmeRecord(row, ctx),
});
