import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { encodeBytes32String, getAddress } from "ethers";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";

import { approveOnChain, executeProposal, proposeSafeTx } from "../../../scripts/lib/governance/proposal.js";
import { deployScheme, type SchemeDeployment } from "../../../scripts/lib/ledger-deploy.js";
import { type V2Deployment, v2DeploymentPath, writeV2Deployment } from "../../../service/domain/deployment.js";
import { createRpc } from "../../../service/chain/rpc.js";
import { ROLE } from "../../../service/domain/roles.js";
import { createLogger } from "../../../service/internal/logger.js";
import { verifyLedgerV2, type VerifyTargetV2 } from "../../../service/verify/verify-v2.js";
import { executeWithOwners } from "../../helpers/safe.js";
import { CATEGORY, CLASS, CNY, FIXTURE_RATIOS, fiscalYear, now, programmeRules } from "../../helpers/scheme-fixture.js";
import { API_TEST_ENV, startApiFixtureOn, tokenFor } from "../api/helpers.js";
import { dumpV2, mirrorEnvV2, type TestLedgerV2 } from "../helpers/ledger-v2.js";
import { backends, syncAndRead, testDatabases, withMirror } from "../helpers/mirror.js";
import { type LocalNode, startNode } from "../helpers/node.js";

type Item = Record<string, unknown>;
const HOUR = 3600;
/** The governor's execution delay, the ledger's target admin delay, and short grant delays (a test's, not the minimums). */
const DELAYS = { governorExecution: HOUR, governorGrant: 60, issuerGrant: 60, financeGrant: 60, targetAdmin: 2 * HOUR };

interface Governed {
  connection: NetworkConnection;
  d: SchemeDeployment & { safe: string };
  deployment: V2Deployment;
  deploymentFile: string;
  governor: HardhatEthersSigner;
  owners: [HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner];
  finance: HardhatEthersSigner;
  year: number;
}

/** Ledger v2 as production deploys it (a 2-of-3 Safe holds ADMIN, the governor waits an hour), recorded for the mirror. */
async function deployGoverned(url: string): Promise<Governed> {
  const connection = await network.create({ network: "localhost", override: { url } });
  const { ethers } = connection;
  const [deployer, governor, guardian, a, b, c, finance] = (await ethers.getSigners()) as HardhatEthersSigner[] & [HardhatEthersSigner];
  const first = (await ethers.provider.getBlockNumber()) + 1;
  const owners = [a!, b!, c!] as Governed["owners"];
  const d = await deployScheme(ethers, {
    admin: deployer,
    governance: { safe: { owners: owners.map((o) => o.address), threshold: 2 }, delays: DELAYS, minimums: DELAYS },
    governors: [governor!.address],
    guardians: [guardian!.address],
  });
  const block = (await ethers.provider.getBlock(first))!;
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const deployment: V2Deployment = {
    chainId, ledger: await d.ledger.getAddress(), registry: await d.registry.getAddress(), payments: await d.payments.getAddress(),
    accessManager: await d.manager.getAddress(), forwarder: await d.forwarder.getAddress(), safe: d.safe!,
    deploymentBlock: block.number, deploymentBlockHash: block.hash!, deployedAt: new Date(block.timestamp * 1000).toISOString(),
  };
  const deploymentFile = v2DeploymentPath(chainId, await mkdtemp(join(tmpdir(), "cvl-v2-governance-")));
  await writeV2Deployment(deployment, deploymentFile);
  return { connection, d: d as Governed["d"], deployment, deploymentFile, governor: governor!, owners, finance: finance!, year: fiscalYear(await now(ethers)) };
}

async function later(g: Governed, seconds: number) {
  await g.connection.ethers.provider.send("evm_increaseTime", [seconds]);
  await g.connection.ethers.provider.send("evm_mine", []);
}

/** Schedules `data` on `target` as the governor; returns the call. */
async function schedule(g: Governed, target: string, data: string) {
  await (await g.d.manager.connect(g.governor).schedule(target, data, 0)).wait();
  return { target, data };
}

const sorted = (addresses: string[]) => [...addresses].map((a) => getAddress(a)).sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));

