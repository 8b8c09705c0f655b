import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { encodeBytes32String, type Signer } from "ethers";
import { network } from "hardhat";

import { checkGovernance } from "../../scripts/lib/governance/check.js";
import { MINIMUM_DELAYS } from "../../scripts/lib/governance/policy.js";
import { executeProposal, proposeSafeTx, signProposal } from "../../scripts/lib/governance/proposal.js";
import { routeCall } from "../../scripts/lib/governance/route.js";
import { safeAt, signatureBytes, txArgs } from "../../scripts/lib/governance/safe.js";
import { executeScheduled, pendingOperations } from "../../scripts/lib/governance/scheduled.js";
import { deployScheme } from "../../scripts/lib/ledger-deploy.js";
import { creditCodeHash } from "../../service/domain/identity.js";
import { ROLE } from "../../service/domain/roles.js";
import { CATEGORY, CLASS, CNY, FIXTURE_RATIOS, YEAR, fiscalYear, now, programmeRules, ROLES, CODES } from "../helpers/scheme-fixture.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const D = MINIMUM_DELAYS;

/**
 * Ledger v2 as production deploys it: a 2-of-3 Safe holds ADMIN and the deployer renounced it; the GOVERNOR acts with
 * its execution delay, the GUARDIAN at once; five days on (OpenZeppelin's minimum setback), every grant and target
 * admin delay is in force. The governor has set up one programme, an entity and its budget, through the scheduler.
 */
async function production() {
  const s = await ethers.getSigners();
  const [deployer, governor, guardian, ownerA, ownerB, ownerC, newGovernor, issuer, outsider] = s as [
    HardhatEthersSigner,
    ...HardhatEthersSigner[],
  ] & HardhatEthersSigner[];
  const owners = [ownerA!, ownerB!, ownerC!];
  const d = await deployScheme(ethers, {
    admin: deployer,
    governance: { safe: { owners: owners.map((o) => o.address), threshold: 2 } },
    governors: [governor!.address],
    guardians: [guardian!.address],
  });
  await time.increase(5 * 86_400);
  const manager = await d.manager.getAddress();
  const contracts = { manager, ledger: await d.ledger.getAddress(), registry: await d.registry.getAddress(), payments: await d.payments.getAddress() };
  const report = await checkGovernance(deployer, contracts);
  expect(report.ok, report.problems.join("\n")).to.equal(true);
  for (const delay of report.delays) expect(delay.current, `${delay.name} of ${delay.of}`).to.equal(delay.scheduled);

  const t = await now(ethers);
  const year = fiscalYear(t);
  const r = d.registry.interface;
  const setup = [
    [contracts.registry, r.encodeFunctionData("defineClass", [CLASS.DOMESTIC, "国产算力"])],
    [contracts.registry, r.encodeFunctionData("defineClass", [CLASS.OTHER, "其他算力"])],
    [contracts.registry, r.encodeFunctionData("defineCategory", [CATEGORY.STARTUP, "初创企业"])],
    [contracts.registry, r.encodeFunctionData("defineCategory", [CATEGORY.OTHER, "其他企业"])],
    [contracts.registry, r.encodeFunctionData("registerProgramme", [programmeRules(t, year), FIXTURE_RATIOS])],
    [contracts.registry, r.encodeFunctionData("registerEntity", [creditCodeHash(CODES.supplier), ROLES.SUPPLIER, 0])],
  ] as const;
  for (const [target, data] of setup) await routeCall({ signer: governor!, manager }, { target, data, label: "setup" }, "schedule");
  await time.increase(D.governorExecution);
  for (const op of await pendingOperations(ethers.provider, manager)) await executeScheduled(governor!, manager, op);
  expect(await d.registry.programmeCount()).to.equal(1n);
  return { ...d, contracts, deployer, governor: governor!, guardian: guardian!, owners, newGovernor: newGovernor!, issuer: issuer!, outsider: outsider!, year, programme: 1n, supplierEntity: 1n };
}
type Production = Awaited<ReturnType<typeof production>>;
const load = () => networkHelpers.loadFixture(production);

/** The insider's sequence, as the calls a single key would send: grant, re-point, bind, accredit, issue. */
function insiderCalls(f: Production, insider: string) {
  const m = f.manager.interface;
  const t = BigInt(Math.floor(Date.now() / 1000));
  return [
    { label: "grant itself GOVERNOR", target: f.contracts.manager, data: m.encodeFunctionData("grantRole", [ROLE.GOVERNOR, insider, 0]) },
    {
      label: "point the ledger at another AccessManager",
      target: f.contracts.manager,
      data: m.encodeFunctionData("updateAuthority", [f.contracts.ledger, f.contracts.payments]),
    },
    { label: "bind itself as an issuer", target: f.contracts.registry, data: f.registry.interface.encodeFunctionData("bindIssuer", [insider, f.programme]) },
    {
      label: "accredit its data center",
      target: f.contracts.registry,
      data: f.registry.interface.encodeFunctionData("accredit", [f.supplierEntity, f.programme, t, t + YEAR, 0b11]),
    },
    {
      label: "issue itself a voucher",
      target: f.contracts.ledger,
      data: f.ledger.interface.encodeFunctionData("issue", [
        f.programme,
        { holder: insider, applicationRef: encodeBytes32String("INSIDER-1"), faceValue: 1_000_000n * CNY, expiresAt: 0 },
      ]),
    },
  ];
}

