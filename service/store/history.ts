import type { Queryable } from "./database.js";
import { VERSIONED_TABLES } from "./migrations-history.js";
import type { StoredEvent } from "./projection.js";

/**
 * The derived tables' block ranges (service/store/migrations-history.ts): projecting block by block so that each
 * change is recorded as of its block, rolling the tables back to a block from their versions, and reading a table
 * as of a block.
 */

/** A projection: applies events, in chain order, to the derived tables. */
export type Projection = (tx: Queryable, events: readonly StoredEvent[]) => Promise<void>;

/**
 * Applies `events` (in chain order) block by block, each block with `mirror.block` set so that the derived tables'
 * triggers record the versions its events write as of that block.
 */
export async function projectByBlock(tx: Queryable, events: readonly StoredEvent[], project: Projection): Promise<void> {
  let start = 0;
  while (start < events.length) {
    const block = events[start]!.blockNumber;
    let end = start;
    while (end < events.length && events[end]!.blockNumber === block) end++;
    await tx.query("SELECT set_config('mirror.block', $1, true)", [String(block)]);
    await project(tx, events.slice(start, end));
    start = end;
  }
  await tx.query("SELECT set_config('mirror.block', '', true)");
}

interface TableShape {
  key: string[];
  /** The columns a row is written with (the generated ones left out). */
  columns: string[];
}

