import { expect } from "chai";
import { type BaseContract, encodeBytes32String, type Interface } from "ethers";
import { network } from "hardhat";

import { LEDGER_FUNCTION_ROLES, PUBLIC_ROLE, REGISTRY_FUNCTION_ROLES, ROLE, roleIdOf, type RoleName } from "../../service/domain/roles.js";
import { IVoucherLedgerExtension__factory } from "../../types/ethers-contracts/index.js";
import {
  CNY,
  DAY,
  deploySchemeFixture,
  issueVoucher,
  now,
  type SchemeFixture,
  signedConsent,
} from "../helpers/scheme-fixture.js";
import { type RestrictedTarget, type RoleHolders, shouldBeRestrictedToTheirRoles, zeroArgs } from "./restricted.behavior.js";

const { ethers, networkHelpers } = await network.create();

const FACE = 1_000_000n * CNY;
const REASON = encodeBytes32String("incident");

/** The fixture with one voucher, expiring in 10 days. */
async function governanceFixture() {
  const f = await deploySchemeFixture(ethers);
  const expiresAt = (await now(ethers)) + 10n * DAY;
  const id = await issueVoucher(f, "HZ-0001", FACE, f.holder.address, expiresAt);
  return { ...f, id, expiresAt };
}
type GovernanceFixture = Awaited<ReturnType<typeof governanceFixture>>;

function load(): Promise<GovernanceFixture> {
  return networkHelpers.loadFixture(governanceFixture);
}

function holdersOf(f: SchemeFixture): RoleHolders {
  return {
    members: { ADMIN: f.admin, GOVERNOR: f.governor, ISSUER: f.issuer, AUDITOR: f.auditor, GUARDIAN: f.guardian, FINANCE: f.finance },
    outsiders: [f.stranger, f.holder, f.supplier],
  };
}

/** The functions of an ABI that can change state (not view or pure). */
function stateChanging(contract: BaseContract): string[] {
  const names: string[] = [];
  contract.interface.forEachFunction((fn) => {
    if (!fn.constant) names.push(fn.name);
  });
  return names.sort();
}

function wired(table: Partial<Record<string, readonly string[]>>): string[] {
  return Object.values(table)
    .flatMap((names) => names ?? [])
    .sort();
}

/** The AccessManager gives every function of `table` the role the table names. */
async function expectWiredInTheManager(f: SchemeFixture, contract: BaseContract, table: Partial<Record<string, readonly string[]>>) {
  const address = await contract.getAddress();
  for (const [role, names] of Object.entries(table)) {
    for (const name of names ?? []) {
      const selector = (contract.interface).getFunction(name)!.selector;
      expect(await f.manager.getTargetFunctionRole(address, selector), name).to.equal(roleIdOf(role as RoleName | "PUBLIC"));
    }
  }
}

/** ERC-1155's transfer and approval functions: declared state-changing, they always revert (non-transferable). */
const ALWAYS_REVERTING = ["safeBatchTransferFrom", "safeTransferFrom", "setApprovalForAll"];

