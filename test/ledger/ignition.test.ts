import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";

import { expect } from "chai";
import hre, { network } from "hardhat";

import VoucherLedgerModule from "../../scripts/ignition/modules/VoucherLedger.js";
import { wiringOf } from "../../scripts/lib/ledger-deploy.js";
import { ROLE, roleIdOf } from "../../service/domain/roles.js";

const connection = await network.create();
const { ethers } = connection;

// On a node outside this process (anvil: CI's pass on the oldest EVM), Ignition keeps a journal of the deployment on
// disk by chain id, and would take a previous run's journal for this chain's: each run deploys under its own id, and
// removes its journal afterwards.
const persisted = connection.networkConfig.type === "http";
const deploymentId = persisted ? `ignition-test-${randomBytes(6).toString("hex")}` : undefined;

describe("ledger v2: the Ignition module", () => {
  after(async () => {
    if (deploymentId !== undefined) await rm(join(hre.config.paths.ignition, "deployments", deploymentId), { recursive: true, force: true });
  });

  it("deploys the ledger, its extension and the registry, wires every restricted function to its role, and connects them", async () => {
    const [admin, governor, guardian, owner1, owner2, owner3] = await ethers.getSigners();
    const owners = [owner1!.address, owner2!.address, owner3!.address];
    const { manager, registry, ledger, extension, safe } = await connection.ignition.deploy(VoucherLedgerModule, {
      parameters: {
        VoucherLedger: { governor: governor!.address, guardian: guardian!.address },
        GovernanceSafe: { owners, threshold: 2 },
      },
      displayUi: false,
      ...(deploymentId === undefined ? {} : { deploymentId }),
    });
    const at = await ethers.getContractAt("IVoucherLedger", await ledger.getAddress());
    expect(await at.registry()).to.equal(await registry.getAddress());
    expect(await at.extension()).to.equal(await extension.getAddress());
    expect(await registry.getFunction("ledger")()).to.equal(await ledger.getAddress());
    for (const [target, address] of [["ledger", await ledger.getAddress()], ["registry", await registry.getAddress()]] as const) {
      for (const { role, selectors } of wiringOf(target)) {
        for (const selector of selectors) {
          expect(await manager.getFunction("getTargetFunctionRole")(address, selector), `${target} ${selector}`).to.equal(roleIdOf(role));
        }
      }
    }
    const hasRole = manager.getFunction("hasRole");
    expect((await hasRole(ROLE.GOVERNOR, governor!.address))[0]).to.equal(true);
    expect((await hasRole(ROLE.GUARDIAN, guardian!.address))[0]).to.equal(true);
    // ADMIN is the Safe's, a 2-of-3 of the owners; the deploying account renounced it.
    expect((await hasRole(ROLE.ADMIN, admin!.address))[0]).to.equal(false);
    expect((await hasRole(ROLE.ADMIN, await safe.getAddress()))[0]).to.equal(true);
    expect(await safe.getFunction("getOwners")()).to.deep.equal(owners);
    expect(await safe.getFunction("getThreshold")()).to.equal(2n);
    expect(await manager.getFunction("getRoleAdmin")(ROLE.ISSUER)).to.equal(ROLE.GOVERNOR);
    expect(await at.currency()).to.equal("CNY");
  });
});
