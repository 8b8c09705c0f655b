import { expect } from "chai";

import { createRpc } from "../../../service/chain/rpc.js";
import { createLogger } from "../../../service/internal/logger.js";
import { verifyLedgerV2, type VerifyTargetV2 } from "../../../service/verify/verify-v2.js";
import { mirrorEnvV2 } from "../helpers/ledger-v2.js";
import { ledgerV2Chain } from "../helpers/backends.js";
import { backends, syncAndRead, withMirror } from "../helpers/mirror.js";

describe("verify: ledger v2 from the chain alone", function () {
  const logger = createLogger({ level: "silent" });
  const chain = ledgerV2Chain("hardhat");

  for (const backend of backends()) {
    it(`finds no difference in an intact ${backend} mirror, and names each tampered row`, async function () {
      const { node, t, fresh } = chain();
      const env = mirrorEnvV2(node.url, t, await fresh(backend));
      await syncAndRead(env, async () => undefined);
      await withMirror(env, async (m) => {
        const rpc = createRpc({ url: node.url, timeoutMs: 10_000 });
        const target = m.target as VerifyTargetV2;
        expect(target.v2).to.not.equal(undefined);
        const atBlock = (await m.store.checkpoint())!.number;
        const intact = await verifyLedgerV2({ rpc, target, logger, db: m.store.db, atBlock });
        expect(intact.differences).to.deep.equal([]);
        expect(intact.ok).to.equal(true);
        expect(intact.mirrorCompared).to.equal(true);
        expect(intact.checked).to.include({ programmes: 2, claims: 3, payments: 4, redemptions: 2 });
        expect(intact.checked.vouchers).to.be.greaterThan(3);

        const db = m.store.db;
        const [voucher] = await db.query<{ id: string }>("SELECT id::text FROM v2_vouchers WHERE status = 'Active' ORDER BY id LIMIT 1");
        await db.query("UPDATE v2_vouchers SET remaining = remaining + 1 WHERE id = $1", [voucher!.id]);
        const [claim] = await db.query<{ id: string }>("SELECT claim_id::text AS id FROM v2_claims WHERE status = 'Rejected'");
        await db.query("UPDATE v2_claims SET status = 'Approved' WHERE claim_id = $1", [claim!.id]);
        await db.query("DELETE FROM v2_payment_entries WHERE entry_id = 2");
        await db.query("UPDATE v2_periods SET budget = budget - 100");
        const tampered = await verifyLedgerV2({ rpc, target, logger, db, atBlock });
        expect(tampered.ok).to.equal(false);
        const found = tampered.differences.map((d) => `${d.against} ${d.entity} ${d.key} ${d.field}`);
        expect(found).to.include.members([
          `mirror voucher ${voucher!.id} remaining`,
          `mirror claim ${claim!.id} status`,
          "mirror payment 2 (row)",
        ]);
        expect(found.filter((f) => f.startsWith("mirror period ") && f.endsWith(" budget")).length).to.be.greaterThan(0);
        expect(tampered.differences.filter((d) => d.against === "contract"), "the chain agrees with its own logs").to.deep.equal([]);
        const remaining = tampered.differences.find((d) => d.entity === "voucher")!;
        expect(BigInt(remaining.actual) - BigInt(remaining.expected)).to.equal(1n);
        expect(remaining.block).to.be.a("number");
      });
    });
  }
});
