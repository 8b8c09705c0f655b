import { readFile, rename, writeFile } from "node:fs/promises";

/**
 * The reports of a batch run: `<file>.report.json` for programs, and `<file>.report.csv` beside it for the clerk who
 * opens it in Excel. The JSON report records the transaction in flight, so that a run started again waits for it
 * instead of sending its rows a second time. Shared by every batch the tools run.
 */

/** A transaction sent and not yet mined when the report was written. */
export interface PendingTransaction {
  transactionHash: string;
  /** The lines of the file it covers, as ranges ("2–51"). */
  lines: string;
  sentAt: string;
}

/** What identifies a run's target in its report: the ledger, the currency, and what the batch is issued under. */
export type ReportHeader = { ledger: string; currency: string } & Record<string, string | number>;

/** How a report's rows are written: each as JSON as it is, and as one CSV line. */
export interface ReportFormat<E> {
  csvHeader: () => string;
  csvRow: (entry: E) => string;
}

/** The default report path: the input's name with `.report.json` in place of its extension. */
export function reportPathFor(file: string): string {
  return `${file.replace(/\.csv$/i, "")}.report.json`;
}

/** The CSV report beside a JSON report: `x.report.json` → `x.report.csv`. */
export function csvReportPathFor(reportPath: string): string {
  return `${reportPath.replace(/\.json$/i, "")}.csv`;
}

/** Rows of a report up to which it is written after every chunk; above, at most 5% of the run's time is spent writing. */
const ALWAYS_WRITTEN_ROWS = 10_000;

/**
 * The reports of one run, kept in memory and written atomically (temporary file, then rename) in file order. Each
 * row is serialised once, so a write costs one concatenation, and a large report is written less often (it is
 * rebuilt from the chain when the run is started again, so a late write loses nothing).
 */
export class BatchReport<E extends { line: number }> {
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
    readonly format: ReportFormat<E>,
    readonly listName = "vouchers",
  ) {
    this.csvPath = csvReportPathFor(path);
  }

  get size(): number {
    return this.#entries.size;
  }

  set(entry: E): void {
    if (!this.#entries.has(entry.line)) {
      if (this.#order.length > 0 && entry.line < this.#order.at(-1)!) this.#sorted = false;
      this.#order.push(entry.line);
    }
    this.#entries.set(entry.line, { json: JSON.stringify(entry), csv: this.format.csvRow(entry) });
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
    const head = { ...this.header, updatedAt: new Date().toISOString(), pending: this.#pending };
    const json = `${JSON.stringify(head, null, 2).slice(0, -2)},\n  "${this.listName}": [\n${rows
      .map((row) => `    ${row.json}`)
      .join(",\n")}\n  ]\n}\n`;
    await writeAtomically(this.path, json);
    await writeAtomically(this.csvPath, this.format.csvHeader() + rows.map((row) => row.csv).join(""));
    this.#lastWrite = performance.now();
    this.#lastDuration = this.#lastWrite - started;
  }
}

/** The transaction an earlier run for the same header recorded as in flight, if its report says so. */
export async function readPending(path: string, header: ReportHeader): Promise<PendingTransaction | undefined> {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined; // no report yet, or not one of ours: nothing recorded
  }
  const pending = body.pending as Partial<PendingTransaction> | null | undefined;
  const same = Object.entries(header).every(([key, value]) => key === "currency" || body[key] === value);
  if (!same || typeof pending?.transactionHash !== "string") return undefined;
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