describe("mirror of ledger v2: who acted (scheduled operations, the Safe's signers)", function () {
  let node: LocalNode;
  let g: Governed;
  const { fresh, dropAll } = testDatabases();
  let registry: string;
  let ledger: string;
  let manager: string;
  let budget: { target: string; data: string };
  let other: { target: string; data: string };
  let rewire: { target: string; data: string };
  let snapshot: string;
  /** Each backend's mirror of the first history, synced again after the reorg. */
  const envs = new Map<string, Record<string, string>>();

  before(async function () {
    node = await startNode("hardhat");
    g = await deployGoverned(node.url);
    [registry, ledger, manager] = [g.deployment.registry, g.deployment.ledger, g.deployment.accessManager];
    // The target admin delay takes effect after OpenZeppelin's minimum setback of five days.
    await later(g, 5 * 86_400);
    const r = g.d.registry.interface;
    const t = await now(g.connection.ethers);
    // The governor schedules the programme's set-up, and after its delay executes it.
    const setup = [
      r.encodeFunctionData("defineClass", [CLASS.DOMESTIC, "国产算力"]),
      r.encodeFunctionData("defineClass", [CLASS.OTHER, "其他算力"]),
      r.encodeFunctionData("defineCategory", [CATEGORY.STARTUP, "初创企业"]),
      r.encodeFunctionData("defineCategory", [CATEGORY.OTHER, "其他企业"]),
      r.encodeFunctionData("registerProgramme", [programmeRules(t, g.year), FIXTURE_RATIOS]),
    ];
    for (const data of setup) await schedule(g, registry, data);
    await later(g, HOUR);
    for (const data of setup) await (await g.d.manager.connect(g.governor).execute(registry, data)).wait();

    // A budget change scheduled, another scheduled and cancelled.
    const l = g.d.ledger.interface;
    budget = await schedule(g, ledger, l.encodeFunctionData("setBudget", [1, g.year, 250_000_000n * CNY, encodeBytes32String(`HZ-${g.year}-AI`)]));
    other = await schedule(g, ledger, l.encodeFunctionData("setBudget", [1, g.year + 1, 1n * CNY, encodeBytes32String("typo")]));
    await (await g.d.manager.connect(g.governor).cancel(g.governor.address, other.target, other.data)).wait();

    // ADMIN through the Safe: a grant signed by owners A and C (C executes); a re-wiring of the ledger, which waits
    // the target admin delay, scheduled by the Safe (A and C again).
    const m = g.d.manager.interface;
    const [a, b, c] = g.owners;
    await executeWithOwners(g.d.safe, [a, c], manager, m.encodeFunctionData("grantRole", [ROLE.FINANCE, g.finance.address, HOUR]));
    rewire = { target: manager, data: m.encodeFunctionData("setTargetFunctionRole", [ledger, [l.getFunction("pause").selector], ROLE.GUARDIAN]) };
    await executeWithOwners(g.d.safe, [a, c], manager, m.encodeFunctionData("schedule", [rewire.target, rewire.data, 0]));
    // What follows happens in one history, and in another after a reorg.
    snapshot = await g.connection.ethers.provider.send("evm_snapshot", []);
    await later(g, 2 * HOUR);
    await (await g.d.manager.connect(g.governor).execute(budget.target, budget.data)).wait();
    // B approves the Safe's execution of the re-wiring on chain; A executes it.
    const proposal = await proposeSafeTx(g.connection.ethers.provider, { safe: g.d.safe, to: manager, data: m.encodeFunctionData("execute", [rewire.target, rewire.data]), label: "re-wire" });
    await approveOnChain(proposal, b);
    await executeProposal(proposal, a);
  });

  after(async function () {
    await dropAll();
    await g?.connection.close();
    await node?.stop();
  });

  for (const backend of backends()) {
    it(`names in ${backend} who scheduled, executed, cancelled and signed, and a rebuild gives the same rows`, async function () {
      const db = await fresh(backend);
      const env = mirrorEnvV2(node.url, g as unknown as TestLedgerV2, db, API_TEST_ENV);
      const [a, b, c] = g.owners.map((o) => o.address) as [string, string, string];
      const fx = await startApiFixtureOn(env, db, backend);
      try {
        expect(Object.keys(fx.client.document.paths ?? {})).to.include.members(["/v2/governance/operations", "/v2/governance/safe-transactions"]);
        const token = await tokenFor(fx.client, g.governor);
        const ops = (await fx.client.all("/v2/governance/operations", token, 2)) as Item[];
        expect(ops.map((o) => [o.function, o.status])).to.deep.equal([
          ["defineClass", "Executed"], ["defineClass", "Executed"], ["defineCategory", "Executed"], ["defineCategory", "Executed"],
          ["registerProgramme", "Executed"], ["setBudget", "Executed"], ["setBudget", "Cancelled"], ["setTargetFunctionRole", "Executed"],
        ]);
        const programme = ops[4]!;
        expect(programme).to.include({ contract: "registry", target: registry, scheduledBy: g.governor.address, executedBy: g.governor.address, scheduledThrough: null, closedThrough: null });
        // OperationExecuted comes first (log 0), then the call's events.
        expect(programme.events).to.deep.equal([
          { contract: "registry", event: "ProgrammeRegistered", blockNumber: programme.closedBlock, logIndex: 1 },
          { contract: "registry", event: "RatiosSet", blockNumber: programme.closedBlock, logIndex: 2 },
        ]);
        const set = ops[5]!;
        expect(set).to.include({ contract: "ledger", selector: budget.data.slice(0, 10), data: budget.data, scheduledBy: g.governor.address, executedBy: g.governor.address });
        expect((set.events as Item[]).map((e) => `${String(e.contract)}.${String(e.event)}`)).to.deep.equal(["ledger.BudgetSet"]);
        expect(Date.parse(set.executableFrom as string) - Date.parse(set.scheduledAt as string)).to.equal(HOUR * 1000);
        expect(Date.parse(set.closedAt as string)).to.be.at.least(Date.parse(set.executableFrom as string));
        // The ledger's event names the AccessManager as the sender; the mirror names the governor behind it.
        const raw = await fx.mirror.store.db.query<{ address: string }>("SELECT address FROM events WHERE event_name = 'BudgetSet'");
        expect(raw.map((r) => r.address)).to.deep.equal([ledger]);
        const cancelled = ops[6]!;
        expect(cancelled).to.include({ status: "Cancelled", executedBy: null, scheduledBy: g.governor.address });
        expect(cancelled.events).to.deep.equal([]);
        expect(cancelled.closedAt).to.be.a("string");

        // The Safe scheduled the re-wiring (A and C signed) and executed it (B approved on chain, A executed).
        const wired = ops[7]!;
        expect(wired).to.include({ contract: "accessManager", scheduledBy: g.d.safe, executedBy: g.d.safe });
        const through = (x: unknown) => x as { signers: { owner: string; kind: string }[]; sender: string; safe: string };
        expect(through(wired.scheduledThrough).signers).to.deep.equal(
          sorted([a, c]).map((owner) => ({ owner, kind: owner === c ? "executor" : "signature" })),
        );
        expect(through(wired.closedThrough).signers).to.deep.equal(
          sorted([a, b]).map((owner) => ({ owner, kind: owner === a ? "executor" : "approved hash" })),
        );
        expect(through(wired.closedThrough).sender).to.equal(a);
        expect((wired.events as Item[]).map((e) => e.event)).to.deep.equal(["TargetFunctionRoleUpdated"]);

        const safeTxs = (await fx.client.all("/v2/governance/safe-transactions", token, 2)) as Item[];
        expect(safeTxs.map((s) => [s.function, s.success, s.nonce])).to.deep.equal([
          ["grantRole", true, "0"], ["schedule", true, "1"], ["execute", true, "2"],
        ]);
        expect((safeTxs[0]!.signers as Item[]).map((s) => s.owner)).to.deep.equal(sorted([a, c]));
        expect((safeTxs[0]!.events as Item[]).map((e) => e.event)).to.deep.equal(["RoleGranted"]);
        expect((safeTxs[2]!.events as Item[]).map((e) => e.event)).to.deep.equal(["OperationExecuted", "TargetFunctionRoleUpdated"]);
        const bySigner = (await fx.client.get(`/v2/governance/safe-transactions?signer=${b}`, token)).json.items as Item[];
        expect(bySigner.map((s) => s.nonce)).to.deep.equal(["2"]);
        const csv = await fx.client.get("/v2/governance/operations?format=csv&status=Cancelled", token);
        expect(csv.text.trim().split("\n")).to.have.length(2);
        const refused = await fx.client.get("/v2/governance/operations", await tokenFor(fx.client, g.owners[1]));
        expect(refused.status).to.equal(403);
      } finally {
        await fx.stop();
      }

      // A function of the raw log: rebuilt in one pass, the same rows.
      const synced = await withMirror(env, (m) => dumpV2(m.store.db));
      const rebuilt = await withMirror(env, async (m) => {
        await m.store.db.transaction((tx) => m.store.rebuild(tx));
        return dumpV2(m.store.db);
      });
      expect(rebuilt).to.deep.equal(synced);

      // The verifier's own fold of the chain's logs agrees row by row, and names a tampered operation and Safe transaction.
      await withMirror(env, async (m) => {
        const rpc = createRpc({ url: node.url, timeoutMs: 10_000 });
        const target = m.target as VerifyTargetV2;
        expect(target.v2?.safe).to.equal(g.d.safe);
        const atBlock = (await m.store.checkpoint())!.number;
        const logger = createLogger({ level: "silent" });
        const intact = await verifyLedgerV2({ rpc, target, logger, db: m.store.db, atBlock });
        expect(intact.differences).to.deep.equal([]);
        await m.store.db.query("UPDATE v2_operations SET status = 'Executed' WHERE status = 'Cancelled'");
        await m.store.db.query("UPDATE v2_safe_transactions SET signers = signers[1:1] WHERE safe_nonce = 0");
        await m.store.db.query("DELETE FROM v2_acts WHERE event_name = 'BudgetSet'");
        const tampered = await verifyLedgerV2({ rpc, target, logger, db: m.store.db, atBlock });
        expect(tampered.differences.map((d) => `${d.entity} ${d.field}`).sort()).to.deep.equal(["operation events", "operation status", "safe transaction signers"]);
        await m.store.db.transaction((tx) => m.store.rebuild(tx));
      });
      envs.set(backend, env);
    });
  }

  it("drops, after a reorg, the operations, Safe transactions and links of the replaced blocks, and ends equal to a fresh sync", async function () {
    // Another history from the snapshot on: the budget change is cancelled instead, the re-wiring never executed.
    const provider = g.connection.ethers.provider;
    expect(await provider.send("evm_revert", [snapshot])).to.equal(true);
    for (let i = 0; i < 6; i++) await provider.send("evm_mine", []);
    await (await g.d.manager.connect(g.governor).cancel(g.governor.address, budget.target, budget.data)).wait();
    for (const backend of backends()) {
      const env = envs.get(backend);
      if (env === undefined) throw new Error(`the ${backend} mirror of the first history is missing`);
      const after = await syncAndRead(env, async (m) => {
        const rows = await m.store.db.query<{ status: string }>("SELECT status FROM v2_operations ORDER BY scheduled_block, scheduled_log_index");
        const safe = await m.store.db.query<{ n: string }>("SELECT count(*)::text AS n FROM v2_safe_transactions");
        const acts = await m.store.db.query<{ n: string }>("SELECT count(*)::text AS n FROM v2_acts WHERE event_name IN ('BudgetSet', 'TargetFunctionRoleUpdated')");
        const reorged = await m.store.db.query<{ n: string }>("SELECT count(*)::text AS n FROM reorged_events WHERE event_name = 'SafeMultiSigTransaction'");
        return { statuses: rows.map((r) => r.status), safe: Number(safe[0]!.n), acts: Number(acts[0]!.n), reorged: Number(reorged[0]!.n), dump: await dumpV2(m.store.db) };
      });
      expect(after.statuses, backend).to.deep.equal(["Executed", "Executed", "Executed", "Executed", "Executed", "Cancelled", "Cancelled", "Scheduled"]);
      expect(after.safe, backend).to.equal(2);
      expect(after.acts, backend).to.equal(0);
      expect(after.reorged, `${backend}: the replaced Safe transaction is kept aside`).to.equal(1);
      const expected = await syncAndRead(mirrorEnvV2(node.url, g as unknown as TestLedgerV2, await fresh(backend)), (m) => dumpV2(m.store.db));
      expect(after.dump, backend).to.deep.equal(expected);
    }
  });
});
