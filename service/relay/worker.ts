import { Transaction, type Wallet } from "ethers";

import type { Fees, RelayChain } from "./chain.js";
import type { RelayQueue, RequestRow } from "./queue.js";
import { blockSuccessors, reconcileRequest, track, type TrackerContext } from "./tracker.js";
import { forwarderInterface } from "../domain/abi-v1.js";
import { RpcAnswerError } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";

export interface WorkerDeps {
  chain: RelayChain;
  queue: RelayQueue;
  logger: Logger;
  wallet: Wallet;
  batchSize: number;
  maxInFlight: number;
  resendAfterMs: number;
  maxAttempts: number;
}

/** One relayer account's submitter and tracker. Not safe to run twice for one account: the caller holds a lock. */
export interface RelayWorker {
  readonly relayer: string;
  /** Reconciles every stored request and transaction with the chain; run once before the first {@link tick}. */
  reconcile(): Promise<void>;
  /** Follows the transactions in flight, repairs nonce gaps, then sends what is queued. Returns whether work is left. */
  tick(): Promise<boolean>;
}

/** Gas of an `executeBatch` carrying requests that grant `gas` each: each call needs 64/63 of it, plus overhead. */
export function batchGasLimit(requests: { gas: bigint }[]): bigint {
  return 60_000n + requests.reduce((sum, r) => sum + (r.gas * 64n) / 63n + 40_000n, 0n);
}

/** Keeps each data center's requests in forwarder-nonce order while keeping arrival order between data centers. */
function inNonceOrder(rows: RequestRow[]): RequestRow[] {
  const byDc = new Map<string, RequestRow[]>();
  for (const r of rows) byDc.set(r.dataCenter, [...(byDc.get(r.dataCenter) ?? []), r]);
  for (const list of byDc.values()) list.sort((a, b) => (a.forwarderNonce < b.forwarderNonce ? -1 : 1));
  return rows.map((r) => byDc.get(r.dataCenter)!.shift()!);
}

/** A node's refusal that means the transaction, or another with its nonce, is already with the node or mined. */
const ACCEPTED_SEND_ERRORS = /already known|known transaction|already imported|nonce.*too low|nonce has already been used/i;

