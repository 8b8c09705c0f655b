import { z } from "zod";

import { notFound, v2Scope } from "../auth/access.js";
import { defineEndpoint } from "../endpoint.js";
import { PROGRAMME_COLUMNS, programmeRecord, programmeSchema } from "../records-v2.js";
import { programmeInput } from "./v2-inputs.js";

/**
 * GET /v2/programmes/{id}: one programme of ledger v2 with its ratio table, periods and totals. One outside the
 * caller's scope (another issuer's; for a company, one it holds no voucher of and is not accredited for) is answered
 * as one that does not exist.
 */
export const getProgramme = defineEndpoint({
  id: "getProgramme",
  method: "get",
  path: "/v2/programmes/{id}",
  summary: "One programme (ledger v2): rules, ratio table, budget and counters per fiscal year, totals",
  tag: "Ledger v2",
  auth: "token",
  params: z.strictObject({ id: programmeInput }),
  output: programmeSchema,
  errors: ["NOT_FOUND"],
  async handle({ params }, ctx) {
    const scope = v2Scope(ctx.access, "programmes");
    const visible = scope.programmes === undefined || scope.programmes.includes(params.id);
    const company = scope.entity;
    const rows = !visible
      ? []
      : await ctx.db.query(
        `SELECT ${PROGRAMME_COLUMNS} FROM v2_programmes p WHERE p.id = $1 AND ($2::int IS NULL
           OR EXISTS (SELECT 1 FROM v2_vouchers v WHERE v.programme = p.id AND v.entity = $2)
           OR EXISTS (SELECT 1 FROM v2_accreditations a WHERE a.programme = p.id AND a.supplier = $2))`,
        [params.id, company ?? null],
      );
    if (rows[0] === undefined) throw notFound("programme");
    return programmeRecord(rows[0], ctx);
  },
});
