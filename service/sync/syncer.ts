import type { Decoder } from "../chain/abi.js";
import type { LogFetcher } from "../chain/logs.js";
import type { BlockHeader, RawLog, Rpc } from "../chain/rpc.js";
import { ChainMovedError, FatalError, NodeBehindError, ReorgTooDeepError, isRetryable } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";
import { sleep, withRetry } from "../internal/retry.js";
import type { Checkpoint, MirrorStore, NewEvent } from "../store/store.js";

export const NO_HASH = `0x${"0".repeat(64)}`;

export interface SyncerDeps {
  rpc: Rpc;
  store: MirrorStore;
  decoder: Decoder;
  fetcher: LogFetcher;
  logger: Logger;
  chainId: number;
  /**
   * A block this deep below a head the mirror has seen becomes final; reorgs are handled above the final block and
   * refused at or below it. 0: every block is final (QBFT).
   */
  finalityDepth: number;
  pollIntervalMs: number;
}

export interface SyncStatus {
  head: number;
  indexed: number;
  /** The highest block the mirror has verified final. */
  finalized: number;
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

type Block = { number: number; hash: string };

/**
 * The sync loop. Each step checks that the checkpoint block is still on the chain (else it finds the fork point
 * among the headers kept from the final block up, rolls back and carries on, or stops for good when the chain
 * replaced the final block), reads the next range of logs, and commits the events with the new checkpoint and final
 * block in one transaction. Headers from the final block to the head are read and chained by parent hash, and the
 * last block of the range is read before and after its logs, so a reorg during the step is noticed and the step is
 * simply retried.
 */
export function createSyncer(deps: SyncerDeps): Syncer {
  const { rpc, store, decoder, fetcher, logger } = deps;
  let last: SyncStatus | undefined;

  /** Stops for good: records why (so that replicas stop answering ready), then throws. Changes nothing else. */
  async function halt(message: string): Promise<never> {
    const error = new ReorgTooDeepError(message);
    await store.halt({ code: error.code, reason: message });
    throw error;
  }

  /**
   * Finds the newest kept block that the node still has with the same hash, and rolls back to it. The search never
   * goes below the final block: when the node has another block there, the reorganisation would change what the
   * mirror served as final, and the mirror halts. When the node only lacks the newest blocks (it is behind, or was
   * rewound) and shows no other block in their place, nothing is rolled back.
   */
  async function handleReorg(checkpoint: Checkpoint, found: BlockHeader | undefined): Promise<void> {
    logger.warn(
      { block: checkpoint.number, expected: checkpoint.hash, found: found?.hash ?? null },
      "reorg: the checkpoint block is no longer on the chain; looking for the fork point",
    );
    const kept = await store.keptBlocks();
    const final = checkpoint.final;
    const candidates: Block[] = [...kept.filter((b) => b.number > final.number), final].filter((b) => b.number >= 0);
    let fork: Block | undefined;
    let replaced = false;
    let finalOnNode: BlockHeader | undefined;
    for (let i = 0; i < candidates.length && fork === undefined; i += 50) {
      const slice = candidates.slice(i, i + 50);
      const canonical = await rpc.headers(slice.map((b) => b.number));
      for (const [j, block] of slice.entries()) {
        const header = canonical[j];
        if (block.number === final.number) finalOnNode = header;
        if (header?.hash === block.hash) {
          fork = block;
          break;
        }
        if (header !== undefined) replaced = true;
      }
    }
    // Before genesis: nothing there to replace.
    if (fork === undefined && final.number < 0) fork = final;
    if (fork === undefined) {
      if (finalOnNode === undefined) {
        throw new NodeBehindError(`the node has no block ${final.number} (the mirror's final block): waiting for it`);
      }
      return halt(
        `block ${final.number} is ${finalOnNode.hash} on the chain, not ${final.hash} as the mirror verified final: ` +
          `the reorganisation is deeper than FINALITY_DEPTH=${deps.finalityDepth} and would change what the mirror ` +
          `served as final. The mirror stopped without changing its data; re-sync into an empty database once the ` +
          `chain is settled.`,
      );
    }
    if (fork.number === checkpoint.number) return; // the checkpoint block is back
    if (!replaced) {
      throw new NodeBehindError(
        `the node's chain ends at block ${fork.number}, one of the mirror's, below its checkpoint ${checkpoint.number}: ` +
          `waiting for the node`,
      );
    }
    const { removed, rewritten } = await store.rollback(fork);
    logger.warn(
      { fork: fork.number, forkHash: fork.hash, removedEvents: removed, rewrittenRows: rewritten },
      "reorg: rolled back to the fork point",
    );
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

  /** Consecutive whole blocks `[from, to]` of a range, and their logs in chain order. */
  interface Slice<T = RawLog> {
    from: number;
    to: number;
    logs: T[];
  }

  /**
   * A range read and checked against itself: the headers it needs (those of every slice's ends included) and its
   * events decoded, in slices of whole blocks of at most the fetcher's target each (or one block): what one commit
   * writes.
   */
  interface Batch {
    headers: Map<number, BlockHeader>;
    slices: Slice<NewEvent>[];
  }

  /**
   * Cuts `logs` (sorted, covering `[from, to]`) into slices of whole blocks holding at most `target` logs each, or
   * one block when that block alone holds more. Each slice but the last ends at its last block with logs; the last
   * one ends at `to`.
   */
  function slice(logs: RawLog[], from: number, to: number, target: number): Slice[] {
    const slices: Slice[] = [];
    let start = 0;
    let sliceFrom = from;
    while (start < logs.length) {
      let end = start;
      for (;;) {
        let next = end;
        while (next < logs.length && logs[next]!.blockNumber === logs[end]!.blockNumber) next++;
        if (end > start && next - start > target) break;
        end = next;
        if (end >= logs.length) break;
      }
      const sliceTo = end >= logs.length ? to : logs[end - 1]!.blockNumber;
      slices.push({ from: sliceFrom, to: sliceTo, logs: logs.slice(start, end) });
      sliceFrom = sliceTo + 1;
      start = end;
    }
    if (slices.length === 0) slices.push({ from, to, logs: [] });
    return slices;
  }

  /**
   * Reads `[from, to]` with `to <= maxTo` as far as the adaptive range goes: the logs, the headers of the blocks with
   * logs, of both ends and of every block from `head - FINALITY_DEPTH` (the block that becomes final) up, all chained
   * by parent hash. The header of `to` is read before and after the logs.
   */
  async function read(from: number, maxTo: number, head: number): Promise<Batch> {
    const windowStart = Math.max(from, head - deps.finalityDepth);
    let pinned: BlockHeader | undefined;
    const { to, logs } = await fetcher.fetch(from, maxTo, async (to) => {
      pinned = await rpc.header(to);
    });
    logs.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
    const slices = slice(logs, from, to, fetcher.targetLogs);
    const wanted = new Set<number>([from, to, ...logs.map((l) => l.blockNumber), ...slices.map((s) => s.from)]);
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
    if (pinned?.hash !== end.hash) {
      throw new ChainMovedError(`block ${to} changed while its logs were read; re-reading`);
    }
    return { headers, slices: slices.map((s) => ({ from: s.from, to: s.to, logs: decode(s.logs, headers) })) };
  }

  /**
   * The next range, read while the current one is being written: only below the unfinalized window (so it needs
   * no window headers and no reorg can touch it), and used only if the next step starts exactly where it does.
   * Also what is left of a range read (its slices not yet committed), for the next step; a range is read ahead only
   * while the last slice of the one before is written, so at most one answer waits besides the one being written.
   */
  let ahead: { from: number; head: number; batch: Promise<Batch> } | undefined;
  function readAhead(from: number, head: number): void {
    const finalTo = head - deps.finalityDepth;
    if (from > finalTo) return;
    const batch = read(from, finalTo, head);
    batch.catch(() => undefined); // an error surfaces when (and if) the next step uses it
    ahead = { from, head, batch };
  }

  async function step(): Promise<SyncStatus> {
    const head = await rpc.blockNumber();
    const checkpoint = await store.checkpoint();
    // Waiting does not make a checkpoint appear: openMirror writes it, once, before the loop starts.
    if (checkpoint === undefined) throw new FatalError("NOT_INITIALISED", "the mirror has no checkpoint: it was not initialised");
    if (checkpoint.halted !== undefined) {
      throw new ReorgTooDeepError(`the mirror stopped for good at ${checkpoint.halted.at}: ${checkpoint.halted.reason}`);
    }
    const prefetched = ahead;
    ahead = undefined;
    if (checkpoint.number >= 0) {
      const current = await rpc.header(checkpoint.number);
      if (current?.hash !== checkpoint.hash) {
        await handleReorg(checkpoint, current);
        const after = (await store.checkpoint())!;
        return (last = { head, indexed: after.number, finalized: after.final.number, caughtUp: false });
      }
    }
    if (checkpoint.number >= head) {
      return (last = { head, indexed: checkpoint.number, finalized: checkpoint.final.number, caughtUp: true });
    }

    const from = checkpoint.number + 1;
    // A range read ahead, and what is left of a range read, lie below `its head - FINALITY_DEPTH`; usable while the
    // head has not gone down since.
    const usable = prefetched?.from === from && prefetched.head <= head;
    const readAt = usable ? prefetched.head : head;
    const batch = usable ? await prefetched.batch : await read(from, head, head);
    const first = batch.headers.get(from)!;
    if (checkpoint.number >= 0 && first.parentHash !== checkpoint.hash) {
      throw new ChainMovedError(`block ${from} does not extend the checkpoint ${checkpoint.hash}; re-checking`);
    }
    const [current, ...rest] = batch.slices;
    if (current === undefined || current.from !== from) throw new Error(`bug: the range read does not start at block ${from}`);
    const to = current.to;
    // The slices left for the next steps: those below the window of the head the range was read at, which no reorg
    // can touch. Slices in the window are read again (a reorg may have replaced them since). The next range is read
    // ahead only while the last slice is written, and only when that slice holds at most the target: a block alone
    // over the target is all the work in flight.
    const kept = rest.filter((s) => s.to <= readAt - deps.finalityDepth);
    if (kept.length > 0) ahead = { from: to + 1, head: readAt, batch: Promise.resolve({ headers: batch.headers, slices: kept }) };
    else if (rest.length === 0 && to < head && current.logs.length <= fetcher.targetLogs) readAhead(to + 1, head);
    // The block that becomes final, and the headers to keep: every one from it (or from `from`, when it is the
    // checkpoint or below) up to `to`, so that the kept headers run unbroken from the final block to the checkpoint.
    const final = Math.min(to, head - deps.finalityDepth);
    const keepFrom = Math.max(from, final);
    const headers = [...batch.headers.values()].filter((h) => h.number >= keepFrom && h.number <= to);
    if (headers.length !== to - keepFrom + 1) throw new Error(`bug: headers ${keepFrom}..${to} were not all read`);
    const events = current.logs;
    const { final: finalized } = await store.commit({ events, headers, to: batch.headers.get(to)!, final });
    logger.debug({ from, to, finalized, events: events.length, range: fetcher.range(), head }, "range committed");
    return (last = { head, indexed: to, finalized, caughtUp: to >= head });
  }

  /** Runs `body` until it says done, retrying each step's retryable failures; returns when `signal` aborts. */
  async function retrying(signal: AbortSignal | undefined, body: () => Promise<boolean>): Promise<void> {
    while (!signal?.aborted) {
      try {
        const done = await withRetry(body, {
          initialMs: 200,
          maxMs: 10_000,
          signal,
          onRetry: (error, attempt) => {
            const level = error instanceof ChainMovedError ? "info" : "warn";
            logger[level]({ err: (error as Error).message, code: (error as { code?: string }).code, attempt, event: "sync.retry" }, "sync step failed; retrying");
          },
        });
        if (done) return;
      } catch (error) {
        // Stopping cuts a retry short: what the step threw then is no failure.
        if (signal?.aborted && isRetryable(error)) return;
        throw error;
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
          if (!wasCaughtUp) logger.info({ head: status.head, indexed: status.indexed, event: "sync.caught-up" }, "caught up; following the head");
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
