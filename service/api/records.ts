import { z } from "zod";

import type { RequestContext } from "./context.js";
import type { KeyType } from "./cursor.js";
import {
  addressSchema, amountSchema, bytes32Text, hashSchema, provenance, provenanceShape, timeSchema, tokenIdSchema,
} from "./format.js";

// ------------------------------------------------------------------------------------------------------------------
// City
// ------------------------------------------------------------------------------------------------------------------

export const citySchema = z
  .strictObject({
    code: z.number().int().meta({ description: "GB/T 2260 code", example: 310000 }),
    name: z.string(),
    currency: z.string().meta({ example: "CNY" }),
    budget: amountSchema.meta({ description: "The appropriation" }),
    appropriation: hashSchema.meta({ description: "Reference to the budget act (bytes32)" }),
    appropriationText: z.string().nullable().meta({ description: "The reference as text, when it is one" }),
    ratioBps: z.number().int().meta({ description: "Share of an invoice a voucher may pay, in basis points" }),
    holderCap: amountSchema.meta({ description: "Cumulative face value per holder; 0 = no cap" }),
    defaultValiditySeconds: z.number().int(),
    issued: amountSchema,
    redeemed: amountSchema,
    revoked: amountSchema,
    expired: amountSchema,
    outstanding: amountSchema,
    available: amountSchema.meta({ description: "What can still be issued: budget − redeemed − outstanding" }),
    voucherCount: z.number().int(),
    registeredBlock: z.number().int(),
    updatedBlock: z.number().int().meta({ description: "Block of the last event that changed the city" }),
    final: z.boolean().meta({ description: "Whether updatedBlock is beyond the finality depth" }),
    asOfBlock: z.number().int().nullable().meta({ description: "The block of a time-travel answer (`atBlock`), else null" }),
  })
  .meta({ id: "City" });

export const CITY_COLUMNS = `city, name, budget::text AS budget, appropriation, ratio_bps, holder_cap::text AS holder_cap,
  default_validity::text AS default_validity, issued::text AS issued, redeemed::text AS redeemed, revoked::text AS revoked,
  expired::text AS expired, voucher_count, registered_block::text AS registered_block, updated_block::text AS updated_block`;

export function cityRecord(row: Record<string, unknown>, ctx: RequestContext, asOfBlock: number | null = null): z.input<typeof citySchema> {
  const f = ctx.format;
  const big = (k: string) => BigInt(String(row[k]));
  const outstanding = big("issued") - big("redeemed") - big("revoked") - big("expired");
  return {
    code: Number(row.city),
    name: String(row.name),
    currency: f.currency,
    budget: f.amount(row.budget),
    appropriation: String(row.appropriation),
    appropriationText: bytes32Text(row.appropriation),
    ratioBps: Number(row.ratio_bps),
    holderCap: f.amount(row.holder_cap),
    defaultValiditySeconds: Number(row.default_validity),
    issued: f.amount(row.issued),
    redeemed: f.amount(row.redeemed),
    revoked: f.amount(row.revoked),
    expired: f.amount(row.expired),
    outstanding: f.amount(outstanding),
    available: f.amount(big("budget") - big("redeemed") - outstanding),
    voucherCount: Number(row.voucher_count),
    registeredBlock: Number(row.registered_block),
    updatedBlock: Number(row.updated_block),
    final: f.final(row.updated_block),
    asOfBlock,
  };
}

// ------------------------------------------------------------------------------------------------------------------
// Voucher
// ------------------------------------------------------------------------------------------------------------------

export const VOUCHER_STATUSES = ["Active", "Redeemed", "Revoked", "Expired", "Reissued"] as const;

export const voucherShape = {
  id: tokenIdSchema,
  city: z.number().int(),
  holder: addressSchema,
  applicationRef: hashSchema,
  applicationRefText: z.string().nullable(),
  faceValue: amountSchema,
  remaining: amountSchema,
  redeemed: amountSchema,
  status: z.enum(VOUCHER_STATUSES),
  issuedAt: timeSchema,
  expiresAt: timeSchema,
  reissuedFrom: tokenIdSchema.nullable().meta({ description: "The voucher this one replaced (lost key)" }),
  reissuedTo: tokenIdSchema.nullable().meta({ description: "The voucher that replaced this one" }),
  issuedBlock: z.number().int(),
  issuedTransactionHash: hashSchema,
  updatedBlock: z.number().int().meta({ description: "Block of the last event that changed the voucher" }),
  final: z.boolean().meta({ description: "Whether updatedBlock is beyond the finality depth" }),
};

export const voucherSchema = z.strictObject(voucherShape).meta({ id: "Voucher" });

