import { expect } from "chai";

import { dump, expectMirrorEqualsChain } from "./helpers/compare.js";
import { deployTestLedger, rng, runWorkload, type TestLedger } from "./helpers/ledger.js";
import { backends, mirrorEnv, newDatabase, syncAndRead, type TestDatabase } from "./helpers/mirror.js";
import { type LocalNode, startNode } from "./helpers/node.js";
import { type MirrorProcess, spawnMirror } from "./helpers/process.js";

describe("crashes", function () {
  let node: LocalNode;
  let t: TestLedger;
  const databases: TestDatabase[] = [];
  const children: MirrorProcess[] = [];

  before(async function () {
    node = await startNode("anvil");
    t = await deployTestLedger(node.url);
    await runWorkload(t, 40, 30);
  });

  after(async function () {
    for (const child of children) await child.stop("SIGKILL");
    for (const db of databases) await db.drop().catch(() => undefined);
    await node?.stop();
  });

  for (const backend of backends()) {
    it(`resumes after SIGKILL during backfill and follow, with no duplicate and no gap (${backend})`, async function () {
      const db = await newDatabase(backend);
      databases.push(db);
      // Tiny ranges, so that a backfill takes many commits and the kills land in the middle of it.
      const env = await mirrorEnv(node.url, t, db, { GETLOGS_INITIAL_RANGE: "1", GETLOGS_MAX_RANGE: "2" });
      const random = rng(backend === "pglite" ? 7 : 8);
      for (let round = 0; round < 5; round++) {
        const mirror = spawnMirror(env);
        children.push(mirror);
        await mirror.waitFor(/mirroring ledger/);
        if (round >= 3) await runWorkload(t, 4, 40 + round); // the kill lands while following
        await new Promise((r) => setTimeout(r, 200 + Math.floor(random() * 1500)));
        mirror.child.kill("SIGKILL");
        expect(await mirror.exited).to.equal(null);
      }
      const actual = await syncAndRead(env, async (m) => {
        await expectMirrorEqualsChain(m.store.db, t, node.url);
        return dump(m.store.db);
      });
      const fresh = await newDatabase(backend);
      databases.push(fresh);
      const expected = await syncAndRead(await mirrorEnv(node.url, t, fresh), (m) => dump(m.store.db));
      expect(actual).to.deep.equal(expected);
    });
  }
});
