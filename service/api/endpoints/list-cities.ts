import { cityScope } from "../auth/access.js";
import { defineList } from "../list.js";
import { afterKey, CITY_COLUMNS, cityRecord, citySchema, whereSql } from "../records.js";

/** GET /v1/cities: every city's budget, ratio, caps and counters (an issuer sees its own city only). */
export const listCities = defineList({
  id: "listCities",
  path: "/v1/cities",
  summary: "Cities: budget, appropriation, ratio, caps, counters, outstanding",
  tag: "Cities",
  name: "City",
  filters: {},
  item: citySchema,
  keyTypes: ["bigint"],
  async plan(_input, ctx) {
    const city = cityScope(ctx.access, undefined, "cities");
    return async (after, limit) => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (city !== undefined) {
        params.push(city);
        where.push(`city = $${params.length}`);
      }
      afterKey(where, params, "city", after, ["bigint"]);
      params.push(limit);
      return ctx.db.query(`SELECT ${CITY_COLUMNS} FROM cities ${whereSql(where)} ORDER BY city LIMIT $${params.length}`, params);
    };
  },
  key: (row) => [Number(row.city)],
  map: (row, ctx) => cityRecord(row, ctx),
});
