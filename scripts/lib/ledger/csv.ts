import { parse } from "csv-parse/sync";

import { type Progress, yielder } from "../admin/work.js";
import { type MessageKey, t } from "../i18n/index.js";

/**
 * Reading a CSV batch file as a clerk saves it from Excel: its bytes as UTF-8 text, its header, and every row on its
 * own, each problem on its line and in its column. Shared by every batch the tools read; no chain access.
 */

/** A mistake, with the line of the file it is on (0 for the batch as a whole). */
export interface Problem {
  line: number;
  message: string;
}

/**
 * The text of a batch file's bytes: UTF-8, with or without a BOM. A file in another encoding (Excel's plain "CSV"
 * saves GBK on a Chinese Windows, "Unicode text" UTF-16) is a problem on the line of its first foreign byte.
 */
export function decodeBatchFile(bytes: Uint8Array): { text: string } | { problem: Problem } {
  const save = t("csv.saveAgain");
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { problem: { line: 1, message: t("csv.utf16", { save }) } };
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes) };
  } catch {
    const text = new TextDecoder("utf-8").decode(bytes);
    const at = text.indexOf("\uFFFD");
    const line = text.slice(0, Math.max(0, at)).split("\n").length;
    return {
      problem: { line, message: t("csv.notUtf8", { save }) },
    };
  }
}

/** The columns a batch file has: all it may have in the order a template shows them, and those it must have. */
export interface CsvColumns {
  all: readonly string[];
  required: readonly string[];
}

/** One row of cells, read by column name. */
export type Cells = (name: string) => string;

/** Lines parsed at once; a block with a syntax error is parsed again line by line. */
const BLOCK_LINES = 2000;
const CSV_OPTIONS = {
  trim: true,
  relax_column_count: true,
  skip_empty_lines: true,
  skip_records_with_empty_values: true, // a line of only commas, as Excel writes after the last row
  info: true,
} as const;

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

const SEPARATORS: [string, MessageKey][] = [
  [";", "csv.separator.semicolons"],
  ["\t", "csv.separator.tabs"],
  ["|", "csv.separator.bars"],
];

/**
 * Reads a batch file's header, then hands every row to `onRow` with its line. A row never spans lines (no cell may
 * hold a line break), so the file is parsed in blocks of lines, and a block with a CSV syntax error is parsed again
 * line by line: the error is reported on its own line, with its column's name, next to every other row's problems.
 * Returns the problems of the file itself (header, separator, syntax, extra cells); yields to the event loop as it
 * goes.
 */
export async function readCsv(
  text: string,
  spec: CsvColumns,
  onRow: (cells: Cells, line: number) => void,
  onProgress?: Progress,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  const headerIndex = lines.findIndex((line) => line.trim() !== "");
  if (headerIndex < 0) return [{ line: 1, message: t("csv.empty") }];
  const headerLine = headerIndex + 1;
  const header = parseLine(lines[headerIndex]!, []);
  if ("error" in header) return [{ line: headerLine, message: t("csv.header", { detail: header.error }) }];
  const columns = header.cells.map((name) => name.normalize("NFKC").trim().toLowerCase());
  const separator = columns.length === 1 ? SEPARATORS.find(([char]) => columns[0]!.includes(char)) : undefined;
  if (separator !== undefined) {
    return [{ line: headerLine, message: t("csv.separatedBy", { separator: t(separator[1]) }) }];
  }
  const headerProblem = checkHeader(columns, spec);
  if (headerProblem !== undefined) return [{ line: headerLine, message: headerProblem }];

  const pause = yielder();
  let end = lines.length;
  while (end > headerLine && lines[end - 1]!.trim() === "") end--;
  const total = end - headerLine;
  let seen = 0;
  let rows = 0;
  for (let start = headerLine; start < end; start += BLOCK_LINES) {
    for (const { cells, line, error } of parseBlock(lines, start, Math.min(end, start + BLOCK_LINES), columns)) {
      if (error !== undefined) {
        problems.push({ line, message: error });
        continue;
      }
      rows++;
      if (cells!.slice(columns.length).some((extra) => extra !== "")) {
        problems.push({ line, message: t("csv.extraCells", { cells: cells!.length, columns: columns.length }) });
        continue;
      }
      onRow((name) => cells![columns.indexOf(name)] ?? "", line);
      await pause();
    }
    seen = Math.min(total, seen + BLOCK_LINES);
    onProgress?.(seen, total);
    await pause();
  }
  if (rows === 0 && problems.length === 0) problems.push({ line: headerLine, message: t("csv.noRows") });
  return problems;
}

