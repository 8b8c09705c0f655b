import { z } from "zod";

import { requireAll } from "../auth/access.js";
import { addressInput, dateInput } from "../format.js";
import { defineList } from "../list.js";
import { createFilters, sql } from "../records.js";
import { OPERATION_COLUMNS, OPERATION_STATUS, operationRecord, operationSchema } from "../records-governance.js";

/**
 * GET /v2/governance/operations: the calls scheduled in the AccessManager (a delayed role's), in the order they were
 * scheduled, with who scheduled them (and the Safe's signers when the Safe did), the earliest execution, and whether
 * and when they were executed or cancelled. For auditors, governors and finance.
 */
export const listGovernanceOperations = defineList({
  id: "listGovernanceOperations",
  path: "/v2/governance/operations",
  summary: "Scheduled operations of the AccessManager (ledger v2): who scheduled, when executable, executed or cancelled, and by whom",
  tag: "Ledger v2",
  name: "GovernanceOperation",
  filters: {
    status: z.enum(OPERATION_STATUS).optional(),
    caller: addressInput.optional().meta({ description: "Scheduled by this account" }),
    target: addressInput.optional().meta({ description: "Calls to this contract" }),
    from: dateInput.optional().meta({ description: "Scheduled at or after" }),
    to: dateInput.optional().meta({ description: "Scheduled before" }),
  },
  item: operationSchema,
  keyTypes: ["bigint", "bigint"],
  async plan({ query }, ctx) {
    requireAll(ctx.access, "governance operations");
    const filters = createFilters();
    if (query.status !== undefined) filters.add(sql`o.status = ${query.status}`);
    if (query.caller !== undefined) filters.add(sql`o.caller = ${query.caller}`);
    if (query.target !== undefined) filters.add(sql`o.target = ${query.target}`);
    if (query.from !== undefined) filters.add(sql`o.scheduled_at >= ${query.from}`);
    if (query.to !== undefined) filters.add(sql`o.scheduled_at < ${query.to}`);
    return async (after, limit) => {
      const page = filters.page("o.scheduled_block, o.scheduled_log_index", after, ["bigint", "bigint"], limit);
      return ctx.db.query(
        `SELECT ${OPERATION_COLUMNS} FROM v2_operations o ${page.where} ORDER BY o.scheduled_block, o.scheduled_log_index LIMIT ${page.limit}`,
        page.params,
      );
    };
  },
  key: (row) => [Number(row.scheduled_block), Number(row.scheduled_log_index)],
  map: (row, ctx) => operationRecord(row, ctx),
});
