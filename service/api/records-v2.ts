import { z } from "zod";

import { dateOfDay } from "../domain/identity.js";
import { CLAIM_STATUS, ENTRY_KIND, FUNDING_LEVEL, PROGRAMME_KIND, VOUCHER_STATUS_V2 } from "../domain/ledger-v2.js";
import type { RequestContext } from "./context.js";
import { authorisationFrom, authorisationOfEvent, authorisationSchema, authorisationSql } from "./records-governance.js";
import { addressSchema, amountSchema, bytes32Text, hashSchema, provenance, provenanceShape, timeSchema, tokenIdSchema } from "./format.js";
import { companyIdentitySchema, identity, identityOf, invoiceNumberOf, invoiceNumberSchema } from "./identities.js";

/**
 * Ledger v2's records on the wire (the `/v2/…` lists): the v2 tables' rows (service/store/migrations-v2.ts) as
 * amounts in the currency, checksummed addresses, ISO times and dates. Companies appear by number and credit-code
 * hash, and with their name and credit code where the identity registry has them (`…Identity`, service/api/identities.ts);
 * invoices by number hash, and with their number (`invoiceNumber`) where it has it.
 */

type Row = Record<string, unknown>;

const int = z.number().int();
const day = z.iso.date().meta({ description: "A day (China Standard Time), YYYY-MM-DD" });
const text = (row: Row, key: string) => String(row[key]);
const num = (row: Row, key: string) => Number(row[key]);

export const evidenceSchema = z
  .strictObject({
    contractCommitment: hashSchema,
    invoiceCommitment: hashSchema,
    paymentCommitment: hashSchema,
    assessmentCommitment: hashSchema,
    electricityKwh: z.string().regex(/^[0-9]+$/),
  })
  .meta({ id: "Evidence", description: "Salted commitments to the private documents, and the metered electricity" });

function evidence(row: Row): z.input<typeof evidenceSchema> {
  return {
    contractCommitment: text(row, "contract_commitment"),
    invoiceCommitment: text(row, "invoice_commitment"),
    paymentCommitment: text(row, "payment_commitment"),
    assessmentCommitment: text(row, "assessment_commitment"),
    electricityKwh: text(row, "electricity_kwh"),
  };
}

/** Hundredths of GPU-hours as a decimal string of GPU-hours ("720.00"). */
export const gpuHours = (centihours: unknown): string => {
  const value = BigInt(String(centihours));
  return `${value / 100n}.${(value % 100n).toString().padStart(2, "0")}`;
};
export const gpuHoursSchema = z.string().regex(/^[0-9]+\.[0-9]{2}$/).meta({ description: "Metered GPU-hours" });

// ------------------------------------------------------------------------------------------------------------------

export const programmeSchema = z
  .strictObject({
    id: int,
    name: z.string(),
    level: z.enum(FUNDING_LEVEL),
    region: int.meta({ description: "GB/T 2260 code of the funding body's region" }),
    kind: z.enum(PROGRAMME_KIND),
    firstYear: int,
    yearCount: int,
    redeemFrom: timeSchema,
    redeemUntil: timeSchema,
    capPerCompany: amountSchema.meta({ description: "Per company and cap period; 0 = none" }),
    capLifetime: z.boolean(),
    exclusive: z.boolean(),
    maxCombinedBps: int,
    payees: int.meta({ description: "1 suppliers, 2 buyers, 3 either" }),
    reviewWindowSeconds: int,
    paused: z.boolean(),
    ratios: z.array(z.strictObject({ computeClass: int, category: int, bps: int })),
    periods: z.array(z.strictObject({
      year: int, budget: amountSchema, appropriation: hashSchema, appropriationText: z.string().nullable(),
      issued: amountSchema, revoked: amountSchema, expired: amountSchema, clawedBack: amountSchema, committed: amountSchema,
    })),
    issued: amountSchema,
    redeemedBySuppliers: amountSchema,
    claimedByBuyers: amountSchema,
    held: amountSchema.meta({ description: "Pending claims" }),
    revoked: amountSchema,
    expired: amountSchema,
    clawedBack: amountSchema,
    outstanding: amountSchema,
    voucherCount: int,
    updatedBlock: int,
  })
  .meta({ id: "Programme" });

