import { z } from "zod";

import type { RequestContext } from "./context.js";
import { csvColumns, streamCsv } from "./csv.js";
import { type CursorKey, type KeyType, decodeCursor, encodeCursor, MAX_LIMIT, pageQueryShape } from "./cursor.js";
import { type Endpoint, STREAMED } from "./endpoint.js";
import { blockInput } from "./format.js";
import { carriesIdentity, logIdentifyingRead } from "./identities.js";
import type { ProblemCode } from "./problem.js";
import { databaseAt } from "./replay.js";

/** Fetches the rows strictly after `after` in the list's order, at most `limit` of them. */
export type PageFetcher<Row> = (after: CursorKey | undefined, limit: number) => Promise<Row[]>;

export interface ListSpec<P extends z.ZodType | undefined, F extends z.ZodRawShape, I extends z.ZodObject, Row> {
  id: string;
  path: string;
  summary: string;
  description?: string;
  tag: string;
  params?: P;
  /** The list's filters (the page fields cursor, limit and format are added). */
  filters: F;
  item: I;
  /** Name of the item's OpenAPI component; the page is `<name>Page`. */
  name: string;
  /** The SQL types of the sort key's values. */
  keyTypes: KeyType[];
  errors?: ProblemCode[];
  /**
   * Whether the list answers `atBlock` (ledger v2's): its rows as of the end of a block, from the store's versions.
   * `plan` is then given a context whose `db` reads the derived tables as of that block (service/api/replay.ts
   * `databaseAt`), so that its queries are the same now and then; the page says the block (`asOfBlock`), and its
   * cursor is bound to it.
   */
  atBlock?: boolean;
  /** Checks the caller's scope and builds the query once; returns the page fetcher. */
  plan(
    input: { params: P extends z.ZodType ? z.output<P> : undefined; query: z.output<z.ZodObject<F>> },
    ctx: RequestContext,
  ): Promise<PageFetcher<Row>>;
  key(row: Row): CursorKey;
  map(row: Row, ctx: RequestContext): z.input<I>;
  /**
   * The id of a record for the access log (ledger v2's lists): every answer whose records carry company-identifying
   * data (service/api/identities.ts) is logged with the ids of those records.
   */
  recordId?: (item: z.input<I>) => string;
}

const atBlockShape = {
  atBlock: blockInput.optional().meta({
    description: "Time travel: the list as of the end of this block, from the store's history; the next pages are given with the same atBlock",
  }),
};

/**
 * A paginated list endpoint: `{ items, nextCursor }` pages by keyset, and with `?format=csv` or `Accept: text/csv`
 * the whole result streamed as CSV; with `spec.atBlock`, as of a block too (`{ items, nextCursor, asOfBlock }`).
 */
export function defineList<P extends z.ZodType | undefined, F extends z.ZodRawShape, I extends z.ZodObject, Row>(
  spec: ListSpec<P, F, I, Row>,
) {
  const query = z.strictObject({ ...spec.filters, ...pageQueryShape, ...(spec.atBlock === true ? atBlockShape : {}) });
  const output = z
    .strictObject({
      items: z.array(spec.item),
      nextCursor: z.string().nullable().meta({ description: "Cursor of the next page; null on the last page" }),
      ...(spec.atBlock === true
        ? { asOfBlock: z.number().int().nullable().meta({ description: "The block of a time-travel answer (`atBlock`), else null" }) }
        : {}),
    })
    .meta({ id: `${spec.name}Page` });
  const columns = csvColumns(spec.item);
  const endpoint: Endpoint<P, typeof query, undefined, typeof output> = {
    id: spec.id,
    method: "get",
    path: spec.path,
    summary: spec.summary,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    tag: spec.tag,
    auth: "token",
    ...(spec.params === undefined ? {} : { params: spec.params }),
    query,
    output,
    alternative: {
      mediaType: "text/csv",
      description: "The whole result as CSV (UTF-8 with a BOM), one row per item, nested fields as `a.b`; text that a spreadsheet would run as a formula starts with `'`",
    },
    errors: ["INVALID_CURSOR", ...(spec.atBlock === true ? (["BLOCK_NOT_INDEXED", "BLOCK_NOT_KEPT"] as const) : []), ...(spec.errors ?? [])],
    async handle(input, ctx) {
      const { cursor, limit, format, atBlock, ...filters } = input.query as unknown as {
        cursor?: string;
        limit: number;
        format?: "json" | "csv";
        atBlock?: number;
      } & Record<string, unknown>;
      let after = decodeCursor(spec.id, cursor, spec.keyTypes, atBlock);
      const logged = async (items: z.input<I>[]) => {
        if (spec.recordId === undefined) return items;
        const ids = items.filter((item) => carriesIdentity(item as Record<string, unknown>)).map(spec.recordId);
        await logIdentifyingRead(ctx, spec.id, atBlock === undefined ? filters : { ...filters, atBlock }, ids);
        return items;
      };
      const at = { ...ctx, db: await databaseAt(ctx, atBlock) };
      const fetch = await spec.plan(
        { params: input.params, query: filters as unknown as z.output<z.ZodObject<F>> },
        at,
      );
      const wantsCsv = format === "csv" || (format === undefined && ctx.req.accepts(["application/json", "text/csv"]) === "text/csv");
      if (wantsCsv) {
        let done = false;
        await streamCsv(ctx.res, spec.id, columns, async () => {
          if (done) return undefined;
          const rows = await fetch(after, MAX_LIMIT);
          if (rows.length < MAX_LIMIT) done = true;
          if (rows.length > 0) after = spec.key(rows[rows.length - 1]!);
          return logged(rows.map((row) => spec.map(row, ctx)));
        });
        return STREAMED;
      }
      const rows = await fetch(after, limit + 1);
      const page = rows.slice(0, limit);
      const more = rows.length > limit;
      return {
        items: await logged(page.map((row) => spec.map(row, ctx))),
        nextCursor: more ? encodeCursor(spec.id, spec.key(page[page.length - 1]!), atBlock) : null,
        ...(spec.atBlock === true ? { asOfBlock: atBlock ?? null } : {}),
      };
    },
  };
  return endpoint;
}
