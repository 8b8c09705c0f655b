import { z } from "zod";

import { cityScope, inScope, notFound } from "../auth/access.js";
import { defineEndpoint } from "../endpoint.js";
import { blockInput, cityInput } from "../format.js";
import { CITY_COLUMNS, cityRecord, citySchema } from "../records.js";
import { checkIndexed, cityAt } from "../replay.js";

/** GET /v1/cities/{code}: one city now, or as of the end of a block (`atBlock`, from the store's history). */
export const getCity = defineEndpoint({
  id: "getCity",
  method: "get",
  path: "/v1/cities/{code}",
  summary: "One city: budget, ratio, caps, counters; `atBlock` for its state at the end of a block",
  tag: "Cities",
  auth: "token",
  params: z.strictObject({ code: cityInput }),
  query: z.strictObject({
    atBlock: blockInput.optional().meta({ description: "Time travel: the state at the end of this block, from the store's history" }),
  }),
  output: citySchema,
  errors: ["NOT_FOUND", "BLOCK_NOT_INDEXED", "BLOCK_NOT_KEPT"],
  async handle({ params, query }, ctx) {
    // A role that reads no cities is refused before anything is read; another city is then answered exactly as a
    // city that does not exist (see auth/access.ts).
    const visible = inScope(cityScope(ctx.access, undefined, "cities"), params.code);
    if (query.atBlock !== undefined) {
      let city;
      if (visible) city = await cityAt(ctx, params.code, query.atBlock);
      else await checkIndexed(ctx, query.atBlock);
      if (city === undefined) throw notFound("city", query.atBlock);
      return cityRecord(city, ctx, query.atBlock);
    }
    const rows = visible ? await ctx.db.query(`SELECT ${CITY_COLUMNS} FROM cities WHERE city = $1`, [params.code]) : [];
    if (rows[0] === undefined) throw notFound("city");
    return cityRecord(rows[0], ctx);
  },
});
