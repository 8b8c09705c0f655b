import { z } from "zod";

import { ROLE } from "../../domain/roles.js";
import { forbidden } from "../auth/access.js";
import { addressInput, addressSchema, dateInput, timeSchema } from "../format.js";
import { defineList } from "../list.js";
import { createFilters, sql } from "../records.js";

const READERS = new Set([ROLE.AUDITOR.toString(), ROLE.GOVERNOR.toString()]);

const entrySchema = z
  .strictObject({
    id: z.string().regex(/^[0-9]+$/),
    at: timeSchema,
    address: addressSchema.meta({ description: "Who read: the signed-in address" }),
    access: z.string().meta({ description: "Its scope at the time: all, programmes, company" }),
    endpoint: z.string().meta({ description: "The endpoint's operation id (listRedemptionsV2, getVoucherV2, …)" }),
    filters: z.record(z.string(), z.unknown()).meta({ description: "The filters of the request" }),
    recordCount: z.number().int(),
    records: z.array(z.string()).meta({ description: "The records answered with company-identifying data" }),
  })
  .meta({ id: "AccessLogEntry" });

/**
 * GET /v2/access-log: every read of company-identifying data by a signed-in user (who, what, when), for auditors and
 * governors (the regulator): personal-information law expects such a record of a system like this.
 */
export const listAccessLog = defineList({
  id: "listAccessLog",
  path: "/v2/access-log",
  summary: "Who read company names and credit codes, what and when (auditors and governors)",
  tag: "Ledger v2",
  name: "AccessLogEntry",
  filters: {
    address: addressInput.optional().meta({ description: "Reads by this address" }),
    endpoint: z.string().max(64).optional().meta({ description: "Reads of this endpoint (its operation id)" }),
    from: dateInput.optional().meta({ description: "At or after" }),
    to: dateInput.optional().meta({ description: "Before" }),
  },
  item: entrySchema,
  keyTypes: ["bigint"],
  async plan({ query }, ctx) {
    if (ctx.access.kind !== "all" || !ctx.access.roles.some((r) => READERS.has(r))) throw forbidden("only auditors and governors may read the access log");
    const filters = createFilters();
    if (query.address !== undefined) filters.add(sql`address = ${query.address}`);
    if (query.endpoint !== undefined) filters.add(sql`endpoint = ${query.endpoint}`);
    if (query.from !== undefined) filters.add(sql`at >= to_timestamp(${query.from})`);
    if (query.to !== undefined) filters.add(sql`at < to_timestamp(${query.to})`);
    return async (after, limit) => {
      const page = filters.page("id", after, ["bigint"], limit);
      return ctx.db.query(
        `SELECT id, id::text AS entry_id, at, address, access, endpoint, filters, record_count, records FROM registry_access_log ${page.where} ORDER BY id LIMIT ${page.limit}`,
        page.params,
      );
    };
  },
  key: (row) => [Number(row.id)],
  map: (row) => {
    const json = <T>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;
    return {
      id: String(row.entry_id), at: new Date(row.at as string | Date).toISOString(), address: String(row.address), access: String(row.access),
      endpoint: String(row.endpoint), filters: json<Record<string, unknown>>(row.filters), recordCount: Number(row.record_count),
      records: json<string[]>(row.records),
    };
  },
});
