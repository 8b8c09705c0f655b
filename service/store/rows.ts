import type { Queryable } from "./database.js";

export type Column = readonly [name: string, sqlType: string];

/**
 * Writes many rows with one statement per chunk: the rows travel as one JSON parameter and are unpacked by
 * `jsonb_to_recordset`, which PostgreSQL and PGlite both have. Values must be JSON-safe (bigints as strings).
 * `conflict` is the ON CONFLICT clause: "DO NOTHING", or the key to update on.
 */
export async function insertRows(
  tx: Queryable,
  table: string,
  columns: readonly Column[],
  rows: readonly Record<string, unknown>[],
  conflict: { doNothing: true; returning?: string } | { key: readonly string[] },
  chunk = 2000,
): Promise<Record<string, unknown>[]> {
  const names = columns.map(([name]) => name).join(", ");
  const types = columns.map(([name, type]) => `${name} ${type}`).join(", ");
  let onConflict: string;
  if ("key" in conflict) {
    const updates = columns
      .filter(([name]) => !conflict.key.includes(name))
      .map(([name]) => `${name} = EXCLUDED.${name}`)
      .join(", ");
    onConflict = `ON CONFLICT (${conflict.key.join(", ")}) DO UPDATE SET ${updates}`;
  } else {
    onConflict = `ON CONFLICT DO NOTHING${conflict.returning === undefined ? "" : ` RETURNING ${conflict.returning}`}`;
  }
  const sql = `INSERT INTO ${table} (${names}) SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS x(${types}) ${onConflict}`;
  const out: Record<string, unknown>[] = [];
  for (let start = 0; start < rows.length; start += chunk) {
    const part = rows.slice(start, start + chunk);
    out.push(...(await tx.query(sql, [JSON.stringify(part)])));
  }
  return out;
}

/** `(col1, col2) IN (...)` over keys sent as one JSON array of arrays of text, cast back to the column types. */
function keyFilter(keyColumns: readonly Column[]): string {
  const tuple = keyColumns.map(([name]) => name).join(", ");
  const unpack = keyColumns.map(([, type], i) => `(k->>${i})::${type}`).join(", ");
  return `(${tuple}) IN (SELECT ${unpack} FROM jsonb_array_elements($1::jsonb) AS k)`;
}

/** Deletes the rows whose key is in `keys` (each key a list of column values as text). */
export async function deleteRows(
  tx: Queryable,
  table: string,
  keyColumns: readonly Column[],
  keys: readonly string[][],
): Promise<void> {
  if (keys.length === 0) return;
  await tx.query(`DELETE FROM ${table} WHERE ${keyFilter(keyColumns)}`, [JSON.stringify(keys)]);
}

/** Selects the rows whose key is in `keys` (each key a list of column values as text). */
export async function selectRows<T>(
  tx: Queryable,
  table: string,
  keyColumns: readonly Column[],
  keys: readonly string[][],
  columns = "*",
): Promise<T[]> {
  if (keys.length === 0) return [];
  return tx.query<T>(`SELECT ${columns} FROM ${table} WHERE ${keyFilter(keyColumns)}`, [JSON.stringify(keys)]);
}
