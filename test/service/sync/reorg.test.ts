import { expect } from "chai";

import { NodeBehindError, ReorgTooDeepError } from "../../../service/internal/errors.js";
import type { Mirror } from "../../../service/mirror.js";
import type { Queryable } from "../../../service/store/database.js";
import { dump, expectMirrorEqualsChain } from "../helpers/compare.js";
import { grow, snapshot } from "../helpers/fork.js";
import { deployTestLedger, runWorkload, type TestLedger } from "../helpers/ledger.js";
import { backends, mirrorEnv, syncAndRead, testDatabases, withMirror } from "../helpers/mirror.js";
import { type LocalNode, type NodeKind, rpcCall, startNode } from "../helpers/node.js";
import { shouldFollowForksLikeAFreshSync } from "./reorg.behavior.js";

/** What a step throws (undefined when it succeeds). */
const stepError = (m: Mirror) => m.syncer!.step().then(() => undefined, (e: unknown) => e);

/** The lowest block of the events a reorg moved aside, and how many there are. */
async function reorged(db: Queryable): Promise<{ count: number; lowest: number | null }> {
  const rows = await db.query<{ n: string; lowest: string | null }>(
    "SELECT count(*)::text AS n, min(block_number)::text AS lowest FROM reorged_events",
  );
  return { count: Number(rows[0]!.n), lowest: rows[0]!.lowest === null ? null : Number(rows[0]!.lowest) };
}

/** Mines `n` blocks without transactions; the new head. */
async function mineEmpty(t: TestLedger, n: number): Promise<number> {
  for (let i = 0; i < n; i++) await t.provider.send("evm_mine", []);
  return t.provider.getBlockNumber();
}

/** The node's hash of block `n`. */
async function hashOnNode(url: string, n: number): Promise<string> {
  return (await rpcCall<{ hash: string }>(url, "eth_getBlockByNumber", [`0x${n.toString(16)}`, false])).hash;
}

/** One eth_getLogs range for the whole chain: a backfill or a catch-up in one step, over blocks it keeps no header of. */
const ONE_RANGE = { GETLOGS_INITIAL_RANGE: "1000", GETLOGS_MAX_RANGE: "1000", GETLOGS_TARGET_LOGS: "100000" };

