import pg from "pg";

import type { Logger } from "../internal/logger.js";
import { sleep } from "../internal/retry.js";
import type { DatabaseConfig } from "../store/database.js";

export interface RelayerLock {
  release(): Promise<void>;
}

/**
 * One submitter per relayer account. On PostgreSQL: a session advisory lock keyed by schema and relayer address
 * (`pg_try_advisory_lock`), held on its own connection, waited for while another process holds it. On PGlite the
 * data folder's writer lock (taken when the database was opened) already makes this process the only one.
 */
export async function lockRelayer(
  database: DatabaseConfig,
  relayer: string,
  options: { logger: Logger; signal?: AbortSignal; onLost?: (error: Error) => void },
): Promise<RelayerLock> {
  if (database.kind === "pglite") return { release: async () => undefined };
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  let held = false;
  client.on("error", (error) => {
    if (held) options.onLost?.(error);
  });
  const key = `compute-voucher-relayer:${database.schema}:${relayer.toLowerCase()}`;
  let said = false;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS locked", [key]);
    if (rows[0]?.locked === true) {
      held = true;
      return {
        async release() {
          held = false;
          await client.end().catch(() => undefined);
        },
      };
    }
    if (!said) {
      options.logger.info({ relayer }, "another process submits for this relayer account; waiting for it to stop");
      said = true;
    }
    if (options.signal?.aborted) {
      await client.end().catch(() => undefined);
      throw new Error("stopped while waiting for the relayer lock");
    }
    await sleep(1000, options.signal);
  }
}
