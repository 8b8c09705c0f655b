import type { Interface } from "ethers";

import { createDecoder, type Decoder, loadAbis, type Abis } from "../chain/abi.js";
import { createLogFetcher } from "../chain/logs.js";
import type { Rpc } from "../chain/rpc.js";
import type { Logger } from "../internal/logger.js";
import { applyEvent, emptyState, type FoldEvent, type LedgerState } from "./fold.js";

export interface VerifyTarget {
  chainId: number;
  ledger: string;
  accessManager: string;
  deploymentBlock: number;
  /** Ledger v2's registry and payment ledger: set when the target is ledger v2 (service/verify/verify-v2.ts). */
  v2?: { registry: string; payments: string };
}

/** The ledger's whole history read from the chain alone: every log of both contracts up to `toBlock`, folded. */
export interface ChainHistory {
  abis: Abis;
  toBlock: number;
  events: FoldEvent[];
  state: LedgerState;
}

/** The logs of both contracts in blocks `from`..`to`, decoded, with their blocks' timestamps. */
async function readEvents(rpc: Rpc, target: VerifyTarget, abis: Abis, from: number, to: number, logger: Logger): Promise<FoldEvent[]> {
  const decoder = createDecoder(abis, target);
  return readDecodedLogs(rpc, decoder, [target.ledger, target.accessManager], from, to, logger);
}

/**
 * Every log of `addresses` from `fromBlock` to `atBlock`, decoded, with its block's time, in chain order; a block that
 * changes while it is read is an error (run again).
 */
export async function readDecodedLogs(
  rpc: Rpc,
  decoder: Decoder,
  addresses: string[],
  fromBlock: number,
  atBlock: number,
  logger: Logger,
): Promise<FoldEvent[]> {
  const fetcher = createLogFetcher({ rpc, addresses, initialRange: 2000, maxRange: 100_000, targetLogs: 5000, logger });
  const events: FoldEvent[] = [];
  for (let next = fromBlock; next <= atBlock; ) {
    const { to: end, logs } = await fetcher.fetch(next, atBlock);
    const numbers = [...new Set(logs.map((l) => l.blockNumber))];
    const headers = await rpc.headers(numbers);
    const time = new Map(headers.map((h, i) => [numbers[i]!, h]));
    for (const log of logs) {
      const header = time.get(log.blockNumber);
      if (header === undefined || header.hash !== log.blockHash) throw new Error(`block ${log.blockNumber} changed while verifying; run again`);
      events.push({
        blockNumber: log.blockNumber, blockHash: log.blockHash, logIndex: log.logIndex, blockTimestamp: header.timestamp,
        transactionHash: log.transactionHash, ...decoder.decode(log),
      });
    }
    next = end + 1;
  }
  return events.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

function folded(abis: Abis, toBlock: number, events: FoldEvent[]): ChainHistory {
  events.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
  const state = emptyState();
  for (const e of events) applyEvent(state, e);
  return { abis, toBlock, events, state };
}

export async function readChainHistory(rpc: Rpc, target: VerifyTarget, atBlock: number, logger: Logger): Promise<ChainHistory> {
  const abis = await loadAbis();
  return folded(abis, atBlock, await readEvents(rpc, target, abis, target.deploymentBlock, atBlock, logger));
}

/** `history` carried on to `toBlock`: the logs of the blocks after its own last one, added and folded again. */
export async function extendChainHistory(rpc: Rpc, target: VerifyTarget, history: ChainHistory, toBlock: number, logger: Logger): Promise<ChainHistory> {
  const more = await readEvents(rpc, target, history.abis, history.toBlock + 1, toBlock, logger);
  return folded(history.abis, toBlock, [...history.events, ...more]);
}

/** Calls a view function at a block tag (a number in hex, or "latest") and decodes its result. */
export function viewCaller(rpc: Rpc, blockTag: string) {
  return async (iface: Interface, to: string, fn: string, args: unknown[]) => {
    const data = iface.encodeFunctionData(fn, args);
    const raw = await rpc.call("eth_call", [{ to, data }, blockTag]);
    return iface.decodeFunctionResult(fn, String(raw));
  };
}

/** Runs `fn` over `items` with at most `limit` at once. */
export async function inPool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
