import { z } from "zod";

import { cityScope } from "../auth/access.js";
import { defineEndpoint } from "../endpoint.js";
import { blockInput, cityInput } from "../format.js";
import { ApiError } from "../problem.js";
import { CITY_COLUMNS, cityFromState, cityRecord, citySchema } from "../records.js";
import { replayCity } from "../replay.js";

/** GET /v1/cities/{code}: one city now, or as of the end of a block (`atBlock`, replayed from the raw log). */
export const getCity = defineEndpoint({
  id: "getCity",
  method: "get",
  path: "/v1/cities/{code}",
  summary: "One city: budget, ratio, caps, counters; `atBlock` for its state at the end of a block",
  tag: "Cities",
  auth: "token",
  params: z.strictObject({ code: cityInput }),
  query: z.strictObject({
    atBlock: blockInput.optional().meta({ description: "Time travel: the state at the end of this block, from the event log" }),
  }),
  output: citySchema,
  errors: ["NOT_FOUND", "BLOCK_NOT_INDEXED"],
  async handle({ params, query }, ctx) {
    cityScope(ctx.access, params.code, "cities");
    if (query.atBlock !== undefined) {
      const state = await replayCity(ctx, params.code, query.atBlock);
      const city = state.cities.get(params.code);
      if (city === undefined) throw new ApiError("NOT_FOUND", `city ${params.code} was not registered at block ${query.atBlock}`);
      return cityRecord(cityFromState(city), ctx, query.atBlock);
    }
    const rows = await ctx.db.query(`SELECT ${CITY_COLUMNS} FROM cities WHERE city = $1`, [params.code]);
    if (rows[0] === undefined) throw new ApiError("NOT_FOUND", `no city ${params.code}`);
    return cityRecord(rows[0], ctx);
  },
});
