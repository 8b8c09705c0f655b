import pg from "pg";

import type { Logger } from "../internal/logger.js";
import { sleep } from "../internal/retry.js";

export interface AdvisoryLock {
  release(): Promise<void>;
}

export interface AdvisoryLockOptions {
  /** What the lock is for, hashed into the advisory lock's key (`hashtext`). */
  key: string;
  logger: Logger;
  /** Fields of the log lines about this lock (`{ schema }`, `{ relayer }`); `event` is `lock.waiting` or `lock.acquired`. */
  fields: Record<string, unknown>;
  /** What is logged, once, while another session holds the lock. */
  waiting: string;
  /** What is logged when the lock is taken after waiting for it. */
  acquired?: string;
  /** The error thrown when `signal` aborts the wait. */
  stopped: () => Error;
  signal?: AbortSignal | undefined;
  pollMs?: number | undefined;
  /** Called when the lock is lost once held (its connection failed or closed): its holder must stop at once. */
  onLost?: ((error: Error) => void) | undefined;
}

/**
 * The service's one advisory-lock helper: a PostgreSQL session advisory lock (`pg_try_advisory_lock`) held on a
 * connection of its own for as long as its holder runs, waited for while another session holds it, and reported lost
 * when that connection fails or closes. The mirror's single writer and each relayer account's submitter take one.
 */
export async function advisoryLock(clientConfig: pg.ClientConfig, options: AdvisoryLockOptions): Promise<AdvisoryLock> {
  const client = new pg.Client(clientConfig);
  await client.connect();
  let held = false;
  client.on("error", (error) => {
    if (held) options.onLost?.(error);
  });
  client.on("end", () => {
    if (held) options.onLost?.(new Error(`the lock connection closed (${options.key})`));
  });
  let said = false;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS locked", [options.key]);
    if (rows[0]?.locked === true) {
      held = true;
      if (said && options.acquired !== undefined) options.logger.info({ ...options.fields, event: "lock.acquired" }, options.acquired);
      return {
        async release() {
          held = false;
          await client.end().catch(() => undefined);
        },
      };
    }
    if (!said) {
      options.logger.info({ ...options.fields, event: "lock.waiting" }, options.waiting);
      said = true;
    }
    if (options.signal?.aborted) {
      await client.end().catch(() => undefined);
      throw options.stopped();
    }
    await sleep(options.pollMs ?? 1000, options.signal);
  }
}