for (const kind of ["hardhat", "anvil"] as NodeKind[]) {
  describe(`reorgs on ${kind}`, function () {
    let node: LocalNode;
    const { fresh, dropAll } = testDatabases();

    before(async function () {
      node = await startNode(kind);
    });

    after(async function () {
      await dropAll();
      await node?.stop();
    });

    shouldFollowForksLikeAFreshSync(async () => {
      const t = await deployTestLedger(node.url);
      return {
        fresh,
        env: (db) => mirrorEnv(node.url, t, db, { FINALITY_DEPTH: "64" }),
        snapshot: () => snapshot(t),
        work: (size, seed) => runWorkload(t, size === "large" ? 12 : 6, seed),
        dump,
        expectEqualsChain: (db) => expectMirrorEqualsChain(db, t, node.url),
      };
    });

    for (const backend of backends()) {
      it(`rolls back only the window of a long history, leaving the finalized rows untouched, and ends equal to a fresh sync (${backend})`, async function () {
        const t = await deployTestLedger(node.url);
        await runWorkload(t, 40, 15);
        const fork = await t.provider.getBlockNumber();
        const revert = await snapshot(t);
        await grow(t, 4, 16);
        const env = await mirrorEnv(node.url, t, await fresh(backend), { FINALITY_DEPTH: "6" });
        // Each row's xmin (the transaction that wrote it): a row deleted and written again gets a new one.
        const written = (db: Queryable) =>
          db.query<{ id: string; updated: string; xmin: string }>(
            "SELECT id::text AS id, updated_block::text AS updated, xmin::text AS xmin FROM vouchers ORDER BY id",
          );
        // The finalized history: versions closed at or below the fork, with the transaction that wrote them.
        const closed = async (db: Queryable) =>
          (await db.query<{ v: string }>(
            `SELECT concat_ws(' ', table_name, key::text, valid_from, valid_until, xmin::text) AS v FROM derived_versions
              WHERE valid_until <= $1 ORDER BY 1`,
            [fork],
          )).map((r) => r.v);
        const before = await syncAndRead(env, async (m) => ({ rows: await written(m.store.db), closed: await closed(m.store.db) }));
        expect(fork - t.deploymentBlock, "a long history below the window").to.be.greaterThan(30);

        await revert();
        await grow(t, 6, 17);
        const { actual, rows, history } = await syncAndRead(env, async (m) => {
          await expectMirrorEqualsChain(m.store.db, t, node.url);
          expect((await reorged(m.store.db)).lowest).to.equal(fork + 1);
          return { actual: await dump(m.store.db), rows: await written(m.store.db), history: await closed(m.store.db) };
        });
        // The vouchers that changed neither above the fork on the old chain nor on the new one: the same rows,
        // never rewritten (a rebuild from the log writes every row again).
        const after = new Map(rows.map((r) => [r.id, r]));
        const untouched = before.rows.filter((r) => Number(r.updated) <= fork && after.get(r.id)?.updated === r.updated);
        expect(untouched.length, "most vouchers were last changed below the fork").to.be.greaterThan(before.rows.length / 2);
        for (const r of untouched) expect(after.get(r.id)!.xmin, `voucher ${r.id}`).to.equal(r.xmin);
        expect(before.closed.length).to.be.greaterThan(0);
        expect(history, "the finalized history is not rewritten").to.deep.equal(before.closed);
        const expected = await syncAndRead(await mirrorEnv(node.url, t, await fresh(backend)), (m) => dump(m.store.db));
        expect(actual).to.deep.equal(expected);
      });

      it(`stops with a clear error and changes nothing when a reorg is deeper than the window (${backend})`, async function () {
        const t = await deployTestLedger(node.url);
        const revert = await snapshot(t);
        await runWorkload(t, 12, 20);
        const db = await fresh(backend);
        const env = await mirrorEnv(node.url, t, db, { FINALITY_DEPTH: "2", ...ONE_RANGE });
        const before = await syncAndRead(env, (m) => dump(m.store.db));
        await revert();
        await runWorkload(t, 14, 21);
        const error = await withMirror(env, stepError);
        expect(error).to.be.instanceOf(ReorgTooDeepError);
        expect((error as Error).message).to.match(/deeper than FINALITY_DEPTH=2/);
        const after = await withMirror(env, async (m) => ({ dump: await dump(m.store.db), checkpoint: (await m.store.checkpoint())! }));
        expect(after.dump).to.deep.equal(before);
        expect(after.checkpoint.halted).to.include({ code: "REORG_TOO_DEEP", reason: (error as Error).message });
        // The halt is durable: a restart refuses at once, whatever the chain does meanwhile.
        await runWorkload(t, 2, 22);
        const again = await withMirror(env, (m) => m.syncer!.syncToHead().then(() => undefined, (e: unknown) => e));
        expect(again).to.be.instanceOf(ReorgTooDeepError);
        expect((again as Error).message).to.match(/stopped for good/);
        expect(await withMirror(env, (m) => dump(m.store.db))).to.deep.equal(before);
      });
    }
  });
}