/** Nothing the insider tried took effect. */
async function expectNothingChanged(f: Production, insider: string) {
  expect((await f.manager.getAccess(ROLE.GOVERNOR, insider))[0]).to.equal(0n);
  expect(await f.core.authority()).to.equal(f.contracts.manager);
  expect(await f.registry.isIssuer(insider, f.programme)).to.equal(false);
  expect(await f.ledger.balanceOf(insider, await f.ledger.voucherId(f.programme, encodeBytes32String("INSIDER-1")))).to.equal(0n);
  expect(await pendingOperations(ethers.provider, f.contracts.manager)).to.deep.equal([]);
}

/** A call as a transaction request. */
function tx(call: { target: string; data: string }) {
  return { to: call.target, data: call.data };
}

/** The message a promise is rejected with; fails if it is not. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected a refusal");
}

async function reverts(signer: Signer, call: { target: string; data: string }) {
  await expect(signer.sendTransaction(tx(call))).to.be.revert(ethers);
}

describe("governance: no single key can subvert the ledger", function () {
  it("refuses each step of the insider's sequence with the deployer's key, sent directly or scheduled", async function () {
    const f = await load();
    const me = f.deployer.address;
    const [grant, repoint, bind, accredit, issue] = insiderCalls(f, me);
    await expect(f.deployer.sendTransaction({ to: grant!.target, data: grant!.data }))
      .to.be.revertedWithCustomError(f.manager, "AccessManagerUnauthorizedAccount")
      .withArgs(me, ROLE.ADMIN);
    await expect(f.deployer.sendTransaction({ to: repoint!.target, data: repoint!.data }))
      .to.be.revertedWithCustomError(f.manager, "AccessManagerUnauthorizedAccount")
      .withArgs(me, ROLE.ADMIN);
    for (const call of [bind!, accredit!]) {
      await expect(f.deployer.sendTransaction(tx(call))).to.be.revertedWithCustomError(f.registry, "AccessManagedUnauthorized").withArgs(me);
    }
    await expect(f.deployer.sendTransaction(tx(issue!))).to.be.revertedWithCustomError(f.core, "AccessManagedUnauthorized").withArgs(me);
    for (const call of insiderCalls(f, me)) {
      await expect(f.manager.connect(f.deployer).schedule(call.target, call.data, 0), call.label).to.be.revertedWithCustomError(
        f.manager,
        "AccessManagerUnauthorizedCall",
      );
    }
    await expectNothingChanged(f, me);
  });

  it("refuses each step with any single Safe owner's key: directly, scheduled, or as a Safe transaction it alone signed", async function () {
    const f = await load();
    const safe = safeAt(f.safe!, ethers.provider);
    for (const owner of f.owners) {
      const calls = insiderCalls(f, owner.address);
      for (const call of calls) {
        await reverts(owner, call);
        await expect(f.manager.connect(owner).schedule(call.target, call.data, 0), call.label).to.be.revert(ethers);
        // As the Safe: the owner's own signature is one of the two the Safe needs.
        const proposal = await signProposal(
          await proposeSafeTx(ethers.provider, { safe: f.safe!, to: call.target, data: call.data, label: call.label }),
          owner,
        );
        try {
          await executeProposal(proposal, owner);
          expect.fail(`${call.label}: executed with one owner`);
        } catch (error) {
          expect((error as Error).message).to.equal(`the proposal has 1 of the 2 owners' approvals it needs (${owner.address})`);
        }
        // The Safe itself refuses one signature (GS020: too short for its threshold), whatever a tool would say.
        await expect(
          safe.connect(owner).getFunction("execTransaction")(...txArgs(proposal.tx), signatureBytes(proposal.signatures)),
        ).to.be.revertedWith("GS020");
      }
      await expectNothingChanged(f, owner.address);
    }
  });

  it("lets the threshold of owners make the legitimate change, which takes effect only after its delay", async function () {
    const f = await load();
    const [a, b] = f.owners;
    const m = f.manager.interface;
    // Two owners grant GOVERNOR to a new governor, with the execution delay: a member only after the grant delay.
    let p = await proposeSafeTx(ethers.provider, {
      safe: f.safe!,
      to: f.contracts.manager,
      data: m.encodeFunctionData("grantRole", [ROLE.GOVERNOR, f.newGovernor.address, D.governorExecution]),
      label: "grant GOVERNOR",
    });
    p = await signProposal(p, a!);
    const executed = await executeProposal(p, b!);
    expect(executed.signers).to.have.members([a!.address, b!.address]);
    expect((await f.manager.hasRole(ROLE.GOVERNOR, f.newGovernor.address))[0]).to.equal(false);
    const bind = { target: f.contracts.registry, data: f.registry.interface.encodeFunctionData("bindIssuer", [f.issuer.address, f.programme]), label: "bind" };
    await expect(f.manager.connect(f.newGovernor).schedule(bind.target, bind.data, 0)).to.be.revertedWithCustomError(
      f.manager,
      "AccessManagerUnauthorizedCall",
    );
    await time.increase(D.governorGrant);
    expect(await f.manager.hasRole(ROLE.GOVERNOR, f.newGovernor.address)).to.deep.equal([true, BigInt(D.governorExecution)]);

    // The new governor binds an issuer: scheduled, not effective before the execution delay.
    await expect(f.newGovernor.sendTransaction(tx(bind))).to.be.revertedWithCustomError(f.manager, "AccessManagerNotScheduled");
    const scheduled = await routeCall({ signer: f.newGovernor, manager: f.contracts.manager }, bind, "schedule");
    if (scheduled.via !== "schedule") throw new Error("not scheduled");
    const [op] = await pendingOperations(ethers.provider, f.contracts.manager);
    expect(op).to.deep.include({ caller: f.newGovernor.address, target: f.contracts.registry, data: bind.data });
    await expect(f.manager.connect(f.newGovernor).execute(bind.target, bind.data)).to.be.revertedWithCustomError(f.manager, "AccessManagerNotReady");
    expect(await f.registry.isIssuer(f.issuer.address, f.programme)).to.equal(false);
    await time.increase(D.governorExecution);
    await executeScheduled(f.newGovernor, f.contracts.manager, op!);
    expect(await f.registry.isIssuer(f.issuer.address, f.programme)).to.equal(true);

    // Re-pointing the ledger's authority: even the Safe's threshold must schedule it and wait the target admin delay.
    const repoint = {
      target: f.contracts.manager,
      data: m.encodeFunctionData("updateAuthority", [f.contracts.ledger, f.contracts.payments]),
      label: "re-point the ledger",
    };
    const direct = await signProposal(await proposeSafeTx(ethers.provider, { safe: f.safe!, to: repoint.target, data: repoint.data, label: "" }), a!);
    // Safe 1.5 passes on the inner call's revert: the AccessManager wants it scheduled.
    await expect(executeProposal(direct, b!)).to.be.revertedWithCustomError(f.manager, "AccessManagerNotScheduled");
    const file = join(tmpdir(), `gov-insider-${process.pid}.json`);
    const routed = await routeCall({ signer: a!, manager: f.contracts.manager, safe: f.safe!, proposalFile: file }, repoint, "safe-schedule");
    if (routed.via !== "safe-schedule") throw new Error("not proposed");
    await executeProposal(routed.proposal, b!);
    const [pending] = await pendingOperations(ethers.provider, f.contracts.manager);
    expect(pending!.caller).to.equal(f.safe);
    expect(pending!.schedule - Number(await now(ethers))).to.be.within(D.targetAdmin - 5, D.targetAdmin);
    const early = await routeCall({ signer: a!, manager: f.contracts.manager, safe: f.safe!, proposalFile: file }, repoint, "safe-execute");
    if (early.via !== "safe-execute") throw new Error("not proposed");
    await expect(executeProposal(early.proposal, b!)).to.be.revertedWithCustomError(f.manager, "AccessManagerNotReady");
    expect(await f.core.authority()).to.equal(f.contracts.manager);
    await time.increase(D.targetAdmin);
    await executeProposal(early.proposal, b!);
    expect(await f.core.authority()).to.equal(f.contracts.payments);
    await rm(file, { force: true });
  });

  it("lets the guardian pause at once, while unpausing is GOVERNOR's and waits for its delay", async function () {
    const f = await load();
    await (await f.ledger.connect(f.guardian).pause()).wait();
    expect(await f.core.paused()).to.equal(true);
    const unpause = { target: f.contracts.ledger, data: f.ledger.interface.encodeFunctionData("unpause"), label: "unpause" };
    await expect(f.guardian.sendTransaction(tx(unpause))).to.be.revertedWithCustomError(f.core, "AccessManagedUnauthorized");
    await expect(f.governor.sendTransaction(tx(unpause))).to.be.revertedWithCustomError(f.manager, "AccessManagerNotScheduled");
    await routeCall({ signer: f.governor, manager: f.contracts.manager }, unpause, "schedule");
    const [op] = await pendingOperations(ethers.provider, f.contracts.manager);
    await time.increase(D.governorExecution - 60);
    expect(await refusal(executeScheduled(f.governor, f.contracts.manager, op!))).to.match(/^operation 0x[0-9a-f]{64} may be executed from /);
    expect(await f.core.paused()).to.equal(true);
    await time.increase(60);
    await executeScheduled(f.governor, f.contracts.manager, op!);
    expect(await f.core.paused()).to.equal(false);
    // Pausing again is at once: the guardian has no delay.
    await (await f.ledger.connect(f.guardian).pause()).wait();
    expect(await f.core.paused()).to.equal(true);
  });
});
