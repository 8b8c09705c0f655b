import { expect } from "chai";
import { encodeBytes32String, ZeroAddress, ZeroHash } from "ethers";
import { network } from "hardhat";

import { creditCodeHash } from "../../service/domain/identity.js";
import type { SchemeRegistry } from "../../types/ethers-contracts/index.js";
import {
  CATEGORY,
  CLASS,
  CNY,
  DAY,
  FIXTURE_RATIOS,
  type ProgrammeInput,
  ROLES,
  type RatioInput,
  YEAR,
  addEntity,
  creditCode,
  deploySchemeFixture,
  issueVoucher,
  now,
  programmeOf,
  programmeRules,
  type SchemeFixture,
  signedConsent,
} from "../helpers/scheme-fixture.js";

const { ethers, networkHelpers } = await network.create();

const REASON = encodeBytes32String("registered");
const ISSUE = { PAUSED: 1n, CAP_LIFETIME: 2n, EXCLUSIVE: 4n } as const;
const REDEEM = {
  PAUSED: 1n,
  NEEDS_GPU_HOURS: 2n,
  NEEDS_ELECTRICITY: 4n,
  NEEDS_ASSESSMENT: 8n,
  EXCLUSIVE: 16n,
  PAYS_SUPPLIER: 32n,
  PAYS_BUYER: 64n,
} as const;

function scheme(): Promise<SchemeFixture> {
  return deploySchemeFixture(ethers);
}

function load(): Promise<SchemeFixture> {
  return networkHelpers.loadFixture(scheme);
}

function governed(f: SchemeFixture): SchemeRegistry {
  return f.registry.connect(f.governor);
}

/** A programme's rules as an event carries them: its values in the struct's order. */
function programmeTuple(f: SchemeFixture, rules: ProgrammeInput): unknown[] {
  const components = f.registry.interface.getEvent("ProgrammeRegistered").inputs[1]!.components!;
  return components.map((c) => rules[c.name as keyof ProgrammeInput]);
}

function ratioTuples(ratios: RatioInput[]): unknown[] {
  return ratios.map((r) => [r.computeClass, r.category, r.bps]);
}

/** A ratio row as the ledger packs it: seven 16-bit ratios, category 1 lowest. */
function packed(...bpsByCategory: number[]): bigint {
  return bpsByCategory.reduce((row, bps, i) => row | (BigInt(bps) << BigInt(16 * i)), 0n);
}

async function rulesNow(f: SchemeFixture, overrides: Partial<ProgrammeInput> = {}): Promise<ProgrammeInput> {
  return programmeRules(await now(ethers), f.year, overrides);
}

