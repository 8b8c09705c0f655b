import { companyFilter, programmeFilter, v2Scope } from "../auth/access.js";
import { addressInput, dateInput } from "../format.js";
import { defineList } from "../list.js";
import { createFilters, sql } from "../records.js";
import { VOUCHER_V2_COLUMNS, voucherV2Record, voucherV2Schema } from "../records-v2.js";
import { companyInput, programmeInput, voucherStatusInput } from "./v2-inputs.js";

/** GET /v2/vouchers: ledger v2's vouchers by id (an issuer sees its programmes', a company its own). */
export const listVouchersV2 = defineList({
  id: "listVouchersV2",
  path: "/v2/vouchers",
  summary: "Vouchers (ledger v2): status, remaining, held, holder and company, programme, expiry",
  tag: "Ledger v2",
  name: "VoucherV2",
  filters: {
    programme: programmeInput.optional(),
    company: companyInput.optional().meta({ description: "The holder's company" }),
    holder: addressInput.optional(),
    status: voucherStatusInput.optional(),
    expiresBefore: dateInput.optional().meta({ description: "Expiring before this instant" }),
    from: dateInput.optional().meta({ description: "Issued at or after" }),
    to: dateInput.optional().meta({ description: "Issued before" }),
  },
  item: voucherV2Schema,
  keyTypes: ["numeric"],
  atBlock: true,
  async plan({ query }, ctx) {
    const scope = v2Scope(ctx.access, "vouchers");
    const programmes = programmeFilter(scope, query.programme, "vouchers");
    const company = companyFilter(scope, query.company, "vouchers") ?? scope.entity;
    const filters = createFilters();
    if (programmes !== undefined) filters.add(sql`programme = ANY(${programmes}::int[])`);
    if (company !== undefined) filters.add(sql`entity = ${company}`);
    if (query.holder !== undefined) filters.add(sql`holder = ${query.holder}`);
    if (query.status !== undefined) filters.add(sql`status = ${query.status}`);
    if (query.expiresBefore !== undefined) filters.add(sql`expires_at < ${query.expiresBefore}`);
    if (query.from !== undefined) filters.add(sql`issued_at >= ${query.from}`);
    if (query.to !== undefined) filters.add(sql`issued_at < ${query.to}`);
    return async (after, limit) => {
      const page = filters.page("id", after, ["numeric"], limit);
      return ctx.db.query(`SELECT ${VOUCHER_V2_COLUMNS} FROM v2_vouchers ${page.where} ORDER BY id LIMIT ${page.limit}`, page.params);
    };
  },
  key: (row) => [String(row.id)],
  map: (row, ctx) => voucherV2Record(row, ctx),
  recordId: (item) => `voucher ${item.id}`,
});