export function createRelayWorker(deps: WorkerDeps): RelayWorker {
  const { chain, queue, logger, wallet } = deps;
  const relayer = wallet.address;
  const ctx: TrackerContext = { chain, queue, logger, maxAttempts: deps.maxAttempts };
  let nextNonce = 0n;
  const lastSent = new Map<string, number>();

  /** Sends a signed transaction; false if the node refused it for good (it will never be mined). */
  async function broadcast(raw: string, hash: string): Promise<boolean> {
    lastSent.set(hash, Date.now());
    try {
      await chain.rpc.sendRawTransaction(raw);
      return true;
    } catch (error) {
      // Not answered (the transport failed, timed out, or a bad HTTP status): the node may have it; send it again later.
      if (!(error instanceof RpcAnswerError)) {
        logger.warn({ hash, err: (error as Error).message }, "could not reach the node to send a relay transaction; will send it again");
        return true;
      }
      if (ACCEPTED_SEND_ERRORS.test(`${error.rpcMessage} ${JSON.stringify(error.data ?? "")}`)) return true;
      logger.error({ event: "relay.refused", hash, err: error.message }, "the node refused a relay transaction");
      return false;
    }
  }

  /** Signs, records (before sending: a crash after this point finds it again), and sends one transaction. */
  async function send(kind: "batch" | "filler", to: string, data: string, gasLimit: bigint, ids: string[], fee: Fees): Promise<void> {
    const nonce = nextNonce++;
    const raw = await wallet.signTransaction({ to, data, gasLimit, nonce: Number(nonce), chainId: chain.chainId, value: 0n, ...fee, type: "gasPrice" in fee ? 0 : 2 });
    const hash = Transaction.from(raw).hash!;
    await queue.recordTransaction({ hash, relayer, nonce, raw, kind }, ids);
    if (!(await broadcast(raw, hash))) {
      const requests = await queue.inTransaction(hash);
      await queue.settle(hash, { status: "dropped" }, requests.map((r) => ({ id: r.id, status: "queued" as const })));
    }
  }

  /** Follows pending transactions; sends unknown ones again (eagerly after a restart); fills nonce gaps. */
  async function follow(eager: boolean): Promise<number> {
    const minedNonce = await chain.rpc.transactionCount(relayer, "latest");
    const pending = await queue.pendingTransactions(relayer);
    const occupied = new Set<bigint>();
    let left = 0;
    // A transaction is asked after (is the node still holding it?) only when it would be sent again.
    const due = (tx: (typeof pending)[number]) => eager || Date.now() - (lastSent.get(tx.hash) ?? tx.sentAt.getTime()) > deps.resendAfterMs;
    const tracked = await Promise.all(pending.map((tx) => track(ctx, tx, minedNonce, due(tx))));
    // A request that failed or went back to the queue may leave a nonce unused that its data center's later ones need.
    await blockSuccessors(ctx, tracked.flatMap((t) => t.unsettled));
    for (const [i, tx] of pending.entries()) {
      occupied.add(tx.nonce);
      const state = tracked[i]!.state;
      if (state === "settled") continue;
      left++;
      if (state === "unknown" && due(tx)) {
        logger.info({ hash: tx.hash, nonce: tx.nonce }, "sending a relay transaction the node does not know again");
        if (!(await broadcast(tx.raw, tx.hash))) {
          const requests = await queue.inTransaction(tx.hash);
          await queue.settle(tx.hash, { status: "dropped" }, requests.map((r) => ({ id: r.id, status: "queued" as const })));
          occupied.delete(tx.nonce);
        }
      }
    }
    // A nonce below the next one that no transaction holds stops every later one: fill it with a no-op.
    if (nextNonce > minedNonce) {
      const fee = await chain.fees();
      for (let n = minedNonce; n < nextNonce; n++) {
        if (occupied.has(n)) continue;
        logger.warn({ relayer, nonce: n }, "repairing a nonce gap with a no-op transaction");
        const saved = nextNonce;
        nextNonce = n;
        await send("filler", relayer, "0x", 21_000n, [], fee);
        nextNonce = saved;
        left++;
      }
    }
    return left;
  }

  return {
    relayer,
    async reconcile() {
      const left = await follow(true);
      const { timestamp } = await chain.latest();
      const queued = await queue.withStatus(relayer, "queued");
      const outcomes = await Promise.all(queued.map((r) => reconcileRequest({ ...ctx, maxAttempts: Number.MAX_SAFE_INTEGER }, r, timestamp)));
      await queue.apply(outcomes.filter((o) => o.status !== "queued"));
      // Also after a crash between a failure and the failing of the requests it blocks.
      const blocked = await blockSuccessors(ctx, queued.map((r) => r.dataCenter));
      const pending = await queue.pendingTransactions(relayer);
      const counted = await chain.rpc.transactionCount(relayer, "pending");
      const stored = pending.reduce((max, tx) => (tx.nonce + 1n > max ? tx.nonce + 1n : max), 0n);
      nextNonce = counted > stored ? counted : stored;
      logger.info(
        { relayer, inFlight: left, queued: queued.length, failed: outcomes.filter((o) => o.status === "failed").length + blocked.length, nextNonce },
        "relayer reconciled with the chain",
      );
    },
    async tick() {
      const inFlight = await follow(false);
      const capacity = deps.maxInFlight - inFlight;
      if (capacity <= 0) return true;
      const rows = await queue.queued(relayer, capacity * deps.batchSize);
      if (rows.length === 0) return inFlight > 0;
      // The head's time (for the deadlines) and the fees, in one round trip.
      const [{ timestamp }, fee] = await Promise.all([chain.latest(), chain.fees()]);
      const expired = rows.filter((r) => r.requestDeadline < timestamp);
      const failed = new Set(expired.map((r) => r.id));
      if (expired.length > 0) {
        await queue.apply(expired.map((r) => ({ id: r.id, status: "failed", code: "REQUEST_EXPIRED", reason: `the request's deadline ${r.requestDeadline} passed before it was relayed` })));
        // An expired request leaves its forwarder nonce unused: its data center's later requests can never run.
        for (const id of await blockSuccessors(ctx, expired.map((r) => r.dataCenter))) failed.add(id);
      }
      const live = inNonceOrder(rows.filter((r) => !failed.has(r.id)));
      for (let i = 0; i < live.length; i += deps.batchSize) {
        const batch = live.slice(i, i + deps.batchSize);
        const requests = batch.map((r) => {
          const q = r.body.request;
          return { from: q.from, to: q.to, value: BigInt(q.value), gas: BigInt(q.gas), deadline: BigInt(q.deadline), data: q.data, signature: q.signature };
        });
        // A refund receiver makes the forwarder skip invalid requests instead of reverting the whole batch.
        const data = forwarderInterface.encodeFunctionData("executeBatch", [requests, relayer]);
        await send("batch", chain.forwarder, data, batchGasLimit(requests), batch.map((r) => r.id), fee);
      }
      logger.debug({ relayer, requests: live.length, nextNonce }, "relay transactions sent");
      return true;
    },
  };
}
