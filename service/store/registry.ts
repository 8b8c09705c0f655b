import { isHexString } from "ethers";
import { sql } from "kysely";

import { canonicalCreditCode, canonicalInvoiceNumber, creditCodeHash, documentCommitment, IdentityError, invoiceNumberHash } from "../domain/identity.js";
import { invoiceKey } from "../domain/ledger-v2.js";
import type { Database, Queryable } from "./database.js";
import { applyMigrations, type Migration } from "./migrations.js";
import { qb, rows, run } from "./query.js";

/**
 * The registry of legal identities, off chain: companies' names and unified social credit codes, invoices' numbers
 * and the salts of private documents, which the chain holds only as hashes. Unlike the mirror's tables it cannot be
 * rebuilt from the chain, so it is kept apart from them: tables of its own (`registry_*`) with migrations of their
 * own (versions from 300), which no rebuild, rollback or re-index touches (they are not in the derived tables). Only
 * the mirror's writer writes it (the upload endpoint is served there only; the CLI takes the writer's lock). Every
 * record is checked against the chain's hashes as the mirror holds them before anything is written, and all of a
 * load is written in one transaction or none of it. The access log (who read company-identifying data, what, when)
 * lives here too: it is a record, not a projection.
 */

export const REGISTRY_MIGRATIONS: readonly Migration[] = [
  {
    version: 300,
    name: "identity registry: companies, invoice numbers, document salts, access log",
    sql: `
CREATE TABLE registry_companies (
  credit_code      text PRIMARY KEY,
  credit_code_hash text NOT NULL UNIQUE,
  name             text NOT NULL,
  name_en          text,
  loaded_by        text NOT NULL,
  loaded_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE registry_invoices (
  invoice_key          text PRIMARY KEY,
  supplier_credit_code text NOT NULL,
  invoice_number       text NOT NULL,
  loaded_by            text NOT NULL,
  loaded_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (supplier_credit_code, invoice_number)
);

CREATE TABLE registry_salts (
  commitment    text PRIMARY KEY,
  salt          text NOT NULL,
  document_hash text NOT NULL,
  loaded_by     text NOT NULL,
  loaded_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE registry_access_log (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  address      text NOT NULL,
  access       text NOT NULL,
  endpoint     text NOT NULL,
  filters      jsonb NOT NULL,
  record_count int NOT NULL,
  records      jsonb NOT NULL
);
CREATE INDEX registry_access_log_by_address ON registry_access_log (address, id)`,
  },
];

/** The registry's tables: never in the mirror's derived tables, never emptied by a rebuild. */
export const REGISTRY_TABLES = ["registry_companies", "registry_invoices", "registry_salts", "registry_access_log"] as const;

/** Applies the registry's migrations the database has not seen (the writer, after the mirror's). */
export function migrateRegistry(db: Database): Promise<number[]> {
  return applyMigrations(db, REGISTRY_MIGRATIONS);
}

export interface CompanyIdentity {
  creditCode: string;
  name: string;
  nameEn?: string | null | undefined;
}
export interface InvoiceIdentity {
  supplierCreditCode: string;
  invoiceNumber: string;
}
export interface DocumentSalt {
  commitment: string;
  salt: string;
  /** keccak256 of the document's bytes. */
  documentHash: string;
}
export interface RegistryRecords {
  companies?: CompanyIdentity[] | undefined;
  invoices?: InvoiceIdentity[] | undefined;
  salts?: DocumentSalt[] | undefined;
}

/** What is wrong with one record: where (`companies.2.creditCode`) and what. */
export interface RegistryProblem {
  path: string;
  message: string;
}

export class RegistryMismatchError extends Error {
  override name = "RegistryMismatchError";

  constructor(readonly problems: RegistryProblem[]) {
    super(`${problems.length} record(s) refused: ${problems.slice(0, 3).map((p) => `${p.path}: ${p.message}`).join("; ")}`);
  }
}

