import { randomUUID } from "node:crypto";

import type { RelayChain } from "./chain.js";
import { RelayProblem } from "./errors.js";
import { type LedgerVersion, parseRedemption, type Redemption } from "./ledger.js";
import { blockedReason, blockerOf, nonceRun } from "./nonces.js";
import { relayerFor, type RelayQueue, type RequestRow } from "./queue.js";
import { forwardRequestDigest, forwardRequestSigner } from "../domain/signing-v1.js";
import { forwardRequestSchema } from "../domain/redemption-wire.js";
import { programmeOfVoucher, redemptionKeyV2 } from "../domain/redemption-v2.js";

/** What the admission of a redemption body needs. */
export interface AdmitContext {
  chain: RelayChain;
  queue: RelayQueue;
  /** Addresses of the configured relayer accounts. */
  relayers: string[];
  /** The ledger the relay submits to: which bodies it reads. */
  version: LedgerVersion;
}

/** Gas a forwarded redemption may ask for: enough for `redeem`, not so much that a batch cannot fit a block. */
export const MIN_REQUEST_GAS = 120_000n;
export const MAX_REQUEST_GAS = 1_000_000n;
const MAX_UINT48 = 2n ** 48n - 1n;

export type Admission = { kind: "accepted" | "existing"; row: RequestRow };

function checkShape(chain: RelayChain, body: Redemption): void {
  const { request } = body;
  const who = body.version === 1 ? "data center" : "supplier";
  const mismatch = (detail: string) => new RelayProblem("REQUEST_MISMATCH", detail);
  if (request.to !== chain.ledger) throw mismatch(`request.to is ${request.to}, not the ledger ${chain.ledger}`);
  if (request.value !== 0n) throw mismatch("request.value must be 0");
  if (request.from !== body.supplier) {
    throw mismatch(`request.from ${request.from} is not the consent's ${who} ${body.supplier}`);
  }
  if (request.deadline > MAX_UINT48) throw mismatch("request.deadline does not fit the forwarder's uint48");
  if (request.gas < MIN_REQUEST_GAS || request.gas > MAX_REQUEST_GAS) {
    throw mismatch(`request.gas must be between ${MIN_REQUEST_GAS} and ${MAX_REQUEST_GAS}`);
  }
  if (request.data.toLowerCase() !== body.calldata.toLowerCase()) {
    throw mismatch("request.data is not the ledger's redeem(consent, signature) for this consent");
  }
}

/**
 * The same signed request stored before (the same forward-request digest, so the same signer and forwarder nonce),
 * whatever became of it, failed included.
 */
async function sameRequest(ctx: AdmitContext, body: Redemption): Promise<Admission | undefined> {
  const { request } = body;
  const rows = await ctx.queue.atNonce(request.from, request.nonce);
  if (rows.length === 0) return undefined;
  const digestOf = (r: Redemption["request"]) => forwardRequestDigest(ctx.chain.forwarderDomain, r);
  const digest = digestOf(request);
  const same = rows.find((r) => {
    const stored = forwardRequestSchema.safeParse(r.body.request);
    return stored.success && digestOf(stored.data) === digest;
  });
  return same === undefined ? undefined : { kind: "existing", row: same };
}

/**
 * The invoice's live request (queued, submitted or confirmed), if any, answers another request for it: the same
 * address's for the same programme gets it (200); any other is refused, nothing stored: v1's of another data center
 * INVOICE_IN_USE, v2's of another address of the supplier's company (or for another programme) INVOICE_PENDING, since
 * the ledger keys an invoice by company, and a second live request would pass its simulation and fail on chain.
 */