async function shapeOf(tx: Queryable, table: string): Promise<TableShape> {
  const key = await tx.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)`,
    [table],
  );
  const columns = await tx.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
    [table],
  );
  return { key: key.map((r) => r.name), columns: columns.map((r) => r.name) };
}

/** A table name from the catalogue, quoted for SQL. */
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Rolls the derived tables back to their state at the end of block `fork`, from their versions: the rows of every
 * key with a version born or closed above `fork` are deleted, the versions born above it deleted, those closed above
 * it reopened, and those keys' rows put back from the versions current at `fork`. Rows that did not change above
 * `fork` are not touched. Returns how many rows were deleted and how many put back.
 */
export async function rollbackVersions(tx: Queryable, fork: number): Promise<{ deleted: number; restored: number }> {
  await tx.query("SELECT set_config('mirror.block', '', true)");
  await tx.query(
    `CREATE TEMP TABLE rollback_keys ON COMMIT DROP AS
       SELECT DISTINCT table_name, key FROM derived_versions WHERE valid_from > $1 OR valid_until > $1`,
    [fork],
  );
  const tables = (await tx.query<{ table_name: string }>("SELECT DISTINCT table_name FROM rollback_keys ORDER BY table_name"))
    .map((r) => r.table_name);
  const shapes = new Map<string, TableShape>();
  let deleted = 0;
  let restored = 0;
  for (const table of tables) {
    const shape = await shapeOf(tx, table);
    shapes.set(table, shape);
    const rows = await tx.query(
      `DELETE FROM ${ident(table)} t USING rollback_keys k, jsonb_populate_record(NULL::${ident(table)}, k.key) r
        WHERE k.table_name = $1 AND ${shape.key.map((c) => `t.${ident(c)} = r.${ident(c)}`).join(" AND ")} RETURNING 1`,
      [table],
    );
    deleted += rows.length;
  }
  await tx.query("DELETE FROM derived_versions WHERE valid_from > $1", [fork]);
  await tx.query("UPDATE derived_versions SET valid_until = NULL WHERE valid_until > $1", [fork]);
  for (const table of tables) {
    const columns = shapes.get(table)!.columns.map(ident).join(", ");
    const rows = await tx.query(
      `INSERT INTO ${ident(table)} (${columns})
         SELECT ${shapes.get(table)!.columns.map((c) => `r.${ident(c)}`).join(", ")}
           FROM rollback_keys k
           JOIN derived_versions v ON v.table_name = k.table_name AND v.key = k.key AND v.valid_until IS NULL,
                jsonb_populate_record(NULL::${ident(table)}, v.row) r
          WHERE k.table_name = $1
         RETURNING 1`,
      [table],
    );
    restored += rows.length;
  }
  await tx.query("DROP TABLE rollback_keys");
  return { deleted, restored };
}

/**
 * SQL for derived table `table` as of the end of a block (`block`: an SQL expression, a parameter such as `$1`), as
 * a subquery with the table's columns: the versions whose range holds the block. `key`, an SQL jsonb expression of
 * the table's primary key (`jsonb_build_object('id', $2::numeric)`), narrows it to one row by the versions' index.
 */
export function tableAtSql(table: string, block: string, key?: string): string {
  return `(SELECT r.* FROM derived_versions v, jsonb_populate_record(NULL::${ident(table)}, v.row) r
     WHERE v.table_name = '${table}' ${key === undefined ? "" : `AND v.key = ${key}`}
       AND v.valid_from <= ${block} AND (v.valid_until IS NULL OR v.valid_until > ${block}))`;
}

/** The blocks whose state the versions answer: from the history's first block up to the checkpoint. */
export async function historyRange(q: Queryable): Promise<{ from: number; to: number } | undefined> {
  const rows = await q.query<{ from: string; to: string }>(
    "SELECT history_from::text AS from, block_number::text AS to FROM sync_checkpoint WHERE id = 1",
  );
  return rows[0] === undefined ? undefined : { from: Number(rows[0].from), to: Number(rows[0].to) };
}

/** The row a key had at the end of a block (null: deleted then), as a projection that folds several blocks saw it. */
export interface Version {
  key: Record<string, string | number>;
  row: Record<string, unknown> | null;
  block: number;
}

/**
 * Records the versions of rows of `table` that a projection folding several blocks at once computed (v1's, which
 * writes only each row's last state and so cannot leave it to the trigger): per key, in block order, each version
 * current from its block to the next one's, the one before the first closed there (or replaced, when it is of the
 * same block). Keys and rows are cast to the table's types, so they read as the trigger's do. Rows must carry every
 * column, generated ones included.
 */
export async function writeVersions(tx: Queryable, table: string, versions: readonly Version[]): Promise<void> {
  if (versions.length === 0) return;
  const byKey = new Map<string, Version[]>();
  for (const v of versions) {
    const k = JSON.stringify(v.key);
    const list = byKey.get(k);
    if (list === undefined) byKey.set(k, [v]);
    else list.push(v);
  }
  const firsts: { key: Version["key"]; block: number }[] = [];
  const rows: { key: Version["key"]; row: Record<string, unknown>; from: number; until: number | null }[] = [];
  for (const list of byKey.values()) {
    list.sort((a, b) => a.block - b.block);
    firsts.push({ key: list[0]!.key, block: list[0]!.block });
    list.forEach((v, i) => {
      if (v.row !== null) rows.push({ key: v.key, row: v.row, from: v.block, until: list[i + 1]?.block ?? null });
    });
  }
  const type = ident(table);
  const key = (expr: string) => `jsonb_strip_nulls(to_jsonb(jsonb_populate_record(NULL::${type}, ${expr})))`;
  const first = JSON.stringify(firsts);
  await tx.query(
    `DELETE FROM derived_versions d USING jsonb_to_recordset($1::jsonb) AS x(key jsonb, block bigint)
      WHERE d.table_name = '${table}' AND d.valid_until IS NULL AND d.key = ${key("x.key")} AND d.valid_from = x.block`,
    [first],
  );
  await tx.query(
    `UPDATE derived_versions d SET valid_until = x.block FROM jsonb_to_recordset($1::jsonb) AS x(key jsonb, block bigint)
      WHERE d.table_name = '${table}' AND d.valid_until IS NULL AND d.key = ${key("x.key")}`,
    [first],
  );
  for (let start = 0; start < rows.length; start += 2000) {
    await tx.query(
      `INSERT INTO derived_versions (table_name, key, row, valid_from, valid_until)
         SELECT '${table}', ${key("x.key")}, to_jsonb(jsonb_populate_record(NULL::${type}, x.row)), x."from", x.until
           FROM jsonb_to_recordset($1::jsonb) AS x(key jsonb, row jsonb, "from" bigint, until bigint)`,
      [JSON.stringify(rows.slice(start, start + 2000))],
    );
  }
}

/**
 * A reader of the derived tables as of the end of `block` (undefined: the live tables, the queries unchanged). Each
 * query it is given is prefixed with one common table expression per versioned table it names, of that table's name,
 * holding the versions current at the block ({@link tableAtSql}), and one for the raw log up to the block: the name
 * then means the table as of the block everywhere in the query, its sub-queries included, so the same SQL answers
 * now and as of a past block. The block is the query's last parameter. A query may start with its own `WITH` (not
 * `WITH RECURSIVE`); a table it does not read costs nothing (an unreferenced expression is never evaluated).
 */
export function readerAt(q: Queryable, block: number | undefined): Queryable {
  if (block === undefined) return q;
  return {
    query<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
      const at = `$${params.length + 1}::bigint`;
      const named = (name: string) => new RegExp(`\\b${name}\\b`).test(text);
      const ctes = [
        ...VERSIONED_TABLES.filter(named).map((table) => `${table} AS ${tableAtSql(table, at)}`),
        ...(named("events") ? [`events AS (SELECT * FROM events WHERE block_number <= ${at})`] : []),
      ];
      if (ctes.length === 0) return q.query<T>(text, params);
      const own = /^\s*WITH\s+(RECURSIVE\s+)?/i.exec(text);
      if (own?.[1] !== undefined) throw new Error("readerAt: a recursive query cannot be read as of a block");
      const sql = own === null ? `WITH ${ctes.join(",\n")}\n${text}` : `WITH ${ctes.join(",\n")},\n${text.slice(own[0].length)}`;
      return q.query<T>(sql, [...params, block]);
    },
  };
}
