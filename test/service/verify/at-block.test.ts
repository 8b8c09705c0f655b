import { expect } from "chai";

import { createRpc } from "../../../service/chain/rpc.js";
import { createLogger } from "../../../service/internal/logger.js";
import { verifyLedger } from "../../../service/verify/verify.js";
import { type ApiFixture, startApiFixture } from "../api/helpers.js";
import { deployTestLedger, runWorkload, type TestLedger } from "../helpers/ledger.js";
import { type LocalNode, startNode } from "../helpers/node.js";

/**
 * Verify as of a block asked for, with a mirror: the mirror's event log is compared up to that block, and its derived
 * tables as of that block — their rows at the checkpoint, their versions (the store's history, what `atBlock` reads)
 * at a past block — against the verifier's own fold of the chain's logs.
 */
describe("verify at a block, with a mirror", function () {
  let node: LocalNode;
  let t: TestLedger;
  let f: ApiFixture;
  let past: number;
  const logger = createLogger({ level: "silent" });

  before(async function () {
    node = await startNode("hardhat");
    t = await deployTestLedger(node.url);
    await runWorkload(t, 15, 31);
    past = await t.provider.getBlockNumber();
    await runWorkload(t, 15, 32);
    f = await startApiFixture(node.url, t, "pglite");
  });

  after(async function () {
    await f?.close();
    await node?.stop();
  });

  const deps = () => ({ rpc: createRpc({ url: node.url, timeoutMs: 10_000 }), target: f.mirror.target, logger, db: f.mirror.store.db });

  it("at a past block: the contract, the mirror's event log and its tables as of that block", async function () {
    const checkpoint = await t.provider.getBlockNumber();
    const report = await verifyLedger({ ...deps(), atBlock: past });
    expect(report.differences).to.deep.equal([]);
    expect(report).to.deep.include({ ok: true, atBlock: past, contractBlock: past, mirrorCompared: true, mirrorTablesCompared: true, mirrorCheckpoint: checkpoint });
    expect(report.events).to.be.greaterThan(0);
  });

  it("at several past blocks, the store's answer as of each equals the verifier's fold", async function () {
    const checkpoint = await t.provider.getBlockNumber();
    for (const block of [t.deploymentBlock, t.deploymentBlock + 3, Math.floor((t.deploymentBlock + past) / 2), past + 4, checkpoint - 1]) {
      const report = await verifyLedger({ ...deps(), atBlock: block });
      expect(report.differences, `block ${block}`).to.deep.equal([]);
      expect(report, `block ${block}`).to.deep.include({ ok: true, mirrorTablesCompared: true });
    }
  });

  it("finds a version of the store's history changed, at the blocks it covers only", async function () {
    const db = f.mirror.store.db;
    const [version] = await db.query<{ key: string; from: string; until: string; remaining: string }>(
      `SELECT key::text AS key, valid_from::text AS from, valid_until::text AS until, (row -> 'remaining')::text AS remaining
         FROM derived_versions
        WHERE table_name = 'vouchers' AND valid_until IS NOT NULL AND valid_until <= $1 ORDER BY valid_from LIMIT 1`,
      [past],
    );
    const at = Number(version!.from);
    const setRemaining = (value: string) =>
      db.query(
        `UPDATE derived_versions SET row = jsonb_set(row, '{remaining}', $3::jsonb)
          WHERE table_name = 'vouchers' AND key = $1::jsonb AND valid_from = $2`,
        [version!.key, at, value],
      );
    await setRemaining("12345");
    try {
      const report = await verifyLedger({ ...deps(), atBlock: at });
      expect(report.differences.map((d) => `${d.against} ${d.entity} ${d.field}`)).to.deep.equal(["mirror voucher remaining"]);
      expect((await verifyLedger({ ...deps(), atBlock: Number(version!.until) })).ok, "a block after the version").to.equal(true);
    } finally {
      await setRemaining(version!.remaining);
    }
  });

  it("at the mirror's checkpoint: the contract, the event log and the tables", async function () {
    const checkpoint = await t.provider.getBlockNumber();
    const report = await verifyLedger({ ...deps(), atBlock: checkpoint });
    expect(report).to.deep.include({ ok: true, atBlock: checkpoint, mirrorCompared: true, mirrorTablesCompared: true, mirrorCheckpoint: checkpoint });
  });

  it("finds a row of the event log changed below the block asked for", async function () {
    const db = f.mirror.store.db;
    const [row] = await db.query<{ block_number: string; log_index: number }>(
      "SELECT block_number::text AS block_number, log_index FROM events WHERE block_number <= $1 ORDER BY block_number DESC, log_index DESC LIMIT 1",
      [past],
    );
    await db.query("UPDATE events SET transaction_hash = $3 WHERE block_number = $1 AND log_index = $2", [row!.block_number, row!.log_index, "0x" + "ab".repeat(32)]);
    const report = await verifyLedger({ ...deps(), atBlock: past });
    expect(report.ok).to.equal(false);
    expect(report.differences.map((d) => `${d.against} ${d.entity} ${d.field}`)).to.deep.equal(["mirror event transaction_hash"]);
  });

  it("above the mirror's checkpoint: the mirror is not compared (it has not got there)", async function () {
    await runWorkload(t, 3, 33);
    const head = await t.provider.getBlockNumber();
    const report = await verifyLedger({ ...deps(), atBlock: head });
    expect(report).to.deep.include({ atBlock: head, mirrorCompared: false, mirrorTablesCompared: false, mirrorCheckpoint: null });
  });
});
