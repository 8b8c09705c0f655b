import { forbidden } from "../auth/access.js";
import { addressInput, cityInput, dateInput, tokenIdInput } from "../format.js";
import { defineList } from "../list.js";
import { afterKey, REDEMPTION_COLUMNS, redemptionRecord, redemptionSchema, whereSql } from "../records.js";

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
      if (city !== undefined && city !== access.city) throw forbidden(`an issuer of city ${access.city} may not read redemptions of city ${city}`);
      city = access.city;
    } else if (access.kind === "dataCenter") {
      if (dataCenter !== undefined && dataCenter !== access.address) throw forbidden("a data center may read its own redemptions only");
      dataCenter = access.address;
    } else if (access.kind !== "all") {
      throw forbidden("no role that reads redemptions");
    }
    const base: string[] = [];
    const baseParams: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      baseParams.push(value);
      base.push(sql.replace("?", `$${baseParams.length}`));
    };
    if (city !== undefined) add("city = ?", city);
    if (dataCenter !== undefined) add("data_center = ?", dataCenter);
    if (query.holder !== undefined) add("holder = ?", query.holder);
    if (query.voucher !== undefined) add("voucher_id = ?::numeric", query.voucher);
    if (query.from !== undefined) add("block_timestamp >= ?", query.from);
    if (query.to !== undefined) add("block_timestamp < ?", query.to);
    return async (after, limit) => {
      const where = [...base];
      const params = [...baseParams];
      afterKey(where, params, "block_number, log_index", after, ["bigint", "bigint"]);
      params.push(limit);
      return ctx.db.query(
        `SELECT ${REDEMPTION_COLUMNS} FROM redemptions ${whereSql(where)} ORDER BY redemptions.block_number, redemptions.log_index LIMIT $${params.length}`,
        params,
      );
    };
  },
  key: (row) => [Number(row.block_number), Number(row.log_index)],
  map: (row, ctx) => redemptionRecord(row, ctx),
});
