import { AbiCoder, keccak256 } from "ethers";

import { creditCodeHash } from "../../../service/domain/identity.js";
import { UserError, applicationReference, parseAddress, parseAmount } from "../admin/format.js";
import type { Progress } from "../admin/work.js";
import { t } from "../i18n/index.js";
import { type Cells, type Problem, readCsv } from "./csv.js";
import { parseCreditCode, parseInstant, shanghaiTime } from "./format.js";

/**
 * A batch of vouchers to issue by company: one row per approved application, naming the company by its unified
 * social credit code (checked with its check character, GB 32100-2015) and the address of that company that
 * receives the voucher. No chain access.
 */

export const COMPANY_BATCH_COLUMNS = ["application_ref", "credit_code", "holder", "face_value", "expires_on"] as const;
const REQUIRED = ["application_ref", "credit_code", "holder", "face_value"] as const;

/** One valid row. */
export interface CompanyRow {
  line: number;
  /** The application reference in its one form: on chain, in reports. */
  reference: string;
  applicationRef: string;
  creditCode: string;
  creditCodeHash: string;
  holder: string;
  faceValue: bigint;
  /** Unix seconds; 0 = the programme's default validity. */
  expiresAt: bigint;
  voucherId: bigint;
}

/** The id the ledger gives the application `applicationRef` (bytes32) of `programme`. */
export function voucherIdOf(programme: number, applicationRef: string): bigint {
  const hash = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint32", "bytes32"], [programme, applicationRef])));
  return (BigInt(programme) << 224n) | (hash & ((1n << 224n) - 1n));
}

export interface CompanyParseOptions {
  programme: number;
  decimals: number;
  /** The chain's time (unix seconds): an expiry must be after it. */
  now: bigint;
  onProgress?: Progress;
}

/** Parses and checks every row of a batch by company; duplicates of an application within the file are problems. */
export async function parseCompanyBatch(
  text: string,
  options: CompanyParseOptions,
): Promise<{ rows: CompanyRow[]; problems: Problem[] }> {
  const rows: CompanyRow[] = [];
  const problems: Problem[] = [];
  const firstLineOf = new Map<string, number>();
  const fileProblems = await readCsv(
    text,
    { all: COMPANY_BATCH_COLUMNS, required: REQUIRED },
    (cells, line) => {
      const row = checkRow(cells, line, options, problems);
      if (row === undefined) return;
      const first = firstLineOf.get(row.reference);
      if (first !== undefined) {
        problems.push({ line, message: t("batch.duplicate", { reference: row.reference, line: first }) });
        return;
      }
      firstLineOf.set(row.reference, line);
      rows.push(row);
    },
    options.onProgress,
  );
  return { rows, problems: [...fileProblems, ...problems] };
}

function checkRow(cell: Cells, line: number, options: CompanyParseOptions, problems: Problem[]): CompanyRow | undefined {
  const before = problems.length;
  const attempt = <T>(what: string, parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      problems.push({ line, message: t("batch.cell", { column: what, detail: error.message }) });
      return undefined;
    }
  };
  const reference = attempt("application_ref", () => applicationReference(cell("application_ref")));
  const creditCode = attempt("credit_code", () => parseCreditCode(cell("credit_code")));
  const holder = attempt("holder", () => parseAddress(cell("holder")));
  const faceValue = attempt("face_value", () => parseAmount(cell("face_value"), options.decimals));
  const expiresAt = attempt("expires_on", () => {
    const text = cell("expires_on");
    if (text === "") return 0n;
    const at = parseInstant(text);
    if (at <= options.now) throw new UserError(t("batch.expiryPast", { expiry: shanghaiTime(at) }));
    return at;
  });
  if (problems.length > before || !reference || !creditCode || !holder || faceValue === undefined || expiresAt === undefined) {
    return undefined;
  }
  return {
    line,
    reference: reference.text,
    applicationRef: reference.code,
    creditCode,
    creditCodeHash: creditCodeHash(creditCode),
    holder,
    faceValue,
    expiresAt,
    voucherId: voucherIdOf(options.programme, reference.code),
  };
}
