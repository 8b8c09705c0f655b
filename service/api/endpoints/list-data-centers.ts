import { z } from "zod";

import { accreditationsOf, dataCenterRecord, dataCenterScope, dataCenterShape } from "../data-centers.js";
import { defineList } from "../list.js";
import { afterKey, whereSql } from "../records.js";

const dataCenterSchema = z.strictObject(dataCenterShape).meta({ id: "DataCenter" });

/** GET /v1/data-centers: accredited data centers, by address, with their accreditations and totals. */
export const listDataCenters = defineList({
  id: "listDataCenters",
  path: "/v1/data-centers",
  summary: "Data centers with their accreditations and totals redeemed",
  tag: "Data centers",
  name: "DataCenter",
  filters: {},
  item: dataCenterSchema,
  keyTypes: ["text"],
  async plan(_input, ctx) {
    const scope = dataCenterScope(ctx.access);
    return async (after, limit) => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (scope.city !== undefined) {
        params.push(scope.city);
        where.push(`city = $${params.length}`);
      }
      if (scope.only !== undefined) {
        params.push(scope.only);
        where.push(`data_center = $${params.length}`);
      }
      afterKey(where, params, "data_center", after, ["text"]);
      params.push(limit);
      const rows = await ctx.db.query<{ data_center: string }>(
        `SELECT DISTINCT data_center FROM accreditations ${whereSql(where)} ORDER BY data_center LIMIT $${params.length}`,
        params,
      );
      const addresses = rows.map((r) => r.data_center);
      const accreditations = await accreditationsOf(ctx, addresses, scope.city);
      return addresses.map((address) => ({ address, accreditations: accreditations.get(address) ?? [] }));
    };
  },
  key: (row) => [row.address],
  map: (row, ctx) => dataCenterRecord(ctx, row.address, row.accreditations),
});
