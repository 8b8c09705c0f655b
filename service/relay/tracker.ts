import type { RelayChain } from "./chain.js";
import { blockedReason, blockerOf, nonceRun } from "./nonces.js";
import type { Outcome, RelayQueue, RequestRow, TxRow } from "./queue.js";
import type { TransactionReceipt } from "../chain/rpc.js";
import { forwarderInterface } from "../domain/abi-v1.js";
import type { Logger } from "../internal/logger.js";

export interface TrackerContext {
  chain: RelayChain;
  queue: RelayQueue;
  logger: Logger;
  maxAttempts: number;
}

const EXECUTED = forwarderInterface.getEvent("ExecutedForwardRequest")!;

/** The forwarder's `ExecutedForwardRequest` events of a receipt, by "signer:nonce". */
function executions(chain: RelayChain, receipt: TransactionReceipt): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== chain.forwarder.toLowerCase() || log.topics[0] !== EXECUTED.topicHash) continue;
    const parsed = forwarderInterface.parseLog(log);
    if (parsed === null) continue;
    out.set(`${String(parsed.args[0]).toLowerCase()}:${String(parsed.args[1])}`, Boolean(parsed.args[2]));
  }
  return out;
}

/**
 * What became of a request that no mined transaction executed (the forwarder skipped it, its transaction was
 * dropped, or the service restarted): the chain decides. A used invoice or a used forwarder nonce fails it (it can
 * never be redeemed by this request), as does a passed deadline or too many attempts; otherwise it is queued again.
 */
export async function reconcileRequest(ctx: TrackerContext, r: RequestRow, now: bigint): Promise<Outcome> {
  const [used, nonce] = await Promise.all([ctx.chain.invoiceUsed(r), ctx.chain.forwarderNonce(r.dataCenter)]);
  if (used) return { id: r.id, status: "failed", code: "INVOICE_USED", reason: `invoice ${r.invoiceHash} was redeemed by another transaction` };
  if (nonce > r.forwarderNonce) {
    return { id: r.id, status: "failed", code: "NONCE_USED", reason: `forwarder nonce ${r.forwarderNonce} of ${r.dataCenter} was used by another request` };
  }
  if (r.requestDeadline < now) {
    return { id: r.id, status: "failed", code: "REQUEST_EXPIRED", reason: `the request's deadline ${r.requestDeadline} passed before it was relayed` };
  }
  if (r.attempts >= ctx.maxAttempts) {
    return {
      id: r.id,
      status: "failed",
      code: "NOT_RELAYED",
      reason: `the forwarder skipped the request in ${r.attempts} attempts (its forwarder nonce ${r.forwarderNonce}; ${r.dataCenter}'s nonce on chain is ${nonce})`,
    };
  }
  return { id: r.id, status: "queued" };
}

/** The outcome of each request of a mined transaction. */
export async function outcomesOf(ctx: TrackerContext, receipt: TransactionReceipt, requests: RequestRow[]): Promise<Outcome[]> {
  // The head's time, for the requests the transaction did not execute only (read once, if any).
  let head: Promise<bigint> | undefined;
  const now = () => (head ??= ctx.chain.latest().then((b) => b.timestamp));
  if (receipt.status !== 1) {
    return Promise.all(requests.map(async (r) => reconcileRequest(ctx, r, await now())));
  }
  const done = executions(ctx.chain, receipt);
  return Promise.all(
    requests.map(async (r): Promise<Outcome> => {
      const success = done.get(`${r.dataCenter.toLowerCase()}:${r.forwarderNonce}`);
      if (success === true) {
        return { id: r.id, status: "confirmed", blockNumber: receipt.blockNumber, blockHash: receipt.blockHash, transactionHash: receipt.transactionHash };
      }
      if (success === false) {
        // The forwarder ran it and the ledger refused: the nonce is spent, the invoice is not. Ask the ledger why.
        const why = await ctx.chain.simulate(r.dataCenter, r.body.request.data);
        return {
          id: r.id,
          status: "failed",
          code: why?.code ?? "LEDGER_REFUSED",
          reason: why?.message ?? "the ledger refused the redemption when it was executed",
          transactionHash: receipt.transactionHash,
        };
      }
      return reconcileRequest(ctx, r, await now());
    }),
  );
}