/** The registry as a file (export and import): every record, without who loaded it. */
export interface RegistryFile {
  format: "cvl-registry";
  version: 1;
  exportedAt: string;
  companies: { creditCode: string; name: string; nameEn: string | null }[];
  invoices: InvoiceIdentity[];
  salts: DocumentSalt[];
}

/** One read of company-identifying data: who (address and scope), what (endpoint, filters, record ids), when (now). */
export interface AccessEntry {
  address: string;
  access: string;
  endpoint: string;
  filters: Record<string, unknown>;
  records: string[];
}

const NAME_MAX = 200;
const EVIDENCE_COLUMNS = ["contract_commitment", "invoice_commitment", "payment_commitment", "assessment_commitment"] as const;

interface Checked {
  companies: { credit_code: string; credit_code_hash: string; name: string; name_en: string | null }[];
  invoices: { invoice_key: string; supplier_credit_code: string; invoice_number: string }[];
  salts: { commitment: string; salt: string; document_hash: string }[];
  problems: RegistryProblem[];
}

function identityMessage(error: unknown): string {
  if (error instanceof IdentityError) return error.message;
  throw error;
}

/** The company numbers registered on chain (as the mirror holds them) by credit-code hash. */
async function entitiesByHash(q: Queryable, hashes: string[]): Promise<Map<string, number>> {
  if (hashes.length === 0) return new Map();
  const found = await rows(q, qb.selectFrom("v2_entities").select(["id", "credit_code_hash"]).where((eb) => eb("credit_code_hash", "=", eb.fn.any(eb.val(hashes)))));
  return new Map(found.map((r) => [r.credit_code_hash, Number(r.id)]));
}

/** The invoice keys of `keys` that the chain knows (an invoice, or a redemption or claim of it). */
async function knownInvoices(q: Queryable, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const found = await rows(
    q,
    qb.selectFrom("v2_invoices").select("invoice_key").where((eb) => eb("invoice_key", "=", eb.fn.any(eb.val(keys))))
      .union(qb.selectFrom("v2_redemptions").select("invoice_key").where((eb) => eb("invoice_key", "=", eb.fn.any(eb.val(keys)))))
      .union(qb.selectFrom("v2_claims").select("invoice_key").where((eb) => eb("invoice_key", "=", eb.fn.any(eb.val(keys))))),
  );
  return new Set(found.map((r) => r.invoice_key));
}

/** The commitments of `commitments` that some redemption's or claim's evidence carries. */
async function knownCommitments(q: Queryable, commitments: string[]): Promise<Set<string>> {
  if (commitments.length === 0) return new Set();
  const [head, ...rest] = (["v2_redemptions", "v2_claims"] as const).flatMap((table) =>
    EVIDENCE_COLUMNS.map((column) => qb.selectFrom(table).select(`${column} as c`).where((eb) => eb(column, "=", eb.fn.any(eb.val(commitments))))),
  );
  const found = await rows(q, rest.reduce((all, part) => all.union(part), head!));
  return new Set(found.map((r) => r.c).filter((c): c is string => c !== null));
}

/**
 * Checks records against the chain as the mirror holds it: a company's credit-code hash is a registered company's, an
 * invoice's key (its supplier's company and its number's hash) is an invoice of that supplier, a salt opens its
 * commitment and the commitment is a redemption's or claim's evidence. Also checks their form (check character,
 * invoice number, hex) and that a file does not say two things of one record. Returns the rows to write and every
 * problem.
 */
