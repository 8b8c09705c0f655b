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

/** The ledger's whole history read from the chain alone: every log of both contracts up to `atBlock`, folded. */
export interface ChainHistory {
  abis: Abis;
  events: FoldEvent[];
  state: LedgerState;
}

export async function readChainHistory(rpc: Rpc, target: VerifyTarget, atBlock: number, logger: Logger): Promise<ChainHistory> {
  const abis = await loadAbis();
  const decoder = createDecoder(abis, target);
  const events = await readDecodedLogs(rpc, decoder, [target.ledger, target.accessManager], target.deploymentBlock, atBlock, logger);
  const state = emptyState();
  for (const e of events) applyEvent(state, e);
  return { abis, events, state };
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
  for (let from = fromBlock; from <= atBlock; ) {
    const { to, logs } = await fetcher.fetch(from, atBlock);
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
    from = to + 1;
  }
  return events.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}

/** Calls a view function at a block and decodes its result. */
export function viewCaller(rpc: Rpc, atBlock: number) {
  return async (iface: Interface, to: string, fn: string, args: unknown[]) => {
    const data = iface.encodeFunctionData(fn, args);
    const raw = await rpc.call("eth_call", [{ to, data }, `0x${atBlock.toString(16)}`]);
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
