import pg from "pg";

import type { Config } from "../internal/config.js";
import { classifyDatabaseError } from "../internal/errors.js";
import type { Database } from "../store/database.js";
import { type AccessEntry, recordAccess } from "../store/registry.js";

/** Where the API writes its log of reads of company-identifying data (`registry_access_log`). */
export interface AccessLog {
  record(entry: AccessEntry): Promise<void>;
  close(): Promise<void>;
}

/**
 * The access log's writer. Every process that answers reads writes it, replicas too: on PostgreSQL through a small pool
 * of its own (the API's read pool is read-only), which only ever inserts into the log; on PGlite (one process) through
 * the shared database.
 */
export function openAccessLog(config: Config, shared: Database): AccessLog {
  if (config.database.kind === "postgres") {
    const pool = new pg.Pool({ connectionString: config.database.url, options: `-c search_path=${config.database.schema}`, max: 2 });
    pool.on("error", () => undefined);
    return {
      async record(entry) {
        try {
          await recordAccess({ query: async <T>(sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows as T[] }, entry);
        } catch (error) {
          throw classifyDatabaseError(error);
        }
      },
      close: () => pool.end(),
    };
  }
  return { record: (entry) => recordAccess(shared, entry), close: async () => undefined };
}
