import { access, mkdir, open, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";

import { PGlite, types } from "@electric-sql/pglite";
import pg from "pg";

import { classifyDatabaseError, DatabaseConnectionError } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";
import { sleep } from "../internal/retry.js";
import { advisoryLock, type AdvisoryLock } from "./lock.js";

/** Something that runs SQL: the database itself, or one transaction. Rows come back as plain objects. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Database extends Queryable {
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type DatabaseConfig = { kind: "postgres"; url: string; schema: string } | { kind: "pglite"; dataDir: string };

export interface OpenOptions {
  logger: Logger;
  /** Take the single-writer lock first (waiting for another writer to go, and saying so). */
  writer: boolean;
  /** Called when the writer lock is lost (the lock connection broke): the writer must stop at once. */
  onLockLost?: (error: Error) => void;
  signal?: AbortSignal;
  lockPollMs?: number;
}

async function wrap<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw classifyDatabaseError(error);
  }
}

/**
 * Whether the store is a PGlite data folder made before: opening it then creates nothing, so the service may open it
 * while it still checks the chain (PGlite's start is most of a launch). A fresh folder, or PostgreSQL (whose open
 * creates the schema), is opened only once the chain is known to be one the service runs on.
 */
export async function openingChangesNothing(config: DatabaseConfig): Promise<boolean> {
  if (config.kind !== "pglite") return false;
  return access(join(config.dataDir, "pgdata", "PG_VERSION")).then(() => true, () => false);
}

/** Opens the store: PostgreSQL when configured, PGlite in a data folder otherwise. */
export async function openDatabase(config: DatabaseConfig, options: OpenOptions): Promise<Database> {
  return config.kind === "postgres" ? openPostgres(config, options) : openPglite(config.dataDir, options);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A lock file in the data folder holding the writer's pid; a lock left by a dead process is taken over. */
async function lockDataDir(dataDir: string, options: OpenOptions): Promise<() => Promise<void>> {
  const path = join(dataDir, "writer.lock");
  let said = false;
  for (;;) {
    try {
      const handle = await open(path, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        const holder = await readFile(path, "utf8").catch(() => "");
        if (holder === String(process.pid)) await unlink(path).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
    if (!Number.isSafeInteger(holder) || (!isAlive(holder) && holder !== process.pid)) {
      options.logger.warn({ path, holder, event: "lock.stale" }, "removing a stale writer lock left by a process that is gone");
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (!said) {
      options.logger.info({ path, holder, event: "lock.waiting" }, "another writer holds the data folder; waiting for it to stop");
      said = true;
    }
    if (options.signal?.aborted) throw new DatabaseConnectionError("stopped while waiting for the writer lock");
    await sleep(options.lockPollMs ?? 500, options.signal);
  }
}

/**
 * PGlite answers int8 as a JavaScript number (rounded above 2^53), node-postgres as text: PGlite is told to answer it
 * as text too, so that a row has the same types on both backends (those of the typed schema, `store/schema.ts`).
 */
const PGLITE_PARSERS = { [types.INT8]: (value: string) => value };

async function openPglite(dataDir: string, options: OpenOptions): Promise<Database> {
  await mkdir(dataDir, { recursive: true });
  // PGlite is one process's database: even a reader needs the folder to itself.
  const unlock = await lockDataDir(dataDir, options);
  let db: PGlite;
  try {
    db = await PGlite.create(join(dataDir, "pgdata"), { parsers: PGLITE_PARSERS });
  } catch (error) {
    await unlock();
    throw classifyDatabaseError(error);
  }
  const run = (q: { query: PGlite["query"] }) =>
    async function query<T>(sql: string, params?: unknown[]): Promise<T[]> {
      return wrap(async () => (await q.query<T>(sql, params)).rows);
    };
  return {
    kind: "pglite",
    query: run(db),
    transaction: (fn) => wrap(() => db.transaction((tx) => fn({ query: run(tx) }))),
    async close() {
      await db.close().catch(() => undefined);
      await unlock();
    },
  };
}

async function openPostgres(config: { url: string; schema: string }, options: OpenOptions): Promise<Database> {
  const clientConfig = { connectionString: config.url, options: `-c search_path=${config.schema}` };
  const pool = new pg.Pool({ ...clientConfig, max: 4 });
  pool.on("error", (error) => options.logger.warn({ err: error.message }, "idle database connection failed"));
  let lock: AdvisoryLock | undefined;
  const release = async () => {
    await lock?.release();
    await pool.end().catch(() => undefined);
  };
  try {
    await wrap(() => pool.query(`CREATE SCHEMA IF NOT EXISTS "${config.schema}"`));
    if (options.writer) lock = await lockPostgres(clientConfig, config.schema, options);
  } catch (error) {
    await release();
    throw classifyDatabaseError(error);
  }
  return {
    kind: "postgres",
    query: <T>(sql: string, params?: unknown[]) => wrap(async () => (await pool.query(sql, params)).rows as T[]),
    async transaction(fn) {
      const client = await wrap(() => pool.connect());
      try {
        await wrap(() => client.query("BEGIN"));
        const result = await fn({ query: <T>(sql: string, params?: unknown[]) => wrap(async () => (await client.query(sql, params)).rows as T[]) });
        await wrap(() => client.query("COMMIT"));
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw classifyDatabaseError(error);
      } finally {
        client.release();
      }
    },
    close: release,
  };
}

/** The single writer's advisory lock, keyed by schema. */
function lockPostgres(clientConfig: pg.ClientConfig, schema: string, options: OpenOptions): Promise<AdvisoryLock> {
  return advisoryLock(clientConfig, {
    key: `compute-voucher-mirror:${schema}`,
    logger: options.logger,
    fields: { schema },
    waiting: "another writer holds the advisory lock; waiting for it to stop",
    acquired: "writer lock acquired; this process now writes",
    stopped: () => new DatabaseConnectionError("stopped while waiting for the writer lock"),
    signal: options.signal,
    pollMs: options.lockPollMs,
    onLost: options.onLockLost,
  });
}
