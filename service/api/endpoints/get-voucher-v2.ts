import { z } from "zod";

import { notFound, v2Scope } from "../auth/access.js";
import { defineEndpoint } from "../endpoint.js";
import { blockInput, tokenIdInput } from "../format.js";
import { carriesIdentity, logIdentifyingRead } from "../identities.js";
import {
  CLAIM_COLUMNS, claimRecord, claimSchema, REDEMPTION_V2_COLUMNS, redemptionV2Record, redemptionV2Schema, VOUCHER_V2_COLUMNS,
  voucherV2Record, voucherV2Schema,
} from "../records-v2.js";
import { databaseAt } from "../replay.js";

const output = voucherV2Schema
  .extend({
    redemptions: z.array(redemptionV2Schema).meta({ description: "Suppliers' redemptions from it, in chain order" }),
    claims: z.array(claimSchema).meta({ description: "Buyers' claims on it, by id" }),
    asOfBlock: z.number().int().nullable().meta({ description: "The block of a time-travel answer (`atBlock`), else null" }),
  })
  .meta({ id: "VoucherV2Detail" });

/**
 * GET /v2/vouchers/{id}: one voucher of ledger v2 with its redemptions and claims. One outside the caller's scope is
 * answered as one that does not exist. With `atBlock`, all of it as of the end of that block, from the store's history
 * (the same queries, read from the tables' versions: service/api/replay.ts `databaseAt`).
 */
export const getVoucherV2 = defineEndpoint({
  id: "getVoucherV2",
  method: "get",
  path: "/v2/vouchers/{id}",
  summary: "One voucher (ledger v2) with its redemptions and claims",
  tag: "Ledger v2",
  auth: "token",
  params: z.strictObject({ id: tokenIdInput }),
  query: z.strictObject({
    atBlock: blockInput.optional().meta({ description: "Time travel: the state at the end of this block, from the store's history" }),
  }),
  output,
  errors: ["NOT_FOUND", "BLOCK_NOT_INDEXED", "BLOCK_NOT_KEPT"],
  async handle({ params, query }, ctx) {
    const scope = v2Scope(ctx.access, "vouchers");
    const db = await databaseAt(ctx, query.atBlock);
    const rows = await db.query(
      `SELECT ${VOUCHER_V2_COLUMNS} FROM v2_vouchers WHERE id = $1::numeric AND ($2::int[] IS NULL OR programme = ANY($2::int[]))
         AND ($3::int IS NULL OR entity = $3)`,
      [params.id, scope.programmes ?? null, scope.entity ?? null],
    );
    if (rows[0] === undefined) throw notFound("voucher", query.atBlock);
    const redemptions = await db.query(
      `SELECT ${REDEMPTION_V2_COLUMNS} FROM v2_redemptions WHERE voucher_id = $1::numeric ORDER BY block_number, log_index`, [params.id],
    );
    const claims = await db.query(`SELECT ${CLAIM_COLUMNS} FROM v2_claims WHERE voucher_id = $1::numeric ORDER BY claim_id`, [params.id]);
    const answer = {
      ...voucherV2Record(rows[0], ctx),
      redemptions: redemptions.map((r) => redemptionV2Record(r, ctx)),
      claims: claims.map((c) => claimRecord(c, ctx)),
      asOfBlock: query.atBlock ?? null,
    };
    if (carriesIdentity(answer)) await logIdentifyingRead(ctx, "getVoucherV2", { id: params.id, ...query }, [`voucher ${answer.id}`]);
    return answer;
  },
});
