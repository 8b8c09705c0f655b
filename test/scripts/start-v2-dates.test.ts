import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import { network } from "hardhat";

import { setUpDemoV2 } from "../../scripts/demo-v2.js";
import { DEMO_REDEMPTIONS, DEMO_VOUCHERS, fiscalYearOf, PROGRAMMES, type ProgrammeName } from "../../scripts/lib/demo/plan-v2.js";
import { demoProgrammeNumber } from "../../scripts/lib/demo/stack-v2.js";
import { deployLedgerV2 } from "../../scripts/lib/ledger/deployment.js";
import { IVoucherLedger__factory } from "../../types/ethers-contracts/index.js";
import { type LocalNode, ROOT, startNode } from "../service/helpers/node.js";

/** Fen of a CNY amount as the plan writes it ("30000.00"). */
const fen = (amount: string) => BigInt(amount.replace(".", ""));
const sum = (amounts: string[]) => amounts.reduce((total, a) => total + fen(a), 0n);

/**
 * `npm start`'s v2 demo on a chain whose clock is past the published schemes' last fiscal year (Hangzhou's and
 * Qingyang's budgets end with 2026): the demo's programmes cover the chain's fiscal year, so that it issues and
 * redeems under each of them on any date. China's fiscal year is the calendar year in UTC+8: 2027 starts at
 * 2026-12-31T16:00Z.
 */
describe("npm start's v2 demo on a chain in 2027", function () {
  const cases = [
    { title: "on the first morning of fiscal 2027 (+08; still 2026 in UTC)", at: "2027-01-01T00:30:00+08:00" },
    { title: "in the middle of 2027", at: "2027-07-15T10:00:00+08:00" },
  ];
  for (const [index, { title, at }] of cases.entries()) {
    describe(title, function () {
      let node: LocalNode | undefined;
      let dir: string | undefined;
      // Ignition keeps its journal under scripts/ignition/deployments/<id>, whatever the deployments folder.
      const deploymentId = `test-demo-2027-${index}`;
      const journal = join(ROOT, "scripts", "ignition", "deployments", deploymentId);

      after(async function () {
        await node?.stop();
        for (const path of [dir, journal]) if (path !== undefined) await rm(path, { recursive: true, force: true });
      });

      it("issues under every programme of the demo and redeems, within the fiscal year 2027's budgets", async function () {
        this.timeout(600_000);
        const timestamp = Math.floor(Date.parse(at) / 1000);
        node = await startNode("anvil", { extraArgs: ["--accounts", "20", "--timestamp", String(timestamp)] });
        dir = await mkdtemp(join(tmpdir(), "cvl-demo-2027-"));
        await rm(journal, { recursive: true, force: true });
        const connection = await network.create({ network: "localhost", override: { url: node.url } });
        let deployment;
        try {
          deployment = await deployLedgerV2(connection, { deploymentId, deploymentsDir: dir, log: () => {} });
        } finally {
          await connection.close();
        }
        const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
        try {
          const before = (await provider.getBlock("latest"))!.timestamp;
          expect(fiscalYearOf(before), "the chain's clock").to.equal(2027);

          const summary = await setUpDemoV2(provider, deployment, () => {});
          expect(summary).to.include({ created: true, vouchers: DEMO_VOUCHERS.length, redemptions: DEMO_REDEMPTIONS.length });

          const ledger = IVoucherLedger__factory.connect(deployment.ledger, provider);
          for (const name of Object.keys(PROGRAMMES) as ProgrammeName[]) {
            const programme = await demoProgrammeNumber(name);
            const vouchers = DEMO_VOUCHERS.filter((v) => v.programme === name);
            const refs = new Set(vouchers.map((v) => v.ref));
            const period = await ledger.getPeriod(programme, 2027);
            expect(period.budget, `${name}: a budget for 2027`).to.be.greaterThan(0n);
            expect(period.issued, `${name}: issued in 2027`).to.equal(sum(vouchers.map((v) => v.amount)));
            const totals = await ledger.programmeTotals(programme);
            expect(totals.redeemedBySuppliers, `${name}: redeemed`).to.equal(sum(DEMO_REDEMPTIONS.filter((r) => refs.has(r.voucher)).map((r) => r.amount)));
          }
        } finally {
          provider.destroy();
        }
      });
    });
  }
});