describe("reorgs at the edge of finality, on anvil", function () {
  let node: LocalNode;
  const { fresh, dropAll } = testDatabases();

  before(async function () {
    node = await startNode("anvil");
  });

  after(async function () {
    await dropAll();
    await node?.stop();
  });

  for (const backend of backends()) {
    it(`follows a reorg exactly as deep as the window right after a fresh backfill (${backend})`, async function () {
      const t = await deployTestLedger(node.url);
      await runWorkload(t, 6, 60);
      const fork = await mineEmpty(t, 1); // no ledger log: the mirror reads its header only as the final block
      const revert = await snapshot(t);
      const depth = (await grow(t, 4, 61)) - fork; // every block above the fork is in the window
      const env = await mirrorEnv(node.url, t, await fresh(backend), { FINALITY_DEPTH: String(depth), ...ONE_RANGE });
      const final = await syncAndRead(env, async (m) => (await m.store.checkpoint())!.final);
      expect(final).to.deep.equal({ number: fork, hash: await hashOnNode(node.url, fork) });

      await revert();
      await grow(t, depth + 2, 62);
      await syncAndRead(env, async (m) => {
        await expectMirrorEqualsChain(m.store.db, t, node.url);
        const moved = await reorged(m.store.db);
        expect(moved.count).to.be.greaterThan(0);
        expect(moved.lowest).to.equal(fork + 1, "only the blocks above the final block were replaced");
        const now = (await m.store.checkpoint())!;
        expect(now.final.number).to.be.at.least(fork);
        expect(now.final.hash).to.equal(await hashOnNode(node.url, now.final.number));
      });
    });

    it(`after the head went down, follows a reorg at the final block, which never moves down (${backend})`, async function () {
      const t = await deployTestLedger(node.url);
      await runWorkload(t, 6, 70);
      const final = await mineEmpty(t, 1);
      const toFinal = await snapshot(t);
      await grow(t, 2, 71);
      const toMiddle = await snapshot(t);
      const head = await grow(t, 3, 72);
      const depth = head - final;
      const env = await mirrorEnv(node.url, t, await fresh(backend), { FINALITY_DEPTH: String(depth), ...ONE_RANGE });
      expect(await syncAndRead(env, async (m) => (await m.store.checkpoint())!.final.number)).to.equal(final);

      // A shorter fork: the head goes down, so that head − FINALITY_DEPTH falls below the final block.
      await toMiddle();
      const lower = await grow(t, 1, 73);
      expect(lower).to.be.below(head);
      await syncAndRead(env, async (m) => {
        await expectMirrorEqualsChain(m.store.db, t, node.url);
        expect((await m.store.checkpoint())!.final.number).to.equal(final);
      });

      // A fork at the final block itself: every block above it replaced, the final block kept.
      await toFinal();
      await grow(t, depth + 3, 74);
      await syncAndRead(env, async (m) => {
        await expectMirrorEqualsChain(m.store.db, t, node.url);
        expect((await reorged(m.store.db)).lowest).to.equal(final + 1);
      });
    });

    it(`waits, changing nothing, while the node's chain ends below the checkpoint on the mirror's own blocks (${backend})`, async function () {
      const t = await deployTestLedger(node.url);
      await runWorkload(t, 6, 80);
      const back = await snapshot(t);
      await grow(t, 3, 81);
      const env = await mirrorEnv(node.url, t, await fresh(backend), { FINALITY_DEPTH: "8" });
      const before = await syncAndRead(env, (m) => dump(m.store.db));

      await back(); // as a node that is behind would look: no other block in place of the mirror's newest
      const waited = await withMirror(env, async (m) => ({ error: await stepError(m), dump: await dump(m.store.db), moved: await reorged(m.store.db) }));
      expect(waited.error).to.be.instanceOf(NodeBehindError);
      expect(waited.dump).to.deep.equal(before);
      expect(waited.moved.count).to.equal(0);

      await grow(t, 5, 82);
      await syncAndRead(env, (m) => expectMirrorEqualsChain(m.store.db, t, node.url));
    });

    it(`after a restart that caught up over blocks it kept no header of, refuses a reorg below the final block (${backend})`, async function () {
      const t = await deployTestLedger(node.url);
      await runWorkload(t, 8, 90);
      const env = await mirrorEnv(node.url, t, await fresh(backend), { FINALITY_DEPTH: "4", ...ONE_RANGE });
      await syncAndRead(env, async () => undefined);

      // The mirror is stopped while the chain grows, then catches up in one range.
      await grow(t, 3, 91);
      const fork = await t.provider.getBlockNumber();
      const revert = await snapshot(t);
      await grow(t, 3, 92);
      const head = await mineEmpty(t, 5); // the block that becomes final has no ledger log
      const before = await syncAndRead(env, async (m) => ({ dump: await dump(m.store.db), final: (await m.store.checkpoint())!.final.number }));
      expect(before.final).to.equal(head - 4);
      expect(fork).to.be.below(before.final);

      // A longer fork from below the final block.
      await revert();
      await grow(t, head - fork + 2, 93);
      const error = await withMirror(env, stepError);
      expect(error).to.be.instanceOf(ReorgTooDeepError);
      expect((error as Error).message).to.match(new RegExp(`block ${before.final} is 0x[0-9a-f]{64} on the chain`));
      const after = await withMirror(env, async (m) => ({ dump: await dump(m.store.db), checkpoint: (await m.store.checkpoint())! }));
      expect(after.dump).to.deep.equal(before.dump, "what was served as final is still there, unchanged");
      expect(after.checkpoint.halted?.code).to.equal("REORG_TOO_DEEP");
    });
  }
});
