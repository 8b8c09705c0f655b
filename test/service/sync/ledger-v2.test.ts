import { expect } from "chai";

import { dumpV2, expectV2MirrorEqualsChain, mirrorEnvV2, runV2Workload } from "../helpers/ledger-v2.js";
import { ledgerV2Chain } from "../helpers/backends.js";
import { backends, syncAndRead, withMirror } from "../helpers/mirror.js";

describe("mirror of ledger v2 (Hardhat's node)", function () {
  const chain = ledgerV2Chain("hardhat");

  for (const backend of backends()) {
    it(`backfills into ${backend}, follows a second round, and equals the chain's views each time`, async function () {
      const { node, t, fresh } = chain();
      const db = await fresh(backend);
      const env = mirrorEnvV2(node.url, t, db);
      const backfilled = await syncAndRead(env, (m) => expectV2MirrorEqualsChain(m.store.db, t, node.url));
      expect(backfilled).to.be.greaterThan(100);
      const counts = await syncAndRead(env, async (m) => {
        const rows = await m.store.db.query<{ t: string; n: string }>(
          `SELECT 'redemptions' AS t, count(*)::text AS n FROM v2_redemptions UNION ALL SELECT 'claims', count(*)::text FROM v2_claims
           UNION ALL SELECT 'entries', count(*)::text FROM v2_payment_entries UNION ALL SELECT 'corrections', count(*)::text FROM v2_corrections
           UNION ALL SELECT 'clawbacks', count(*)::text FROM v2_clawbacks`,
        );
        return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
      });
      // Each round of the workload: two redemptions, three claims, four payment entries, a correction, two clawbacks.
      const n = t.counter;
      expect(counts).to.deep.equal({ redemptions: 2 * n, claims: 3 * n, entries: 4 * n, corrections: n, clawbacks: 2 * n });

      await runV2Workload(t);
      const followed = await syncAndRead(env, (m) => expectV2MirrorEqualsChain(m.store.db, t, node.url));
      expect(followed).to.be.greaterThan(backfilled);

      // The projection is a function of the raw log: rebuilt from it in one pass, and synced afresh into an empty
      // database (other ranges, other batches), the tables are the same rows.
      const synced = await withMirror(env, (m) => dumpV2(m.store.db));
      const rebuilt = await withMirror(env, async (m) => {
        await m.store.db.transaction((tx) => m.store.rebuild(tx));
        return dumpV2(m.store.db);
      });
      expect(rebuilt).to.deep.equal(synced);
      const other = mirrorEnvV2(node.url, t, await fresh(backend), { GETLOGS_INITIAL_RANGE: "1000", GETLOGS_MAX_RANGE: "1000" });
      expect(await syncAndRead(other, (m) => dumpV2(m.store.db))).to.deep.equal(synced);
    });
  }
});
