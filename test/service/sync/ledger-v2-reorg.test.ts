import { expect } from "chai";

import { dumpV2, expectV2MirrorEqualsChain, mirrorEnvV2, runV2Workload } from "../helpers/ledger-v2.js";
import { ledgerV2Chain } from "../helpers/backends.js";
import { backends, syncAndRead } from "../helpers/mirror.js";

describe("mirror of ledger v2 through reorgs (anvil)", function () {
  // The fixture's finance officer is the 20th development account.
  const chain = ledgerV2Chain("anvil", { extraArgs: ["--accounts", "20"] });

  for (const backend of backends()) {
    it(`replaces blocks the ${backend} mirror has read (claims, payments, registry changes) and ends equal to the chain and to a fresh sync`, async function () {
      const { node, t, fresh } = chain();
      const db = await fresh(backend);
      const env = mirrorEnvV2(node.url, t, db);
      const provider = t.connection.ethers.provider;
      const snapshot: string = await provider.send("evm_snapshot", []);
      const counter = t.counter;
      await runV2Workload(t);
      await syncAndRead(env, (m) => expectV2MirrorEqualsChain(m.store.db, t, node.url));

      // Another history from the snapshot on: the same kinds of events, in other blocks, with other values.
      expect(await provider.send("evm_revert", [snapshot])).to.equal(true);
      t.counter = counter + 10;
      await runV2Workload(t);
      const { actual, reorged } = await syncAndRead(env, async (m) => {
        await expectV2MirrorEqualsChain(m.store.db, t, node.url);
        const rows = await m.store.db.query<{ n: string }>("SELECT count(*)::text AS n FROM reorged_events");
        return { actual: await dumpV2(m.store.db), reorged: Number(rows[0]!.n) };
      });
      expect(reorged, "events of replaced blocks are kept aside").to.be.greaterThan(0);
      const expected = await syncAndRead(mirrorEnvV2(node.url, t, await fresh(backend)), (m) => dumpV2(m.store.db));
      expect(actual).to.deep.equal(expected);
    });
  }
});
