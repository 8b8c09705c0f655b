import { expect } from "chai";
import { network } from "hardhat";

import { checkGovernance, GovernanceCheckError, formatReport } from "../../scripts/lib/governance/check.js";
import { deployLedgerV2 } from "../../scripts/lib/governance/deploy.js";
import { MINIMUM_DELAYS } from "../../scripts/lib/governance/policy.js";
import { deploySafe } from "../../scripts/lib/governance/safe.js";
import { deployScheme, type SchemeDeployment } from "../../scripts/lib/ledger-deploy.js";
import { ROLE } from "../../service/domain/roles.js";
import { executeWithOwners } from "../helpers/safe.js";

const connection = await network.create();
const { ethers } = connection;

async function contractsOf(d: SchemeDeployment) {
  return {
    manager: await d.manager.getAddress(),
    ledger: await d.ledger.getAddress(),
    registry: await d.registry.getAddress(),
    payments: await d.payments.getAddress(),
  };
}

describe("governance: the deploy check", function () {
  it("passes the Ignition deployment: a 2-of-3 Safe holds ADMIN, the deployer renounced it, every delay at its minimum", async function () {
    const [deployer, governor, guardian, a, b, c] = await ethers.getSigners();
    const owners = [a!.address, b!.address, c!.address];
    const { report, safe } = await deployLedgerV2(connection, {
      safe: { owners, threshold: 2 },
      governor: governor!.address,
      guardian: guardian!.address,
    });
    expect(report.ok, report.problems.join("\n")).to.equal(true);
    const admins = report.members.filter((m) => m.role === "ADMIN");
    expect(admins.map((m) => m.account)).to.deep.equal([safe]);
    expect(admins[0]!.safe).to.deep.include({ owners, threshold: 2 });
    expect(report.members.find((m) => m.account === deployer!.address && m.role === "ADMIN")).to.equal(undefined);
    const governorMember = report.members.find((m) => m.role === "GOVERNOR");
    expect(governorMember).to.deep.include({ account: governor!.address, executionDelay: MINIMUM_DELAYS.governorExecution });
    expect(report.delays.map((d) => [d.name, d.scheduled])).to.deep.equal([
      ["governorGrant", MINIMUM_DELAYS.governorGrant],
      ["issuerGrant", MINIMUM_DELAYS.issuerGrant],
      ["financeGrant", MINIMUM_DELAYS.financeGrant],
      ["targetAdmin", MINIMUM_DELAYS.targetAdmin],
      ["targetAdmin", MINIMUM_DELAYS.targetAdmin],
      ["targetAdmin", MINIMUM_DELAYS.targetAdmin],
    ]);
    // OpenZeppelin's minimum setback: a new grant or target admin delay takes effect 5 days after it is set.
    for (const d of report.delays) expect(d.effectiveAt - report.readAt).to.be.within(5 * 86_400 - 120, 5 * 86_400);
    expect(formatReport(report).at(-1)).to.equal("Governance check: passed.");
  });

  it("fails a deployment that leaves the deploying account (an EOA) as ADMIN, and names it", async function () {
    const [deployer, governor] = await ethers.getSigners();
    const d = await deployScheme(ethers, { keepDeployerAsAdmin: true, governors: [governor!.address] });
    const report = await checkGovernance(deployer!, await contractsOf(d));
    expect(report.ok).to.equal(false);
    expect(report.problems).to.include(`an externally owned account holds ADMIN: ${deployer!.address}`);
    // No delays either: each is named with its minimum.
    expect(report.problems.some((p) => p.startsWith("the governorGrant delay of GOVERNOR is none"))).to.equal(true);
    expect(report.problems.some((p) => p.startsWith(`GOVERNOR ${governor!.address} acts with an execution delay of none`))).to.equal(true);
    expect(formatReport(report)).to.include("Governance check: FAILED");
  });

  it("refuses, in the deploy path, a Safe handover that still leaves an EOA as ADMIN beside the Safe", async function () {
    const [deployer, governor, a, b, c, insider] = await ethers.getSigners();
    const d = await deployScheme(ethers, {
      governance: { safe: { owners: [a!.address, b!.address, c!.address], threshold: 2 } },
      governors: [governor!.address],
    });
    const contracts = await contractsOf(d);
    expect((await checkGovernance(deployer!, contracts)).ok).to.equal(true);
    // The Safe grants ADMIN to an insider's key as well: the check now refuses the deployment.
    const safe = (await ethers.getContractAt("AccessManager", contracts.manager)).interface;
    await executeWithOwners(d.safe!, [a!, b!], contracts.manager, safe.encodeFunctionData("grantRole", [ROLE.ADMIN, insider!.address, 0]));
    const report = await checkGovernance(deployer!, contracts);
    expect(report.problems).to.deep.equal([`an externally owned account holds ADMIN: ${insider!.address}`]);
  });

  it("refuses a deployment whose Safe one owner can drive, whose delays are short, or that re-wires a function", async function () {
    const [deployer, governor, a, b] = await ethers.getSigners();
    const oneOfTwo = await deploySafe(deployer!, { owners: [a!.address, b!.address], threshold: 1 });
    const attempt = deployScheme(ethers, {
      governance: { safe: await oneOfTwo.getAddress(), delays: { targetAdmin: 3600 } },
      governors: [governor!.address],
    });
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(GovernanceCheckError);
    const problems = (error as GovernanceCheckError).report.problems;
    expect(problems).to.include.members([
      `the Safe ${await oneOfTwo.getAddress()} holding ADMIN needs 1 of 2 owners' signatures; at least 2 are required`,
    ]);
    expect(problems.filter((p) => p.startsWith("the targetAdmin delay of"))).to.have.length(3);

    const wired = await deployScheme(ethers, { keepDeployerAsAdmin: true, governors: [governor!.address] });
    const selector = wired.ledger.interface.getFunction("setBudget").selector;
    await (await wired.manager.connect(deployer).setTargetFunctionRole(await wired.ledger.getAddress(), [selector], ROLE.ISSUER)).wait();
    const report = await checkGovernance(deployer!, await contractsOf(wired));
    expect(report.problems).to.include(`the ledger's function ${selector} is wired to ISSUER, not GOVERNOR`);
  });
});
