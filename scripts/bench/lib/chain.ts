/**
 * The benchmarks' chain: a ledger deployed on a local node, grown to a number of events by `issueBatch` (200
 * vouchers a transaction, 3 events each: VoucherIssued, Locked, TransferSingle), 20 transactions in flight.
 */
import { encodeBytes32String } from "ethers";

import type { TestLedger } from "../../../test/service/helpers/ledger.js";

export const VOUCHERS_PER_BATCH = 200;
export const EVENTS_PER_VOUCHER = 3;

export interface ChainGrower {
  /** Issues batches until at least `events` events were made by this grower; returns how many it made in all. */
  growTo(events: number): Promise<number>;
}

export async function chainGrower(t: TestLedger, city: number, prefix: string): Promise<ChainGrower> {
  const holders = await Promise.all(t.signers.holders.map((h) => h.getAddress()));
  const issuer = t.ledger.connect(t.signers.shanghaiIssuer);
  let batches = 0;
  return {
    async growTo(events) {
      let pending: Promise<unknown>[] = [];
      while (batches * VOUCHERS_PER_BATCH * EVENTS_PER_VOUCHER < events) {
        const i = batches++;
        const requests = Array.from({ length: VOUCHERS_PER_BATCH }, (_, j) => ({
          holder: holders[(i + j) % holders.length]!,
          applicationRef: encodeBytes32String(`${prefix}-${i}-${j}`),
          faceValue: 1000n + BigInt(j),
          expiresAt: 0n,
        }));
        pending.push((await issuer.issueBatch(city, requests, { gasLimit: 29_000_000n })).wait());
        if (pending.length >= 20) {
          await Promise.all(pending);
          pending = [];
        }
      }
      await Promise.all(pending);
      return batches * VOUCHERS_PER_BATCH * EVENTS_PER_VOUCHER;
    },
  };
}
