import { expect } from "chai";

import { runWorkload, type TestLedger } from "./ledger.js";

/**
 * Takes a node snapshot (`evm_snapshot`), with the workload's own bookkeeping, to go back to later: the blocks
 * mined after it are then replaced by whatever is mined next (a fork). Going back to an older snapshot is allowed
 * after going back to a newer one.
 */
export async function snapshot(t: TestLedger): Promise<() => Promise<void>> {
  const id = await t.provider.send("evm_snapshot", []);
  const active = t.active.map((v) => ({ ...v }));
  return async () => {
    expect(await t.provider.send("evm_revert", [id])).to.equal(true);
    t.active = active.map((v) => ({ ...v }));
  };
}

/** Runs the workload until the chain has grown by at least `blocks` blocks (most with ledger events); the new head. */
export async function grow(t: TestLedger, blocks: number, seed: number): Promise<number> {
  const target = (await t.provider.getBlockNumber()) + blocks;
  for (let s = seed; ; s += 7919) {
    const head = await t.provider.getBlockNumber();
    if (head >= target) return head;
    await runWorkload(t, 1, s);
  }
}
