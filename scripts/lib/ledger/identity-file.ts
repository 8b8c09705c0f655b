import { canonicalInvoiceNumber, IdentityError } from "../../../service/domain/identity.js";
import type { CompanyIdentity, DocumentSalt, InvoiceIdentity, RegistryRecords } from "../../../service/store/registry.js";
import { UserError } from "../admin/format.js";
import { t } from "../i18n/index.js";
import { type Cells, type Problem, readCsv } from "./csv.js";
import { identityMessage, parseCreditCode } from "./format.js";

/**
 * A file of the identity registry (what the chain holds only as hashes), one kind of record per file, told apart by
 * its header, each row checked on its own as the batch issue checks its rows (credit codes with their check
 * character, GB 32100-2015; invoice numbers in their canonical form; 32-byte hex). No chain access: the service checks
 * the records against the chain when they are loaded.
 */

export const IDENTITY_FILES = {
  companies: { all: ["credit_code", "name", "name_en"], required: ["credit_code", "name"] },
  invoices: { all: ["supplier_credit_code", "invoice_number"], required: ["supplier_credit_code", "invoice_number"] },
  salts: { all: ["commitment", "salt", "document_hash"], required: ["commitment", "salt", "document_hash"] },
} as const;

export type IdentityKind = keyof typeof IDENTITY_FILES;

/** The records of a file, the line of each (by its list and index), and every problem on its line. */
export interface IdentityFile {
  kind: IdentityKind;
  records: RegistryRecords;
  lines: number[];
  problems: Problem[];
}

/** Which kind of file a header says (the companies' when it names none of the others' columns). */
function kindOf(text: string): IdentityKind {
  const header = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/).find((line) => line.trim() !== "") ?? "";
  const columns = header.split(",").map((c) => c.normalize("NFKC").trim().toLowerCase().replace(/^"|"$/g, ""));
  if (columns.includes("supplier_credit_code") || columns.includes("invoice_number")) return "invoices";
  if (columns.includes("commitment") || columns.includes("salt")) return "salts";
  return "companies";
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;

/** Reads and checks every row of an identity file; a record twice in the file is a problem on its second line. */
export async function parseIdentityFile(text: string): Promise<IdentityFile> {
  const kind = kindOf(text);
  const companies: CompanyIdentity[] = [];
  const invoices: InvoiceIdentity[] = [];
  const salts: DocumentSalt[] = [];
  const lines: number[] = [];
  const problems: Problem[] = [];
  const firstLine = new Map<string, number>();
  const onRow = (cell: Cells, line: number) => {
    const before = problems.length;
    const attempt = <T>(column: string, parse: () => T): T | undefined => {
      try {
        return parse();
      } catch (error) {
        if (!(error instanceof UserError) && !(error instanceof IdentityError)) throw error;
        problems.push({ line, message: t("batch.cell", { column, detail: error instanceof UserError ? error.message : identityMessage(error) }) });
        return undefined;
      }
    };
    const hex = (column: string) =>
      attempt(column, () => {
        const value = cell(column);
        if (!HEX32.test(value)) throw new UserError(t("identity.hex", { value }));
        return value.toLowerCase();
      });
    const once = (key: string) => {
      const first = firstLine.get(key);
      if (first !== undefined) {
        problems.push({ line, message: t("identity.duplicate", { line: first }) });
        return false;
      }
      firstLine.set(key, line);
      return true;
    };
    if (kind === "companies") {
      const creditCode = attempt("credit_code", () => parseCreditCode(cell("credit_code")));
      const name = attempt("name", () => {
        const value = cell("name");
        if (value === "" || value.length > 200) throw new UserError(t("identity.name"));
        return value;
      });
      const nameEn = cell("name_en");
      if (problems.length > before || creditCode === undefined || name === undefined || !once(creditCode)) return;
      companies.push({ creditCode, name, nameEn: nameEn === "" ? null : nameEn });
    } else if (kind === "invoices") {
      const supplierCreditCode = attempt("supplier_credit_code", () => parseCreditCode(cell("supplier_credit_code")));
      const invoiceNumber = attempt("invoice_number", () => canonicalInvoiceNumber(cell("invoice_number")));
      if (problems.length > before || supplierCreditCode === undefined || invoiceNumber === undefined) return;
      if (!once(`${supplierCreditCode}|${invoiceNumber}`)) return;
      invoices.push({ supplierCreditCode, invoiceNumber });
    } else {
      const [commitment, salt, documentHash] = [hex("commitment"), hex("salt"), hex("document_hash")];
      if (problems.length > before || commitment === undefined || salt === undefined || documentHash === undefined || !once(commitment)) return;
      salts.push({ commitment, salt, documentHash });
    }
    lines.push(line);
  };
  const fileProblems = await readCsv(text, IDENTITY_FILES[kind], onRow);
  return { kind, records: { [kind]: kind === "companies" ? companies : kind === "invoices" ? invoices : salts }, lines, problems: [...fileProblems, ...problems] };
}
