import { z } from "zod";

import type { RequestContext } from "./context.js";
import { csvColumns, streamCsv } from "./csv.js";
import { type CursorKey, type KeyType, decodeCursor, encodeCursor, MAX_LIMIT, pageQueryShape } from "./cursor.js";
import { type Endpoint, STREAMED } from "./endpoint.js";
import { carriesIdentity, logIdentifyingRead } from "./identities.js";
import type { ProblemCode } from "./problem.js";

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

/**
 * A paginated list endpoint: `{ items, nextCursor }` pages by keyset, and with `?format=csv` or `Accept: text/csv`
 * the whole result streamed as CSV.
 */
export function defineList<P extends z.ZodType | undefined, F extends z.ZodRawShape, I extends z.ZodObject, Row>(
  spec: ListSpec<P, F, I, Row>,
) {
  const query = z.strictObject({ ...spec.filters, ...pageQueryShape });
  const output = z
    .strictObject({
      items: z.array(spec.item),
      nextCursor: z.string().nullable().meta({ description: "Cursor of the next page; null on the last page" }),
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
    errors: ["INVALID_CURSOR", ...(spec.errors ?? [])],
    async handle(input, ctx) {
      const { cursor, limit, format, ...filters } = input.query as unknown as {
        cursor?: string;
        limit: number;
        format?: "json" | "csv";
      } & Record<string, unknown>;
      let after = decodeCursor(spec.id, cursor, spec.keyTypes);
      const logged = async (items: z.input<I>[]) => {
        if (spec.recordId === undefined) return items;
        const ids = items.filter((item) => carriesIdentity(item as Record<string, unknown>)).map(spec.recordId);
        await logIdentifyingRead(ctx, spec.id, filters, ids);
        return items;
      };
      const fetch = await spec.plan(
        { params: input.params, query: filters as unknown as z.output<z.ZodObject<F>> },
        ctx,
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
        nextCursor: more ? encodeCursor(spec.id, spec.key(page[page.length - 1]!)) : null,
      };
    },
  };
  return endpoint;
}
