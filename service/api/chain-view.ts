import type { BlockHeader, Rpc } from "../chain/rpc.js";
import type { Logger } from "../internal/logger.js";
import type { Queryable } from "../store/database.js";
import { haltFromRow, type Halt } from "../store/store.js";
import type { SyncStatus } from "../sync/syncer.js";

/** The chain's head and the mirror's state, as the API sees them. */
export interface ChainSnapshot {
  head: number;
  indexed: number;
  /**
   * Blocks up to this one are final: the block the writer verified final, or -1 while the mirror cannot vouch for
   * any (it halted, or the node has another block there).
   */
  finalized: number;
  /** Whether the node answered the last time it was asked. */
  nodeReachable: boolean;
  /**
   * Why nothing may be trusted as final: the writer halted (recorded in the database), or this process found
   * another block on the node where the mirror's final block should be.
   */
  halted: Omit<Halt, "at"> | undefined;
  /** Whether the node has the mirror's final block (false: the node is behind it, or unreachable). */
  nodeHasFinal: boolean;
}

export interface ChainView {
  /** The last known final block (-1 when there is none to trust), without waiting: `final` on every record. */
  finalized(): number;
  /** Reads the head and the mirror's final block from the node, and the checkpoint from the database, now. */
  refresh(): Promise<ChainSnapshot>;
  close(): void;
}

export type Readiness =
  | { ready: true }
  | { ready: false; code: "NOT_READY" | "MIRROR_HALTED"; detail: string };

/**
 * Whether the API may answer ready: the mirror is within `maxLag` blocks of the node's head, has not halted, and
 * its final block is on the node's chain.
 */
export function readiness(s: ChainSnapshot, maxLag: number): Readiness {
  if (s.halted !== undefined) return { ready: false, code: "MIRROR_HALTED", detail: `${s.halted.code}: ${s.halted.reason}` };
  if (!s.nodeReachable || s.indexed < 0 || s.head - s.indexed > maxLag || !s.nodeHasFinal) {
    const why = !s.nodeReachable ? " (node unreachable)" : s.nodeHasFinal ? "" : " (the node has not got the mirror's final block)";
    return { ready: false, code: "NOT_READY", detail: `indexed block ${s.indexed}, head ${s.head}${why}` };
  }
  return { ready: true };
}

/**
 * Keeps the head and the mirror's state fresh, every `intervalMs` and on each refresh: the head from the node (and
 * the syncer of this process, when there is one), the checkpoint, final block and halt from the database (what the
 * writer recorded, which is what every process serves), and the node's block at the final block's height. A
 * replica thus stops answering ready, and claims nothing final, as soon as the node has another final block, even
 * before the writer notices.
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
  type Stored = { indexed: number; final: { number: number; hash: string }; halted: Halt | undefined };
  /** The checkpoint row and the node's block at its final block's height, as last read together. */
  let last: { stored: Stored | undefined; finalOnNode: BlockHeader | undefined } = { stored: undefined, finalOnNode: undefined };
  const fromSyncer = () => deps.syncStatus?.()?.head ?? 0;

  /** The node's head and its block at `final`; undefined where the node did not answer. */
  async function readNode(final: { number: number } | undefined): Promise<{ header: BlockHeader | undefined } | undefined> {
    try {
      const [h, header] = await Promise.all([
        deps.rpc.blockNumber(),
        final === undefined || final.number < 0 ? undefined : deps.rpc.header(final.number),
      ]);
      head = Math.max(fromSyncer(), h);
      reachable = true;
      return { header };
    } catch (error) {
      if (reachable) deps.logger.warn({ err: (error as Error).message }, "the API cannot reach the chain node");
      reachable = false;
      head = Math.max(head, fromSyncer());
      return undefined;
    }
  }

  async function readStore(): Promise<Stored | undefined> {
    const rows = await deps.db.query(
      `SELECT block_number, final_number, final_hash, halted_code, halted_reason, halted_at
         FROM sync_checkpoint WHERE id = 1`,
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return {
      indexed: Number(row.block_number),
      final: { number: Number(row.final_number), hash: String(row.final_hash) },
      halted: haltFromRow(row),
    };
  }

  /** What the node's block at the final block's height says about it, or why the mirror cannot vouch for it. */
  function finality(
    stored: Stored | undefined,
    finalOnNode: BlockHeader | undefined,
  ): { halted: Omit<Halt, "at"> | undefined; nodeHasFinal: boolean } {
    if (stored === undefined) return { halted: undefined, nodeHasFinal: false };
    if (stored.halted !== undefined) return { halted: { code: stored.halted.code, reason: stored.halted.reason }, nodeHasFinal: false };
    const final = stored.final;
    if (final.number < 0) return { halted: undefined, nodeHasFinal: true };
    if (finalOnNode === undefined) return { halted: undefined, nodeHasFinal: false };
    if (finalOnNode.hash === final.hash) return { halted: undefined, nodeHasFinal: true };
    return {
      halted: {
        code: "REORG_TOO_DEEP",
        reason: `block ${final.number} is ${finalOnNode.hash} on the node, not ${final.hash} as the mirror verified final`,
      },
      nodeHasFinal: false,
    };
  }

  async function refresh(): Promise<ChainSnapshot> {
    const stored = await readStore();
    const node = await readNode(stored?.final);
    // A node that did not answer leaves what it said last about the same final block.
    const finalOnNode = node !== undefined ? node.header : last.stored?.final.number === stored?.final.number ? last.finalOnNode : undefined;
    last = { stored, finalOnNode };
    const { halted, nodeHasFinal } = finality(stored, finalOnNode);
    return {
      head,
      indexed: stored?.indexed ?? -1,
      finalized: halted === undefined && stored !== undefined ? stored.final.number : -1,
      nodeReachable: node !== undefined,
      halted,
      nodeHasFinal: nodeHasFinal && node !== undefined,
    };
  }

  const tick = () => void refresh().catch((error: unknown) => deps.logger.warn({ err: (error as Error).message }, "the API cannot read the checkpoint"));
  const timer = setInterval(tick, deps.intervalMs ?? 1000);
  timer.unref();
  tick();

  return {
    finalized() {
      const { stored, finalOnNode } = last;
      if (stored === undefined || finality(stored, finalOnNode).halted !== undefined) return -1;
      // The writer's syncer knows of a commit before the next poll does.
      return Math.max(stored.final.number, deps.syncStatus?.()?.finalized ?? -1);
    },
    refresh,
    close: () => clearInterval(timer),
  };
}
