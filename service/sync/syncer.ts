import type { Decoder } from "../chain/abi.js";
import type { LogFetcher } from "../chain/logs.js";
import type { BlockHeader, RawLog, Rpc } from "../chain/rpc.js";
import { ChainMovedError, ReorgTooDeepError, RpcError, isRetryable } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";
import { backoffDelay, sleep } from "../internal/retry.js";
import type { MirrorStore, NewEvent } from "../store/store.js";

export const NO_HASH = `0x${"0".repeat(64)}`;

export interface SyncerDeps {
  rpc: Rpc;
  store: MirrorStore;
  decoder: Decoder;
  fetcher: LogFetcher;
  logger: Logger;
  chainId: number;
  /** Blocks this deep below the head are final; reorgs are handled above them. 0: every block is final (QBFT). */
  finalityDepth: number;
  pollIntervalMs: number;
}

export interface SyncStatus {
  head: number;
  indexed: number;
  caughtUp: boolean;
}

export interface Syncer {
  /** One unit of work: a reorg check, then one range of blocks (or nothing when caught up). */
  step(): Promise<SyncStatus>;
  /** Steps until the mirror has every block up to the head, retrying transient failures. */
  syncToHead(signal?: AbortSignal): Promise<SyncStatus>;
  /** Backfills, then follows the head until `signal` aborts; throws only a non-retryable error. */
  run(signal: AbortSignal): Promise<void>;
  status(): SyncStatus | undefined;
}

/**
 * The sync loop. Each step checks that the checkpoint block is still on the chain (else it finds the fork point
 * among the headers kept for the unfinalized window, rolls back and carries on), reads the next range of logs, and
 * commits the events with the new checkpoint in one transaction. Headers of blocks in the unfinalized window are
 * read and chained by parent hash, and the head of the range is read before and after its logs, so a reorg during
 * the step is noticed and the step is simply retried.
 */
