import { expect } from "chai";

import { ReorgTooDeepError } from "../../service/internal/errors.js";
import { dump, expectMirrorEqualsChain } from "./helpers/compare.js";
import { deployTestLedger, runWorkload, type TestLedger } from "./helpers/ledger.js";
import { backends, mirrorEnv, newDatabase, syncAndRead, type TestDatabase, withMirror } from "./helpers/mirror.js";
import { type LocalNode, type NodeKind, startNode } from "./helpers/node.js";

/** Takes a node snapshot, with the workload's own bookkeeping, to go back to later. */
async function snapshot(t: TestLedger): Promise<() => Promise<void>> {
  const id = await t.provider.send("evm_snapshot", []);
  const active = t.active.map((v) => ({ ...v }));
  return async () => {
    expect(await t.provider.send("evm_revert", [id])).to.equal(true);
    t.active = active.map((v) => ({ ...v }));
  };
}

for (const kind of ["hardhat", "anvil"] as NodeKind[]) {
  describe(`reorgs on ${kind}`, function () {
    let node: LocalNode;
    const databases: TestDatabase[] = [];
    const fresh = async (backend: (typeof backends extends () => (infer B)[] ? B : never)) => {
      const db = await newDatabase(backend);
      databases.push(db);
      return db;
    };

    before(async function () {
      node = await startNode(kind);
    });

    after(async function () {
      for (const db of databases) await db.drop().catch(() => undefined);
      await node?.stop();
    });

    for (const backend of backends()) {
      it(`replaces blocks the ${backend} mirror has read (longer and shorter forks) and ends equal to a fresh sync`, async function () {
        const t = await deployTestLedger(node.url);
        await runWorkload(t, 12, 10);
        const db = await fresh(backend);
        const env = await mirrorEnv(node.url, t, db, { FINALITY_DEPTH: "64" });

        let revert = await snapshot(t);
        await runWorkload(t, 10, 11);
        await syncAndRead(env, (m) => expectMirrorEqualsChain(m.store.db, t, node.url));

        // A longer fork: other events, more blocks.
        await revert();
        await runWorkload(t, 14, 12);
        await syncAndRead(env, (m) => expectMirrorEqualsChain(m.store.db, t, node.url));

        // A shorter fork: the head falls below the mirror's checkpoint.
        revert = await snapshot(t);
        await runWorkload(t, 8, 13);
        await syncAndRead(env, (m) => expectMirrorEqualsChain(m.store.db, t, node.url));
        await revert();
        await runWorkload(t, 2, 14);
        const { actual, reorged } = await syncAndRead(env, async (m) => {
          await expectMirrorEqualsChain(m.store.db, t, node.url);
          const rows = await m.store.db.query<{ n: string }>("SELECT count(*)::text AS n FROM reorged_events");
          return { actual: await dump(m.store.db), reorged: Number(rows[0]!.n) };
        });
        expect(reorged, "events of replaced blocks are kept aside").to.be.greaterThan(0);
        const expected = await syncAndRead(await mirrorEnv(node.url, t, await fresh(backend)), (m) => dump(m.store.db));
        expect(actual).to.deep.equal(expected);
      });

      it(`stops with a clear error and changes nothing when a reorg is deeper than the window (${backend})`, async function () {
        const t = await deployTestLedger(node.url);
        const revert = await snapshot(t);
        await runWorkload(t, 12, 20);
        const db = await fresh(backend);
        const env = await mirrorEnv(node.url, t, db, { FINALITY_DEPTH: "2", GETLOGS_INITIAL_RANGE: "1000", GETLOGS_MAX_RANGE: "1000" });
        const before = await syncAndRead(env, (m) => dump(m.store.db));
        await revert();
        await runWorkload(t, 14, 21);
        const error = await withMirror(env, (m) => m.syncer!.step().then(() => undefined, (e: unknown) => e));
        expect(error).to.be.instanceOf(ReorgTooDeepError);
        expect((error as Error).message).to.match(/deeper than FINALITY_DEPTH=2/);
        expect(await withMirror(env, (m) => dump(m.store.db))).to.deep.equal(before);
      });
    }
  });
}
