import type { Rpc } from "../chain/rpc.js";
import type { Logger } from "../internal/logger.js";
import type { Queryable } from "../store/database.js";
import type { SyncStatus } from "../sync/syncer.js";

/** The chain's head and the mirror's indexed block, as the API sees them. */
export interface ChainSnapshot {
  head: number;
  indexed: number;
  /** Whether the node answered the last time it was asked. */
  nodeReachable: boolean;
}

export interface ChainView {
  /** The last known head, without waiting (for `final` on every record). */
  head(): number;
  /** Reads the head from the node (or the in-process syncer) and the indexed block from the database now. */
  refresh(): Promise<ChainSnapshot>;
  close(): void;
}

/**
 * Keeps the head fresh: from the syncer of this process when there is one (no extra RPC), else polled from the node
 * every `intervalMs`. The indexed block always comes from the database's checkpoint, which is what the API serves.
 */
export function createChainView(deps: {
  rpc: Rpc;
  db: Queryable;
  logger: Logger;
  syncStatus?: () => SyncStatus | undefined;
  intervalMs?: number;
}): ChainView {
  let head = 0;
  let reachable = false;
  const fromSyncer = () => deps.syncStatus?.()?.head ?? 0;

  async function readHead(): Promise<number> {
    try {
      head = Math.max(fromSyncer(), await deps.rpc.blockNumber());
      reachable = true;
    } catch (error) {
      if (reachable) deps.logger.warn({ err: (error as Error).message }, "the API cannot reach the chain node");
      reachable = false;
      head = Math.max(head, fromSyncer());
    }
    return head;
  }

  const timer = setInterval(() => void readHead(), deps.intervalMs ?? 1000);
  timer.unref();
  void readHead();

  return {
    head: () => Math.max(head, fromSyncer()),
    async refresh() {
      const [h, rows] = await Promise.all([
        readHead(),
        deps.db.query<{ n: string }>("SELECT block_number::text AS n FROM sync_checkpoint WHERE id = 1"),
      ]);
      return { head: h, indexed: Number(rows[0]?.n ?? -1), nodeReachable: reachable };
    },
    close: () => clearInterval(timer),
  };
}