export const VOUCHER_COLUMNS = `id::text AS id, city, holder, application_ref, face_value::text AS face_value,
  remaining::text AS remaining, redeemed::text AS redeemed, status, issued_at::text AS issued_at,
  expires_at::text AS expires_at, reissued_from::text AS reissued_from, reissued_to::text AS reissued_to,
  issued_block::text AS issued_block, issued_tx, updated_block::text AS updated_block`;

export function voucherRecord(row: Record<string, unknown>, ctx: RequestContext): z.input<typeof voucherSchema> {
  const f = ctx.format;
  return {
    id: String(row.id),
    city: Number(row.city),
    holder: f.address(row.holder),
    applicationRef: String(row.application_ref),
    applicationRefText: bytes32Text(row.application_ref),
    faceValue: f.amount(row.face_value),
    remaining: f.amount(row.remaining),
    redeemed: f.amount(row.redeemed),
    status: String(row.status) as (typeof VOUCHER_STATUSES)[number],
    issuedAt: f.time(row.issued_at),
    expiresAt: f.time(row.expires_at),
    reissuedFrom: row.reissued_from === null ? null : String(row.reissued_from),
    reissuedTo: row.reissued_to === null ? null : String(row.reissued_to),
    issuedBlock: Number(row.issued_block),
    issuedTransactionHash: String(row.issued_tx),
    updatedBlock: Number(row.updated_block),
    final: f.final(row.updated_block),
  };
}

// ------------------------------------------------------------------------------------------------------------------
// Redemption
// ------------------------------------------------------------------------------------------------------------------

export const redemptionSchema = z
  .strictObject({
    voucherId: tokenIdSchema,
    city: z.number().int(),
    dataCenter: addressSchema,
    holder: addressSchema,
    invoiceHash: hashSchema,
    amount: amountSchema,
    invoiceTotal: amountSchema,
    remaining: amountSchema.meta({ description: "The voucher's value left after this redemption" }),
    ...provenanceShape,
  })
  .meta({ id: "Redemption" });

export const REDEMPTION_COLUMNS = `block_hash, log_index, block_number::text AS block_number,
  block_timestamp::text AS block_timestamp, transaction_hash, voucher_id::text AS voucher_id, city, data_center, holder,
  invoice_hash, amount::text AS amount, invoice_total::text AS invoice_total, remaining::text AS remaining`;

export function redemptionRecord(row: Record<string, unknown>, ctx: RequestContext): z.input<typeof redemptionSchema> {
  const f = ctx.format;
  return {
    voucherId: String(row.voucher_id),
    city: Number(row.city),
    dataCenter: f.address(row.data_center),
    holder: f.address(row.holder),
    invoiceHash: String(row.invoice_hash),
    amount: f.amount(row.amount),
    invoiceTotal: f.amount(row.invoice_total),
    remaining: f.amount(row.remaining),
    ...provenance(f, row),
  };
}

/** `(a, b) > ($n, $n+1)` for a keyset cursor, appended to `where` with its parameters. */
export function afterKey(where: string[], params: unknown[], columns: string, key: (string | number)[] | undefined, types: KeyType[]): void {
  if (key === undefined) return;
  const placeholders = key.map((value, i) => {
    params.push(value);
    return `$${params.length}::${types[i]}`;
  });
  where.push(`(${columns}) > (${placeholders.join(", ")})`);
}

export const whereSql = (where: string[]): string => (where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`);

/** An SQL condition and its values, as the tagged template `sql` writes it: sql`city = ${city}`. */
export interface SqlCondition {
  strings: readonly string[];
  values: readonly unknown[];
}

/** A condition whose `${…}` are values (sent as parameters), never SQL text. */
export const sql = (strings: TemplateStringsArray, ...values: unknown[]): SqlCondition => ({ strings, values });

/**
 * The filters of a keyset list: conditions written with `sql`, their values numbered as parameters as they are added,
 * and for each page the WHERE clause (filters plus the cursor condition) with its parameters, the last one being the
 * limit.
 */
export function createFilters() {
  const conditions: string[] = [];
  const values: unknown[] = [];
  return {
    add(condition: SqlCondition): void {
      // Each value becomes the next parameter; the SQL text never has a value spliced into it.
      let text = condition.strings[0]!;
      condition.values.forEach((value, i) => {
        values.push(value);
        text += `$${values.length}${condition.strings[i + 1]!}`;
      });
      conditions.push(text);
    },
    page(
      keyColumns: string,
      after: (string | number)[] | undefined,
      keyTypes: KeyType[],
      limit: number,
    ): { where: string; params: unknown[]; limit: string } {
      const where = [...conditions];
      const params = [...values];
      afterKey(where, params, keyColumns, after, keyTypes);
      params.push(limit);
      return { where: whereSql(where), params, limit: `$${params.length}` };
    },
  };
}
