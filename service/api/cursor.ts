import { z } from "zod";

import { ApiError } from "./problem.js";

/**
 * Keyset pagination. A cursor is the sort key of the last row of a page, opaque to clients (base64url JSON) and
 * bound to its list, so a cursor of one list is refused by another. The next page is the rows strictly after the
 * key in the list's order: rows added meanwhile land after the key or before it, never in the middle of a page,
 * so a client walking the pages sees no row twice and skips none that existed when it started. A page read as of a
 * block (`atBlock`) gives a cursor bound to that block too: the next page is read as of the same block, and a cursor
 * of another block (or of the live list) is refused, so the pages of one walk are of one state.
 */
export type CursorKey = (string | number)[];

/** The SQL type of each value of a sort key; a cursor's values are checked against them before any query. */
export type KeyType = "bigint" | "numeric" | "text";

/** A text value PostgreSQL can hold (its text type refuses U+0000). */
const text = z.string().max(100).refine((v) => !v.includes("\u0000"));

const valueOf: Record<KeyType, z.ZodType> = {
  bigint: z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER),
  numeric: z.string().regex(/^[0-9]{1,78}$/),
  text,
};

const keyValues = z.array(z.union([text, z.number().int()])).max(4);
const payload = z.union([z.tuple([z.string(), keyValues]), z.tuple([z.string(), keyValues, z.number().int().min(0)])]);

/** A cursor after `key` in `list`; with `atBlock`, of that list as of that block. */
export function encodeCursor(list: string, key: CursorKey, atBlock?: number): string {
  return Buffer.from(JSON.stringify(atBlock === undefined ? [list, key] : [list, key, atBlock])).toString("base64url");
}

export function decodeCursor(list: string, cursor: string | undefined, types: KeyType[], atBlock?: number): CursorKey | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw new ApiError("INVALID_CURSOR", "the cursor is not one this API issued");
  }
  const result = payload.safeParse(parsed);
  const key = result.success ? result.data[1] : [];
  if (!result.success || result.data[0] !== list || key.length !== types.length || key.some((v, i) => !valueOf[types[i]!].safeParse(v).success)) {
    throw new ApiError("INVALID_CURSOR", `the cursor is not one of the ${list} list`);
  }
  const block = result.data[2];
  if (block !== atBlock) {
    throw new ApiError("INVALID_CURSOR", block === undefined
      ? `the cursor is of the ${list} list now, not as of block ${atBlock}`
      : `the cursor is of the ${list} list as of block ${block}${atBlock === undefined ? "" : `, not ${atBlock}`}`);
  }
  return key;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

export const pageQueryShape = {
  cursor: z.string().max(512).optional().meta({ description: "Opaque cursor from the previous page's `nextCursor`" }),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(DEFAULT_LIMIT).meta({ description: "Rows per page (1–1000)" }),
  format: z.enum(["json", "csv"]).optional().meta({ description: "`csv` exports the whole result as CSV (as `Accept: text/csv`)" }),
};
