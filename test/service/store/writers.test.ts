import { expect } from "chai";

import { expectMirrorEqualsChain } from "../helpers/compare.js";
import { deployTestLedger, runWorkload, type TestLedger } from "../helpers/ledger.js";
import { backends, mirrorEnv, newDatabase, type TestDatabase, withMirror } from "../helpers/mirror.js";
import { type LocalNode, startNode } from "../helpers/node.js";
import { type MirrorProcess, spawnMirror } from "../helpers/process.js";

describe("one writer at a time", function () {
  let node: LocalNode;
  let t: TestLedger;
  const databases: TestDatabase[] = [];
  const children: MirrorProcess[] = [];

  before(async function () {
    node = await startNode("anvil");
    t = await deployTestLedger(node.url);
    await runWorkload(t, 10, 50);
  });

  after(async function () {
    for (const child of children) await child.stop("SIGKILL");
    for (const db of databases) await db.drop().catch(() => undefined);
    await node?.stop();
  });

  for (const backend of backends()) {
    it(`lets a second mirror process wait, and take over when the first is killed (${backend})`, async function () {
      const db = await newDatabase(backend);
      databases.push(db);
      const env = await mirrorEnv(node.url, t, db);
      const first = spawnMirror(env);
      children.push(first);
      await first.waitFor("sync.caught-up");
      const second = spawnMirror(env);
      children.push(second);
      await second.waitFor("lock.waiting");
      expect(second.parsed().some((l) => l.event === "sync.caught-up")).to.equal(false);

      first.child.kill("SIGKILL");
      await first.exited;
      await runWorkload(t, 6, 51);
      const head = await t.provider.getBlockNumber();
      await second.waitFor(backend === "postgres" ? "lock.acquired" : "lock.stale");
      await second.waitFor("sync.caught-up");
      await second.stop("SIGTERM");
      expect(await second.exited).to.equal(0);
      const indexed = await withMirror(env, async (m) => {
        await expectMirrorEqualsChain(m.store.db, t, node.url);
        return (await m.store.checkpoint())!.number;
      });
      expect(indexed).to.equal(head);
    });
  }
});