async function liveHolder(ctx: AdmitContext, body: Redemption, key: string): Promise<Admission | undefined> {
  const live = (await ctx.queue.byInvoice(key)).find((r) => r.status !== "failed");
  if (live === undefined) return undefined;
  const from = body.request.from;
  if (body.version === 1) {
    if (live.dataCenter === from) return { kind: "existing", row: live };
    throw new RelayProblem("INVOICE_IN_USE", `invoice ${live.invoiceHash} is already being redeemed by another data center`);
  }
  const programme = programmeOfVoucher(live.voucherId);
  if (live.dataCenter === from && programme === body.invoice?.programme) return { kind: "existing", row: live };
  const by = live.dataCenter === from ? "this address" : `the company's address ${live.dataCenter}`;
  const programmeNote = programme === body.invoice?.programme ? "" : ` for programme ${programme}`;
  throw new RelayProblem(
    "INVOICE_PENDING",
    `invoice ${body.invoice?.numberHash} of this supplier company has a ${live.status} request ${live.id} from ${by}${programmeNote}: ` +
      (live.status === "confirmed" ? "it was redeemed" : "send again once it is confirmed or failed"),
    { heldBy: { id: live.id, supplier: live.dataCenter, programme, status: live.status } },
  );
}

/** What the chain said of a request when it was read. */
interface ChainReading {
  latest: { timestamp: bigint };
  chainNonce: bigint;
  /** The ledger's reason, if the simulation of the forwarded call reverted. */
  refusal: Awaited<ReturnType<RelayChain["simulate"]>>;
  /** The queue's invoice key: the body's (v1), or the ledger's invoice key of the supplier's company (v2). */
  key: string;
}

/** A body whose own checks passed, with the chain's reading (none when a stored request already answers it). */
export interface PreparedRedemption {
  body: Redemption;
  reading: ChainReading | undefined;
}

async function readChain(chain: RelayChain, body: Redemption): Promise<ChainReading> {
  const { request, invoice } = body;
  // The nonce, the simulation and the supplier's company are of one block's state, the one whose time the deadline
  // is compared with.
  const { latest, value } = await chain.readAtHead((tag) =>
    Promise.all([
      chain.forwarderNonce(request.from, tag),
      chain.simulate(request.from, request.data, tag),
      invoice === undefined ? undefined : chain.supplierEntity(request.from, invoice.programme, tag),
    ]),
  );
  const [chainNonce, refusal, entity] = value;
  const key = body.key ?? redemptionKeyV2(entity ?? 0, invoice!.numberHash);
  return { latest, chainNonce, refusal, key };
}

/**
 * The part of admission that needs no order between requests: the body's shape, the data center's signature, and
 * the chain's reads (time, forwarder nonce, and a simulation of the ledger's redeem as the forwarder would call it).
 * Requests may be prepared concurrently; {@link admitPrepared} then takes them one at a time.
 */
export async function prepare(ctx: AdmitContext, raw: unknown, where = "body"): Promise<PreparedRedemption> {
  return prepareBody(ctx, parseRedemption(ctx.version, raw, where));
}

/** {@link prepare} of a body already parsed (by its endpoint's input schema). */
export async function prepareBody(ctx: AdmitContext, body: Redemption): Promise<PreparedRedemption> {
  const { chain } = ctx;
  const { request } = body;
  checkShape(chain, body);
  const signer = forwardRequestSigner(chain.forwarderDomain, request);
  if (signer !== request.from) {
    throw new RelayProblem("INVALID_SIGNATURE", `the forward request is signed by ${signer ?? "nobody"}, not by ${request.from}`);
  }
  // The same request again needs no chain reads: admitPrepared answers it from the queue.
  const stored = await sameRequest(ctx, body);
  return { body, reading: stored === undefined ? await readChain(chain, body) : undefined };
}

/**
 * The forwarder nonce against the chain and the data center's stored requests: below the chain's nonce or held by
 * a request that can still run, it is used; above the run of those requests, it is blocked (when a failed or expiring
 * request leaves the nonce at the run's end unused) or a gap.
 */
