import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";

import { actingAs, openLedger } from "../../scripts/lib/admin/context.js";
import { UserError, applicationReference, canonicalReference } from "../../scripts/lib/admin/format.js";
import { deploymentMismatch, deploymentPath, readDeployment } from "../../service/domain/deployment.js";
import { deployWithIgnition } from "../../scripts/lib/ignition-deploy.js";
import { ROLE } from "../../service/domain/roles-v1.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;

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

describe("deployment and references (ledger v1's; v2's tasks: ledger-tasks.test.ts)", function () {
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
