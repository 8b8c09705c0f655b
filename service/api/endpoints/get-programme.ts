import { z } from "zod";

import { notFound, v2Scope } from "../auth/access.js";
import { defineEndpoint } from "../endpoint.js";
import { blockInput } from "../format.js";
import { PROGRAMME_COLUMNS, programmeRecord, programmeSchema } from "../records-v2.js";
import { databaseAt } from "../replay.js";
import { programmeInput } from "./v2-inputs.js";

/**
 * GET /v2/programmes/{id}: one programme of ledger v2 with its ratio table, periods and totals. One outside the
 * caller's scope (another issuer's; for a company, one it holds no voucher of and is not accredited for) is answered
 * as one that does not exist. With `atBlock`, as of the end of that block, from the store's history.
 */
export const getProgramme = defineEndpoint({
  id: "getProgramme",
  method: "get",
  path: "/v2/programmes/{id}",
  summary: "One programme (ledger v2): rules, ratio table, budget and counters per fiscal year, totals",
  tag: "Ledger v2",
  auth: "token",
  params: z.strictObject({ id: programmeInput }),
  query: z.strictObject({
    atBlock: blockInput.optional().meta({ description: "Time travel: the state at the end of this block, from the store's history" }),
  }),
  output: programmeSchema
    .extend({ asOfBlock: z.number().int().nullable().meta({ description: "The block of a time-travel answer (`atBlock`), else null" }) })
    .meta({ id: "ProgrammeDetail" }),
  errors: ["NOT_FOUND", "BLOCK_NOT_INDEXED", "BLOCK_NOT_KEPT"],
  async handle({ params, query }, ctx) {
    const scope = v2Scope(ctx.access, "programmes");
    const visible = scope.programmes === undefined || scope.programmes.includes(params.id);
    const company = scope.entity;
    const db = await databaseAt(ctx, query.atBlock);
    const rows = !visible
      ? []
      : await db.query(
        `SELECT ${PROGRAMME_COLUMNS} FROM v2_programmes p WHERE p.id = $1 AND ($2::int IS NULL
           OR EXISTS (SELECT 1 FROM v2_vouchers v WHERE v.programme = p.id AND v.entity = $2)
           OR EXISTS (SELECT 1 FROM v2_accreditations a WHERE a.programme = p.id AND a.supplier = $2))`,
        [params.id, company ?? null],
      );
    if (rows[0] === undefined) throw notFound("programme", query.atBlock);
    return { ...programmeRecord(rows[0], ctx), asOfBlock: query.atBlock ?? null };
  },
});
