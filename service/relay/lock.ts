import type { Logger } from "../internal/logger.js";
import type { DatabaseConfig } from "../store/database.js";
import { advisoryLock, type AdvisoryLock } from "../store/lock.js";

export type RelayerLock = AdvisoryLock;

/**
 * One submitter per relayer account. On PostgreSQL: the store's advisory lock, keyed by schema and relayer address,
 * waited for while another process holds it, and reported lost (`onLost`) when its connection fails or closes. On
 * PGlite the data folder's writer lock (taken when the database was opened) already makes this process the only one.
 */
export async function lockRelayer(
  database: DatabaseConfig,
  relayer: string,
  options: { logger: Logger; signal?: AbortSignal; onLost?: ((error: Error) => void) | undefined },
): Promise<RelayerLock> {
  if (database.kind === "pglite") return { release: async () => undefined };
  return advisoryLock(
    { connectionString: database.url },
    {
      key: `compute-voucher-relayer:${database.schema}:${relayer.toLowerCase()}`,
      logger: options.logger,
      fields: { relayer },
      waiting: "another process submits for this relayer account; waiting for it to stop",
      stopped: () => new Error("stopped while waiting for the relayer lock"),
      signal: options.signal,
      pollMs: 1000,
      onLost: options.onLost,
    },
  );
}
