import { companyFilter, programmeFilter, v2Scope } from "../auth/access.js";
import { dateInput } from "../format.js";
import { defineList } from "../list.js";
import { createFilters, sql } from "../records.js";
import { PAYMENT_COLUMNS, paymentRecord, paymentSchema } from "../records-v2.js";
import { companyInput, entryKindInput, programmeInput, yearInput } from "./v2-inputs.js";

/** GET /v2/payments: the finance bureau's entries (payments, repayments) with their corrections (a company sees its own). */
export const listPayments = defineList({
  id: "listPayments",
  path: "/v2/payments",
  summary: "Payments and repayments (ledger v2) with their corrections; filter by programme, payee, year, kind, dates",
  tag: "Ledger v2",
  name: "PaymentEntry",
  filters: {
    programme: programmeInput.optional(),
    payee: companyInput.optional().meta({ description: "The payee's company" }),
    year: yearInput.optional(),
    kind: entryKindInput.optional(),
    from: dateInput.optional().meta({ description: "Recorded at or after" }),
    to: dateInput.optional().meta({ description: "Recorded before" }),
  },
  item: paymentSchema,
  keyTypes: ["numeric"],
  atBlock: true,
  async plan({ query }, ctx) {
    const scope = v2Scope(ctx.access, "payments");
    const programmes = programmeFilter(scope, query.programme, "payments");
    const payee = companyFilter(scope, query.payee, "payments") ?? scope.entity;
    const filters = createFilters();
    if (programmes !== undefined) filters.add(sql`p.programme = ANY(${programmes}::int[])`);
    if (payee !== undefined) filters.add(sql`p.payee = ${payee}`);
    if (query.year !== undefined) filters.add(sql`p.year = ${query.year}`);
    if (query.kind !== undefined) filters.add(sql`p.kind = ${query.kind}`);
    if (query.from !== undefined) filters.add(sql`p.recorded_at >= ${query.from}`);
    if (query.to !== undefined) filters.add(sql`p.recorded_at < ${query.to}`);
    return async (after, limit) => {
      const page = filters.page("p.entry_id", after, ["numeric"], limit);
      return ctx.db.query(`SELECT ${PAYMENT_COLUMNS} FROM v2_payment_entries p ${page.where} ORDER BY p.entry_id LIMIT ${page.limit}`, page.params);
    };
  },
  key: (row) => [String(row.entry_id)],
  map: (row, ctx) => paymentRecord(row, ctx),
  recordId: (item) => `payment ${item.entryId}`,
});