export const PROGRAMME_COLUMNS = `p.id, p.name, p.level, p.region, p.kind, p.first_year, p.year_count, p.redeem_from::text, p.redeem_until::text,
  p.cap_per_company::text, p.cap_lifetime, p.exclusive, p.max_combined_bps, p.payees, p.review_window::text, p.paused,
  p.issued::text, p.redeemed_by_suppliers::text, p.claimed_by_buyers::text, p.held::text, p.revoked::text, p.expired::text,
  p.clawed_back::text, p.outstanding::text, p.voucher_count, p.updated_block::text,
  (SELECT coalesce(json_agg(json_build_object('computeClass', r.compute_class, 'category', r.category, 'bps', r.bps)
     ORDER BY r.compute_class, r.category), '[]') FROM v2_ratios r WHERE r.programme = p.id) AS ratios,
  (SELECT coalesce(json_agg(json_build_object('year', y.year, 'budget', y.budget::text, 'appropriation', y.appropriation,
     'issued', y.issued::text, 'revoked', y.revoked::text, 'expired', y.expired::text, 'clawedBack', y.clawed_back::text,
     'committed', y.committed::text) ORDER BY y.year), '[]') FROM v2_periods y WHERE y.programme = p.id) AS periods`;

export function programmeRecord(row: Row, ctx: RequestContext): z.input<typeof programmeSchema> {
  const f = ctx.format;
  const json = <T>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;
  return {
    id: num(row, "id"), name: text(row, "name"), level: text(row, "level") as never, region: num(row, "region"),
    kind: text(row, "kind") as never, firstYear: num(row, "first_year"), yearCount: num(row, "year_count"),
    redeemFrom: f.time(row.redeem_from), redeemUntil: f.time(row.redeem_until), capPerCompany: f.amount(row.cap_per_company),
    capLifetime: row.cap_lifetime === true, exclusive: row.exclusive === true, maxCombinedBps: num(row, "max_combined_bps"),
    payees: num(row, "payees"), reviewWindowSeconds: num(row, "review_window"), paused: row.paused === true,
    ratios: json<{ computeClass: number; category: number; bps: number }[]>(row.ratios),
    periods: json<Record<string, string | number>[]>(row.periods).map((y) => ({
      year: Number(y.year), budget: f.amount(y.budget), appropriation: String(y.appropriation), appropriationText: bytes32Text(y.appropriation),
      issued: f.amount(y.issued), revoked: f.amount(y.revoked), expired: f.amount(y.expired), clawedBack: f.amount(y.clawedBack),
      committed: f.amount(y.committed),
    })),
    issued: f.amount(row.issued), redeemedBySuppliers: f.amount(row.redeemed_by_suppliers), claimedByBuyers: f.amount(row.claimed_by_buyers),
    held: f.amount(row.held), revoked: f.amount(row.revoked), expired: f.amount(row.expired), clawedBack: f.amount(row.clawed_back),
    outstanding: f.amount(row.outstanding), voucherCount: num(row, "voucher_count"), updatedBlock: num(row, "updated_block"),
  };
}

// ------------------------------------------------------------------------------------------------------------------

export const companySchema = z
  .strictObject({
    id: int.meta({ description: "The company's number in the scheme registry" }),
    creditCodeHash: hashSchema.meta({ description: "Hash of its unified social credit code (README: Companies)" }),
    identity: companyIdentitySchema,
    beneficiary: z.boolean(),
    supplier: z.boolean(),
    category: int.meta({ description: "Beneficiary category; 0 for a supplier only" }),
    relations: int.meta({ description: "Recorded relations with suppliers, as a beneficiary" }),
    addresses: z.array(z.strictObject({ address: addressSchema, active: z.boolean() })),
    accreditations: z.array(z.strictObject({
      programme: int, validFrom: timeSchema, validUntil: timeSchema, classes: z.array(int), suspended: z.boolean(),
      reason: hashSchema, reasonText: z.string().nullable(),
    })),
    registeredBlock: int,
  })
  .meta({ id: "Company" });

export const COMPANY_COLUMNS = `e.id, e.credit_code_hash, e.is_beneficiary, e.is_supplier, e.category, e.relations, e.registered_block::text,
  ${identityOf("e.id")} AS identity,
  (SELECT coalesce(json_agg(json_build_object('address', a.account, 'active', a.active) ORDER BY a.added_block, a.account), '[]')
     FROM v2_entity_addresses a WHERE a.entity = e.id) AS addresses,
  (SELECT coalesce(json_agg(json_build_object('programme', c.programme, 'validFrom', c.valid_from, 'validUntil', c.valid_until,
     'classes', c.classes, 'suspended', c.suspended, 'reason', c.reason) ORDER BY c.programme), '[]')
     FROM v2_accreditations c WHERE c.supplier = e.id) AS accreditations`;

