import { z } from "zod";

import type { RequestContext } from "./context.js";

/**
 * The names behind the chain's hashes, from the identity registry (service/store/registry.ts): a company's name and
 * credit code wherever its number appears, an invoice's number wherever its hash appears. Null where the registry has
 * no record (yet). Every answer that carries one is logged ({@link logIdentifyingRead}).
 */

export const companyIdentitySchema = z
  .strictObject({
    creditCode: z.string().meta({ description: "Unified social credit code (GB 32100-2015); hashed, it is the company's creditCodeHash" }),
    name: z.string().meta({ description: "The company's registered name" }),
    nameEn: z.string().nullable().meta({ description: "Its English name, if loaded" }),
  })
  .nullable()
  .meta({ id: "CompanyIdentity", description: "From the identity registry; null when it has no record of the company" });

export const invoiceNumberSchema = z
  .string()
  .nullable()
  .meta({ description: "The invoice's number (20 digits, or CODE-NUMBER) from the identity registry; its hash is invoiceNumberHash. Null when not loaded" });

/** SQL: the identity of the company whose number is `entity` (a column of the outer query), as JSON or null. */
export const identityOf = (entity: string) =>
  `(SELECT json_build_object('creditCode', r.credit_code, 'name', r.name, 'nameEn', r.name_en)
      FROM v2_entities x JOIN registry_companies r ON r.credit_code_hash = x.credit_code_hash WHERE x.id = ${entity})`;

/** SQL: the invoice number of the invoice key `key` (a column of the outer query), or null. */
export const invoiceNumberOf = (key: string) => `(SELECT n.invoice_number FROM registry_invoices n WHERE n.invoice_key = ${key})`;

type Identity = z.input<typeof companyIdentitySchema>;

/** A selected identity (json from either driver) as it goes on the wire. */
export function identity(value: unknown): Identity {
  if (value === null || value === undefined) return null;
  const v = (typeof value === "string" ? JSON.parse(value) : value) as Record<string, unknown>;
  return { creditCode: String(v.creditCode), name: String(v.name), nameEn: v.nameEn === null || v.nameEn === undefined ? null : String(v.nameEn) };
}

/** Whether a record on the wire carries company-identifying data (a name and credit code, or an invoice number). */
export function carriesIdentity(item: Record<string, unknown>): boolean {
  return Object.entries(item).some(([key, value]) => {
    if (value === null || value === undefined) return false;
    if (key === "identity" || key.endsWith("Identity") || key === "invoiceNumber") return true;
    if (Array.isArray(value)) return value.some((v) => v !== null && typeof v === "object" && carriesIdentity(v as Record<string, unknown>));
    return false;
  });
}

/**
 * Logs that the caller was answered company-identifying data: who (address and scope), what (endpoint, filters, the
 * ids of the records that carried it), when. Written before the answer is sent: an answer that cannot be logged is
 * not sent. Nothing is logged when no record carried any.
 */
export async function logIdentifyingRead(ctx: RequestContext, endpoint: string, filters: Record<string, unknown>, records: string[]): Promise<void> {
  if (records.length === 0) return;
  await ctx.accessLog.record({
    address: ctx.access.address ?? "(none)",
    access: ctx.access.kind,
    endpoint,
    filters,
    records,
  });
}