function checkHeader(columns: string[], spec: CsvColumns): string | undefined {
  const unknown = columns.filter((name) => !spec.all.includes(name));
  const missing = spec.required.filter((name) => !columns.includes(name));
  const twice = new Set(columns).size !== columns.length;
  if (unknown.length === 0 && missing.length === 0 && !twice) return undefined;
  const parts = [
    missing.length > 0 ? t("csv.missingColumns", { columns: missing.join(", ") }) : "",
    unknown.length > 0 ? t("csv.unknownColumns", { columns: unknown.map((c) => `"${c}"`).join(", ") }) : "",
    twice ? t("csv.columnTwice") : "",
  ].filter((part) => part !== "");
  const optional = spec.all.filter((c) => !spec.required.includes(c));
  return t("csv.headerWrong", {
    parts: parts.join("; "),
    columns: spec.all.join(","),
    optional: optional.length > 0 ? t("csv.optional", { columns: optional.join(", ") }) : "",
  });
}

/** The records of lines [from, to) with their line numbers; each line on its own when the block has an error. */
function parseBlock(
  lines: string[],
  from: number,
  to: number,
  columns: string[],
): { cells?: string[]; line: number; error?: string }[] {
  try {
    const records = parse(lines.slice(from, to).join("\n"), CSV_OPTIONS) as unknown as CsvRecord[];
    // A cell holding a line break means a quote spans lines: read each line on its own to say where.
    if (!records.some(({ record }) => record.some((cell) => /[\r\n]/.test(cell)))) {
      return records.map(({ record, info }) => ({ cells: record, line: from + info.lines }));
    }
  } catch {
    // parsed again line by line below
  }
  const out: { cells?: string[]; line: number; error?: string }[] = [];
  for (let index = from; index < to; index++) {
    if (lines[index]!.trim() === "") continue;
    const parsed = parseLine(lines[index]!, columns);
    if ("error" in parsed) out.push({ line: index + 1, error: parsed.error });
    else if (parsed.cells.some((cell) => cell !== "")) out.push({ cells: parsed.cells, line: index + 1 });
  }
  return out;
}

/** One line as cells, or its CSV syntax error in words, naming the column by its header name. */
function parseLine(line: string, columns: string[]): { cells: string[] } | { error: string } {
  try {
    const [first] = parse(line, CSV_OPTIONS) as unknown as CsvRecord[];
    return { cells: first?.record ?? [] };
  } catch (error) {
    const { code, column } = error as { code?: string; column?: unknown };
    const index = typeof column === "number" ? column : undefined;
    const where = index === undefined ? t("csv.aCell") : t("csv.column", { column: columns[index] ?? index + 1 });
    switch (code) {
      case "CSV_QUOTE_NOT_CLOSED":
        return { error: t("csv.quoteNotClosed", { where }) };
      case "CSV_INVALID_CLOSING_QUOTE":
        return { error: t("csv.textAfterQuote", { where }) };
      case "INVALID_OPENING_QUOTE":
        return { error: t("csv.quoteInside", { where }) };
      default:
        return { error: t("csv.invalid", { where, detail: (error as Error).message }) };
    }
  }
}

/** Formats problems as the lines a person reads, sorted by line; after `limit` of them, a count of the rest. */
export function describeProblems(problems: Problem[], limit = 500): string {
  const sorted = [...problems].sort((a, b) => a.line - b.line);
  const lines = sorted
    .slice(0, limit)
    .map((p) => (p.line === 0 ? t("problems.batch", { message: p.message }) : t("problems.line", { line: p.line, message: p.message })));
  if (sorted.length > limit) lines.push(t("problems.more", { count: sorted.length - limit, line: sorted[limit - 1]!.line }));
  return lines.join("\n");
}
