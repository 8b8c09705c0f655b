import { z } from "zod";

import { requireAll } from "../auth/access.js";
import { addressInput, dateInput } from "../format.js";
import { defineList } from "../list.js";
import { createFilters, sql } from "../records.js";
import { SAFE_TRANSACTION_COLUMNS, safeTransactionRecord, safeTransactionSchema } from "../records-governance.js";

/**
 * GET /v2/governance/safe-transactions: the transactions of the Safe that holds ADMIN, in chain order, with the
 * owners who signed each (recovered from its signatures) and what its call emitted. For auditors, governors and
 * finance.
 */
export const listSafeTransactions = defineList({
  id: "listSafeTransactions",
  path: "/v2/governance/safe-transactions",
  summary: "Transactions of the Safe that holds ADMIN (ledger v2): the call, the owners who signed, who sent it, what it emitted",
  tag: "Ledger v2",
  name: "SafeTransaction",
  filters: {
    signer: addressInput.optional().meta({ description: "Signed by this owner" }),
    target: addressInput.optional().meta({ description: "Calls to this contract" }),
    success: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
    from: dateInput.optional().meta({ description: "At or after (block time)" }),
    to: dateInput.optional().meta({ description: "Before (block time)" }),
  },
  item: safeTransactionSchema,
  keyTypes: ["bigint", "bigint"],
  async plan({ query }, ctx) {
    requireAll(ctx.access, "the Safe's transactions");
    const filters = createFilters();
    if (query.signer !== undefined) filters.add(sql`${query.signer} = ANY(s.signers)`);
    if (query.target !== undefined) filters.add(sql`s.target = ${query.target}`);
    if (query.success !== undefined) filters.add(sql`s.success = ${query.success}`);
    if (query.from !== undefined) filters.add(sql`s.block_timestamp >= ${query.from}`);
    if (query.to !== undefined) filters.add(sql`s.block_timestamp < ${query.to}`);
    return async (after, limit) => {
      const page = filters.page("s.block_number, s.log_index", after, ["bigint", "bigint"], limit);
      return ctx.db.query(
        `SELECT ${SAFE_TRANSACTION_COLUMNS} FROM v2_safe_transactions s ${page.where} ORDER BY s.block_number, s.log_index LIMIT ${page.limit}`,
        page.params,
      );
    };
  },
  key: (row) => [Number(row.block_number), Number(row.log_index)],
  map: (row, ctx) => safeTransactionRecord(row, ctx),
});