export function companyRecord(row: Row, ctx: RequestContext): z.input<typeof companySchema> {
  const f = ctx.format;
  const json = <T>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;
  return {
    id: num(row, "id"), creditCodeHash: text(row, "credit_code_hash"), identity: identity(row.identity), beneficiary: row.is_beneficiary === true,
    supplier: row.is_supplier === true, category: num(row, "category"), relations: num(row, "relations"),
    addresses: json<{ address: string; active: boolean }[]>(row.addresses).map((a) => ({ address: f.address(a.address), active: a.active })),
    accreditations: json<Record<string, unknown>[]>(row.accreditations).map((a) => ({
      programme: Number(a.programme), validFrom: f.time(a.validFrom), validUntil: f.time(a.validUntil),
      classes: (a.classes as number[]).map(Number), suspended: a.suspended === true, reason: String(a.reason), reasonText: bytes32Text(a.reason),
    })),
    registeredBlock: num(row, "registered_block"),
  };
}

// ------------------------------------------------------------------------------------------------------------------

export const voucherV2Schema = z
  .strictObject({
    id: tokenIdSchema,
    programme: int,
    holder: addressSchema,
    company: int,
    companyIdentity: companyIdentitySchema,
    applicationRef: hashSchema,
    applicationRefText: z.string().nullable(),
    faceValue: amountSchema,
    remaining: amountSchema,
    held: amountSchema.meta({ description: "Held by pending claims" }),
    redeemed: amountSchema.meta({ description: "Redeemed by suppliers" }),
    claimed: amountSchema.meta({ description: "Paid to the buyer by approved claims" }),
    status: z.enum(VOUCHER_STATUS_V2),
    frozen: z.boolean(),
    reissueTo: addressSchema.nullable(),
    year: int.meta({ description: "The fiscal year whose budget it counts against" }),
    issuedAt: timeSchema,
    expiresAt: timeSchema,
    issuedBlock: int,
    issuedTx: hashSchema,
    updatedBlock: int,
  })
  .meta({ id: "VoucherV2" });

export const VOUCHER_V2_COLUMNS = `id::text, programme, holder, entity, application_ref, face_value::text, remaining::text, held::text,
  redeemed::text, claimed::text, status, frozen, reissue_to, year, issued_at::text, expires_at::text, issued_block::text, issued_tx,
  updated_block::text, ${identityOf("v2_vouchers.entity")} AS company_identity`;

export function voucherV2Record(row: Row, ctx: RequestContext): z.input<typeof voucherV2Schema> {
  const f = ctx.format;
  return {
    id: text(row, "id"), programme: num(row, "programme"), holder: f.address(row.holder), company: num(row, "entity"),
    companyIdentity: identity(row.company_identity),
    applicationRef: text(row, "application_ref"), applicationRefText: bytes32Text(row.application_ref),
    faceValue: f.amount(row.face_value), remaining: f.amount(row.remaining), held: f.amount(row.held), redeemed: f.amount(row.redeemed),
    claimed: f.amount(row.claimed), status: text(row, "status") as never, frozen: row.frozen === true,
    reissueTo: row.reissue_to === null ? null : f.address(row.reissue_to), year: num(row, "year"), issuedAt: f.time(row.issued_at),
    expiresAt: f.time(row.expires_at), issuedBlock: num(row, "issued_block"), issuedTx: text(row, "issued_tx"),
    updatedBlock: num(row, "updated_block"),
  };
}

// ------------------------------------------------------------------------------------------------------------------

const invoiceShape = {
  invoiceKey: hashSchema,
  invoiceNumberHash: hashSchema,
  invoiceNumber: invoiceNumberSchema,
  invoiceTotal: amountSchema,
  computeClass: int,
  serviceFrom: day,
  serviceTo: day,
  gpuHours: gpuHoursSchema,
  contractDate: day,
  evidence: evidenceSchema,
};

function invoiceFields(row: Row, ctx: RequestContext) {
  return {
    invoiceKey: text(row, "invoice_key"), invoiceNumberHash: text(row, "invoice_number_hash"),
    invoiceNumber: row.invoice_number === null || row.invoice_number === undefined ? null : text(row, "invoice_number"), invoiceTotal: ctx.format.amount(row.invoice_total),
    computeClass: num(row, "compute_class"), serviceFrom: dateOfDay(num(row, "service_from_day")), serviceTo: dateOfDay(num(row, "service_to_day")),
    gpuHours: gpuHours(row.gpu_centihours), contractDate: dateOfDay(num(row, "contract_day")), evidence: evidence(row),
  };
}

