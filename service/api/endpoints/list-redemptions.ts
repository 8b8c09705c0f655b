import { cityScope, forbidden } from "../auth/access.js";
import { addressInput, cityInput, dateInput, tokenIdInput } from "../format.js";
import { defineList } from "../list.js";
import { createFilters, sql, REDEMPTION_COLUMNS, redemptionRecord, redemptionSchema } from "../records.js";

/** GET /v1/redemptions: redemptions in chain order, filtered (a data center sees its own only). */
export const listRedemptions = defineList({
  id: "listRedemptions",
  path: "/v1/redemptions",
  summary: "Redemptions, in chain order; filter by city, data center, holder, voucher, dates",
  tag: "Redemptions",
  name: "Redemption",
  filters: {
    city: cityInput.optional(),
    dataCenter: addressInput.optional(),
    holder: addressInput.optional(),
    voucher: tokenIdInput.optional(),
    from: dateInput.optional().meta({ description: "At or after (block time)" }),
    to: dateInput.optional().meta({ description: "Before (block time)" }),
  },
  item: redemptionSchema,
  keyTypes: ["bigint", "bigint"],
  async plan({ query }, ctx) {
    let { city, dataCenter } = query;
    const access = ctx.access;
    if (access.kind === "city") {
      city = cityScope(access, city, "redemptions");
    } else if (access.kind === "dataCenter") {
      if (dataCenter !== undefined && dataCenter !== access.address) throw forbidden("a data center may read its own redemptions only");
      dataCenter = access.address;
    } else if (access.kind !== "all") {
      throw forbidden("no role that reads redemptions");
    }
    const filters = createFilters();
    if (city !== undefined) filters.add(sql`city = ${city}`);
    if (dataCenter !== undefined) filters.add(sql`data_center = ${dataCenter}`);
    if (query.holder !== undefined) filters.add(sql`holder = ${query.holder}`);
    if (query.voucher !== undefined) filters.add(sql`voucher_id = ${query.voucher}::numeric`);
    if (query.from !== undefined) filters.add(sql`block_timestamp >= ${query.from}`);
    if (query.to !== undefined) filters.add(sql`block_timestamp < ${query.to}`);
    return async (after, limit) => {
      const page = filters.page("block_number, log_index", after, ["bigint", "bigint"], limit);
      return ctx.db.query(
        `SELECT ${REDEMPTION_COLUMNS} FROM redemptions ${page.where} ORDER BY redemptions.block_number, redemptions.log_index LIMIT ${page.limit}`,
        page.params,
      );
    };
  },
  key: (row) => [Number(row.block_number), Number(row.log_index)],
  map: (row, ctx) => redemptionRecord(row, ctx),
});
