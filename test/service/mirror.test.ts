import { expect } from "chai";

import { dump, expectMirrorEqualsChain } from "./helpers/compare.js";
import { deployTestLedger, runWorkload, type TestLedger } from "./helpers/ledger.js";
import { backends, mirrorEnv, newDatabase, syncAndRead, type TestDatabase, withMirror } from "./helpers/mirror.js";
import { type LocalNode, type NodeKind, startNode } from "./helpers/node.js";

for (const kind of ["hardhat", "anvil"] as NodeKind[]) {
  describe(`mirror against ${kind}`, function () {
    let node: LocalNode;
    let t: TestLedger;
    const databases: TestDatabase[] = [];

    before(async function () {
      node = await startNode(kind);
      t = await deployTestLedger(node.url);
      await runWorkload(t, 40, 1);
    });

    after(async function () {
      for (const db of databases) await db.drop().catch(() => undefined);
      await node?.stop();
    });

    for (const backend of backends()) {
      it(`backfills into ${backend}, then follows new blocks, and equals the chain each time`, async function () {
        const db = await newDatabase(backend);
        databases.push(db);
        const env = await mirrorEnv(node.url, t, db);
        const backfilled = await syncAndRead(env, (m) => expectMirrorEqualsChain(m.store.db, t, node.url));
        expect(backfilled).to.be.greaterThan(100);

        // Follow: the loop runs while new transactions arrive; it must end up with all of them.
        await withMirror(env, async (m) => {
          const controller = new AbortController();
          const running = m.syncer!.run(controller.signal);
          await runWorkload(t, 15, 2);
          const head = await t.provider.getBlockNumber();
          while ((m.syncer!.status()?.indexed ?? 0) < head) await new Promise((r) => setTimeout(r, 50));
          controller.abort();
          await running;
          const followed = await expectMirrorEqualsChain(m.store.db, t, node.url);
          expect(followed).to.be.greaterThan(backfilled);
        });

        // A fresh sync of the same chain into an empty database gives the same rows.
        const fresh = await newDatabase(backend);
        databases.push(fresh);
        const expected = await syncAndRead(await mirrorEnv(node.url, t, fresh), (m) => dump(m.store.db));
        const actual = await withMirror(env, (m) => dump(m.store.db));
        expect(actual).to.deep.equal(expected);
      });
    }
  });
}
