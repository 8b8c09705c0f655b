import type { z } from "zod";

import { validationProblem } from "../internal/problems.js";
import { type ForwardRequest, forwardRequestSchema, type RedemptionBody, redemptionBodySchema, toWire } from "../domain/redemption-wire.js";
import { type RedemptionBodyV2, redemptionBodyV2Schema, toWireV2 } from "../domain/redemption-wire-v2.js";
import { programmeOfVoucher, redeemCalldataV2 } from "../domain/redemption-v2.js";
import { redeemCalldata } from "../domain/signing-v1.js";

/**
 * The relay's two ledger adapters: what admission, the queue and the tracker need of a redemption body, whichever
 * ledger the deployment runs. The forward request, the forwarder and everything after admission are the same for both;
 * the consent, the calldata it must be, the queue's invoice key and the revert catalogue are the version's.
 */
export type LedgerVersion = 1 | 2;

/** A body as the queue stores it: the consent as it came on the wire, and the forward request. */
export interface StoredBody {
  consent: Record<string, unknown>;
  request: z.input<typeof forwardRequestSchema>;
}

/** A parsed redemption body, whatever the ledger version. */
export interface Redemption {
  version: LedgerVersion;
  request: ForwardRequest & { signature: string };
  /** The consent's data center (v1) or supplier (v2): the only address that may redeem it. */
  supplier: string;
  /**
   * The queue's invoice key (its `invoice_hash` column), at most one live request each: v1's invoice hash. A v2 key
   * is the ledger's invoice key, of the supplier's company (redemptionKeyV2, service/domain/redemption-v2.ts): the chain is read for it, so
   * here it is undefined and {@link Redemption.invoice} says what to read.
   */
  key: string | undefined;
  /** A v2 consent's invoice: its number hash, and the programme whose accreditation names the supplier's company. */
  invoice?: { numberHash: string; programme: number };
  voucherId: bigint;
  amount: bigint;
  /** The ledger's `redeem(consent, signature)` calldata this consent makes: the request's data must be it. */
  calldata: string;
  stored: StoredBody;
}

/** A v1 body (`/v1/redemptions`). */
export function redemptionV1(body: RedemptionBody): Redemption {
  const { signature, ...consent } = body.consent;
  return {
    version: 1,
    request: body.request,
    supplier: consent.dataCenter,
    key: consent.invoiceHash,
    voucherId: consent.voucherId,
    amount: consent.amount,
    calldata: redeemCalldata({ consent, signature }),
    stored: toWire(body),
  };
}

/** A v2 body (`/v2/redemptions`). */
export function redemptionV2(body: RedemptionBodyV2): Redemption {
  const { signature, ...consent } = body.consent;
  return {
    version: 2,
    request: body.request,
    supplier: consent.supplier,
    key: undefined,
    invoice: { numberHash: consent.invoiceNumberHash, programme: programmeOfVoucher(consent.voucherId) },
    voucherId: consent.voucherId,
    amount: consent.amount,
    calldata: redeemCalldataV2({ consent, signature }),
    stored: toWireV2(body),
  };
}

/**
 * Parses a body of `version` with its shared zod schema; a bad one is VALIDATION_FAILED naming each failing field
 * under `where` (`body`, or `body.redemptions.<index>` for a batch item).
 */
export function parseRedemption(version: LedgerVersion, raw: unknown, where = "body"): Redemption {
  if (version === 1) {
    const parsed = redemptionBodySchema.safeParse(raw);
    if (!parsed.success) throw validationProblem(where, parsed.error);
    return redemptionV1(parsed.data);
  }
  const parsed = redemptionBodyV2Schema.safeParse(raw);
  if (!parsed.success) throw validationProblem(where, parsed.error);
  return redemptionV2(parsed.data);
}
