import { z } from "zod";

import { forbidden } from "../auth/access.js";
import { addressInput, addressSchema, blockInput, provenance, provenanceShape, tokenIdInput } from "../format.js";
import { defineList } from "../list.js";
import { createFilters, sql } from "../records.js";
import { eventFromRow } from "../../store/store.js";
import { EVENT_COLUMNS } from "../replay.js";

const eventSchema = z
  .strictObject({
    ...provenanceShape,
    transactionIndex: z.number().int(),
    contract: z.enum(["ledger", "accessManager"]),
    address: addressSchema.meta({ description: "The contract that emitted it" }),
    event: z.string().meta({ example: "VoucherIssued" }),
    args: z.record(z.string(), z.unknown()).meta({ description: "Decoded arguments: integers as decimal strings (raw minor units), addresses checksummed, bytes as 0x hex" }),
  })
  .meta({ id: "Event" });

/** GET /v1/events: the raw trail of the ledger's and the AccessManager's events, in chain order. */
export const listEvents = defineList({
  id: "listEvents",
  path: "/v1/events",
  summary: "The raw event trail, in chain order; filter by block range, event type, voucher, address",
  description: "An issuer sees the ledger events of its own city; data centers may not read the trail.",
  tag: "Events",
  name: "Event",
  filters: {
    fromBlock: blockInput.optional(),
    toBlock: blockInput.optional().meta({ description: "Inclusive" }),
    event: z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/).optional().meta({ description: "Event name, e.g. VoucherRedeemed" }),
    voucher: tokenIdInput.optional().meta({ description: "Events naming this voucher (as id or newId)" }),
    address: addressInput.optional().meta({ description: "Events with this address in any argument" }),
  },
  item: eventSchema,
  keyTypes: ["bigint", "bigint"],
  async plan({ query }, ctx) {
    const access = ctx.access;
    if (access.kind === "dataCenter" || access.kind === "none") throw forbidden("only auditors, governors and issuers may read the event trail");
    const filters = createFilters();
    if (access.kind === "city") filters.add(sql`contract = 'ledger' AND city = ${access.city}::int`);
    if (query.fromBlock !== undefined) filters.add(sql`block_number >= ${query.fromBlock}`);
    if (query.toBlock !== undefined) filters.add(sql`block_number <= ${query.toBlock}`);
    if (query.event !== undefined) filters.add(sql`event_name = ${query.event}`);
    if (query.voucher !== undefined) filters.add(sql`(voucher_id = ${query.voucher}::numeric OR new_voucher_id = ${query.voucher}::numeric)`);
    if (query.address !== undefined) filters.add(sql`EXISTS (SELECT 1 FROM jsonb_each_text(args) AS kv WHERE kv.value = ${query.address})`);
    return async (after, limit) => {
      const page = filters.page("block_number, log_index", after, ["bigint", "bigint"], limit);
      return ctx.db.query(
        `SELECT ${EVENT_COLUMNS} FROM events ${page.where} ORDER BY events.block_number, events.log_index LIMIT ${page.limit}`,
        page.params,
      );
    };
  },
  key: (row) => [Number(row.block_number), Number(row.log_index)],
  map: (row, ctx) => {
    const e = eventFromRow(row);
    return {
      ...provenance(ctx.format, row),
      transactionIndex: Number(row.transaction_index),
      contract: e.contract as "ledger" | "accessManager",
      address: ctx.format.address(row.address),
      event: e.eventName,
      args: e.args,
    };
  },
});
