import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

import { type CastReturnObject, type Options, type Stringifier, stringify } from "csv-stringify";
import type { Response } from "express";
import { z } from "zod";

import { amountSchema } from "./format.js";

/** A CSV column: its header (`a.b` for nested objects), the path to its value in an item, and whether it is a number. */
export interface CsvColumn {
  header: string;
  path: string[];
  /** An integer or an amount (a decimal string), written as it is so that a spreadsheet still sums it. */
  numeric: boolean;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

/** Whether a schema is {@link amountSchema} or made from it by `.meta()`/`.describe()` (zod keeps the parent). */
function isAmount(schema: z.ZodType): boolean {
  for (let s: z.ZodType | undefined = schema; s !== undefined; s = (s._zod as { parent?: z.ZodType }).parent) {
    if (s === amountSchema) return true;
  }
  return false;
}

/** The columns of a list's CSV: the item schema's fields, nested objects flattened to `parent.child`. */
export function csvColumns(item: z.ZodObject, prefix: string[] = []): CsvColumn[] {
  const out: CsvColumn[] = [];
  for (const [key, value] of Object.entries(item.shape)) {
    const inner = unwrap(value as z.ZodType);
    if (inner instanceof z.ZodObject && !(inner instanceof z.ZodRecord)) out.push(...csvColumns(inner, [...prefix, key]));
    else out.push({ header: [...prefix, key].join("."), path: [...prefix, key], numeric: inner instanceof z.ZodNumber || isAmount(inner) });
  }
  return out;
}

/** The value at `path` in an item (undefined when a parent is missing). */
function valueAt(item: unknown, path: string[]): unknown {
  let value: unknown = item;
  for (const key of path) value = value === null || value === undefined ? undefined : (value as Record<string, unknown>)[key];
  return value;
}

const DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/;

/**
 * The CSV writer of every export: UTF-8 with a byte order mark (so that Excel reads Chinese text as UTF-8), CRLF
 * line ends and RFC 4180 quoting. Cells are the JSON values: strings and numbers as they are, `true`/`false`, arrays
 * and objects as JSON, null as empty.
 *
 * Spreadsheet formulas are neutralised as OWASP advises (csv-stringify's `escape_formulas`): a cell that starts with
 * `=`, `+`, `-`, `@`, a tab or a carriage return (or the full-width `＝＋－＠`) gets a `'` in front, so that a
 * spreadsheet shows it as text instead of running it. The one exception is a numeric column (integers, amounts)
 * holding a plain decimal number such as `-1.00`: no spreadsheet runs a bare number, and the column must stay
 * numeric so that it can be summed. (Amounts are never negative on a sound ledger; csv-stringify leaves a leading
 * `-` alone only on JavaScript numbers, and our amounts are decimal strings.)
 */
export function csvStringifier(columns: CsvColumn[]): Stringifier {
  const options: Options = {
    bom: true,
    header: true,
    columns: columns.map((c) => c.header),
    record_delimiter: "windows",
    // With record_delimiter set, csv-stringify quotes only cells holding the whole CRLF unless told otherwise: a
    // lone CR or LF in a cell must be quoted too, or readers split the row there.
    quote_record_delimiter: true,
    escape_formulas: true,
    cast: {
      boolean: (value) => String(value),
      object: (value) => JSON.stringify(value),
      string: (value, context) => {
        if (context.header || !value.startsWith("-") || !columns[context.index]?.numeric || !DECIMAL.test(value)) return value;
        // Options of this cell only; csv-stringify merges them over the stringifier's (its type omits this one).
        const plainNumber: CastReturnObject & { escape_formulas: boolean } = { value, escape_formulas: false };
        return plainNumber;
      },
    },
  };
  return stringify(options);
}

/**
 * Streams a whole list as CSV: page after page from `next` (keyset, so memory stays about one page), fetching the
 * next page only as the socket drains, and stopping when the client goes away. The first page is read before
 * anything is sent, so that a failing query still gets a problem response.
 */
export async function streamCsv<T>(
  res: Response,
  filename: string,
  columns: CsvColumn[],
  next: () => Promise<T[] | undefined>,
): Promise<void> {
  const first = await next();
  // The request timed out meanwhile and has its answer.
  if (res.headersSent) return;
  res.status(200);
  res.setHeader("content-type", "text/csv; charset=utf-8");
  res.setHeader("content-disposition", `attachment; filename="${filename}.csv"`);
  async function* rows(): AsyncGenerator<unknown[]> {
    for (let items = first; items !== undefined; items = await next()) {
      for (const item of items) yield columns.map((c) => valueAt(item, c.path));
    }
  }
  try {
    await pipeline(Readable.from(rows()), csvStringifier(columns), res);
  } catch (error) {
    // The client went away: nothing to answer.
    if ((error as { code?: unknown }).code === "ERR_STREAM_PREMATURE_CLOSE") return;
    throw error;
  }
}
