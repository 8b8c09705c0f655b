import { dumpV2, expectV2MirrorEqualsChain, mirrorEnvV2, runV2Workload } from "../helpers/ledger-v2.js";
import { ledgerV2Chain } from "../helpers/backends.js";
import { shouldFollowForksLikeAFreshSync } from "./reorg.behavior.js";

describe("mirror of ledger v2 through reorgs (claims, payments, registry changes; anvil)", function () {
  // The fixture's finance officer is the 20th development account.
  const chain = ledgerV2Chain("anvil", { extraArgs: ["--accounts", "20"] });

  shouldFollowForksLikeAFreshSync(async () => {
    const { node, t, fresh } = chain();
    const provider = t.connection.ethers.provider;
    // The cases share the chain: each starts where the workload of the suite's set-up left it.
    const start: string = await provider.send("evm_snapshot", []);
    // Each round of the workload numbers its invoices from its counter: after going back, the counter moves past every
    // value used so far, so that the new history holds other invoices, in other blocks, with other values.
    let highest = t.counter;
    return {
      fresh,
      // Two rounds of the workload are about 60 blocks: the window must be deeper than the shorter fork's depth.
      env: (db) => Promise.resolve(mirrorEnvV2(node.url, t, db, { FINALITY_DEPTH: "128" })),
      snapshot: async () => {
        const id: string = await provider.send("evm_snapshot", []);
        return async () => {
          if ((await provider.send("evm_revert", [id])) !== true) throw new Error("evm_revert failed");
          t.counter = highest + 10;
        };
      },
      work: async (size) => {
        for (let round = 0; round < (size === "large" ? 2 : 1); round++) await runV2Workload(t);
        highest = Math.max(highest, t.counter);
      },
      dump: dumpV2,
      expectEqualsChain: (db) => expectV2MirrorEqualsChain(db, t, node.url),
      done: async () => {
        if ((await provider.send("evm_revert", [start])) !== true) throw new Error("evm_revert failed");
        t.counter = highest + 10;
      },
    };
  });
});
