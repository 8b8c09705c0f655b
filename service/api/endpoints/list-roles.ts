import { z } from "zod";

import { requireAll } from "../auth/access.js";
import { addressSchema, timeSchema } from "../format.js";
import { defineList } from "../list.js";
import { afterKey, whereSql } from "../records.js";

const roleMemberSchema = z
  .strictObject({
    roleId: z.string().regex(/^[0-9]+$/).meta({ description: "AccessManager role id (uint64), decimal" }),
    role: z.string().meta({ description: "ADMIN, GOVERNOR, ISSUER, AUDITOR, or the id for another role" }),
    account: addressSchema,
    since: timeSchema.meta({ description: "When the membership takes effect (AccessManager `since`)" }),
    executionDelaySeconds: z.number().int(),
    grantedBlock: z.number().int().meta({ description: "Block of the grant that made the account a member" }),
    final: z.boolean(),
    issuerCity: z.number().int().nullable().meta({ description: "For an issuer: the city it is bound to" }),
  })
  .meta({ id: "RoleMember" });

/** GET /v1/roles: who holds which role, since when (auditors and governors only). */
export const listRoles = defineList({
  id: "listRoles",
  path: "/v1/roles",
  summary: "Who holds which role on chain, since when",
  tag: "Roles",
  name: "RoleMember",
  filters: {
    role: z.enum(["ADMIN", "GOVERNOR", "ISSUER", "AUDITOR"]).optional(),
  },
  item: roleMemberSchema,
  keyTypes: ["numeric", "text"],
  async plan({ query }, ctx) {
    requireAll(ctx.access, "the role members");
    return async (after, limit) => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (query.role !== undefined) {
        params.push(query.role);
        where.push(`m.role_name = $${params.length}`);
      }
      afterKey(where, params, "m.role_id, m.account", after, ["numeric", "text"]);
      params.push(limit);
      return ctx.db.query(
        `SELECT m.role_id::text AS role_id, m.role_name, m.account, m.since::text AS since,
                m.execution_delay::text AS execution_delay, m.granted_block::text AS granted_block, i.city AS issuer_city
           FROM role_members m LEFT JOIN issuers i ON i.issuer = m.account AND m.role_name = 'ISSUER'
           ${whereSql(where)} ORDER BY m.role_id, m.account LIMIT $${params.length}`,
        params,
      );
    };
  },
  key: (row) => [String(row.role_id), String(row.account)],
  map: (row, ctx) => ({
    roleId: String(row.role_id),
    role: String(row.role_name),
    account: ctx.format.address(row.account),
    since: ctx.format.time(row.since),
    executionDelaySeconds: Number(row.execution_delay),
    grantedBlock: Number(row.granted_block),
    final: ctx.format.final(row.granted_block),
    issuerCity: row.issuer_city === null ? null : Number(row.issuer_city),
  }),
});