export async function checkRecords(q: Queryable, input: RegistryRecords): Promise<Checked> {
  const out: Checked = { companies: [], invoices: [], salts: [], problems: [] };
  const problem = (path: string, message: string) => out.problems.push({ path, message });

  const companies = (input.companies ?? []).map((c, i) => {
    const path = `companies.${i}`;
    let code: string | undefined;
    try {
      code = canonicalCreditCode(c.creditCode);
    } catch (error) {
      problem(`${path}.creditCode`, identityMessage(error));
    }
    const name = c.name.trim();
    const nameEn = c.nameEn === undefined || c.nameEn === null || c.nameEn.trim() === "" ? null : c.nameEn.trim();
    if (name === "" || name.length > NAME_MAX) problem(`${path}.name`, `a name has 1 to ${NAME_MAX} characters`);
    if (nameEn !== null && nameEn.length > NAME_MAX) problem(`${path}.nameEn`, `a name has 1 to ${NAME_MAX} characters`);
    return { path, code, hash: code === undefined ? undefined : creditCodeHash(code), name, nameEn };
  });
  const invoices = (input.invoices ?? []).map((v, i) => {
    const path = `invoices.${i}`;
    let supplier: string | undefined;
    let number: string | undefined;
    try {
      supplier = canonicalCreditCode(v.supplierCreditCode);
    } catch (error) {
      problem(`${path}.supplierCreditCode`, identityMessage(error));
    }
    try {
      number = canonicalInvoiceNumber(v.invoiceNumber);
    } catch (error) {
      problem(`${path}.invoiceNumber`, identityMessage(error));
    }
    return { path, supplier, number, supplierHash: supplier === undefined ? undefined : creditCodeHash(supplier) };
  });
  const salts = (input.salts ?? []).map((s, i) => {
    const path = `salts.${i}`;
    const hex = (field: "commitment" | "salt" | "documentHash") => {
      const value = s[field].trim().toLowerCase();
      if (!isHexString(value, 32)) {
        problem(`${path}.${field}`, "is not 0x and 64 hexadecimal digits");
        return undefined;
      }
      return value;
    };
    return { path, commitment: hex("commitment"), salt: hex("salt"), documentHash: hex("documentHash") };
  });

  const entities = await entitiesByHash(q, [...companies.map((c) => c.hash), ...invoices.map((v) => v.supplierHash)].filter((h) => h !== undefined));
  const seenCodes = new Map<string, string>();
  for (const c of companies) {
    if (c.code === undefined || c.hash === undefined) continue;
    if (!entities.has(c.hash)) {
      problem(`${c.path}.creditCode`, `no company is registered on chain with this credit code (hash ${c.hash})`);
      continue;
    }
    const before = seenCodes.get(c.code);
    if (before !== undefined) {
      problem(`${c.path}.creditCode`, `${c.code} is also at ${before}`);
      continue;
    }
    seenCodes.set(c.code, c.path);
    out.companies.push({ credit_code: c.code, credit_code_hash: c.hash, name: c.name, name_en: c.nameEn });
  }

  const keyed = invoices.map((v) => {
    if (v.supplier === undefined || v.number === undefined || v.supplierHash === undefined) return { ...v, key: undefined };
    const entity = entities.get(v.supplierHash);
    if (entity === undefined) {
      problem(`${v.path}.supplierCreditCode`, `no company is registered on chain with this credit code (hash ${v.supplierHash})`);
      return { ...v, key: undefined };
    }
    return { ...v, key: invoiceKey(entity, invoiceNumberHash(v.number)) };
  });
  const invoicesOnChain = await knownInvoices(q, keyed.flatMap((v) => (v.key === undefined ? [] : [v.key])));
  const seenInvoices = new Map<string, string>();
  for (const v of keyed) {
    if (v.key === undefined) continue;
    if (!invoicesOnChain.has(v.key)) {
      problem(`${v.path}.invoiceNumber`, `the supplier has no invoice on chain with this number (invoice key ${v.key})`);
      continue;
    }
    const before = seenInvoices.get(v.key);
    if (before !== undefined) {
      problem(`${v.path}.invoiceNumber`, `the same invoice is also at ${before}`);
      continue;
    }
    seenInvoices.set(v.key, v.path);
    out.invoices.push({ invoice_key: v.key, supplier_credit_code: v.supplier!, invoice_number: v.number! });
  }

  const opened = salts.filter((s) => {
    if (s.commitment === undefined || s.salt === undefined || s.documentHash === undefined) return false;
    const recomputed = documentCommitment(s.salt, s.documentHash);
    if (recomputed !== s.commitment) {
      problem(`${s.path}.salt`, `the salt and the document's hash give ${recomputed}, not the commitment`);
      return false;
    }
    return true;
  });
  const commitmentsOnChain = await knownCommitments(q, opened.map((s) => s.commitment!));
  const seenCommitments = new Map<string, string>();
  for (const s of opened) {
    if (!commitmentsOnChain.has(s.commitment!)) {
      problem(`${s.path}.commitment`, "no redemption or claim on chain carries this commitment in its evidence");
      continue;
    }
    const before = seenCommitments.get(s.commitment!);
    if (before !== undefined) {
      problem(`${s.path}.commitment`, `the same commitment is also at ${before}`);
      continue;
    }
    seenCommitments.set(s.commitment!, s.path);
    out.salts.push({ commitment: s.commitment!, salt: s.salt!, document_hash: s.documentHash! });
  }
  return out;
}

