import { z } from "zod";

import { notFound } from "../auth/access.js";
import {
  accreditationEvent, accreditationEventSchema, accreditationsOf, dataCenterRecord, dataCenterScope, dataCenterShape,
} from "../data-centers.js";
import { defineEndpoint } from "../endpoint.js";
import { addressInput } from "../format.js";

const dataCenterWithHistorySchema = z
  .strictObject({
    ...dataCenterShape,
    history: z.array(accreditationEventSchema).meta({ description: "Accreditations, suspensions, reinstatements, in chain order" }),
  })
  .meta({ id: "DataCenterWithHistory" });

/** GET /v1/data-centers/{address}: one data center's accreditations with their history and totals. */
export const getDataCenter = defineEndpoint({
  id: "getDataCenter",
  method: "get",
  path: "/v1/data-centers/{address}",
  summary: "One data center: accreditations with their history, totals redeemed",
  tag: "Data centers",
  auth: "token",
  params: z.strictObject({ address: addressInput }),
  output: dataCenterWithHistorySchema,
  errors: ["NOT_FOUND"],
  async handle({ params }, ctx) {
    // A role that reads no data centers is refused before anything is read; a data center outside the caller's
    // scope (another data center, or one not accredited in an issuer's city) is then answered exactly as an address
    // with no accreditation at all (see auth/access.ts).
    const scope = dataCenterScope(ctx.access);
    const visible = scope.only === undefined || scope.only === params.address;
    const accreditations = visible ? ((await accreditationsOf(ctx, [params.address], scope.city)).get(params.address) ?? []) : [];
    if (accreditations.length === 0) throw notFound("data center");
    const history = await ctx.db.query(
      `SELECT block_hash, log_index, block_number::text AS block_number, block_timestamp::text AS block_timestamp,
              transaction_hash, city, action, valid_from::text AS valid_from, valid_until::text AS valid_until, reason, actor
         FROM accreditation_history WHERE data_center = $1 ${scope.city === undefined ? "" : "AND city = $2"}
        ORDER BY accreditation_history.block_number, accreditation_history.log_index`,
      scope.city === undefined ? [params.address] : [params.address, scope.city],
    );
    return { ...dataCenterRecord(ctx, params.address, accreditations), history: history.map((row) => accreditationEvent(row, ctx)) };
  },
});
