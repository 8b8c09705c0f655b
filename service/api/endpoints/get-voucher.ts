import { z } from "zod";

import { cityScope, notFound } from "../auth/access.js";
import type { RequestContext } from "../context.js";
import { defineEndpoint } from "../endpoint.js";
import {
  addressSchema, amountSchema, blockInput, bytes32Text, hashSchema, provenance, provenanceShape, timeSchema, tokenIdInput, tokenIdSchema,
} from "../format.js";
import { VOUCHER_COLUMNS, voucherRecord, voucherShape } from "../records.js";
import { eventFromRow } from "../../store/store.js";
import { voucherAt, voucherEvents, voucherEventsSql } from "../replay.js";

const historyEntrySchema = z
  .strictObject({
    type: z.enum(["issued", "reissued-from", "redeemed", "revoked", "expired", "reissued-to"]),
    amount: amountSchema.meta({ description: "Face value issued, value redeemed, burned, or moved" }),
    holder: addressSchema.nullable(),
    actor: addressSchema.nullable().meta({ description: "Issuer, governor or closer (null for a redemption)" }),
    dataCenter: addressSchema.nullable(),
    invoiceHash: hashSchema.nullable(),
    invoiceTotal: amountSchema.nullable(),
    remaining: amountSchema.nullable().meta({ description: "Value left after a redemption" }),
    reason: hashSchema.nullable(),
    reasonText: z.string().nullable(),
    otherVoucher: tokenIdSchema.nullable().meta({ description: "The voucher re-issued from or to" }),
    expiresAt: timeSchema.nullable(),
    ...provenanceShape,
  })
  .meta({ id: "VoucherHistoryEntry" });

const voucherWithHistorySchema = z
  .strictObject({
    ...voucherShape,
    asOfBlock: z.number().int().nullable().meta({ description: "The block of a time-travel answer (`atBlock`), else null" }),
    history: z.array(historyEntrySchema).meta({ description: "Every event of the voucher, in chain order" }),
  })
  .meta({ id: "VoucherWithHistory" });

function historyEntry(row: Record<string, unknown>, id: string, ctx: RequestContext): z.input<typeof historyEntrySchema> {
  const f = ctx.format;
  const a = eventFromRow(row).args;
  const addr = (v: unknown) => (v === undefined || v === null ? null : f.address(v));
  const name = String(row.event_name);
  const type =
    name === "VoucherIssued" ? "issued"
    : name === "VoucherRedeemed" ? "redeemed"
    : name === "VoucherRevoked" ? "revoked"
    : name === "VoucherExpired" ? "expired"
    : String(a.newId) === id ? "reissued-from" : "reissued-to";
  const reissue = name === "VoucherReissued";
  return {
    type,
    amount: f.amount(a.faceValue ?? a.amount),
    holder: addr(reissue ? (type === "reissued-from" ? a.newHolder : a.oldHolder) : a.holder),
    actor: addr(a.actor),
    dataCenter: addr(a.dataCenter),
    invoiceHash: a.invoiceHash === undefined ? null : String(a.invoiceHash),
    invoiceTotal: a.invoiceTotal === undefined ? null : f.amount(a.invoiceTotal),
    remaining: a.remaining === undefined ? null : f.amount(a.remaining),
    reason: a.reason === undefined ? null : String(a.reason),
    reasonText: a.reason === undefined ? null : bytes32Text(a.reason),
    otherVoucher: reissue ? String(type === "reissued-from" ? a.id : a.newId) : null,
    expiresAt: a.expiresAt === undefined ? null : f.time(a.expiresAt),
    ...provenance(f, row),
  };
}

/** GET /v1/vouchers/{id}: a voucher with its whole history; `atBlock` for its state at the end of a block. */
export const getVoucher = defineEndpoint({
  id: "getVoucher",
  method: "get",
  path: "/v1/vouchers/{id}",
  summary: "One voucher with its whole history (issued, redemptions, revoked, expired, re-issued to / from)",
  tag: "Vouchers",
  auth: "token",
  params: z.strictObject({ id: tokenIdInput }),
  query: z.strictObject({
    atBlock: blockInput.optional().meta({ description: "Time travel: the state at the end of this block, from the store's history" }),
  }),
  output: voucherWithHistorySchema,
  errors: ["NOT_FOUND", "BLOCK_NOT_INDEXED", "BLOCK_NOT_KEPT"],
  async handle({ params, query }, ctx) {
    // A role that reads no vouchers is refused before anything is read. The city scope is then part of every
    // query, so a voucher of another city is not found, exactly as one that does not exist, at any block.
    const scope = cityScope(ctx.access, undefined, "vouchers");
    let row: Record<string, unknown> | undefined;
    let events: Record<string, unknown>[] = [];
    if (query.atBlock !== undefined) {
      row = await voucherAt(ctx, params.id, query.atBlock, scope);
      if (row !== undefined) events = await voucherEvents(ctx, params.id, query.atBlock, scope);
    } else {
      // One round trip: the row, and its events as a JSON array in chain order (the same rows voucherEvents gives).
      row = (await ctx.db.query(
        `SELECT ${VOUCHER_COLUMNS},
                (SELECT coalesce(json_agg(h), '[]'::json) FROM (${voucherEventsSql(false, scope !== undefined)}) h) AS history
           FROM vouchers WHERE id = $1::numeric ${scope === undefined ? "" : "AND city = $2::int"}`,
        scope === undefined ? [params.id] : [params.id, String(scope)],
      ))[0];
      if (row !== undefined) events = (typeof row.history === "string" ? JSON.parse(row.history) : row.history) as Record<string, unknown>[];
    }
    if (row === undefined) throw notFound("voucher", query.atBlock);
    return {
      ...voucherRecord(row, ctx),
      asOfBlock: query.atBlock ?? null,
      history: events.map((e) => historyEntry(e, params.id, ctx)),
    };
  },
});