export interface LoadResult {
  companies: number;
  invoices: number;
  salts: number;
}

/**
 * Checks `input` against the chain and writes it, in one transaction: every record, or none when any is refused
 * ({@link RegistryMismatchError} with each problem). A record loaded again replaces the one before (a corrected
 * name). Only the mirror's writer may call this.
 */
export async function loadRecords(db: Database, input: RegistryRecords, loadedBy: string): Promise<LoadResult> {
  // The check runs in the transaction that writes, so that the mirror cannot change in between; a refused load
  // writes nothing (and is thrown after the transaction, whose errors the database layer classifies).
  const outcome = await db.transaction(async (tx): Promise<LoadResult | RegistryProblem[]> => {
    const checked = await checkRecords(tx, input);
    if (checked.problems.length > 0) return checked.problems;
    for (const c of checked.companies) {
      await run(
        tx,
        qb.insertInto("registry_companies")
          .values({ credit_code: c.credit_code, credit_code_hash: c.credit_code_hash, name: c.name, name_en: c.name_en, loaded_by: loadedBy })
          .onConflict((oc) => oc.column("credit_code").doUpdateSet((eb) => ({
            name: eb.ref("excluded.name"), name_en: eb.ref("excluded.name_en"), loaded_by: eb.ref("excluded.loaded_by"), loaded_at: sql<Date>`now()`,
          }))),
      );
    }
    for (const v of checked.invoices) {
      await run(
        tx,
        qb.insertInto("registry_invoices")
          .values({ invoice_key: v.invoice_key, supplier_credit_code: v.supplier_credit_code, invoice_number: v.invoice_number, loaded_by: loadedBy })
          .onConflict((oc) => oc.column("invoice_key").doUpdateSet((eb) => ({ loaded_by: eb.ref("excluded.loaded_by"), loaded_at: sql<Date>`now()` }))),
      );
    }
    for (const s of checked.salts) {
      await run(
        tx,
        qb.insertInto("registry_salts")
          .values({ commitment: s.commitment, salt: s.salt, document_hash: s.document_hash, loaded_by: loadedBy })
          .onConflict((oc) => oc.column("commitment").doUpdateSet((eb) => ({
            salt: eb.ref("excluded.salt"), document_hash: eb.ref("excluded.document_hash"), loaded_by: eb.ref("excluded.loaded_by"), loaded_at: sql<Date>`now()`,
          }))),
      );
    }
    return { companies: checked.companies.length, invoices: checked.invoices.length, salts: checked.salts.length };
  });
  if (Array.isArray(outcome)) throw new RegistryMismatchError(outcome);
  return outcome;
}

