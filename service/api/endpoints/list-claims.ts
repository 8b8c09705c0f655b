import { companyFilter, programmeFilter, v2Scope } from "../auth/access.js";
import { dateInput } from "../format.js";
import { defineList } from "../list.js";
import { createFilters, sql } from "../records.js";
import { CLAIM_COLUMNS, claimRecord, claimSchema } from "../records-v2.js";
import { claimStatusInput, classInput, companyInput, programmeInput } from "./v2-inputs.js";

/** GET /v2/claims: buyers' claims by id, with the attestation and the review (scoped as /v2/redemptions). */
export const listClaims = defineList({
  id: "listClaims",
  path: "/v2/claims",
  summary: "Buyers' claims (ledger v2) and their review; filter by programme, company, supplier, class, status, dates",
  tag: "Ledger v2",
  name: "Claim",
  filters: {
    programme: programmeInput.optional(),
    company: companyInput.optional().meta({ description: "The buyer's company" }),
    supplier: companyInput.optional().meta({ description: "The supplier's company" }),
    class: classInput.optional(),
    status: claimStatusInput.optional(),
    from: dateInput.optional().meta({ description: "Submitted at or after" }),
    to: dateInput.optional().meta({ description: "Submitted before" }),
  },
  item: claimSchema,
  keyTypes: ["numeric"],
  atBlock: true,
  async plan({ query }, ctx) {
    const scope = v2Scope(ctx.access, "claims");
    const programmes = programmeFilter(scope, query.programme, "claims");
    const filters = createFilters();
    if (scope.entity !== undefined) {
      if (query.company !== undefined) companyFilter(scope, query.company, "claims");
      if (query.supplier !== undefined) companyFilter(scope, query.supplier, "claims");
      filters.add(sql`(supplier_entity = ${scope.entity} OR beneficiary_entity = ${scope.entity})`);
    }
    if (programmes !== undefined) filters.add(sql`programme = ANY(${programmes}::int[])`);
    if (query.company !== undefined) filters.add(sql`beneficiary_entity = ${query.company}`);
    if (query.supplier !== undefined) filters.add(sql`supplier_entity = ${query.supplier}`);
    if (query.class !== undefined) filters.add(sql`compute_class = ${query.class}`);
    if (query.status !== undefined) filters.add(sql`status = ${query.status}`);
    if (query.from !== undefined) filters.add(sql`submitted_at >= ${query.from}`);
    if (query.to !== undefined) filters.add(sql`submitted_at < ${query.to}`);
    return async (after, limit) => {
      const page = filters.page("claim_id", after, ["numeric"], limit);
      return ctx.db.query(`SELECT ${CLAIM_COLUMNS} FROM v2_claims ${page.where} ORDER BY claim_id LIMIT ${page.limit}`, page.params);
    };
  },
  key: (row) => [String(row.claim_id)],
  map: (row, ctx) => claimRecord(row, ctx),
  recordId: (item) => `claim ${item.claimId}`,
});