describe("VoucherLedger: governance", function () {
  describe("the ledger's functions in the AccessManager", function () {
    shouldBeRestrictedToTheirRoles(async () => {
      const f = await load();
      const target: RestrictedTarget = { contract: f.ledger, errors: f.core, table: LEDGER_FUNCTION_ROLES };
      return { target, holders: holdersOf(f) };
    });

    it("wires every state-changing function of the ledger but the registry's configure… and the always-reverting ones", async function () {
      const f = await load();
      const expected = stateChanging(f.ledger).filter((n) => !n.startsWith("configure") && !ALWAYS_REVERTING.includes(n));
      expect(wired(LEDGER_FUNCTION_ROLES)).to.deep.equal(expected);
      await expectWiredInTheManager(f, f.ledger, LEDGER_FUNCTION_ROLES);
    });

    it("makes redemption, claims and their settlement, expiry and consent cancellation public, checked by the ledger itself", async function () {
      const f = await load();
      expect(LEDGER_FUNCTION_ROLES.PUBLIC).to.deep.equal(["redeem", "redeemBatch", "submitClaim", "settleClaim", "expire", "expireBatch", "cancelConsents"]);
      await expect(f.ledger.connect(f.stranger).cancelConsents()).to.emit(f.ledger, "ConsentsCancelled").withArgs(f.stranger.address, 1);
      await networkHelpers.time.increaseTo(f.expiresAt);
      await expect(f.ledger.connect(f.stranger).expire(f.id)).to.emit(f.ledger, "VoucherExpired");
    });
  });

  describe("the registry's functions in the AccessManager", function () {
    shouldBeRestrictedToTheirRoles(async () => {
      const f = await load();
      const target: RestrictedTarget = { contract: f.registry, errors: f.registry, table: REGISTRY_FUNCTION_ROLES };
      return { target, holders: holdersOf(f) };
    });

    it("wires every state-changing function of the registry but setAuthority, the AccessManager's own", async function () {
      const f = await load();
      expect(wired(REGISTRY_FUNCTION_ROLES)).to.deep.equal(stateChanging(f.registry).filter((n) => n !== "setAuthority"));
      await expectWiredInTheManager(f, f.registry, REGISTRY_FUNCTION_ROLES);
    });
  });

  describe("the guardian", function () {
    /** The fixture, with the governor's functions behind an execution delay of a day, as in production. */
    async function delayedGovernorFixture() {
      const f = await governanceFixture();
      await (await f.manager.connect(f.admin).grantRole(ROLE.GOVERNOR, f.governor.address, Number(DAY))).wait();
      return f;
    }

    it("pauses the ledger, freezes a voucher, suspends a supplier and pauses a programme at once, while the governor must wait", async function () {
      const f = await networkHelpers.loadFixture(delayedGovernorFixture);
      const [, delay] = await f.manager.getAccess(ROLE.GUARDIAN, f.guardian.address);
      expect(delay).to.equal(0n);
      await expect(f.ledger.connect(f.guardian).freeze(f.id, REASON)).to.emit(f.ledger, "VoucherFrozen").withArgs(f.id, REASON, f.guardian.address);
      await expect(f.registry.connect(f.guardian).suspend(f.entities.supplier, f.programme, REASON))
        .to.emit(f.registry, "SupplierSuspended")
        .withArgs(f.entities.supplier, f.programme, REASON, f.guardian.address);
      await expect(f.registry.connect(f.guardian).pauseProgramme(f.programme, REASON))
        .to.emit(f.registry, "ProgrammePaused")
        .withArgs(f.programme, REASON, f.guardian.address);
      await expect(f.ledger.connect(f.guardian).pause()).to.emit(f.core, "Paused").withArgs(f.guardian.address);

      // the governor's undoing waits for its delay
      const address = await f.ledger.getAddress();
      const data = f.ledger.interface.encodeFunctionData("unpause");
      const operation = await f.manager.hashOperation(f.governor.address, address, data);
      await expect(f.ledger.connect(f.governor).unpause())
        .to.be.revertedWithCustomError(f.manager, "AccessManagerNotScheduled")
        .withArgs(operation);
      await (await f.manager.connect(f.governor).schedule(address, data, 0)).wait();
      await expect(f.ledger.connect(f.governor).unpause())
        .to.be.revertedWithCustomError(f.manager, "AccessManagerNotReady")
        .withArgs(operation);
      await networkHelpers.time.increase(DAY);
      // called by the governor itself once the delay has passed, the event names the governor
      await expect(f.ledger.connect(f.governor).unpause()).to.emit(f.core, "Unpaused").withArgs(f.governor.address);
      expect(await f.core.paused()).to.equal(false);
    });
  });

  describe("closing the ledger in the AccessManager", function () {
    it("stops redemption, expiry, issue, consent cancellation and pause, and reopening lets them run again", async function () {
      const f = await load();
      const attempt = await signedConsent(f, f.id, 1000n, 1, { deadline: f.expiresAt + DAY });
      const address = await f.ledger.getAddress();
      await (await f.manager.connect(f.admin).setTargetClosed(address, true)).wait();
      await networkHelpers.time.increaseTo(f.expiresAt - DAY);
      const request = { holder: f.holder.address, applicationRef: encodeBytes32String("HZ-0002"), faceValue: FACE, expiresAt: 0 };
      const calls: [string, () => Promise<unknown>, string][] = [
        ["redeem", () => f.ledger.connect(f.supplier).redeem(attempt.consent, attempt.signature), f.supplier.address],
        ["redeemBatch", () => f.ledger.connect(f.supplier).redeemBatch([attempt.consent], [attempt.signature]), f.supplier.address],
        ["issue", () => f.ledger.connect(f.issuer).issue(f.programme, request), f.issuer.address],
        ["issueBatch", () => f.ledger.connect(f.issuer).issueBatch(f.programme, [request]), f.issuer.address],
        ["cancelConsents", () => f.ledger.connect(f.holder).cancelConsents(), f.holder.address],
        ["pause", () => f.ledger.connect(f.guardian).pause(), f.guardian.address],
        ["freeze", () => f.ledger.connect(f.guardian).freeze(f.id, REASON), f.guardian.address],
        ["revokeByGovernor", () => f.ledger.connect(f.governor).revokeByGovernor(f.id, REASON), f.governor.address],
      ];
      for (const [name, call, caller] of calls) {
        await expect(call(), name).to.be.revertedWithCustomError(f.core, "AccessManagedUnauthorized").withArgs(caller);
      }
      await networkHelpers.time.increaseTo(f.expiresAt);
      for (const call of [() => f.ledger.connect(f.stranger).expire(f.id), () => f.ledger.connect(f.stranger).expireBatch([f.id])]) {
        await expect(call()).to.be.revertedWithCustomError(f.core, "AccessManagedUnauthorized").withArgs(f.stranger.address);
      }
      expect((await f.ledger.getVoucher(f.id)).status).to.equal(1n);
      await (await f.manager.connect(f.admin).setTargetClosed(address, false)).wait();
      await expect(f.ledger.connect(f.stranger).expire(f.id)).to.emit(f.ledger, "VoucherExpired");
      await (await f.ledger.connect(f.issuer).issue(f.programme, request)).wait();
    });
  });

  describe("the ledger's own guards", function () {
    it("refuses every configure… function to anyone but the registry", async function () {
      const f = await load();
      const names = stateChanging(f.ledger).filter((n) => n.startsWith("configure"));
      expect(names).to.have.length(7);
      for (const name of names) {
        const fn = (f.ledger.interface as Interface).getFunction(name)!;
        for (const caller of [f.admin, f.governor, f.guardian, f.issuer, f.stranger]) {
          await expect(f.ledger.connect(caller).getFunction(fn.format())(...zeroArgs(fn)), name)
            .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNotRegistry")
            .withArgs(caller.address);
        }
      }
    });

    it("lets the extension run only through the ledger: a direct call to any of its functions reverts", async function () {
      const f = await load();
      const extension = IVoucherLedgerExtension__factory.connect(f.extension, f.governor);
      const direct = await ethers.getContractAt("IVoucherLedger", f.extension, f.governor);
      const names: string[] = [];
      extension.interface.forEachFunction((fn) => names.push(fn.name));
      names.push("balanceOf", "balanceOfBatch", "uri", "locked");
      expect(names.length).to.be.greaterThan(30);
      for (const name of names) {
        const fn = (direct.interface as Interface).getFunction(name)!;
        const call = direct.getFunction(fn.format());
        const args = zeroArgs(fn);
        const run = fn.constant ? () => call.staticCall(...args) : () => call(...args);
        await expect(run(), name).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNotDelegated");
      }
    });

    it("announced its settings when it was deployed, and refuses an extension built for another forwarder", async function () {
      const f = await load();
      const receipt = await f.core.deploymentTransaction()!.wait();
      const logs = receipt!.logs.map((l) => f.core.interface.parseLog(l)).filter((l) => l?.name === "LedgerInitialized");
      expect(logs.map((l) => [...l!.args])).to.deep.equal([
        [await f.registry.getAddress(), f.extension, f.claims, await f.forwarder.getAddress(), "CNY", 2n, "https://vouchers.example.gov.cn/metadata/"],
      ]);
      const otherForwarder = await ethers.deployContract("ERC2771Forwarder", ["other"]);
      const wrongExtension = await ethers.deployContract("VoucherLedgerExtension", [await otherForwarder.getAddress()]);
      const factory = await ethers.getContractFactory("VoucherLedger");
      const wrong = await wrongExtension.getAddress();
      await expect(
        factory.deploy(await f.manager.getAddress(), await f.registry.getAddress(), wrong, f.claims, await f.forwarder.getAddress(), "CNY", 2, ""),
      )
        .to.be.revertedWithCustomError(f.core, "VoucherLedgerExtensionMismatch")
        .withArgs(wrong);
      const wrongClaims = await (await ethers.deployContract("VoucherLedgerClaims", [await otherForwarder.getAddress()])).getAddress();
      await expect(
        factory.deploy(await f.manager.getAddress(), await f.registry.getAddress(), f.extension, wrongClaims, await f.forwarder.getAddress(), "CNY", 2, ""),
      )
        .to.be.revertedWithCustomError(f.core, "VoucherLedgerExtensionMismatch")
        .withArgs(wrongClaims);
    });
  });

  describe("roles", function () {
    it("lets only the AccessManager move the ledger or the registry to another authority", async function () {
      const f = await load();
      for (const contract of [f.core, f.registry]) {
        for (const caller of [f.admin, f.governor, f.stranger]) {
          await expect((contract.connect(caller)).setAuthority(caller.address))
            .to.be.revertedWithCustomError(contract, "AccessManagedUnauthorized")
            .withArgs(caller.address);
        }
      }
      expect(await f.core.authority()).to.equal(await f.manager.getAddress());
    });

    it("lets a governor grant ISSUER and AUDITOR, and only the admin GOVERNOR and GUARDIAN", async function () {
      const f = await load();
      const m = f.manager.connect(f.governor);
      await (await m.grantRole(ROLE.ISSUER, f.stranger.address, 0)).wait();
      await (await m.grantRole(ROLE.AUDITOR, f.stranger.address, 0)).wait();
      expect((await f.manager.hasRole(ROLE.ISSUER, f.stranger.address))[0]).to.equal(true);
      for (const role of [ROLE.GOVERNOR, ROLE.GUARDIAN]) {
        await expect(m.grantRole(role, f.stranger.address, 0))
          .to.be.revertedWithCustomError(f.manager, "AccessManagerUnauthorizedAccount")
          .withArgs(f.governor.address, ROLE.ADMIN);
      }
      expect(PUBLIC_ROLE).to.equal(2n ** 64n - 1n);
    });

    it("takes an issuer's power away at once when its role is revoked", async function () {
      const f = await load();
      await (await f.manager.connect(f.governor).revokeRole(ROLE.ISSUER, f.issuer.address)).wait();
      await expect(f.ledger.connect(f.issuer).revoke(f.id, REASON))
        .to.be.revertedWithCustomError(f.core, "AccessManagedUnauthorized")
        .withArgs(f.issuer.address);
    });
  });
});
