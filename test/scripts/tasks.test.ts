import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { encodeBytes32String } from "ethers";
import fc from "fast-check";
import { network } from "hardhat";

import { type AdminContext, actingAs, openLedger } from "../../scripts/lib/admin/context.js";
import { UserError, applicationReference, canonicalReference } from "../../scripts/lib/admin/format.js";
import * as g from "../../scripts/lib/admin/governance.js";
import * as v from "../../scripts/lib/admin/vouchers.js";
import { deploymentMismatch, deploymentPath, readDeployment } from "../../service/domain/deployment.js";
import { deployWithIgnition } from "../../scripts/lib/ignition-deploy.js";
import { ROLE } from "../../service/domain/roles-v1.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const CNY = 100n;

/** The ledger as the Ignition module deploys it, with account #1 as GOVERNOR, and a context per actor. */
async function deployed() {
  const [admin, governor, issuer, auditor, dataCenter, holder, newHolder] = await ethers.getSigners();
  const dir = await mkdtemp(join(tmpdir(), "deployments-"));
  const deployment = await deployWithIgnition(connection, { governor: governor!.address, deploymentsDir: dir });
  await rm(dir, { recursive: true, force: true });
  const logs: string[] = [];
  const asAdmin = await openLedger({ signer: admin!, ledgerAddress: deployment.ledger, log: (l) => logs.push(l) });
  const asGovernor = await actingAs(asAdmin, governor!);
  const asIssuer = await actingAs(asAdmin, issuer!);
  return {
    deployment,
    asAdmin,
    asGovernor,
    asIssuer,
    logs,
    admin,
    governor,
    issuer,
    auditor,
    dataCenter,
    holder,
    newHolder,
  };
}

async function refused(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(UserError);
    return (error as Error).message;
  }
  throw new Error("expected a refusal");
}

async function shanghai(ctx: AdminContext) {
  await g.registerCity(ctx, {
    city: "310000",
    name: "Shanghai",
    budget: "600000000.00",
    appropriation: "SH-2026-AI",
    ratio: "80",
    cap: "2000000",
    validityDays: "365",
  });
}

