import type { Logger } from "../internal/logger.js";
import { RangeTooLargeError, RpcError } from "../internal/errors.js";
import { withRetry } from "../internal/retry.js";
import { AnswerTooLargeError, type RawLog, type Rpc } from "./rpc.js";

export interface LogFetcherOptions {
  rpc: Rpc;
  addresses: string[];
  initialRange: number;
  maxRange: number;
  /**
   * The range grows while answers stay below half of this many logs, and shrinks when they go above it; an answer
   * of more than {@link ANSWER_CAP} times this many logs over more than one block is cut short and asked again
   * narrower.
   */
  targetLogs: number;
  logger: Logger;
  /** Transient failures retried here before the error goes up to the sync loop. */
  attempts?: number;
  signal?: AbortSignal;
}

export interface LogFetcher {
  /**
   * The logs of every block in `[from, to]`, where `to <= maxTo` is as far as the adaptive range reached; never
   * skips a block: the answer covers exactly `[from, to]`. `beforeCall` runs before each `eth_getLogs` attempt
   * (the sync reads the header of `to` there, to notice a reorg that happens while the logs are read).
   */
  fetch(from: number, maxTo: number, beforeCall?: (to: number) => Promise<void>): Promise<{ to: number; logs: RawLog[] }>;
  /** The current range, in blocks (for logs and tests). */
  range(): number;
  /** The logs an answer should hold: the sync commits at most this many events a transaction (or one block). */
  readonly targetLogs: number;
}

/** No answer over more than one block is held beyond this many times the target: the node is asked for fewer blocks. */
export const ANSWER_CAP = 2;

/**
 * `eth_getLogs` in adaptive block ranges: doubles the range while answers are small; when one is larger than the
 * target, shrinks it at once to as many blocks as held the target at the density just seen (at most half the
 * range); takes the range a node proposes when it refuses one (or halves it when the node names none), and retries
 * transient failures (timeouts, dropped connections, 5xx) with exponential backoff and half the range. An answer
 * over more than one block stops being read once it holds more than {@link ANSWER_CAP} times the target (as when
 * sparse blocks made the range wide and dense ones follow), and is asked again up to the last block it had
 * reached: what one answer can hold is bounded before it is read, whatever the chain's shape.
 */
export function createLogFetcher(options: LogFetcherOptions): LogFetcher {
  let range = options.initialRange;
  const attempts = options.attempts ?? 6;

  return {
    range: () => range,
    targetLogs: options.targetLogs,
    async fetch(from, maxTo, beforeCall) {
      /** The range the last try asked for. */
      let to = from;
      /**
       * Set when an answer was cut short at the cap: its last block starts the next request, and only that block is
       * known to be dense, so the range after the narrowed answer is one block, and grows again from there.
       */
      let cut = false;
      /** One try: narrowed at once, without a wait, while the node refuses a range of more than one block. */
      const once = async () => {
        for (;;) {
          to = Math.min(maxTo, from + range - 1);
          try {
            await beforeCall?.(to);
            const width = to - from + 1;
            const maxLogs = width > 1 ? options.targetLogs * ANSWER_CAP : undefined;
            const logs = await options.rpc.getLogs({ addresses: options.addresses, fromBlock: from, toBlock: to, maxLogs });
            if (cut) {
              range = 1;
            } else if (logs.length > options.targetLogs) {
              // As many blocks as held the target at this answer's density, and at most half of this range.
              const fits = Math.floor((options.targetLogs * width) / logs.length);
              range = Math.max(1, Math.min(Math.floor(range / 2), fits));
            } else if (logs.length < options.targetLogs / 2 && to - from + 1 >= range) {
              range = Math.min(options.maxRange, range * 2);
            }
            return { to, logs };
          } catch (error) {
            const width = to - from + 1;
            // One block the node will not return: nothing smaller to ask for. Retried as transient.
            if (!(error instanceof RangeTooLargeError) || width <= 1) throw error;
            let next = Math.floor(width / 2);
            const suggestion = error.suggestion;
            if (suggestion !== undefined && "to" in suggestion && suggestion.to >= from && suggestion.to < to) {
              next = suggestion.to - from + 1;
            } else if (suggestion !== undefined && "size" in suggestion && suggestion.size < width) {
              next = suggestion.size;
            }
            range = Math.max(1, next);
            if (error instanceof AnswerTooLargeError) cut = true;
            options.logger.debug({ from, to, range, suggestion }, "eth_getLogs range refused; narrowing");
          }
        }
      };
      try {
        return await withRetry(once, {
          attempts,
          initialMs: 200,
          maxMs: 5000,
          signal: options.signal,
          onRetry: (error, attempt) => {
            if (error instanceof RangeTooLargeError) {
              options.logger.warn({ from, to, attempt, err: error.message, event: "getlogs.retry" }, "eth_getLogs refused for one block; retrying");
              return;
            }
            // A node that times out or drops the connection on a large answer names no range: ask for half as much.
            // The range grows back while answers stay small.
            range = Math.max(1, Math.floor((to - from + 1) / 2));
            options.logger.warn({ from, to, range, attempt, err: (error as Error).message, event: "getlogs.retry" }, "eth_getLogs failed; retrying with half the range");
          },
        });
      } catch (error) {
        if (error instanceof RangeTooLargeError) throw new RpcError(`the node refuses the logs of block ${from}: ${error.message}`);
        throw error;
      }
    },
  };
}
