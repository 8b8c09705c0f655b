import { once } from "node:events";

import type { Response } from "express";
import { z } from "zod";

/** A CSV column: its header (`a.b` for nested objects) and the path to its value in an item. */
export interface CsvColumn {
  header: string;
  path: string[];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  return s;
}

/** The columns of a list's CSV: the item schema's fields, nested objects flattened to `parent.child`. */
export function csvColumns(item: z.ZodObject, prefix: string[] = []): CsvColumn[] {
  const out: CsvColumn[] = [];
  for (const [key, value] of Object.entries(item.shape)) {
    const inner = unwrap(value as z.ZodType);
    if (inner instanceof z.ZodObject && !(inner instanceof z.ZodRecord)) out.push(...csvColumns(inner, [...prefix, key]));
    else out.push({ header: [...prefix, key].join("."), path: [...prefix, key] });
  }
  return out;
}

/** The text of one cell: strings and numbers as they are, arrays and objects as JSON, null and absent as empty. */
export function csvCell(item: unknown, path: string[]): string {
  let value: unknown = item;
  for (const key of path) value = value === null || value === undefined ? undefined : (value as Record<string, unknown>)[key];
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** RFC 4180 quoting. */
export function csvEscape(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: string[]): string {
  return `${cells.map(csvEscape).join(",")}\r\n`;
}

/**
 * Streams a whole list as CSV: page after page from `next` (keyset, so memory stays one page), writing as the
 * socket drains and stopping when the client goes away. The first page is read before anything is written, so a
 * query that fails on it is still answered with a problem rather than a cut connection.
 */
export async function streamCsv<T>(
  res: Response,
  filename: string,
  columns: CsvColumn[],
  next: () => Promise<T[] | undefined>,
): Promise<void> {
  let items = await next();
  res.status(200);
  res.setHeader("content-type", "text/csv; charset=utf-8");
  res.setHeader("content-disposition", `attachment; filename="${filename}.csv"`);
  res.write(csvLine(columns.map((c) => c.header)));
  let closed = false;
  res.once("close", () => {
    closed = true;
  });
  while (items !== undefined && !closed) {
    let chunk = "";
    for (const item of items) chunk += csvLine(columns.map((c) => csvCell(item, c.path)));
    if (!res.write(chunk) && !closed) await Promise.race([once(res, "drain"), once(res, "close")]);
    if (closed) break;
    items = await next();
  }
  res.end();
}
