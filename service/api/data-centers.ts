import { z } from "zod";

import type { Access } from "./auth/access.js";
import { forbidden } from "./auth/access.js";
import type { RequestContext } from "./context.js";
import { addressSchema, amountSchema, bytes32Text, hashSchema, provenance, provenanceShape, timeSchema } from "./format.js";

export const accreditationSchema = z
  .strictObject({
    city: z.number().int(),
    validFrom: timeSchema,
    validUntil: timeSchema.meta({ description: "Exclusive" }),
    suspended: z.boolean(),
    reason: hashSchema.meta({ description: "Reason code of the last suspension (bytes32), or zero" }),
    reasonText: z.string().nullable(),
    inForce: z.boolean().meta({ description: "In its window now and not suspended" }),
    updatedBlock: z.number().int(),
    final: z.boolean(),
    redeemed: amountSchema.meta({ description: "Total redeemed by the data center in this city" }),
    redemptionCount: z.number().int(),
  })
  .meta({ id: "Accreditation" });

export const dataCenterShape = {
  address: addressSchema,
  accreditations: z.array(accreditationSchema),
  totalRedeemed: amountSchema,
  redemptionCount: z.number().int(),
};

export const accreditationEventSchema = z
  .strictObject({
    city: z.number().int(),
    action: z.enum(["accredited", "suspended", "reinstated"]),
    validFrom: timeSchema.nullable(),
    validUntil: timeSchema.nullable(),
    reason: hashSchema.nullable(),
    reasonText: z.string().nullable(),
    actor: addressSchema,
    ...provenanceShape,
  })
  .meta({ id: "AccreditationEvent" });

/** The city a scope limits data centers to (issuer), the only data center it may see (itself), or none. */
export function dataCenterScope(access: Access): { city?: number; only?: string } {
  if (access.kind === "all") return {};
  if (access.kind === "city") return { city: access.city };
  if (access.kind === "dataCenter") return { only: access.address };
  throw forbidden("no role that reads data centers");
}

/** The accreditations (with redemption totals) of some data centers, within a scope's city. */
export async function accreditationsOf(
  ctx: RequestContext,
  addresses: string[],
  city: number | undefined,
): Promise<Map<string, z.input<typeof accreditationSchema>[]>> {
  const out = new Map<string, z.input<typeof accreditationSchema>[]>(addresses.map((a) => [a, []]));
  if (addresses.length === 0) return out;
  const cityFilter = city === undefined ? "" : "AND a.city = $2";
  const rows = await ctx.db.query(
    `SELECT a.data_center, a.city, a.valid_from::text AS valid_from, a.valid_until::text AS valid_until, a.suspended,
            a.reason, a.updated_block::text AS updated_block,
            coalesce((SELECT sum(amount) FROM redemptions r WHERE r.data_center = a.data_center AND r.city = a.city), 0)::text AS redeemed,
            (SELECT count(*) FROM redemptions r WHERE r.data_center = a.data_center AND r.city = a.city)::int AS redemption_count
       FROM accreditations a WHERE a.data_center = ANY($1::text[]) ${cityFilter} ORDER BY a.data_center, a.city`,
    city === undefined ? [addresses] : [addresses, city],
  );
  const now = Math.floor(Date.now() / 1000);
  const f = ctx.format;
  for (const row of rows) {
    const validFrom = Number(row.valid_from);
    const validUntil = Number(row.valid_until);
    out.get(String(row.data_center))?.push({
      city: Number(row.city),
      validFrom: f.time(validFrom),
      validUntil: f.time(validUntil),
      suspended: row.suspended === true,
      reason: String(row.reason),
      reasonText: bytes32Text(row.reason),
      inForce: row.suspended !== true && validFrom <= now && now < validUntil,
      updatedBlock: Number(row.updated_block),
      final: f.final(row.updated_block),
      redeemed: f.amount(row.redeemed),
      redemptionCount: Number(row.redemption_count),
    });
  }
  return out;
}

export function dataCenterRecord(ctx: RequestContext, address: string, accreditations: z.input<typeof accreditationSchema>[]) {
  const total = accreditations.reduce((sum, a) => sum + ctx.format.parseAmount(a.redeemed), 0n);
  return {
    address: ctx.format.address(address),
    accreditations,
    totalRedeemed: ctx.format.amount(total),
    redemptionCount: accreditations.reduce((n, a) => n + a.redemptionCount, 0),
  };
}

export function accreditationEvent(row: Record<string, unknown>, ctx: RequestContext): z.input<typeof accreditationEventSchema> {
  const f = ctx.format;
  return {
    city: Number(row.city),
    action: String(row.action) as "accredited" | "suspended" | "reinstated",
    validFrom: row.valid_from === null ? null : f.time(row.valid_from),
    validUntil: row.valid_until === null ? null : f.time(row.valid_until),
    reason: row.reason === null ? null : String(row.reason),
    reasonText: row.reason === null ? null : bytes32Text(row.reason),
    actor: f.address(row.actor),
    ...provenance(f, row),
  };
}
