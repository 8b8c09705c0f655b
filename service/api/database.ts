import pg from "pg";

import type { Config } from "../internal/config.js";
import { classifyDatabaseError } from "../internal/errors.js";
import type { Database, Queryable } from "../store/database.js";
import { ApiError } from "./problem.js";

export interface ApiDatabase extends Queryable {
  close(): Promise<void>;
}

/**
 * The API's reads. On PostgreSQL, a pool of its own whose sessions are read-only and carry `statement_timeout`,
 * so a slow query is stopped by the server. On PGlite (one in-process database shared with the mirror) the
 * statement cannot be cancelled; the request gives up waiting after the same time instead.
 */
export function openApiDatabase(config: Config, shared: Database, statementTimeoutMs: number): ApiDatabase {
  if (config.database.kind === "postgres") {
    const pool = new pg.Pool({
      connectionString: config.database.url,
      options: `-c search_path=${config.database.schema} -c statement_timeout=${statementTimeoutMs} -c default_transaction_read_only=on`,
      max: 10,
    });
    pool.on("error", () => undefined);
    return {
      async query<T>(sql: string, params?: unknown[]) {
        try {
          return (await pool.query(sql, params)).rows as T[];
        } catch (error) {
          if ((error as { code?: string }).code === "57014") throw new ApiError("TIMEOUT", "the database statement timed out");
          throw classifyDatabaseError(error);
        }
      },
      close: () => pool.end(),
    };
  }
  return {
    async query<T>(sql: string, params?: unknown[]) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ApiError("TIMEOUT", "the database statement timed out")), statementTimeoutMs);
      });
      try {
        return await Promise.race([shared.query<T>(sql, params), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: async () => undefined,
  };
}