/** The invoice's columns of `table` (v2_redemptions or v2_claims), with the identities of its supplier and buyer. */
const invoiceColumns = (table: string) => `invoice_key, invoice_number_hash, invoice_total::text, compute_class, service_from_day, service_to_day,
  gpu_centihours::text, contract_day, contract_commitment, invoice_commitment, payment_commitment, assessment_commitment,
  electricity_kwh::text, ${invoiceNumberOf(`${table}.invoice_key`)} AS invoice_number,
  ${identityOf(`${table}.supplier_entity`)} AS supplier_identity, ${identityOf(`${table}.beneficiary_entity`)} AS beneficiary_identity`;

export const redemptionV2Schema = z
  .strictObject({
    ...provenanceShape,
    voucherId: tokenIdSchema,
    programme: int,
    supplierCompany: int,
    supplierIdentity: companyIdentitySchema,
    supplier: addressSchema,
    holder: addressSchema,
    beneficiaryCompany: int,
    beneficiaryIdentity: companyIdentitySchema,
    consentDigest: hashSchema,
    amount: amountSchema,
    remaining: amountSchema,
    clawedBack: amountSchema,
    ...invoiceShape,
  })
  .meta({ id: "RedemptionV2" });

export const REDEMPTION_V2_COLUMNS = `block_number::text, block_hash, log_index, block_timestamp::text, transaction_hash, voucher_id::text,
  programme, supplier_entity, supplier, holder, beneficiary_entity, consent_digest, amount::text, remaining::text, clawed_back::text,
  ${invoiceColumns("v2_redemptions")}`;

export function redemptionV2Record(row: Row, ctx: RequestContext): z.input<typeof redemptionV2Schema> {
  const f = ctx.format;
  return {
    ...provenance(f, row), voucherId: text(row, "voucher_id"), programme: num(row, "programme"), supplierCompany: num(row, "supplier_entity"),
    supplierIdentity: identity(row.supplier_identity), supplier: f.address(row.supplier), holder: f.address(row.holder),
    beneficiaryCompany: num(row, "beneficiary_entity"), beneficiaryIdentity: identity(row.beneficiary_identity),
    consentDigest: text(row, "consent_digest"), amount: f.amount(row.amount), remaining: f.amount(row.remaining),
    clawedBack: f.amount(row.clawed_back), ...invoiceFields(row, ctx),
  };
}

// ------------------------------------------------------------------------------------------------------------------

export const claimSchema = z
  .strictObject({
    claimId: z.string().regex(/^[0-9]+$/),
    voucherId: tokenIdSchema,
    programme: int,
    holder: addressSchema,
    beneficiaryCompany: int,
    beneficiaryIdentity: companyIdentitySchema,
    supplierCompany: int,
    supplierIdentity: companyIdentitySchema,
    supplier: addressSchema.meta({ description: "The supplier address that signed the attestation" }),
    attestationDigest: hashSchema,
    amount: amountSchema,
    amountPaid: amountSchema.meta({ description: "What the buyer paid of the invoice, as the supplier attests" }),
    status: z.enum(CLAIM_STATUS),
    reviewUntil: timeSchema,
    decidedBy: addressSchema.nullable(),
    decisionAuthorisation: authorisationSchema.meta({ description: "Who acted behind decidedBy (a delayed call, a Safe transaction); null if it acted itself" }),
    decidedAt: timeSchema.nullable(),
    byRule: z.boolean().nullable().meta({ description: "Approved by the programme's rule once the review window passed" }),
    reason: hashSchema.nullable(),
    reasonText: z.string().nullable(),
    clawedBack: amountSchema,
    submittedAt: timeSchema,
    submittedBlock: int,
    submittedTx: hashSchema,
    ...invoiceShape,
  })
  .meta({ id: "Claim" });

export const CLAIM_COLUMNS = `claim_id::text, voucher_id::text, programme, holder, beneficiary_entity, supplier_entity, supplier,
  attestation_digest, amount::text, amount_paid::text, status, review_until::text, decided_by, decided_at::text, by_rule,
  decision_reason, clawed_back::text, submitted_at::text, submitted_block::text, submitted_tx, ${invoiceColumns("v2_claims")},
  CASE WHEN decided_block IS NULL THEN NULL
    ELSE ${authorisationOfEvent(["ClaimApproved", "ClaimRejected"], "v2_claims.decided_block", "claim_id", "v2_claims.claim_id")} END AS decision_authorisation`;