describe("SchemeRegistry", function () {
  describe("setLedger", function () {
    it("was connected once, with LedgerConnected, and refuses a second connection", async function () {
      const f = await load();
      const ledger = await f.ledger.getAddress();
      expect(await f.registry.ledger()).to.equal(ledger);
      const [event] = await f.registry.queryFilter(f.registry.filters.LedgerConnected());
      expect([...event!.args]).to.deep.equal([ledger, f.admin.address]);
      await expect(f.registry.connect(f.admin).setLedger(ledger))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryConnection")
        .withArgs(ledger);
    });

    it("refuses a ledger that names another registry, and refuses changes until it is connected", async function () {
      const f = await load();
      const fresh = await ethers.deployContract("SchemeRegistry", [await f.manager.getAddress()]);
      const ledger = await f.ledger.getAddress();
      await expect(fresh.connect(f.admin).getFunction("setLedger")(ledger))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryConnection")
        .withArgs(ledger);
      await expect(fresh.connect(f.admin).getFunction("registerEntity")(creditCodeHash(creditCode(1)), 1, 1))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryConnection")
        .withArgs(ZeroAddress);
      await expect(fresh.connect(f.admin).getFunction("registerProgramme")(await rulesNow(f), []))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryConnection")
        .withArgs(ZeroAddress);
    });
  });

  describe("classes and categories", function () {
    it("defines and renames a class with ClassDefined and a category with CategoryDefined", async function () {
      const f = await load();
      await expect(governed(f).defineClass(32, "国产智算")).to.emit(f.registry, "ClassDefined").withArgs(32, "国产智算", f.governor.address);
      await expect(governed(f).defineClass(CLASS.OTHER, "其他智算")).to.emit(f.registry, "ClassDefined").withArgs(CLASS.OTHER, "其他智算", f.governor.address);
      expect([await f.registry.className(32), await f.registry.className(CLASS.OTHER), await f.registry.className(3)]).to.deep.equal(["国产智算", "其他智算", ""]);
      await expect(governed(f).defineCategory(7, "高校")).to.emit(f.registry, "CategoryDefined").withArgs(7, "高校", f.governor.address);
      expect(await f.registry.categoryName(7)).to.equal("高校");
    });

    it("refuses class 0 or above 32, category 0 or above 7, and an empty name", async function () {
      const f = await load();
      for (const id of [0, 33, 255]) {
        await expect(governed(f).defineClass(id, "x")).to.be.revertedWithCustomError(f.registry, "SchemeRegistryUnknownClass").withArgs(id);
      }
      for (const id of [0, 8, 255]) {
        await expect(governed(f).defineCategory(id, "x")).to.be.revertedWithCustomError(f.registry, "SchemeRegistryUnknownCategory").withArgs(id);
      }
      await expect(governed(f).defineClass(3, "")).to.be.revertedWithCustomError(f.registry, "SchemeRegistryEmptyName");
      await expect(governed(f).defineCategory(3, "")).to.be.revertedWithCustomError(f.registry, "SchemeRegistryEmptyName");
    });
  });

  describe("registerProgramme", function () {
    it("registers a programme with ProgrammeRegistered and RatiosSet, and keeps its rules and table", async function () {
      const f = await load();
      const rules = await rulesNow(f, { name: "北京市算力券", region: 110000, earliestContractDay: 19_601, capGroup: 9, exclusive: true });
      const tx = governed(f).registerProgramme(rules, FIXTURE_RATIOS);
      await expect(tx).to.emit(f.registry, "ProgrammeRegistered").withArgs(2, programmeTuple(f, rules), f.governor.address);
      await expect(tx).to.emit(f.registry, "RatiosSet").withArgs(2, ratioTuples(FIXTURE_RATIOS), f.governor.address);
      expect(await f.registry.programmeCount()).to.equal(2n);
      const [stored, paused, table] = await f.registry.getProgramme(2);
      expect([...stored]).to.deep.equal(programmeTuple(f, rules).map((v) => (typeof v === "number" ? BigInt(v) : v)));
      expect(paused).to.equal(false);
      expect(table.map((r) => [r.computeClass, r.category, r.bps])).to.deep.equal(
        FIXTURE_RATIOS.map((r) => [BigInt(r.computeClass), BigInt(r.category), BigInt(r.bps)]),
      );
    });

    it("writes what issue and redemption read into the ledger", async function () {
      const f = await load();
      const rules = await rulesNow(f, {
        name: "庆阳算力券",
        region: 621000,
        capLifetime: true,
        capGroup: 4,
        exclusive: true,
        maxCombinedBps: 8000,
        entityWindowDays: 365,
        earliestContractDay: 19_000,
        needsElectricity: true,
        needsAssessment: true,
        reissueDelay: 7 * 86_400,
      });
      await governed(f).registerProgramme(rules, FIXTURE_RATIOS);
      const [issue, delay] = await f.ledger.getIssueTerms(2);
      expect([...issue]).to.deep.equal([
        BigInt(rules.firstYear),
        BigInt(rules.yearCount),
        ISSUE.CAP_LIFETIME | ISSUE.EXCLUSIVE,
        4n,
        BigInt(rules.defaultValidity),
        BigInt(rules.maxValidity),
        BigInt(rules.redeemUntil),
        BigInt(rules.capPerCompany),
      ]);
      expect(delay).to.equal(7n * 86_400n);
      for (const [computeClass, ratio] of [[CLASS.DOMESTIC, 3000], [CLASS.OTHER, 2000]] as const) {
        const t = await f.ledger.getRedemptionTerms(2, computeClass);
        expect([...t]).to.deep.equal([
          BigInt(rules.redeemFrom),
          BigInt(rules.redeemUntil),
          19_000n,
          8000n,
          365n,
          REDEEM.NEEDS_GPU_HOURS | REDEEM.NEEDS_ELECTRICITY | REDEEM.NEEDS_ASSESSMENT | REDEEM.EXCLUSIVE | REDEEM.PAYS_SUPPLIER,
          packed(ratio, ratio),
        ]);
        expect(await f.ledger.ratioOf(2, computeClass, CATEGORY.STARTUP)).to.equal(BigInt(ratio));
      }
      expect(await f.ledger.ratioOf(2, CLASS.DOMESTIC, 3)).to.equal(0n);
      expect(await f.ledger.ratioOf(2, CLASS.DOMESTIC, 0)).to.equal(0n);
      const model = await rulesNow(f, { name: "模型券", kind: 2 });
      await governed(f).registerProgramme(model, FIXTURE_RATIOS);
      expect((await f.ledger.getRedemptionTerms(3, CLASS.DOMESTIC)).flags).to.equal(REDEEM.PAYS_SUPPLIER);
      expect((await f.ledger.getIssueTerms(3))[0].flags).to.equal(0n);
    });

    const INVALID: [string, Partial<ProgrammeInput>][] = [
      ["level", { level: 0 }],
      ["region", { region: 0 }],
      ["region", { region: 1_000_000 }],
      ["kind", { kind: 0 }],
      ["name", { name: "" }],
      ["firstYear", { firstYear: 1999 }],
      ["yearCount", { yearCount: 0 }],
      ["redeemUntil", { redeemFrom: 2_000_000_000n, redeemUntil: 2_000_000_000n }],
      ["redeemUntil", { redeemUntil: 2n ** 32n }],
      ["defaultValidity", { defaultValidity: 0 }],
      ["maxValidity", { defaultValidity: 1000, maxValidity: 999 }],
      ["capGroup", { exclusive: true, capGroup: 0 }],
      ["capGroup", { exclusive: false, capGroup: 4 }],
      ["maxCombinedBps", { maxCombinedBps: 10_001 }],
    ];
    for (const [field, change] of INVALID) {
      it(`refuses rules with an invalid ${field} (${JSON.stringify(change, (_, v: unknown) => (typeof v === "bigint" ? Number(v) : v))}), registering nothing`, async function () {
        const f = await load();
        await expect(governed(f).registerProgramme(await rulesNow(f, change), FIXTURE_RATIOS))
          .to.be.revertedWithCustomError(f.registry, "SchemeRegistryInvalidProgramme")
          .withArgs(field);
        expect(await f.registry.programmeCount()).to.equal(1n);
      });
    }

    it("refuses a ratio for an undefined class or category, of 0, above 100%, above the combined share, or twice", async function () {
      const f = await load();
      const cases: [RatioInput, number][] = [
        [{ computeClass: 3, category: 1, bps: 100 }, 0],
        [{ computeClass: 0, category: 1, bps: 100 }, 0],
        [{ computeClass: 33, category: 1, bps: 100 }, 0],
        [{ computeClass: 1, category: 3, bps: 100 }, 0],
        [{ computeClass: 1, category: 0, bps: 100 }, 0],
        [{ computeClass: 1, category: 8, bps: 100 }, 0],
        [{ computeClass: 1, category: 1, bps: 0 }, 0],
        [{ computeClass: 1, category: 1, bps: 10_001 }, 0],
        [{ computeClass: 1, category: 1, bps: 5001 }, 5000],
      ];
      for (const [ratio, maxCombinedBps] of cases) {
        await expect(governed(f).registerProgramme(await rulesNow(f, { maxCombinedBps }), [ratio]))
          .to.be.revertedWithCustomError(f.registry, "SchemeRegistryInvalidRatio")
          .withArgs(ratio.computeClass, ratio.category, ratio.bps);
      }
      const twice = [{ computeClass: 1, category: 1, bps: 100 }, { computeClass: 1, category: 1, bps: 200 }];
      await expect(governed(f).registerProgramme(await rulesNow(f), twice))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryInvalidRatio")
        .withArgs(1, 1, 200);
      expect(await f.registry.programmeCount()).to.equal(1n);
    });
  });

  describe("updateProgramme", function () {
    it("changes the rules with ProgrammeUpdated and writes them into the ledger", async function () {
      const f = await load();
      const rules = { ...(await programmeOf(f, f.programme)), capPerCompany: 5_000_000n * CNY, yearCount: 4n, reissueDelay: 86_400n, maxCombinedBps: 3000n };
      await expect(governed(f).updateProgramme(f.programme, rules))
        .to.emit(f.registry, "ProgrammeUpdated")
        .withArgs(f.programme, programmeTuple(f, rules), f.governor.address);
      const [issue, delay] = await f.ledger.getIssueTerms(f.programme);
      expect([issue.capPerCompany, issue.yearCount, delay]).to.deep.equal([5_000_000n * CNY, 4n, 86_400n]);
      expect((await f.ledger.getRedemptionTerms(f.programme, CLASS.DOMESTIC)).maxCombinedBps).to.equal(3000n);
    });

    it("refuses to change the level, region, kind or first year, to shorten the years, or to go below a ratio", async function () {
      const f = await load();
      const rules = await programmeOf(f, f.programme);
      const cases: [string, Partial<ProgrammeInput>][] = [
        ["level", { level: 4 }],
        ["region", { region: 330106 }],
        ["kind", { kind: 2 }],
        ["firstYear", { firstYear: f.year + 1 }],
        ["yearCount", { yearCount: 2 }],
        ["maxValidity", { maxValidity: 1 }],
      ];
      for (const [field, change] of cases) {
        await expect(governed(f).updateProgramme(f.programme, { ...rules, ...change }))
          .to.be.revertedWithCustomError(f.registry, "SchemeRegistryInvalidProgramme")
          .withArgs(field);
      }
      await expect(governed(f).updateProgramme(f.programme, { ...rules, maxCombinedBps: 2999 }))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryInvalidRatio")
        .withArgs(CLASS.DOMESTIC, CATEGORY.STARTUP, 3000);
      await expect(governed(f).updateProgramme(9, rules)).to.be.revertedWithCustomError(f.registry, "SchemeRegistryUnknownProgramme").withArgs(9);
      expect((await f.registry.getProgramme(f.programme))[0].yearCount).to.equal(3n);
    });
  });

  describe("setRatios", function () {
    it("replaces the whole table with RatiosSet, and a class left out is no longer paid", async function () {
      const f = await load();
      const table = [{ computeClass: CLASS.DOMESTIC, category: CATEGORY.STARTUP, bps: 6000 }];
      await expect(governed(f).setRatios(f.programme, table)).to.emit(f.registry, "RatiosSet").withArgs(f.programme, ratioTuples(table), f.governor.address);
      expect((await f.registry.getProgramme(f.programme))[2].map((r) => [r.computeClass, r.category, r.bps])).to.deep.equal([[1n, 1n, 6000n]]);
      expect(await f.ledger.ratioOf(f.programme, CLASS.DOMESTIC, CATEGORY.STARTUP)).to.equal(6000n);
      expect(await f.ledger.ratioOf(f.programme, CLASS.DOMESTIC, CATEGORY.OTHER)).to.equal(0n);
      expect((await f.ledger.getRedemptionTerms(f.programme, CLASS.OTHER)).ratios).to.equal(0n);
      const id = await issueVoucher(f, "HZ-1");
      const { consent, signature } = await signedConsent(f, id, 1000n, 1, { computeClass: CLASS.OTHER });
      await expect(f.ledger.connect(f.supplier).redeem(consent, signature))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerIneligible")
        .withArgs(f.programme, CLASS.OTHER, CATEGORY.STARTUP);
    });

    it("refuses an invalid table, keeping the old one, and an unknown programme", async function () {
      const f = await load();
      await expect(governed(f).setRatios(f.programme, [{ computeClass: 1, category: 1, bps: 10_001 }]))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryInvalidRatio")
        .withArgs(1, 1, 10_001);
      expect(await f.ledger.ratioOf(f.programme, CLASS.OTHER, CATEGORY.OTHER)).to.equal(2000n);
      await expect(governed(f).setRatios(5, [])).to.be.revertedWithCustomError(f.registry, "SchemeRegistryUnknownProgramme").withArgs(5);
    });
  });

  describe("pauseProgramme and resumeProgramme", function () {
    it("pauses issue and every class's redemption with ProgrammePaused, and resumes them with ProgrammeResumed", async function () {
      const f = await load();
      const reason = encodeBytes32String("audit");
      await expect(f.registry.connect(f.guardian).pauseProgramme(f.programme, reason))
        .to.emit(f.registry, "ProgrammePaused")
        .withArgs(f.programme, reason, f.guardian.address);
      expect((await f.registry.getProgramme(f.programme))[1]).to.equal(true);
      expect((await f.ledger.getIssueTerms(f.programme))[0].flags & ISSUE.PAUSED).to.equal(ISSUE.PAUSED);
      for (const c of [CLASS.DOMESTIC, CLASS.OTHER]) {
        expect((await f.ledger.getRedemptionTerms(f.programme, c)).flags).to.equal(REDEEM.PAUSED | REDEEM.NEEDS_GPU_HOURS | REDEEM.PAYS_SUPPLIER);
      }
      await expect(f.registry.connect(f.guardian).pauseProgramme(f.programme, reason))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryPauseUnchanged")
        .withArgs(f.programme, true);
      await expect(governed(f).resumeProgramme(f.programme, reason))
        .to.emit(f.registry, "ProgrammeResumed")
        .withArgs(f.programme, reason, f.governor.address);
      expect((await f.ledger.getIssueTerms(f.programme))[0].flags).to.equal(0n);
      expect((await f.ledger.getRedemptionTerms(f.programme, CLASS.DOMESTIC)).flags).to.equal(REDEEM.NEEDS_GPU_HOURS | REDEEM.PAYS_SUPPLIER);
      await expect(governed(f).resumeProgramme(f.programme, reason))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryPauseUnchanged")
        .withArgs(f.programme, false);
      await expect(f.registry.connect(f.guardian).pauseProgramme(0, reason))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryUnknownProgramme")
        .withArgs(0);
    });

    it("keeps a paused programme paused when its rules or ratios change", async function () {
      const f = await load();
      await (await f.registry.connect(f.guardian).pauseProgramme(f.programme, REASON)).wait();
      await governed(f).updateProgramme(f.programme, await programmeOf(f, f.programme));
      await governed(f).setRatios(f.programme, FIXTURE_RATIOS);
      expect((await f.ledger.getIssueTerms(f.programme))[0].flags).to.equal(ISSUE.PAUSED);
      expect((await f.ledger.getRedemptionTerms(f.programme, CLASS.OTHER)).flags & REDEEM.PAUSED).to.equal(REDEEM.PAUSED);
    });
  });

  describe("registerEntity and setEntityCategory", function () {
    it("registers a company by its credit code hash with EntityRegistered", async function () {
      const f = await load();
      const hash = creditCodeHash(creditCode(1));
      await expect(governed(f).registerEntity(hash, ROLES.BENEFICIARY | ROLES.SUPPLIER, CATEGORY.OTHER))
        .to.emit(f.registry, "EntityRegistered")
        .withArgs(5, hash, 3, CATEGORY.OTHER, f.governor.address);
      expect(await f.registry.entityCount()).to.equal(5n);
      expect(await f.registry.entityByCreditCode(hash)).to.equal(5n);
      const e = await f.registry.getEntity(5);
      expect([e.creditCodeHash, e.roles, e.category, e.relations]).to.deep.equal([hash, 3n, 2n, 0n]);
      await expect(f.registry.getEntity(6)).to.be.revertedWithCustomError(f.registry, "SchemeRegistryUnknownEntity").withArgs(6);
    });

    it("refuses a zero or registered credit code hash, roles other than 1, 2 or 3, and a category that does not fit", async function () {
      const f = await load();
      const startup = creditCodeHash("91330100MA2H3K4L50");
      await expect(governed(f).registerEntity(startup, 1, 1)).to.be.revertedWithCustomError(f.registry, "SchemeRegistryEntityExists").withArgs(startup, f.entities.startup);
      await expect(governed(f).registerEntity(ZeroHash, 1, 1)).to.be.revertedWithCustomError(f.registry, "SchemeRegistryEntityExists").withArgs(ZeroHash, 0);
      const hash = creditCodeHash(creditCode(2));
      for (const [roles, category] of [[0, 0], [4, 0], [7, 1], [1, 0], [1, 3], [1, 8], [3, 0], [2, 1]] as const) {
        await expect(governed(f).registerEntity(hash, roles, category))
          .to.be.revertedWithCustomError(f.registry, "SchemeRegistryInvalidRoles")
          .withArgs(roles, category);
      }
      expect(await f.registry.entityCount()).to.equal(4n);
    });

    it("changes a beneficiary's category with EntityCategorySet and writes it to every address", async function () {
      const f = await load();
      const reason = encodeBytes32String("grown");
      await expect(governed(f).setEntityCategory(f.entities.startup, CATEGORY.OTHER, reason))
        .to.emit(f.registry, "EntityCategorySet")
        .withArgs(f.entities.startup, CATEGORY.OTHER, reason, f.governor.address);
      for (const a of [f.holder.address, f.holder2.address]) expect((await f.ledger.getAccount(a)).category).to.equal(2n);
      await expect(governed(f).setEntityCategory(f.entities.supplier, CATEGORY.OTHER, reason))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryInvalidRoles")
        .withArgs(ROLES.SUPPLIER, CATEGORY.OTHER);
      await expect(governed(f).setEntityCategory(f.entities.startup, 5, reason))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryInvalidRoles")
        .withArgs(ROLES.BENEFICIARY, 5);
      await expect(governed(f).setEntityCategory(99, 1, reason)).to.be.revertedWithCustomError(f.registry, "SchemeRegistryUnknownEntity").withArgs(99);
    });
  });

  describe("addAddress and removeAddress", function () {
    it("adds an address with AddressAdded and writes its account into the ledger", async function () {
      const f = await load();
      const [a] = (await ethers.getSigners()).slice(12);
      await expect(governed(f).addAddress(f.entities.startup, a!.address, REASON))
        .to.emit(f.registry, "AddressAdded")
        .withArgs(f.entities.startup, a!.address, REASON, f.governor.address);
      const account = await f.ledger.getAccount(a!.address);
      expect([account.entity, account.category, account.roles, account.related, account.consentEpoch]).to.deep.equal([f.entities.startup, 1n, 1n, false, 0n]);
      expect([...(await f.registry.entityOf(a!.address))]).to.deep.equal([f.entities.startup, true]);
      expect(await f.registry.addressesOf(f.entities.startup)).to.deep.equal([f.holder.address, f.holder2.address, a!.address]);
    });

    it("writes a supplier's accreditations to an address added to it", async function () {
      const f = await load();
      const [a] = (await ethers.getSigners()).slice(12);
      await governed(f).addAddress(f.entities.supplier, a!.address, REASON);
      const fromRegistry = await f.registry.getAccreditation(f.entities.supplier, f.programme);
      const onLedger = await f.ledger.getAccreditation(a!.address, f.programme);
      expect([onLedger.entity, onLedger.validFrom, onLedger.validUntil, onLedger.classes, onLedger.suspended, onLedger.redeemed]).to.deep.equal([
        f.entities.supplier,
        fromRegistry.validFrom,
        fromRegistry.validUntil,
        3n,
        false,
        0n,
      ]);
      expect(await f.ledger.suppliersOf(f.programme)).to.deep.equal([f.supplier.address, a!.address]);
      const account = await f.ledger.getAccount(a!.address);
      expect([account.entity, account.roles, account.category]).to.deep.equal([f.entities.supplier, 2n, 0n]);
    });

    it("refuses the zero address, another company's address (also a removed one), an active one, and a ninth", async function () {
      const f = await load();
      await expect(governed(f).addAddress(f.entities.startup, ZeroAddress, REASON))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryAddressTaken")
        .withArgs(ZeroAddress, 0);
      await expect(governed(f).addAddress(f.entities.startup, f.otherHolder.address, REASON))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryAddressTaken")
        .withArgs(f.otherHolder.address, f.entities.company);
      await governed(f).removeAddress(f.otherHolder.address, REASON);
      await expect(governed(f).addAddress(f.entities.startup, f.otherHolder.address, REASON))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryAddressTaken")
        .withArgs(f.otherHolder.address, f.entities.company);
      await expect(governed(f).addAddress(f.entities.startup, f.holder.address, REASON))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryAddressUnchanged")
        .withArgs(f.holder.address, true);
      const extra = (await ethers.getSigners()).slice(12, 18);
      for (const s of extra) await governed(f).addAddress(f.entities.startup, s.address, REASON);
      const ninth = (await ethers.getSigners())[18]!;
      await expect(governed(f).addAddress(f.entities.startup, ninth.address, REASON))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryTooManyAddresses")
        .withArgs(f.entities.startup);
      await governed(f).removeAddress(extra[0]!.address, REASON);
      await governed(f).addAddress(f.entities.startup, ninth.address, REASON);
      await expect(governed(f).addAddress(99, ninth.address, REASON)).to.be.revertedWithCustomError(f.registry, "SchemeRegistryUnknownEntity").withArgs(99);
    });

    it("removes an address with AddressRemoved: no role on the ledger, the company kept, and it may come back", async function () {
      const f = await load();
      await expect(governed(f).removeAddress(f.holder2.address, REASON))
        .to.emit(f.registry, "AddressRemoved")
        .withArgs(f.entities.startup, f.holder2.address, REASON, f.governor.address);
      const account = await f.ledger.getAccount(f.holder2.address);
      expect([account.entity, account.roles]).to.deep.equal([f.entities.startup, 0n]);
      expect([...(await f.registry.entityOf(f.holder2.address))]).to.deep.equal([f.entities.startup, false]);
      await expect(governed(f).removeAddress(f.holder2.address, REASON))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryAddressUnchanged")
        .withArgs(f.holder2.address, false);
      await governed(f).addAddress(f.entities.startup, f.holder2.address, REASON);
      expect((await f.ledger.getAccount(f.holder2.address)).roles).to.equal(1n);
      expect(await f.registry.addressesOf(f.entities.startup)).to.deep.equal([f.holder.address, f.holder2.address]);
    });

    it("suspends a removed supplier address's accreditations on the ledger and leaves its other addresses alone", async function () {
      const f = await load();
      const [a] = (await ethers.getSigners()).slice(12);
      await governed(f).addAddress(f.entities.supplier, a!.address, REASON);
      await governed(f).removeAddress(f.supplier.address, REASON);
      expect((await f.ledger.getAccreditation(f.supplier.address, f.programme)).suspended).to.equal(true);
      expect(await f.ledger.isAccredited(f.supplier.address, f.programme)).to.equal(false);
      expect(await f.ledger.isAccredited(a!.address, f.programme)).to.equal(true);
      // a later accreditation reaches only the active address
      const t = await now(ethers);
      await governed(f).accredit(f.entities.supplier, f.programme, t, t + YEAR, 1);
      expect(await f.ledger.isAccredited(f.supplier.address, f.programme)).to.equal(false);
      expect((await f.ledger.getAccreditation(a!.address, f.programme)).classes).to.equal(1n);
    });
  });

  describe("recordRelation and clearRelation", function () {
    it("records a relation with RelationRecorded, which every address of the beneficiary carries on the ledger", async function () {
      const f = await load();
      const reason = encodeBytes32String("same-owner");
      await expect(governed(f).recordRelation(f.entities.startup, f.entities.supplier, reason))
        .to.emit(f.registry, "RelationRecorded")
        .withArgs(f.entities.startup, f.entities.supplier, reason, f.governor.address);
      expect(await f.registry.relationOf(f.entities.startup, f.entities.supplier)).to.equal(reason);
      expect(await f.ledger.isRelated(f.entities.startup, f.entities.supplier)).to.equal(true);
      for (const a of [f.holder.address, f.holder2.address]) expect((await f.ledger.getAccount(a)).related).to.equal(true);
      expect((await f.ledger.getAccount(f.otherHolder.address)).related).to.equal(false);
      expect((await f.registry.getEntity(f.entities.startup)).relations).to.equal(1n);
      const [late] = (await ethers.getSigners()).slice(12);
      await governed(f).addAddress(f.entities.startup, late!.address, REASON);
      expect((await f.ledger.getAccount(late!.address)).related).to.equal(true);
    });

    it("records a relation given no reason as 'related', and its event says so", async function () {
      const f = await load();
      const related = encodeBytes32String("related");
      await expect(governed(f).recordRelation(f.entities.startup, f.entities.supplier, ZeroHash))
        .to.emit(f.registry, "RelationRecorded")
        .withArgs(f.entities.startup, f.entities.supplier, related, f.governor.address);
      expect(await f.registry.relationOf(f.entities.startup, f.entities.supplier)).to.equal(related);
    });

    it("clears a relation with RelationCleared; the related flag goes only with the last relation", async function () {
      const f = await load();
      const g = governed(f);
      await (await g.recordRelation(f.entities.startup, f.entities.supplier, REASON)).wait();
      await (await g.recordRelation(f.entities.startup, f.entities.otherSupplier, REASON)).wait();
      await expect(g.clearRelation(f.entities.startup, f.entities.supplier, REASON))
        .to.emit(f.registry, "RelationCleared")
        .withArgs(f.entities.startup, f.entities.supplier, REASON, f.governor.address);
      expect(await f.ledger.isRelated(f.entities.startup, f.entities.supplier)).to.equal(false);
      expect((await f.ledger.getAccount(f.holder.address)).related).to.equal(true);
      await (await g.clearRelation(f.entities.startup, f.entities.otherSupplier, REASON)).wait();
      expect((await f.ledger.getAccount(f.holder.address)).related).to.equal(false);
      expect(await f.registry.relationOf(f.entities.startup, f.entities.otherSupplier)).to.equal(ZeroHash);
    });

    it("refuses a relation recorded twice or cleared when absent, and companies in the wrong roles", async function () {
      const f = await load();
      const g = governed(f);
      await (await g.recordRelation(f.entities.startup, f.entities.supplier, REASON)).wait();
      await expect(g.recordRelation(f.entities.startup, f.entities.supplier, REASON))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryRelationUnchanged")
        .withArgs(f.entities.startup, f.entities.supplier, true);
      await expect(g.clearRelation(f.entities.company, f.entities.supplier, REASON))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryRelationUnchanged")
        .withArgs(f.entities.company, f.entities.supplier, false);
      await expect(g.recordRelation(f.entities.supplier, f.entities.otherSupplier, REASON))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryWrongRole")
        .withArgs(f.entities.supplier, ROLES.BENEFICIARY);
      await expect(g.recordRelation(f.entities.startup, f.entities.company, REASON))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryWrongRole")
        .withArgs(f.entities.company, ROLES.SUPPLIER);
      await expect(g.recordRelation(f.entities.startup, 99, REASON)).to.be.revertedWithCustomError(f.registry, "SchemeRegistryUnknownEntity").withArgs(99);
    });
  });

  describe("accredit, suspend and reinstate", function () {
    it("accredits a supplier with SupplierAccredited and writes the accreditation to each of its addresses", async function () {
      const f = await load();
      const t = await now(ethers);
      await expect(governed(f).accredit(f.entities.otherSupplier, f.programme, t + DAY, t + YEAR, 0b10))
        .to.emit(f.registry, "SupplierAccredited")
        .withArgs(f.entities.otherSupplier, f.programme, t + DAY, t + YEAR, 0b10, f.governor.address);
      const a = await f.registry.getAccreditation(f.entities.otherSupplier, f.programme);
      expect([a.validFrom, a.validUntil, a.classes, a.suspended, a.reason]).to.deep.equal([t + DAY, t + YEAR, 2n, false, ZeroHash]);
      const l = await f.ledger.getAccreditation(f.otherSupplier.address, f.programme);
      expect([l.entity, l.validFrom, l.validUntil, l.classes, l.suspended]).to.deep.equal([f.entities.otherSupplier, t + DAY, t + YEAR, 2n, false]);
      expect(await f.ledger.isAccredited(f.otherSupplier.address, f.programme)).to.equal(false);
      await networkHelpers.time.increaseTo(t + DAY);
      expect(await f.ledger.isAccredited(f.otherSupplier.address, f.programme)).to.equal(true);
      expect(await f.registry.programmesOf(f.entities.otherSupplier)).to.deep.equal([f.programme]);
      expect(await f.ledger.suppliersOf(f.programme)).to.deep.equal([f.supplier.address, f.otherSupplier.address]);
    });

    it("refuses an empty window, no classes, an undefined class, a company that is not a supplier, an unknown programme", async function () {
      const f = await load();
      const t = await now(ethers);
      for (const [from, until, classes] of [[t, t, 1], [t + 1n, t, 1], [t, t + DAY, 0], [t, t + DAY, 0b100]] as const) {
        await expect(governed(f).accredit(f.entities.otherSupplier, f.programme, from, until, classes))
          .to.be.revertedWithCustomError(f.registry, "SchemeRegistryInvalidAccreditation")
          .withArgs(from, until, classes);
      }
      await expect(governed(f).accredit(f.entities.startup, f.programme, t, t + DAY, 1))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryWrongRole")
        .withArgs(f.entities.startup, ROLES.SUPPLIER);
      await expect(governed(f).accredit(f.entities.supplier, 7, t, t + DAY, 1))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryUnknownProgramme")
        .withArgs(7);
    });

    it("suspends with SupplierSuspended and reinstates with SupplierReinstated, on every address", async function () {
      const f = await load();
      const reason = encodeBytes32String("audit");
      await expect(f.registry.connect(f.guardian).suspend(f.entities.supplier, f.programme, reason))
        .to.emit(f.registry, "SupplierSuspended")
        .withArgs(f.entities.supplier, f.programme, reason, f.guardian.address);
      expect((await f.registry.getAccreditation(f.entities.supplier, f.programme)).reason).to.equal(reason);
      expect((await f.ledger.getAccreditation(f.supplier.address, f.programme)).suspended).to.equal(true);
      await expect(f.registry.connect(f.guardian).suspend(f.entities.supplier, f.programme, reason))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistrySuspensionUnchanged")
        .withArgs(f.entities.supplier, f.programme, true);
      await expect(governed(f).reinstate(f.entities.supplier, f.programme, reason))
        .to.emit(f.registry, "SupplierReinstated")
        .withArgs(f.entities.supplier, f.programme, reason, f.governor.address);
      expect(await f.ledger.isAccredited(f.supplier.address, f.programme)).to.equal(true);
      await expect(governed(f).reinstate(f.entities.supplier, f.programme, reason))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistrySuspensionUnchanged")
        .withArgs(f.entities.supplier, f.programme, false);
      for (const call of [
        () => f.registry.connect(f.guardian).suspend(f.entities.otherSupplier, f.programme, reason),
        () => governed(f).reinstate(f.entities.otherSupplier, f.programme, reason),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(f.registry, "SchemeRegistryNoAccreditation").withArgs(f.entities.otherSupplier, f.programme);
      }
    });

    it("lifts a suspension by a new accreditation, saying so with SupplierReinstated, and keeps what the supplier redeemed", async function () {
      const f = await load();
      const id = await issueVoucher(f, "HZ-1");
      const { consent, signature } = await signedConsent(f, id, 1000n, 1);
      await (await f.ledger.connect(f.supplier).redeem(consent, signature)).wait();
      await (await f.registry.connect(f.guardian).suspend(f.entities.supplier, f.programme, REASON)).wait();
      const t = await now(ethers);
      const tx = governed(f).accredit(f.entities.supplier, f.programme, t, t + YEAR, 1);
      await expect(tx).to.emit(f.registry, "SupplierAccredited").withArgs(f.entities.supplier, f.programme, t, t + YEAR, 1, f.governor.address);
      await expect(tx)
        .to.emit(f.registry, "SupplierReinstated")
        .withArgs(f.entities.supplier, f.programme, encodeBytes32String("reaccredited"), f.governor.address);
      const l = await f.ledger.getAccreditation(f.supplier.address, f.programme);
      expect([l.suspended, l.classes, l.redeemed]).to.deep.equal([false, 1n, 1000n]);
      expect(await f.ledger.suppliersOf(f.programme)).to.deep.equal([f.supplier.address]);
      expect(await f.registry.programmesOf(f.entities.supplier)).to.deep.equal([f.programme]);
      await expect(governed(f).accredit(f.entities.supplier, f.programme, t, t + YEAR, 1)).to.not.emit(f.registry, "SupplierReinstated");
    });
  });

  describe("bindIssuer and unbindIssuer", function () {
    it("binds an issuer with IssuerBound and unbinds it with IssuerUnbound, on the ledger too", async function () {
      const f = await load();
      await expect(governed(f).bindIssuer(f.stranger.address, f.programme))
        .to.emit(f.registry, "IssuerBound")
        .withArgs(f.stranger.address, f.programme, f.governor.address);
      expect([await f.registry.isIssuer(f.stranger.address, f.programme), await f.ledger.isIssuer(f.stranger.address, f.programme)]).to.deep.equal([true, true]);
      await expect(governed(f).unbindIssuer(f.stranger.address, f.programme))
        .to.emit(f.registry, "IssuerUnbound")
        .withArgs(f.stranger.address, f.programme, f.governor.address);
      expect([await f.registry.isIssuer(f.stranger.address, f.programme), await f.ledger.isIssuer(f.stranger.address, f.programme)]).to.deep.equal([false, false]);
    });

    it("refuses to bind twice, the zero address or to an unknown programme, and to unbind an issuer not bound", async function () {
      const f = await load();
      await expect(governed(f).bindIssuer(f.issuer.address, f.programme))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryIssuerUnchanged")
        .withArgs(f.issuer.address, f.programme, true);
      await expect(governed(f).bindIssuer(ZeroAddress, f.programme))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryIssuerUnchanged")
        .withArgs(ZeroAddress, f.programme, true);
      await expect(governed(f).bindIssuer(f.issuer.address, 4)).to.be.revertedWithCustomError(f.registry, "SchemeRegistryUnknownProgramme").withArgs(4);
      await expect(governed(f).unbindIssuer(f.stranger.address, f.programme))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryIssuerUnchanged")
        .withArgs(f.stranger.address, f.programme, false);
    });
  });

  describe("companies as the ledger sees them", function () {
    it("gives a company registered as both beneficiary and supplier both roles on its addresses", async function () {
      const f = await load();
      const [a] = (await ethers.getSigners()).slice(12);
      const both = await addEntity(f, creditCode(3), ROLES.BENEFICIARY | ROLES.SUPPLIER, CATEGORY.OTHER, [a!.address]);
      const account = await f.ledger.getAccount(a!.address);
      expect([account.entity, account.roles, account.category]).to.deep.equal([both, 3n, 2n]);
    });
  });
});
