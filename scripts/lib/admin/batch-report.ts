import { stringify } from "csv-stringify/sync";
import { toBeHex } from "ethers";

import { BatchReport as GenericReport, type PendingTransaction, readPending as readGenericPending } from "../ledger/report.js";

/**
 * The reports of a batch run: `<file>.report.json` for programs, and `<file>.report.csv` beside it for the clerk who
 * opens it in Excel. Every row shows what the chain holds (holder, amount and expiry from the ledger's event, the
 * transaction and block), and the JSON report records the transaction in flight, so that a run started again waits
 * for it instead of sending its vouchers a second time.
 */

export interface ReportEntry {
  line: number;
  /** The application reference in its one form, as the ledger holds it. */
  reference: string;
  holder: string;
  faceValue: string;
  /** ISO date (or date-time) of the voucher's expiry on the ledger. */
  expiresOn: string;
  voucherId: string;
  transactionHash: string;
  block: number;
  /** "issued" by this run, or "issued before" (by an earlier run, skipped by this one). */
  status: "issued" | "issued before";
}

export { type PendingTransaction, csvReportPathFor, reportPathFor } from "../ledger/report.js";

/** What a v1 report is for: the ledger, the city, the currency. */
export type ReportHeader = {
  ledger: string;
  city: number;
  currency: string;
};

/** The columns of the CSV report: the input's names where they mean the same. */
export const REPORT_COLUMNS = [
  "line",
  "application_ref",
  "holder",
  "face_value",
  "currency",
  "expires_on",
  "voucher_id",
  "transaction_hash",
  "block",
  "status",
] as const;

/**
 * Spreadsheet-safe CSV (OWASP CSV injection): a cell starting with =, +, -, @, tab or carriage return gets a leading
 * apostrophe, so that Excel shows it as text instead of running it as a formula. UTF-8 with a BOM, so that Excel
 * reads Chinese text as such; CRLF line ends (RFC 4180), and a cell holding a lone CR or LF quoted (csv-stringify
 * quotes only the whole record delimiter by itself).
 */
const CSV_OPTIONS = { escape_formulas: true, record_delimiter: "windows", quoted_match: /[\r\n]/ } as const;

/** One row of the CSV report. The voucher id is in hexadecimal: Excel would round a 78-digit number. */
export function csvRow(entry: ReportEntry, currency: string): string {
  return stringify(
    [
      [
        entry.line,
        entry.reference,
        entry.holder,
        entry.faceValue,
        currency,
        entry.expiresOn,
        toBeHex(BigInt(entry.voucherId), 32),
        entry.transactionHash,
        entry.block,
        entry.status,
      ],
    ],
    CSV_OPTIONS,
  );
}

/** The CSV report's first line, with the BOM. */
export function csvHeader(): string {
  return stringify([[...REPORT_COLUMNS]], { ...CSV_OPTIONS, bom: true });
}

/** The reports of one v1 run (see {@link GenericReport}), with the columns above. */
export class BatchReport extends GenericReport<ReportEntry> {
  constructor(path: string, header: ReportHeader) {
    super(path, header, { csvHeader, csvRow: (entry) => csvRow(entry, header.currency) });
  }
}

/** The transaction an earlier run of this ledger and city recorded as in flight, if its report says so. */
export function readPending(path: string, header: ReportHeader): Promise<PendingTransaction | undefined> {
  return readGenericPending(path, header);
}
