import { keccak256 } from "ethers";

import { type Cells, type Problem, readCsv } from "../ledger/csv.js";
import { UserError, applicationReference, formatDate, parseAddress, parseAmount, parseDate } from "./format.js";
import type { Progress } from "./work.js";

/**
 * Reading a batch file: its bytes as UTF-8 text, its header, and every row on its own, with each problem on its line
 * and in its column. No chain access.
 */

/** The columns of a batch file, in the order a template shows them; `expires_on` may be left out. */
export const BATCH_COLUMNS = ["application_ref", "holder", "face_value", "expires_on"] as const;
const REQUIRED_COLUMNS = ["application_ref", "holder", "face_value"] as const;

/** One valid row of a batch file. */
export interface BatchRow {
  line: number;
  /** The application reference in its one form ({@link applicationReference}): on chain, in reports. */
  reference: string;
  /** The same as bytes32. */
  applicationRef: string;
  holder: string;
  faceValue: bigint;
  /** Unix seconds; 0 = the city's default validity. */
  expiresAt: bigint;
  voucherId: bigint;
}

export type { Problem } from "../ledger/csv.js";

/** The voucher id the ledger gives the application `applicationRef` (bytes32) of `city`: keccak256(abi.encode). */
export function voucherIdOf(city: number, applicationRef: string): bigint {
  return BigInt(keccak256(`0x${city.toString(16).padStart(64, "0")}${applicationRef.slice(2)}`));
}

export { decodeBatchFile } from "../ledger/csv.js";

export interface ParseOptions {
  city: number;
  decimals: number;
  /** The chain's time (unix seconds): an expiry must be after it. */
  now: bigint;
  onProgress?: Progress;
}

/**
 * Parses a batch file: the header, then every row on its own (see {@link readCsv}), each checked and duplicates
 * within the file found. Yields to the event loop as it goes.
 */
export async function parseBatchFile(
  text: string,
  options: ParseOptions,
): Promise<{ rows: BatchRow[]; problems: Problem[] }> {
  const rows: BatchRow[] = [];
  const rowProblems: Problem[] = [];
  const firstLineOf = new Map<string, { line: number; cell: string }>();
  const fileProblems = await readCsv(
    text,
    { all: BATCH_COLUMNS, required: REQUIRED_COLUMNS },
    (cells, line) => {
      const row = checkRow(cells, line, options, rowProblems, firstLineOf);
      if (row !== undefined) rows.push(row);
    },
    options.onProgress,
  );
  return { rows, problems: [...fileProblems, ...rowProblems] };
}

/** Checks one row's cells; pushes its problems and returns the row when it has none. */
function checkRow(
  cell: Cells,
  line: number,
  options: ParseOptions,
  problems: Problem[],
  firstLineOf: Map<string, { line: number; cell: string }>,
): BatchRow | undefined {
  const before = problems.length;
  const attempt = <T>(what: string, parseCell: () => T): T | undefined => {
    try {
      return parseCell();
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      problems.push({ line, message: `${what}: ${error.message}` });
      return undefined;
    }
  };
  const raw = cell("application_ref");
  const reference = attempt("application_ref", () => applicationReference(raw));
  const holder = attempt("holder", () => parseAddress(cell("holder")));
  const faceValue = attempt("face_value", () => parseAmount(cell("face_value"), options.decimals));
  const expiresAt = attempt("expires_on", () => {
    const text = cell("expires_on");
    if (text === "") return 0n;
    const at = parseDate(text);
    if (at <= options.now) throw new UserError(`the expiry ${formatDate(at)} is not in the future`);
    return at;
  });
  if (reference !== undefined) {
    const first = firstLineOf.get(reference.text);
    if (first === undefined) {
      firstLineOf.set(reference.text, { line, cell: raw });
    } else if (first.cell === raw) {
      problems.push({ line, message: `application_ref "${raw}" appears already on line ${first.line}` });
    } else {
      problems.push({
        line,
        message:
          `application_ref "${raw}" appears already on line ${first.line} as "${first.cell}": references that ` +
          `differ only in case, full-width letters or spaces around them are the same application (${reference.text})`,
      });
    }
  }
  if (problems.length > before || !reference || !holder || faceValue === undefined || expiresAt === undefined) {
    return undefined;
  }
  return {
    line,
    reference: reference.text,
    applicationRef: reference.code,
    holder,
    faceValue,
    expiresAt,
    voucherId: voucherIdOf(options.city, reference.code),
  };
}