export function claimRecord(row: Row, ctx: RequestContext): z.input<typeof claimSchema> {
  const f = ctx.format;
  return {
    claimId: text(row, "claim_id"), voucherId: text(row, "voucher_id"), programme: num(row, "programme"), holder: f.address(row.holder),
    beneficiaryCompany: num(row, "beneficiary_entity"), beneficiaryIdentity: identity(row.beneficiary_identity),
    supplierCompany: num(row, "supplier_entity"), supplierIdentity: identity(row.supplier_identity), supplier: f.address(row.supplier),
    attestationDigest: text(row, "attestation_digest"), amount: f.amount(row.amount), amountPaid: f.amount(row.amount_paid),
    status: text(row, "status") as never, reviewUntil: f.time(row.review_until),
    decidedBy: row.decided_by === null ? null : f.address(row.decided_by),
    decisionAuthorisation: authorisationFrom(row.decision_authorisation, ctx), decidedAt: row.decided_at === null ? null : f.time(row.decided_at),
    byRule: row.by_rule === null ? null : row.by_rule === true,
    reason: row.decision_reason === null ? null : text(row, "decision_reason"),
    reasonText: row.decision_reason === null ? null : bytes32Text(row.decision_reason),
    clawedBack: f.amount(row.clawed_back), submittedAt: f.time(row.submitted_at), submittedBlock: num(row, "submitted_block"),
    submittedTx: text(row, "submitted_tx"), ...invoiceFields(row, ctx),
  };
}

// ------------------------------------------------------------------------------------------------------------------

export const paymentSchema = z
  .strictObject({
    entryId: z.string().regex(/^[0-9]+$/),
    kind: z.enum(ENTRY_KIND),
    programme: int,
    payee: int.meta({ description: "The payee's company" }),
    payeeIdentity: companyIdentitySchema,
    year: int.meta({ description: "The fiscal year it belongs to" }),
    amount: amountSchema,
    referenceCommitment: hashSchema.meta({ description: "Salted commitment to the bank transfer record" }),
    recordedAt: timeSchema,
    recordedBy: addressSchema,
    authorisation: authorisationSchema.meta({ description: "Who acted behind recordedBy (a delayed call, a Safe transaction); null if it acted itself" }),
    corrected: z.boolean(),
    corrections: z.array(z.strictObject({
      reason: hashSchema, reasonText: z.string().nullable(), by: addressSchema, authorisation: authorisationSchema, at: timeSchema, blockNumber: int,
    })),
    blockNumber: int,
    transactionHash: hashSchema,
  })
  .meta({ id: "PaymentEntry" });

export const PAYMENT_COLUMNS = `p.entry_id::text, p.kind, p.programme, p.payee, p.year, p.amount::text, p.reference_commitment,
  p.recorded_at::text, p.actor, p.corrected, p.block_number::text, p.transaction_hash, ${identityOf("p.payee")} AS payee_identity,
  (SELECT coalesce(json_agg(json_build_object('reason', c.reason, 'by', c.actor, 'at', c.block_timestamp, 'blockNumber', c.block_number,
     'authorisation', ${authorisationSql("c.block_hash", "c.log_index")}) ORDER BY c.block_number, c.log_index), '[]')
     FROM v2_corrections c WHERE c.entry_id = p.entry_id) AS corrections,
  ${authorisationOfEvent(["PaymentRecorded", "RepaymentRecorded"], "p.block_number", "entry_id", "p.entry_id")} AS authorisation`;

export function paymentRecord(row: Row, ctx: RequestContext): z.input<typeof paymentSchema> {
  const f = ctx.format;
  const corrections = (typeof row.corrections === "string" ? JSON.parse(row.corrections) : row.corrections) as Record<string, unknown>[];
  return {
    entryId: text(row, "entry_id"), kind: text(row, "kind") as never, programme: num(row, "programme"), payee: num(row, "payee"),
    payeeIdentity: identity(row.payee_identity),
    year: num(row, "year"), amount: f.amount(row.amount), referenceCommitment: text(row, "reference_commitment"),
    recordedAt: f.time(row.recorded_at), recordedBy: f.address(row.actor), authorisation: authorisationFrom(row.authorisation, ctx),
    corrected: row.corrected === true,
    corrections: corrections.map((c) => ({
      reason: String(c.reason), reasonText: bytes32Text(c.reason), by: f.address(c.by), authorisation: authorisationFrom(c.authorisation, ctx), at: f.time(c.at), blockNumber: Number(c.blockNumber),
    })),
    blockNumber: num(row, "block_number"), transactionHash: text(row, "transaction_hash"),
  };
}