/** What {@link track} made of a pending transaction. */
export interface Tracked {
  state: "settled" | "pending" | "unknown";
  /** Data centers whose requests in it failed or went back to the queue: their later nonces may now be blocked. */
  unsettled: string[];
}

function unsettledOf(requests: RequestRow[], outcomes: Outcome[]): string[] {
  const dc = new Map(requests.map((r) => [r.id, r.dataCenter]));
  return [...new Set(outcomes.filter((o) => o.status !== "confirmed").map((o) => dc.get(o.id)!))];
}

/**
 * Follows one pending transaction: settles it when mined, gives it up when its nonce went to another transaction
 * (its requests are reconciled), and says whether it should be sent again (the node does not know it).
 *
 * `minedNonce` is the relayer's transaction count at the latest block, read before: a transaction at that nonce or
 * above cannot be mined yet (one account's transactions are mined in nonce order), so it costs no receipt request;
 * and whether the node knows it is asked only if `askKnown` (it would be sent again otherwise).
 */
export async function track(ctx: TrackerContext, tx: TxRow, minedNonce: bigint, askKnown = true): Promise<Tracked> {
  if (minedNonce <= tx.nonce) {
    if (!askKnown) return { state: "pending", unsettled: [] };
    const known = await ctx.chain.rpc.transaction(tx.hash);
    return { state: known === undefined ? "unknown" : "pending", unsettled: [] };
  }
  const receipt = await ctx.chain.rpc.receipt(tx.hash);
  if (receipt !== undefined) {
    const requests = await ctx.queue.inTransaction(tx.hash);
    const outcomes = await outcomesOf(ctx, receipt, requests);
    await ctx.queue.settle(tx.hash, { status: "mined", blockNumber: receipt.blockNumber, blockHash: receipt.blockHash }, outcomes);
    const confirmed = outcomes.filter((o) => o.status === "confirmed").length;
    ctx.logger.debug({ tx: tx.hash, block: receipt.blockNumber, requests: requests.length, confirmed }, "relay transaction mined");
    return { state: "settled", unsettled: unsettledOf(requests, outcomes) };
  }
  // Its nonce was mined (read before the receipt was asked for) and it was not: another transaction took the nonce.
  return replaced(ctx, tx);
}

/** A transaction whose nonce another one took: its requests are reconciled with the chain. */
async function replaced(ctx: TrackerContext, tx: TxRow): Promise<Tracked> {
  const requests = await ctx.queue.inTransaction(tx.hash);
  const now = (await ctx.chain.latest()).timestamp;
  const outcomes = await Promise.all(requests.map((r) => reconcileRequest(ctx, r, now)));
  await ctx.queue.settle(tx.hash, { status: "dropped" }, outcomes);
  ctx.logger.warn({ tx: tx.hash, nonce: tx.nonce }, "relay transaction replaced by another with its nonce; its requests reconciled");
  return { state: "settled", unsettled: unsettledOf(requests, outcomes) };
}

/**
 * Fails at once, with NONCE_BLOCKED, the queued requests of these data centers that the forwarder can never run:
 * those above a nonce that no request that can still run holds (its request failed, or is about to, without using
 * it). The reason names that request and the nonce to sign again from. Requests in flight are left to their
 * transaction (the tracker sends them here when the forwarder skips them). Returns the ids it failed.
 */
export async function blockSuccessors(ctx: TrackerContext, dataCenters: Iterable<string>): Promise<string[]> {
  const unique = [...new Set(dataCenters)];
  if (unique.length === 0) return [];
  const { timestamp } = await ctx.chain.latest();
  const failed: string[] = [];
  for (const dc of unique) {
    const chainNonce = await ctx.chain.forwarderNonce(dc);
    const run = nonceRun(chainNonce, await ctx.queue.nonceHolders(dc, chainNonce), timestamp);
    const blocked = run.blocked.filter((h) => h.status === "queued");
    if (blocked.length === 0) continue;
    const blocker = await blockerOf(ctx.queue, dc, run);
    await ctx.queue.apply(
      blocked.map((h) => ({ id: h.id, status: "failed", code: "NONCE_BLOCKED", reason: blockedReason(dc, h.forwarderNonce, blocker) })),
    );
    failed.push(...blocked.map((h) => h.id));
    ctx.logger.warn(
      { dataCenter: dc, blockedBy: blocker.id, nonce: blocker.nonce, failed: blocked.length },
      "requests above an unused forwarder nonce failed",
    );
  }
  return failed;
}
