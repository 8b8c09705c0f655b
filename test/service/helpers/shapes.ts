/**
 * Chains of a given shape on a test ledger's node (Hardhat's node or anvil, automining): sparse blocks (mostly
 * empty, one voucher now and then), and dense ones (one `issueBatch` a block), as a scheme's history that starts
 * slowly and then grows.
 */
import { encodeBytes32String } from "ethers";

import { SHANGHAI, type TestLedger } from "./ledger.js";

/** Events one issued voucher makes: VoucherIssued, Locked, TransferSingle. */
export const EVENTS_PER_VOUCHER = 3;

async function issue(t: TestLedger, count: number): Promise<void> {
  const holders = await Promise.all(t.signers.holders.map((h) => h.getAddress()));
  const requests = Array.from({ length: count }, (_, j) => ({
    holder: holders[(t.counter + j) % holders.length]!,
    applicationRef: encodeBytes32String(`SHAPE-${t.counter++}`),
    faceValue: 1000n + BigInt(j),
    expiresAt: 0n,
  }));
  const issuer = t.ledger.connect(t.signers.shanghaiIssuer);
  const tx = count === 1 ? await issuer.issue(SHANGHAI, requests[0]!) : await issuer.issueBatch(SHANGHAI, requests, { gasLimit: 29_000_000n });
  const receipt = await tx.wait();
  if (receipt?.status !== 1) throw new Error("an issue of the test chain failed");
}

/** Mines `blocks` blocks, every `every`-th with one voucher and the others empty; returns the events made. */
export async function mineSparse(t: TestLedger, blocks: number, every: number): Promise<number> {
  let events = 0;
  for (let b = 1; b <= blocks; b++) {
    if (b % every === 0) {
      await issue(t, 1);
      events += EVENTS_PER_VOUCHER;
    } else {
      await t.provider.send("evm_mine", []);
    }
  }
  return events;
}

/** Mines `blocks` blocks of `vouchers` vouchers each (at most 200: one `issueBatch` a block); returns the events made. */
export async function mineDense(t: TestLedger, blocks: number, vouchers: number): Promise<number> {
  for (let b = 0; b < blocks; b++) await issue(t, vouchers);
  return blocks * vouchers * EVENTS_PER_VOUCHER;
}
