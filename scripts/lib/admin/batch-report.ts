import { readFile, rename, writeFile } from "node:fs/promises";

import { stringify } from "csv-stringify/sync";
import { toBeHex } from "ethers";

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

/** A transaction sent and not yet mined when the report was written. */
export interface PendingTransaction {
  transactionHash: string;
  /** The lines of the file whose vouchers it issues, as ranges ("2–51"). */
  lines: string;
  sentAt: string;
}

export interface ReportHeader {
  ledger: string;
  city: number;
  currency: string;
}

/** The default report path: the input's name with `.report.json` in place of its extension. */
export function reportPathFor(file: string): string {
  return `${file.replace(/\.csv$/i, "")}.report.json`;
}

/** The CSV report beside a JSON report: `x.report.json` → `x.report.csv`. */
export function csvReportPathFor(reportPath: string): string {
  return `${reportPath.replace(/\.json$/i, "")}.csv`;
}

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

/** Rows of a report up to which it is written after every chunk; above, at most 5% of the run's time is spent writing. */
const ALWAYS_WRITTEN_ROWS = 10_000;

/**
 * The reports of one run, kept in memory and written atomically (temporary file, then rename) in file order. Each
 * row is serialised once, so a write costs one concatenation, and a large report is written less often (it is
 * rebuilt from the chain when the run is started again, so a late write loses nothing).
 */
export class BatchReport {
  readonly csvPath: string;
  #entries = new Map<number, { json: string; csv: string }>();
  #order: number[] = [];
  #sorted = true;
  #pending: PendingTransaction | null = null;
  #lastWrite = 0;
  #lastDuration = 0;

  constructor(
    readonly path: string,
    readonly header: ReportHeader,
  ) {
    this.csvPath = csvReportPathFor(path);
  }

  get size(): number {
    return this.#entries.size;
  }

  set(entry: ReportEntry): void {
    if (!this.#entries.has(entry.line)) {
      if (this.#order.length > 0 && entry.line < this.#order.at(-1)!) this.#sorted = false;
      this.#order.push(entry.line);
    }
    this.#entries.set(entry.line, { json: JSON.stringify(entry), csv: csvRow(entry, this.header.currency) });
  }

  setPending(pending: PendingTransaction | null): void {
    this.#pending = pending;
  }

  /** Writes both reports; unless `force`, a large report only when enough time has passed since the last write. */
  async write(force = false): Promise<void> {
    const started = performance.now();
    if (!force && this.size > ALWAYS_WRITTEN_ROWS && started - this.#lastWrite < 20 * this.#lastDuration) return;
    if (!this.#sorted) {
      this.#order.sort((a, b) => a - b);
      this.#sorted = true;
    }
    const rows = this.#order.map((line) => this.#entries.get(line)!);
    const head = {
      ...this.header,
      updatedAt: new Date().toISOString(),
      pending: this.#pending,
    };
    const json = `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "vouchers": [\n${rows
      .map((row) => `    ${row.json}`)
      .join(",\n")}\n  ]\n}\n`;
    await writeAtomically(this.path, json);
    await writeAtomically(this.csvPath, csvHeader() + rows.map((row) => row.csv).join(""));
    this.#lastWrite = performance.now();
    this.#lastDuration = this.#lastWrite - started;
  }
}

/** The transaction an earlier run of this ledger and city recorded as in flight, if its report says so. */
export async function readPending(path: string, header: ReportHeader): Promise<PendingTransaction | undefined> {
  let body: { ledger?: unknown; city?: unknown; pending?: unknown };
  try {
    body = JSON.parse(await readFile(path, "utf8")) as typeof body;
  } catch {
    return undefined; // no report yet, or not one of ours: nothing recorded
  }
  const pending = body.pending as Partial<PendingTransaction> | null | undefined;
  if (body.ledger !== header.ledger || body.city !== header.city || typeof pending?.transactionHash !== "string") {
    return undefined;
  }
  return {
    transactionHash: pending.transactionHash,
    lines: String(pending.lines ?? ""),
    sentAt: String(pending.sentAt ?? ""),
  };
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}
