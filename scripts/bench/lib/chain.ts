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

/**
 * With `perBlock` above 1 (anvil started with a block gas limit of at least `perBlock` × 30M), automining is
 * switched off while growing and each block is mined with `perBlock` batches: anvil's time per block grows with the
 * state, so a million events in one batch a block would take most of the benchmark's budget.
 */
export async function chainGrower(t: TestLedger, city: number, prefix: string, perBlock = 1): Promise<ChainGrower> {
  const holders = await Promise.all(t.signers.holders.map((h) => h.getAddress()));
  const issuer = t.ledger.connect(t.signers.shanghaiIssuer);
  let batches = 0;
  const send = async () => {
    const i = batches++;
    const requests = Array.from({ length: VOUCHERS_PER_BATCH }, (_, j) => ({
      holder: holders[(i + j) % holders.length]!,
      applicationRef: encodeBytes32String(`${prefix}-${i}-${j}`),
      faceValue: 1000n + BigInt(j),
      expiresAt: 0n,
    }));
    return issuer.issueBatch(city, requests, { gasLimit: 29_000_000n });
  };
  return {
    async growTo(events) {
      const wanted = () => batches * VOUCHERS_PER_BATCH * EVENTS_PER_VOUCHER < events;
      if (perBlock > 1) {
        await t.provider.send("evm_setAutomine", [false]);
        try {
          while (wanted()) {
            const sent = [];
            for (let k = 0; k < perBlock && wanted(); k++) sent.push(await send());
            await t.provider.send("evm_mine", []);
            const receipts = await Promise.all(sent.map((tx) => tx.wait()));
            if (receipts.some((r) => r?.status !== 1)) throw new Error("an issueBatch of the benchmark chain failed");
          }
        } finally {
          await t.provider.send("evm_setAutomine", [true]);
        }
        return batches * VOUCHERS_PER_BATCH * EVENTS_PER_VOUCHER;
      }
      let pending: Promise<unknown>[] = [];
      while (wanted()) {
        pending.push((await send()).wait());
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