/** Every record of the registry, as a file to keep (its backup). */
export async function exportRegistry(q: Queryable): Promise<RegistryFile> {
  const companies = await rows(q, qb.selectFrom("registry_companies").select(["credit_code", "name", "name_en"]).orderBy("credit_code"));
  const invoices = await rows(
    q,
    qb.selectFrom("registry_invoices").select(["supplier_credit_code", "invoice_number"]).orderBy("supplier_credit_code").orderBy("invoice_number"),
  );
  const salts = await rows(q, qb.selectFrom("registry_salts").select(["commitment", "salt", "document_hash"]).orderBy("commitment"));
  return {
    format: "cvl-registry",
    version: 1,
    exportedAt: new Date().toISOString(),
    companies: companies.map((c) => ({ creditCode: c.credit_code, name: c.name, nameEn: c.name_en })),
    invoices: invoices.map((v) => ({ supplierCreditCode: v.supplier_credit_code, invoiceNumber: v.invoice_number })),
    salts: salts.map((s) => ({ commitment: s.commitment, salt: s.salt, documentHash: s.document_hash })),
  };
}

/** A registry file's records, after checking its form (not yet the chain: {@link loadRecords} does). */
export function parseRegistryFile(value: unknown): RegistryRecords {
  const file = value as Partial<RegistryFile> | null;
  if (file === null || typeof file !== "object" || file.format !== "cvl-registry" || file.version !== 1) {
    throw new Error('not a registry file (format "cvl-registry", version 1)');
  }
  for (const list of ["companies", "invoices", "salts"] as const) {
    if (!Array.isArray(file[list])) throw new Error(`the registry file has no list "${list}"`);
  }
  return { companies: file.companies, invoices: file.invoices, salts: file.salts };
}

/**
 * Every record of the registry checked again against the chain as the mirror holds it now (`npm run verify`): a
 * record the chain no longer confirms (a tampered row, or a chain that changed) is one mismatch.
 */
export async function registryMismatches(q: Queryable): Promise<{ checked: number; mismatches: RegistryProblem[] }> {
  const exists = await q.query<{ t: string | null }>("SELECT to_regclass('registry_companies')::text AS t");
  if (exists[0]?.t === null || exists[0]?.t === undefined) return { checked: 0, mismatches: [] };
  const file = await exportRegistry(q);
  const checked = await checkRecords(q, file);
  const keyOf = (path: string): string => {
    const [list, index] = path.split(".");
    const i = Number(index);
    if (list === "companies") return `company ${file.companies[i]?.creditCode ?? "?"}`;
    if (list === "invoices") return `invoice ${file.invoices[i]?.supplierCreditCode ?? "?"} ${file.invoices[i]?.invoiceNumber ?? "?"}`;
    return `document ${file.salts[i]?.commitment ?? "?"}`;
  };
  // A stored company's hash column must be its code's hash too (the API joins on it).
  const stale = await rows(q, qb.selectFrom("registry_companies").select(["credit_code", "credit_code_hash"]));
  const mismatches = checked.problems.map((p) => ({ path: keyOf(p.path), message: p.message }));
  for (const row of stale) {
    let hash: string | undefined;
    try {
      hash = creditCodeHash(row.credit_code);
    } catch {
      continue; // reported above
    }
    if (hash !== row.credit_code_hash) mismatches.push({ path: `company ${row.credit_code}`, message: `its stored hash ${row.credit_code_hash} is not its code's (${hash})` });
  }
  return { checked: file.companies.length + file.invoices.length + file.salts.length, mismatches };
}

/** Records one read of company-identifying data (the API, on every such answer). */
export async function recordAccess(q: Queryable, entry: AccessEntry): Promise<void> {
  await run(
    q,
    qb.insertInto("registry_access_log").values({
      address: entry.address, access: entry.access, endpoint: entry.endpoint,
      filters: JSON.stringify(entry.filters), records: JSON.stringify(entry.records), record_count: entry.records.length,
    }),
  );
}
