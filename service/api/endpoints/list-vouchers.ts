import { z } from "zod";

import { cityScope } from "../auth/access.js";
import { addressInput, cityInput, dateInput } from "../format.js";
import { defineList } from "../list.js";
import { createFilters, sql, VOUCHER_COLUMNS, VOUCHER_STATUSES, voucherRecord, voucherSchema } from "../records.js";

/** GET /v1/vouchers: vouchers in issue order (block, then id), filtered. */
export const listVouchers = defineList({
  id: "listVouchers",
  path: "/v1/vouchers",
  summary: "Vouchers, in the order they were issued; filter by city, holder, status, issue or expiry dates",
  tag: "Vouchers",
  name: "Voucher",
  filters: {
    city: cityInput.optional(),
    holder: addressInput.optional(),
    status: z.enum(VOUCHER_STATUSES).optional(),
    issuedFrom: dateInput.optional().meta({ description: "Issued at or after" }),
    issuedTo: dateInput.optional().meta({ description: "Issued before" }),
    expiresFrom: dateInput.optional().meta({ description: "Expiring at or after" }),
    expiresTo: dateInput.optional().meta({ description: "Expiring before" }),
  },
  item: voucherSchema,
  keyTypes: ["bigint", "numeric"],
  async plan({ query }, ctx) {
    const city = cityScope(ctx.access, query.city, "vouchers");
    const filters = createFilters();
    if (city !== undefined) filters.add(sql`city = ${city}`);
    if (query.holder !== undefined) filters.add(sql`holder = ${query.holder}`);
    if (query.status !== undefined) filters.add(sql`status = ${query.status}`);
    if (query.issuedFrom !== undefined) filters.add(sql`issued_at >= ${query.issuedFrom}`);
    if (query.issuedTo !== undefined) filters.add(sql`issued_at < ${query.issuedTo}`);
    if (query.expiresFrom !== undefined) filters.add(sql`expires_at >= ${query.expiresFrom}`);
    if (query.expiresTo !== undefined) filters.add(sql`expires_at < ${query.expiresTo}`);
    return async (after, limit) => {
      const page = filters.page("issued_block, id", after, ["bigint", "numeric"], limit);
      return ctx.db.query(
        `SELECT ${VOUCHER_COLUMNS} FROM vouchers ${page.where} ORDER BY vouchers.issued_block, vouchers.id LIMIT ${page.limit}`,
        page.params,
      );
    };
  },
  key: (row) => [Number(row.issued_block), String(row.id)],
  map: (row, ctx) => voucherRecord(row, ctx),
});