async function checkNonce(ctx: AdmitContext, request: Redemption["request"], chainNonce: bigint, now: bigint): Promise<void> {
  const { from, nonce } = request;
  const run = nonceRun(chainNonce, await ctx.queue.nonceHolders(from, chainNonce), now);
  const nextNonce = run.next.toString();
  if (nonce < chainNonce) {
    throw new RelayProblem("NONCE_USED", `forwarder nonce ${nonce} of ${from} was already used on chain`, { nextNonce });
  }
  if (nonce > run.next) {
    const blocker = await blockerOf(ctx.queue, from, run);
    if (blocker.id !== undefined) {
      throw new RelayProblem("NONCE_BLOCKED", blockedReason(from, nonce, blocker), {
        nextNonce,
        blockedBy: { id: blocker.id, forwarderNonce: blocker.nonce.toString(), code: blocker.code ?? null },
      });
    }
    throw new RelayProblem("NONCE_GAP", `forwarder nonce ${nonce} is not the next one of ${from}, ${run.next}`, { nextNonce });
  }
  const holder = run.holders.find((h) => h.forwarderNonce === nonce);
  if (holder === run.expiring && holder !== undefined) {
    throw new RelayProblem(
      "NONCE_USED",
      `forwarder nonce ${nonce} of ${from} is held by request ${holder.id}, whose deadline passed before it was relayed: ` +
        "it fails without using the nonce once the relayer settles it (at once if queued, when its transaction is mined if in flight); send this request again then",
      { nextNonce },
    );
  }
  if (holder !== undefined) {
    throw new RelayProblem("NONCE_USED", `forwarder nonce ${nonce} of ${from} is held by request ${holder.id}`, { nextNonce });
  }
}

/**
 * The ordered part: the same request again gets the stored one; then the invoice's live request answers or refuses
 * it ({@link liveHolder}); then the deadline, the forwarder nonce against the chain and the queue, and the simulation's verdict; then the
 * durable insert. Throws a {@link RelayProblem} naming the reason of a refusal.
 */
export async function admitPrepared(ctx: AdmitContext, prepared: PreparedRedemption): Promise<Admission> {
  const { queue } = ctx;
  const { body } = prepared;
  const { request } = body;
  const stored = await sameRequest(ctx, body);
  if (stored !== undefined) return stored;
  // Answered by a stored request when prepared, not now (a database changed under it): read the chain now.
  const { latest, chainNonce, refusal, key } = prepared.reading ?? (await readChain(ctx.chain, body));
  const held = await liveHolder(ctx, body, key);
  if (held !== undefined) return held;
  if (request.deadline < latest.timestamp) {
    throw new RelayProblem("REQUEST_EXPIRED", `the request's deadline ${request.deadline} is before the chain's time ${latest.timestamp}`);
  }
  await checkNonce(ctx, request, chainNonce, latest.timestamp);
  if (refusal !== undefined) {
    throw new RelayProblem("LEDGER_REFUSED", refusal.message, { error: refusal.error, args: refusal.args }, refusal.code);
  }
  const row = await queue.insert({
    id: randomUUID(),
    dataCenter: request.from,
    invoiceHash: key,
    voucherId: body.voucherId,
    amount: body.amount,
    forwarderNonce: request.nonce,
    requestDeadline: request.deadline,
    body: body.stored,
    relayer: relayerFor(request.from, ctx.relayers),
  });
  if (row !== undefined) return { kind: "accepted", row };
  // Another request got there first (two copies sent at once).
  const raced = (await sameRequest(ctx, body)) ?? (await liveHolder(ctx, body, key));
  if (raced !== undefined) return raced;
  throw new RelayProblem("NONCE_USED", `forwarder nonce ${request.nonce} of ${request.from} was already used`);
}

/**
 * Checks a redemption body (shape, the data center's signature, the forwarder nonce and deadline, and a
 * simulation of the ledger's redeem as the forwarder would call it) and stores it durably. The same request again
 * returns the request stored for it, whatever its status; another request for an invoice with a live request returns
 * that one. Throws a {@link RelayProblem} naming the reason of a refusal.
 */
export async function admit(ctx: AdmitContext, raw: unknown): Promise<Admission> {
  return admitPrepared(ctx, await prepare(ctx, raw));
}
