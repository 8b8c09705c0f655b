import { companyFilter, programmeFilter, v2Scope } from "../auth/access.js";
import { dateInput, tokenIdInput } from "../format.js";
import { defineList } from "../list.js";
import { createFilters, sql } from "../records.js";
import { REDEMPTION_V2_COLUMNS, redemptionV2Record, redemptionV2Schema } from "../records-v2.js";
import { classInput, companyInput, programmeInput } from "./v2-inputs.js";

/**
 * GET /v2/redemptions: suppliers' redemptions in chain order, with the invoice, GPU-hours and evidence (an issuer
 * sees its programmes', a company those it supplied or bought).
 */
export const listRedemptionsV2 = defineList({
  id: "listRedemptionsV2",
  path: "/v2/redemptions",
  summary: "Redemptions (ledger v2), in chain order; filter by programme, company, supplier, class, voucher, dates",
  tag: "Ledger v2",
  name: "RedemptionV2",
  filters: {
    programme: programmeInput.optional(),
    company: companyInput.optional().meta({ description: "The buyer's company" }),
    supplier: companyInput.optional().meta({ description: "The supplier's company" }),
    class: classInput.optional(),
    voucher: tokenIdInput.optional(),
    from: dateInput.optional().meta({ description: "At or after (block time)" }),
    to: dateInput.optional().meta({ description: "Before (block time)" }),
  },
  item: redemptionV2Schema,
  keyTypes: ["bigint", "bigint"],
  atBlock: true,
  async plan({ query }, ctx) {
    const scope = v2Scope(ctx.access, "redemptions");
    const programmes = programmeFilter(scope, query.programme, "redemptions");
    const filters = createFilters();
    if (scope.entity !== undefined) {
      if (query.company !== undefined) companyFilter(scope, query.company, "redemptions");
      if (query.supplier !== undefined) companyFilter(scope, query.supplier, "redemptions");
      filters.add(sql`(supplier_entity = ${scope.entity} OR beneficiary_entity = ${scope.entity})`);
    }
    if (programmes !== undefined) filters.add(sql`programme = ANY(${programmes}::int[])`);
    if (query.company !== undefined) filters.add(sql`beneficiary_entity = ${query.company}`);
    if (query.supplier !== undefined) filters.add(sql`supplier_entity = ${query.supplier}`);
    if (query.class !== undefined) filters.add(sql`compute_class = ${query.class}`);
    if (query.voucher !== undefined) filters.add(sql`voucher_id = ${query.voucher}::numeric`);
    if (query.from !== undefined) filters.add(sql`block_timestamp >= ${query.from}`);
    if (query.to !== undefined) filters.add(sql`block_timestamp < ${query.to}`);
    return async (after, limit) => {
      const page = filters.page("block_number, log_index", after, ["bigint", "bigint"], limit);
      return ctx.db.query(
        `SELECT ${REDEMPTION_V2_COLUMNS} FROM v2_redemptions ${page.where} ORDER BY block_number, log_index LIMIT ${page.limit}`,
        page.params,
      );
    };
  },
  key: (row) => [Number(row.block_number), Number(row.log_index)],
  map: (row, ctx) => redemptionV2Record(row, ctx),
  recordId: (item) => `redemption ${item.blockNumber}:${item.logIndex}`,
});
