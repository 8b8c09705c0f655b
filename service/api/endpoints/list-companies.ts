import { z } from "zod";

import { programmeFilter, v2Scope } from "../auth/access.js";
import { defineList } from "../list.js";
import { createFilters, sql } from "../records.js";
import { COMPANY_COLUMNS, companyRecord, companySchema } from "../records-v2.js";
import { classInput, programmeInput } from "./v2-inputs.js";

/**
 * GET /v2/companies: the registered companies with their addresses and accreditations. An issuer sees the companies
 * of its programmes (holding vouchers, or accredited); a company sees itself.
 */
export const listCompanies = defineList({
  id: "listCompanies",
  path: "/v2/companies",
  summary: "Companies (ledger v2): credit-code hash, roles, category, addresses, accreditations with classes",
  tag: "Ledger v2",
  name: "Company",
  filters: {
    role: z.enum(["beneficiary", "supplier"]).optional(),
    programme: programmeInput.optional().meta({ description: "Companies holding vouchers of, or accredited for, this programme" }),
    class: classInput.optional().meta({ description: "Suppliers accredited for this compute class" }),
  },
  item: companySchema,
  keyTypes: ["bigint"],
  atBlock: true,
  async plan({ query }, ctx) {
    const scope = v2Scope(ctx.access, "companies");
    const programmes = programmeFilter(scope, query.programme, "companies");
    const filters = createFilters();
    if (scope.entity !== undefined) filters.add(sql`e.id = ${scope.entity}`);
    if (query.role === "beneficiary") filters.add(sql`e.is_beneficiary`);
    if (query.role === "supplier") filters.add(sql`e.is_supplier`);
    if (programmes !== undefined) {
      filters.add(sql`(EXISTS (SELECT 1 FROM v2_vouchers v WHERE v.entity = e.id AND v.programme = ANY(${programmes}::int[])) OR EXISTS (SELECT 1 FROM v2_accreditations a WHERE a.supplier = e.id AND a.programme = ANY(${programmes}::int[])))`);
    }
    if (query.class !== undefined) filters.add(sql`EXISTS (SELECT 1 FROM v2_accreditations a WHERE a.supplier = e.id AND ${query.class} = ANY(a.classes))`);
    return async (after, limit) => {
      const page = filters.page("e.id", after, ["bigint"], limit);
      return ctx.db.query(`SELECT ${COMPANY_COLUMNS} FROM v2_entities e ${page.where} ORDER BY e.id LIMIT ${page.limit}`, page.params);
    };
  },
  key: (row) => [Number(row.id)],
  map: (row, ctx) => companyRecord(row, ctx),
  recordId: (item) => `company ${item.id}`,
});