export function createSyncer(deps: SyncerDeps): Syncer {
  const { rpc, store, decoder, fetcher, logger } = deps;
  let last: SyncStatus | undefined;

  async function findFork(): Promise<{ number: number; hash: string }> {
    const kept = await store.recentBlocks();
    for (let i = 0; i < kept.length; i += 50) {
      const slice = kept.slice(i, i + 50);
      const canonical = await rpc.headers(slice.map((b) => b.number));
      const index = slice.findIndex((b, j) => canonical[j]?.hash === b.hash);
      if (index >= 0) return slice[index]!;
    }
    const range = kept.length === 0 ? "none" : `${kept[kept.length - 1]!.number}..${kept[0]!.number}`;
    throw new ReorgTooDeepError(
      `the chain no longer contains any block the mirror kept (blocks ${range}): the reorganisation is deeper than ` +
        `FINALITY_DEPTH=${deps.finalityDepth}. The mirror stopped without changing anything; re-sync into an empty ` +
        `database (or raise FINALITY_DEPTH) once the chain is settled.`,
    );
  }

  async function handleReorg(checkpoint: { number: number; hash: string }, found: BlockHeader | undefined): Promise<void> {
    logger.warn(
      { block: checkpoint.number, expected: checkpoint.hash, found: found?.hash ?? null },
      "reorg: the checkpoint block is no longer on the chain; looking for the fork point",
    );
    const fork = await findFork();
    const { removed } = await store.rollback(fork);
    logger.warn({ fork: fork.number, forkHash: fork.hash, removedEvents: removed }, "reorg: rolled back to the fork point");
  }

  function decode(logs: RawLog[], headers: Map<number, BlockHeader>): NewEvent[] {
    return logs
      .map((log) => {
        const header = headers.get(log.blockNumber);
        if (log.removed || header === undefined || header.hash !== log.blockHash) {
          throw new ChainMovedError(`log ${log.logIndex} of block ${log.blockNumber} is not on the chain read; re-reading`);
        }
        const decoded = decoder.decode(log);
        return {
          chainId: deps.chainId,
          blockNumber: log.blockNumber,
          blockHash: log.blockHash,
          logIndex: log.logIndex,
          blockTimestamp: header.timestamp,
          transactionHash: log.transactionHash,
          transactionIndex: log.transactionIndex,
          address: log.address,
          topics: log.topics,
          data: log.data,
          ...decoded,
        };
      })
      .sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  }

  /** A range read and checked against itself: its logs, the headers it needs, its events decoded. */
  interface Batch {
    to: BlockHeader;
    headers: Map<number, BlockHeader>;
    events: NewEvent[];
  }

  /**
   * Reads `[from, to]` with `to <= maxTo` as far as the adaptive range goes: the logs, the headers of the blocks with
   * logs, of both ends and of every block in the unfinalized window, all chained by parent hash.
   */
  async function read(from: number, maxTo: number, head: number): Promise<Batch> {
    const windowStart = Math.max(from, head - deps.finalityDepth + 1);
    let pinned: BlockHeader | undefined;
    const { to, logs } = await fetcher.fetch(from, maxTo, async (to) => {
      pinned = to >= windowStart ? await rpc.header(to) : undefined;
    });
    const wanted = new Set<number>([from, to, ...logs.map((l) => l.blockNumber)]);
    for (let n = windowStart; n <= to; n++) wanted.add(n);
    const numbers = [...wanted].sort((a, b) => a - b);
    const fetched = await rpc.headers(numbers);
    const headers = new Map<number, BlockHeader>();
    fetched.forEach((h, i) => {
      if (h === undefined || h.number !== numbers[i]) throw new ChainMovedError(`block ${numbers[i]} disappeared while reading`);
      headers.set(h.number, h);
    });
    for (const n of numbers) {
      const next = headers.get(n + 1);
      if (next !== undefined && next.parentHash !== headers.get(n)!.hash) {
        throw new ChainMovedError(`blocks ${n} and ${n + 1} do not chain; re-reading`);
      }
    }
    const end = headers.get(to)!;
    if (pinned !== undefined && pinned.hash !== end.hash) {
      throw new ChainMovedError(`block ${to} changed while its logs were read; re-reading`);
    }
    return { to: end, headers, events: decode(logs, headers) };
  }

  /**
   * The next range, read while the current one is being written: only below the unfinalized window (so it needs
   * no window headers and no reorg can touch it), and used only if the next step starts exactly where it does.
   */
  let ahead: { from: number; batch: Promise<Batch> } | undefined;
  function readAhead(from: number, head: number): void {
    const finalTo = head - deps.finalityDepth;
    if (from > finalTo) return;
    const batch = read(from, finalTo, head);
    batch.catch(() => undefined); // an error surfaces when (and if) the next step uses it
    ahead = { from, batch };
  }

  async function step(): Promise<SyncStatus> {
    const head = await rpc.blockNumber();
    const checkpoint = await store.checkpoint();
    if (checkpoint === undefined) throw new RpcError("the mirror has no checkpoint: it was not initialised");
    const prefetched = ahead;
    ahead = undefined;
    if (checkpoint.number >= 0) {
      const current = await rpc.header(checkpoint.number);
      if (current?.hash !== checkpoint.hash) {
        await handleReorg(checkpoint, current);
        return (last = { head, indexed: (await store.checkpoint())!.number, caughtUp: false });
      }
    }
    if (checkpoint.number >= head) return (last = { head, indexed: checkpoint.number, caughtUp: true });

    const from = checkpoint.number + 1;
    const batch = prefetched?.from === from ? await prefetched.batch : await read(from, head, head);
    const first = batch.headers.get(from)!;
    if (checkpoint.number >= 0 && first.parentHash !== checkpoint.hash) {
      throw new ChainMovedError(`block ${from} does not extend the checkpoint ${checkpoint.hash}; re-checking`);
    }
    const to = batch.to.number;
    if (to < head) readAhead(to + 1, head);
    await store.commit({ events: batch.events, headers: [...batch.headers.values()], to: batch.to, keepFrom: head - deps.finalityDepth });
    logger.debug({ from, to, events: batch.events.length, range: fetcher.range(), head }, "range committed");
    return (last = { head, indexed: to, caughtUp: to >= head });
  }

  async function retrying(signal: AbortSignal | undefined, body: () => Promise<boolean>): Promise<void> {
    let failures = 0;
    while (!signal?.aborted) {
      try {
        if (await body()) return;
        failures = 0;
      } catch (error) {
        if (!isRetryable(error)) throw error;
        failures++;
        const level = error instanceof ChainMovedError ? "info" : "warn";
        logger[level]({ err: (error as Error).message, code: (error as { code?: string }).code, attempt: failures }, "sync step failed; retrying");
        await sleep(backoffDelay(failures, { initialMs: 100, maxMs: 10_000 }), signal);
      }
    }
  }

  return {
    step,
    status: () => last,
    async syncToHead(signal) {
      await retrying(signal, async () => (await step()).caughtUp);
      return last!;
    },
    async run(signal) {
      let wasCaughtUp = false;
      await retrying(signal, async () => {
        const status = await step();
        if (status.caughtUp) {
          if (!wasCaughtUp) logger.info({ head: status.head, indexed: status.indexed }, "caught up; following the head");
          wasCaughtUp = true;
          await sleep(deps.pollIntervalMs, signal);
        } else if (wasCaughtUp && status.head - status.indexed > 100) {
          wasCaughtUp = false;
        }
        return false;
      });
    },
  };
}
