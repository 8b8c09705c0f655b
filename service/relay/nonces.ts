import type { NonceHolder, RelayQueue } from "./queue.js";

/**
 * A data center's forwarder nonces as the ERC2771Forwarder sees them: it runs the data center's requests in nonce
 * order, from its on-chain nonce up. The service's requests that can still run are those that hold the nonces from
 * there without a gap; a request that failed before it was executed (expired in the queue, skipped too often, its
 * invoice used elsewhere) leaves its nonce unused, and every later request of the data center can then never run.
 */
export interface NonceRun {
  /** The forwarder's nonce of the data center (the next one it will run). */
  chainNonce: bigint;
  /** The nonce the data center's next request must carry: the first one no request that can still run holds. */
  next: bigint;
  /** Requests above `next` that did not fail (yet): the forwarder cannot run them before `next` is used. */
  blocked: NonceHolder[];
  /** The request still live at `next` whose deadline passed: it will fail without using the nonce. */
  expiring: NonceHolder | undefined;
  /** The holders at or above the chain nonce, by nonce. */
  holders: NonceHolder[];
}

/**
 * Walks the holders of a data center's nonces (its requests that did not fail, by nonce) from the chain's nonce:
 * each holder whose deadline has not passed at `now` takes the next nonce; the first gap, or a holder whose deadline
 * passed, ends the run. Holders below the chain nonce (used on chain by another request) are left out.
 */
export function nonceRun(chainNonce: bigint, holders: NonceHolder[], now: bigint): NonceRun {
  const above = holders.filter((h) => h.forwarderNonce >= chainNonce).sort((a, b) => (a.forwarderNonce < b.forwarderNonce ? -1 : 1));
  let next = chainNonce;
  let expiring: NonceHolder | undefined;
  for (const h of above) {
    if (h.forwarderNonce !== next) break;
    // A confirmed request used its nonce whatever its deadline (the chain nonce was read before it was mined).
    if (h.status !== "confirmed" && h.requestDeadline < now) {
      expiring = h;
      break;
    }
    next++;
  }
  return { chainNonce, next, blocked: above.filter((h) => h.forwarderNonce > next), expiring, holders: above };
}

/** What keeps a data center's nonce `next` unused: its request there that failed, or the one about to. */
export interface Blocker {
  nonce: bigint;
  /** The request, if the service holds one at that nonce. */
  id: string | undefined;
  /** Why it did not use the nonce: its failure's code, or REQUEST_EXPIRED for one about to fail. */
  code: string | undefined;
}

/** The request that blocks the nonces above `run.next`: the one expiring there, else the latest failed there. */
export async function blockerOf(queue: RelayQueue, dataCenter: string, run: NonceRun): Promise<Blocker> {
  if (run.expiring !== undefined) return { nonce: run.next, id: run.expiring.id, code: "REQUEST_EXPIRED" };
  const failed = await queue.lastFailedAt(dataCenter, run.next);
  return { nonce: run.next, id: failed?.id, code: failed?.code ?? undefined };
}

/**
 * Why a request at `nonce` can never run, naming the request that blocks it and what the data center must do: the
 * `reason` of a request failed with NONCE_BLOCKED, and the `detail` of that refusal.
 */
export function blockedReason(dataCenter: string, nonce: bigint, blocker: Blocker): string {
  const by =
    blocker.id === undefined
      ? `no request of this service holds forwarder nonce ${blocker.nonce}`
      : blocker.code === "REQUEST_EXPIRED"
        ? `request ${blocker.id} (forwarder nonce ${blocker.nonce}) expired before it was relayed, leaving its nonce unused`
        : `request ${blocker.id} (forwarder nonce ${blocker.nonce}) failed (${blocker.code ?? "failed"}) without using its nonce`;
  return (
    `blocked: ${by}; the forwarder runs ${dataCenter}'s requests in nonce order, so nonce ${nonce} cannot run before ` +
    `${blocker.nonce} is used. Sign your requests again from forwarder nonce ${blocker.nonce} (signing-info's nextNonce)`
  );
}