describe("admin tasks", function () {
  it("deploys with Ignition, wiring every role, and records the deployment block", async function () {
    const { deployment, asAdmin, governor } = await networkHelpers.loadFixture(deployed);
    const { manager, ledger } = asAdmin;
    expect(await manager.getAddress()).to.equal(deployment.accessManager);
    expect(await ledger.trustedForwarder()).to.equal(deployment.forwarder);
    expect((await manager.hasRole(ROLE.GOVERNOR, governor!.address))[0]).to.equal(true);
    expect(await manager.getRoleAdmin(ROLE.ISSUER)).to.equal(ROLE.GOVERNOR);
    expect(await manager.getRoleAdmin(ROLE.AUDITOR)).to.equal(ROLE.GOVERNOR);
    const selector = ledger.interface.getFunction("issueBatch").selector;
    expect(await manager.getTargetFunctionRole(deployment.ledger, selector)).to.equal(ROLE.ISSUER);
    const block = await ethers.provider.getBlock(deployment.deploymentBlock);
    expect(block?.hash).to.equal(deployment.deploymentBlockHash);
    expect(deployment).to.include({ currency: "CNY", decimals: 2 });
  });

  it("writes the deployment file that the tasks and the service read", async function () {
    const { governor } = await networkHelpers.loadFixture(deployed);
    const dir = await mkdtemp(join(tmpdir(), "deployments-"));
    const first = await deployWithIgnition(connection, { governor: governor!.address, deploymentsDir: dir });
    const onFile = await readDeployment(deploymentPath(first.chainId, dir));
    expect(onFile).to.deep.equal(first);
    await rm(dir, { recursive: true, force: true });
  });

  it("grants and revokes ISSUER and AUDITOR as governor, and GOVERNOR as admin only", async function () {
    const f = await networkHelpers.loadFixture(deployed);
    await g.grantRole(f.asGovernor, { role: "issuer", account: f.issuer!.address });
    await g.grantRole(f.asGovernor, { role: "AUDITOR", account: f.auditor!.address });
    expect((await f.asAdmin.manager.hasRole(ROLE.ISSUER, f.issuer!.address))[0]).to.equal(true);
    expect(await refused(g.grantRole(f.asIssuer, { role: "GOVERNOR", account: f.issuer!.address }))).to.match(
      /needs the ADMIN role/,
    );
    await g.revokeRole(f.asGovernor, { role: "AUDITOR", account: f.auditor!.address });
    expect((await f.asAdmin.manager.hasRole(ROLE.AUDITOR, f.auditor!.address))[0]).to.equal(false);
    expect(await refused(g.grantRole(f.asGovernor, { role: "CLERK", account: f.issuer!.address }))).to.match(
      /unknown role "CLERK"/,
    );
  });

  it("registers a city and sets its budget, ratio, cap and validity in decimals and days", async function () {
    const f = await networkHelpers.loadFixture(deployed);
    await shanghai(f.asGovernor);
    await g.setCityBudget(f.asGovernor, { city: "310000", budget: "650000000.50", appropriation: "SH-2026-AI-2" });
    await g.setCityRatio(f.asGovernor, { city: "310000", ratio: "75" });
    await g.setCityHolderCap(f.asGovernor, { city: "310000", cap: "none" });
    await g.setCityValidity(f.asGovernor, { city: "310000", validityDays: "180" });
    const c = await f.asAdmin.ledger.getCity(310000);
    expect(c.budget).to.equal(650_000_000n * CNY + 50n);
    expect(c.appropriation).to.equal(encodeBytes32String("SH-2026-AI-2"));
    expect(c.ratioBps).to.equal(7500n);
    expect(c.holderCap).to.equal(0n);
    expect(c.defaultValidity).to.equal(180n * 86_400n);
    f.logs.length = 0;
    await g.showCity(f.asAdmin, { city: "310000" });
    expect(f.logs.join("\n")).to.contain("budget          650000000.50 CNY (appropriation SH-2026-AI-2)");
    expect(await refused(g.setCityRatio(f.asGovernor, { city: "31000", ratio: "80" }))).to.match(/six-digit/);
    expect(await refused(g.setCityBudget(f.asIssuer, { city: "310000", budget: "1.00", appropriation: "X" }))).to.match(
      /does not have the role|not allowed/,
    );
  });

  it("binds and unbinds issuers, and accredits, suspends and reinstates data centers", async function () {
    const f = await networkHelpers.loadFixture(deployed);
    await shanghai(f.asGovernor);
    await g.bindIssuer(f.asGovernor, { issuer: f.issuer!.address, city: "310000" });
    expect(await f.asAdmin.ledger.issuerCity(f.issuer!.address)).to.equal(310000n);
    await g.unbindIssuer(f.asGovernor, { issuer: f.issuer!.address });
    expect(await f.asAdmin.ledger.issuerCity(f.issuer!.address)).to.equal(0n);

    const dc = f.dataCenter!.address;
    await g.accredit(f.asGovernor, { dataCenter: dc, city: "310000", from: "2020-01-01", until: "2099-01-01" });
    expect(await f.asAdmin.ledger.isAccredited(dc, 310000)).to.equal(true);
    await g.suspend(f.asGovernor, { dataCenter: dc, city: "310000", reason: "fraud" });
    const a = await f.asAdmin.ledger.getAccreditation(dc, 310000);
    expect(a.suspended).to.equal(true);
    expect(a.reason).to.equal(encodeBytes32String("fraud"));
    expect(await refused(g.suspend(f.asGovernor, { dataCenter: dc, city: "310000", reason: "Fraud!" }))).to.match(
      /not a short word/,
    );
    await g.reinstate(f.asGovernor, { dataCenter: dc, city: "310000" });
    expect(await f.asAdmin.ledger.isAccredited(dc, 310000)).to.equal(true);
    f.logs.length = 0;
    await g.showDataCenter(f.asAdmin, { dataCenter: dc, city: "310000" });
    expect(f.logs[0]).to.contain("from 2020-01-01 until 2099-01-01; not suspended; in force now");
  });

  it("issues, shows, re-issues, revokes and expires vouchers, and pauses the ledger", async function () {
    const f = await networkHelpers.loadFixture(deployed);
    await shanghai(f.asGovernor);
    await g.grantRole(f.asGovernor, { role: "ISSUER", account: f.issuer!.address });
    await g.bindIssuer(f.asGovernor, { issuer: f.issuer!.address, city: "310000" });
    const holder = f.holder!.address;
    const id = await v.issueOne(f.asIssuer, { city: "310000", ref: "SH-1", holder, amount: "1250000.00" });
    expect((await f.asAdmin.ledger.getVoucher(id)).faceValue).to.equal(1_250_000n * CNY);
    f.logs.length = 0;
    await v.showVoucher(f.asAdmin, { city: "310000", ref: "SH-1" });
    expect(f.logs.join("\n")).to.contain("face value 1250000.00 CNY").and.to.contain("status     active");

    const newId = await v.reissueVoucher(f.asIssuer, {
      id: id.toString(),
      holder: f.newHolder!.address,
      newRef: "SH-1-R",
      reason: "lost-key",
    });
    expect((await f.asAdmin.ledger.getVoucher(newId)).holder).to.equal(f.newHolder!.address);
    expect((await f.asAdmin.ledger.getVoucher(id)).status).to.equal(5n);

    await v.revokeVoucher(f.asIssuer, { id: newId.toString(), reason: "duplicate" });
    expect((await f.asAdmin.ledger.getVoucher(newId)).status).to.equal(3n);

    await v.issueOne(f.asIssuer, { city: "310000", ref: "SH-2", holder, amount: "10", expires: "2099-01-01" });
    await v.issueOne(f.asIssuer, { city: "310000", ref: "SH-3", holder, amount: "20" });
    await networkHelpers.time.increase(366 * 86_400);
    expect(await v.expireVouchers(f.asAdmin, { city: "310000", all: true })).to.equal(1);
    expect((await f.asAdmin.ledger.getCityCounters(310000)).expired).to.equal(20n * CNY);

    await g.pause(f.asGovernor);
    expect(await f.asAdmin.ledger.paused()).to.equal(true);
    expect(await refused(v.issueOne(f.asIssuer, { city: "310000", ref: "SH-4", holder, amount: "1" }))).to.match(
      /the ledger is paused/,
    );
    await g.unpause(f.asGovernor);
    f.logs.length = 0;
    await g.status(f.asAdmin);
    const status = f.logs.join("\n");
    expect(status).to.contain(`ISSUER    ${f.issuer!.address} (city 310000)`);
    expect(status).to.contain("310000 Shanghai: budget 600000000.00, issued 1250030.00");
  });

  it("reads a reference in one form, the same when read again, and refuses what cannot be one", function () {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 12 }), fc.boolean(), (text, fold) => {
        let once: string;
        try {
          once = canonicalReference(text, "ref", fold);
        } catch (error) {
          expect(error).to.be.instanceOf(UserError);
          return;
        }
        expect(canonicalReference(once, "ref", fold)).to.equal(once);
        expect(once).to.equal(once.trim());
        expect(Buffer.byteLength(once)).to.be.at.most(31);
        expect(once).not.to.match(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
      }),
      { numRuns: 2000 },
    );
    expect(applicationReference(" ｓｈ－２０２６　").text).to.equal("SH-2026");
    expect(canonicalReference(" Sh-2026-AI ", "--appropriation")).to.equal("Sh-2026-AI"); // case kept
  });

  it("tells a deployment file of another chain with the same id from the chain it was written for", async function () {
    const { deployment } = await networkHelpers.loadFixture(deployed);
    const chainId = deployment.chainId;
    const blockHash = async (block: number) => (await ethers.provider.getBlock(block))?.hash;
    expect(await deploymentMismatch(deployment, { chainId, blockHash })).to.equal(undefined);
    const other = { ...deployment, deploymentBlockHash: `0x${"12".repeat(32)}` };
    expect(await deploymentMismatch(other, { chainId, blockHash })).to.match(
      new RegExp(
        `block ${deployment.deploymentBlock} \\(0x12121212…\\), but that block of this chain is 0x.*another chain with the same id ${chainId}`,
      ),
    );
    const later = { ...deployment, deploymentBlock: 1_000_000 };
    expect(await deploymentMismatch(later, { chainId, blockHash })).to.contain("this chain has no such block");
    expect(await deploymentMismatch(deployment, { chainId: 1, blockHash })).to.equal(
      `it is for chain ${chainId}, the node serves chain 1`,
    );
  });
});
