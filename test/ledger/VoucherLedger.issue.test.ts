import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import { encodeBytes32String } from "ethers";
import { network } from "hardhat";

import { dayOfInstant, instantOfDate } from "../../service/domain/identity.js";
import { ROLE } from "../../service/domain/roles.js";
import {
  CNY,
  DAY,
  FIXTURE_RATIOS,
  STATUS,
  YEAR,
  addProgramme,
  appRef,
  deploySchemeFixture,
  issueVoucher,
  now,
  programmeOf,
  type ProgrammeInput,
  programmeRules,
  type SchemeFixture,
  signedConsent,
  updateProgramme,
} from "../helpers/scheme-fixture.js";

const { ethers, networkHelpers } = await network.create();

const FACE = 1_000_000n * CNY;
const CAP = 8_000_000n * CNY;
const MAX_FACE = 2n ** 40n - 1n;
const REASON = encodeBytes32String("fraud");

function scheme(): Promise<SchemeFixture> {
  return deploySchemeFixture(ethers);
}

function load(): Promise<SchemeFixture> {
  return networkHelpers.loadFixture(scheme);
}

function request(holder: string, ref: string, faceValue: bigint = FACE, expiresAt: bigint = 0n) {
  return { holder, applicationRef: appRef(ref), faceValue, expiresAt };
}

/** Moves the chain to 00:00 China Standard Time on 1 January of `year`. */
async function goToYear(year: number): Promise<void> {
  await networkHelpers.time.increaseTo(instantOfDate(`${year}-01-01`));
}

async function committedOf(f: SchemeFixture, entity: bigint, programme: bigint = f.programme): Promise<bigint> {
  return (await f.ledger.getTally(entity, programme)).committed;
}

describe("VoucherLedger: issue", function () {
  describe("issue", function () {
    it("issues a voucher and emits VoucherIssued, Locked and TransferSingle with what an auditor needs", async function () {
      const f = await load();
      const at = (await now(ethers)) + 5n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      const id = await f.ledger.voucherId(f.programme, appRef("HZ-1"));
      const tx = f.ledger.connect(f.issuer).issue(f.programme, request(f.holder.address, "HZ-1"));
      await expect(tx)
        .to.emit(f.ledger, "VoucherIssued")
        .withArgs(id, f.programme, f.holder.address, f.entities.startup, appRef("HZ-1"), FACE, at + YEAR, f.year, f.issuer.address);
      await expect(tx).to.emit(f.ledger, "Locked").withArgs(id);
      await expect(tx)
        .to.emit(f.ledger, "TransferSingle")
        .withArgs(f.issuer.address, ethers.ZeroAddress, f.holder.address, id, FACE);
      const v = await f.ledger.getVoucher(id);
      expect([v.holder, v.remaining, v.expiresAt, v.period, v.status, v.flags]).to.deep.equal([
        f.holder.address,
        FACE,
        at + YEAR,
        0n,
        STATUS.ACTIVE,
        0n,
      ]);
      expect(await f.ledger.balanceOf(f.holder.address, id)).to.equal(FACE);
    });

    it("derives the id from the programme and the application reference, with the programme in its top 32 bits", async function () {
      const f = await load();
      const hash = BigInt(ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint32", "bytes32"], [f.programme, appRef("HZ-1")])));
      const expected = (f.programme << 224n) | (hash & (2n ** 224n - 1n));
      expect(await f.ledger.voucherId(f.programme, appRef("HZ-1"))).to.equal(expected);
      expect(await issueVoucher(f, "HZ-1")).to.equal(expected);
    });

    it("counts the face value against the year's budget and the company's tally for the year", async function () {
      const f = await load();
      await issueVoucher(f, "HZ-1", FACE);
      await issueVoucher(f, "HZ-2", 2n * FACE, f.holder2.address);
      const p = await f.ledger.getPeriod(f.programme, f.year);
      expect([p.budget, p.issued, p.revoked, p.expired]).to.deep.equal([250_000_000n * CNY, 3n * FACE, 0n, 0n]);
      const tally = await f.ledger.getTally(f.entities.startup, f.programme);
      expect([tally.programme, tally.year, tally.committed, tally.firstDay]).to.deep.equal([
        f.programme,
        BigInt(f.year),
        3n * FACE,
        BigInt(dayOfInstant(await now(ethers))),
      ]);
      expect(await committedOf(f, f.entities.company)).to.equal(0n);
    });

    it("accepts the largest face value a voucher holds, 2^40 - 1, and refuses 0 and 2^40", async function () {
      const f = await load();
      const big = await addProgramme(f, { name: "大额", capPerCompany: 0 }, { budget: 2n ** 41n });
      for (const faceValue of [0n, MAX_FACE + 1n]) {
        await expect(f.ledger.connect(f.issuer).issue(big, request(f.holder.address, "BIG", faceValue)))
          .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerInvalidAmount")
          .withArgs(faceValue, MAX_FACE);
      }
      const id = await issueVoucher(f, "BIG", MAX_FACE, f.holder.address, 0n, big);
      expect(await f.ledger.balanceOf(f.holder.address, id)).to.equal(MAX_FACE);
    });

    it("refuses a zero application reference, and the same application twice, even for another holder", async function () {
      const f = await load();
      await expect(
        f.ledger.connect(f.issuer).issue(f.programme, { ...request(f.holder.address, "x"), applicationRef: ethers.ZeroHash }),
      ).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerInvalidReference");
      const id = await issueVoucher(f, "HZ-1");
      for (const holder of [f.holder.address, f.otherHolder.address]) {
        await expect(f.ledger.connect(f.issuer).issue(f.programme, request(holder, "HZ-1")))
          .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerVoucherExists")
          .withArgs(id);
      }
      expect((await f.ledger.getPeriod(f.programme, f.year)).issued).to.equal(FACE);
    });

    it("refuses an address that is not an active beneficiary: a supplier's, a stranger's, one removed from its company", async function () {
      const f = await load();
      await (await f.registry.connect(f.governor).removeAddress(f.holder2.address, REASON)).wait();
      for (const account of [f.supplier.address, f.stranger.address, f.holder2.address]) {
        await expect(f.ledger.connect(f.issuer).issue(f.programme, request(account, "HZ-1")))
          .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNotBeneficiary")
          .withArgs(account);
      }
    });

    it("refuses an issuer not bound to the programme, though it holds the ISSUER role", async function () {
      const f = await load();
      const other = await addProgramme(f, { name: "其他" }, { bindIssuer: false });
      await expect(f.ledger.connect(f.issuer).issue(other, request(f.holder.address, "X-1")))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerIssuerNotBound")
        .withArgs(f.issuer.address, other);
      await (await f.manager.connect(f.governor).grantRole(ROLE.ISSUER, f.stranger.address, 0)).wait();
      await expect(f.ledger.connect(f.stranger).issue(f.programme, request(f.holder.address, "X-1")))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerIssuerNotBound")
        .withArgs(f.stranger.address, f.programme);
      await (await f.registry.connect(f.governor).unbindIssuer(f.issuer.address, f.programme)).wait();
      await expect(f.ledger.connect(f.issuer).issue(f.programme, request(f.holder.address, "X-1")))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerIssuerNotBound")
        .withArgs(f.issuer.address, f.programme);
    });

    it("refuses to issue under a paused programme until it is resumed", async function () {
      const f = await load();
      await (await f.registry.connect(f.guardian).pauseProgramme(f.programme, REASON)).wait();
      await expect(f.ledger.connect(f.issuer).issue(f.programme, request(f.holder.address, "HZ-1")))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerProgrammePaused")
        .withArgs(f.programme);
      await (await f.registry.connect(f.governor).resumeProgramme(f.programme, REASON)).wait();
      await issueVoucher(f, "HZ-1");
    });

    it("counts the fiscal year in China Standard Time: 23:59:59 on 31 December is still that year", async function () {
      const f = await load();
      const midnight = instantOfDate(`${f.year + 1}-01-01`);
      await networkHelpers.time.setNextBlockTimestamp(midnight - 1n);
      await expect(f.ledger.connect(f.issuer).issue(f.programme, request(f.holder.address, "Y-1")))
        .to.emit(f.ledger, "VoucherIssued")
        .withArgs(anyValue, f.programme, f.holder.address, f.entities.startup, appRef("Y-1"), FACE, anyValue, f.year, f.issuer.address);
      await networkHelpers.time.setNextBlockTimestamp(midnight);
      await expect(f.ledger.connect(f.issuer).issue(f.programme, request(f.holder.address, "Y-2")))
        .to.emit(f.ledger, "VoucherIssued")
        .withArgs(anyValue, f.programme, f.holder.address, f.entities.startup, appRef("Y-2"), FACE, anyValue, f.year + 1, f.issuer.address);
      expect((await f.ledger.getPeriod(f.programme, f.year)).issued).to.equal(FACE);
      expect((await f.ledger.getPeriod(f.programme, f.year + 1)).issued).to.equal(FACE);
      expect((await f.ledger.getVoucher(await f.ledger.voucherId(f.programme, appRef("Y-2")))).period).to.equal(1n);
    });

    it("refuses to issue before the programme's first fiscal year and after its last", async function () {
      const f = await load();
      const later = await addProgramme(f, { name: "明年", firstYear: f.year + 1, yearCount: 1 });
      await expect(f.ledger.connect(f.issuer).issue(later, request(f.holder.address, "L-1")))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerOutsidePeriods")
        .withArgs(later, f.year);
      await goToYear(f.year + 1);
      await issueVoucher(f, "L-1", FACE, f.holder.address, 0n, later);
      await goToYear(f.year + 2);
      await expect(f.ledger.connect(f.issuer).issue(later, request(f.holder.address, "L-2")))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerOutsidePeriods")
        .withArgs(later, f.year + 2);
    });
  });

  describe("issueBatch", function () {
    it("issues every request and returns the ids in order", async function () {
      const f = await load();
      const requests = [request(f.holder.address, "B-1"), request(f.holder2.address, "B-2"), request(f.otherHolder.address, "B-3")];
      const ids = await f.ledger.connect(f.issuer).issueBatch.staticCall(f.programme, requests);
      const expected = [];
      for (const r of requests) expected.push(await f.ledger.voucherId(f.programme, r.applicationRef));
      expect(ids).to.deep.equal(expected);
      await (await f.ledger.connect(f.issuer).issueBatch(f.programme, requests)).wait();
      expect(await f.ledger.balanceOfBatch(requests.map((r) => r.holder), expected)).to.deep.equal([FACE, FACE, FACE]);
    });

    it("issues nothing when one request fails", async function () {
      const f = await load();
      const requests = [request(f.holder.address, "B-1"), request(f.stranger.address, "B-2")];
      await expect(f.ledger.connect(f.issuer).issueBatch(f.programme, requests))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNotBeneficiary")
        .withArgs(f.stranger.address);
      await expect(f.ledger.connect(f.issuer).issueBatch(f.programme, [request(f.holder.address, "B-1"), request(f.holder2.address, "B-1")]))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerVoucherExists")
        .withArgs(await f.ledger.voucherId(f.programme, appRef("B-1")));
      expect((await f.ledger.getPeriod(f.programme, f.year)).issued).to.equal(0n);
      expect(await committedOf(f, f.entities.startup)).to.equal(0n);
    });

    it("refuses an empty batch", async function () {
      const f = await load();
      await expect(f.ledger.connect(f.issuer).issueBatch(f.programme, []))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerBatchLength")
        .withArgs(0, 1);
    });
  });

  describe("budgets per fiscal year", function () {
    async function smallBudget() {
      const f = await deploySchemeFixture(ethers);
      const small = await addProgramme(f, { name: "小额", capPerCompany: 0 }, { budget: 3n * FACE });
      return { ...f, small };
    }

    it("issues up to the year's budget and refuses one fen more, with what is left", async function () {
      const f = await networkHelpers.loadFixture(smallBudget);
      await issueVoucher(f, "S-1", 2n * FACE, f.holder.address, 0n, f.small);
      await expect(f.ledger.connect(f.issuer).issue(f.small, request(f.otherHolder.address, "S-2", FACE + 1n)))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerBudgetExceeded")
        .withArgs(f.small, f.year, FACE + 1n, FACE);
      await issueVoucher(f, "S-2", FACE, f.otherHolder.address, 0n, f.small);
      await expect(f.ledger.connect(f.issuer).issue(f.small, request(f.otherHolder.address, "S-3", 1n)))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerBudgetExceeded")
        .withArgs(f.small, f.year, 1n, 0n);
    });

    it("gives revoked and expired value back to the year's budget, but not redeemed value", async function () {
      const f = await networkHelpers.loadFixture(smallBudget);
      const t = await now(ethers);
      const a = await issueVoucher(f, "S-1", FACE, f.holder.address, 0n, f.small);
      const b = await issueVoucher(f, "S-2", FACE, f.holder.address, t + 10n * DAY, f.small);
      const c = await issueVoucher(f, "S-3", FACE, f.otherHolder.address, 0n, f.small);
      const { consent, signature } = await signedConsent(f, c, 100_000n, 1, {}, f.otherHolder);
      await (await f.ledger.connect(f.supplier).redeem(consent, signature)).wait();
      await (await f.ledger.connect(f.issuer).revoke(a, REASON)).wait();
      await networkHelpers.time.increaseTo(t + 10n * DAY);
      await (await f.ledger.connect(f.stranger).expire(b)).wait();
      await (await f.ledger.connect(f.issuer).revoke(c, REASON)).wait();
      const p = await f.ledger.getPeriod(f.small, f.year);
      expect([p.issued, p.revoked, p.expired]).to.deep.equal([3n * FACE, 2n * FACE - 100_000n, FACE]);
      await expect(f.ledger.connect(f.issuer).issue(f.small, request(f.holder.address, "S-4", 3n * FACE - 100_000n + 1n)))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerBudgetExceeded")
        .withArgs(f.small, f.year, 3n * FACE - 100_000n + 1n, 3n * FACE - 100_000n);
      await issueVoucher(f, "S-4", 3n * FACE - 100_000n, f.holder.address, 0n, f.small);
    });

    it("sets a budget with BudgetSet, not below what the year has committed, and exactly to it", async function () {
      const f = await networkHelpers.loadFixture(smallBudget);
      await issueVoucher(f, "S-1", 2n * FACE, f.holder.address, 0n, f.small);
      const ref = encodeBytes32String("HZ-2026-AI-2");
      await expect(f.ledger.connect(f.governor).setBudget(f.small, f.year, 2n * FACE - 1n, ref))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerBudgetBelowCommitted")
        .withArgs(f.small, f.year, 2n * FACE - 1n, 2n * FACE);
      await expect(f.ledger.connect(f.governor).setBudget(f.small, f.year, 2n * FACE, ref))
        .to.emit(f.ledger, "BudgetSet")
        .withArgs(f.small, f.year, 2n * FACE, ref, f.governor.address);
      expect((await f.ledger.getPeriod(f.small, f.year)).budget).to.equal(2n * FACE);
      await expect(f.ledger.connect(f.issuer).issue(f.small, request(f.holder.address, "S-2", 1n)))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerBudgetExceeded")
        .withArgs(f.small, f.year, 1n, 0n);
    });

    it("refuses a budget for a year outside the programme or for an unknown programme", async function () {
      const f = await networkHelpers.loadFixture(smallBudget);
      for (const year of [f.year - 1, f.year + 3]) {
        await expect(f.ledger.connect(f.governor).setBudget(f.small, year, FACE, ethers.ZeroHash))
          .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerOutsidePeriods")
          .withArgs(f.small, year);
      }
      await expect(f.ledger.connect(f.governor).setBudget(99, f.year, FACE, ethers.ZeroHash))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerUnknownProgramme")
        .withArgs(99);
    });

    it("counts a voucher against the budget of the fiscal year it is issued in", async function () {
      const f = await networkHelpers.loadFixture(smallBudget);
      await issueVoucher(f, "S-1", 3n * FACE, f.holder.address, 0n, f.small);
      await goToYear(f.year + 1);
      const id = await issueVoucher(f, "S-2", 3n * FACE, f.holder.address, 0n, f.small);
      expect((await f.ledger.getVoucher(id)).period).to.equal(1n);
      expect((await f.ledger.getPeriod(f.small, f.year + 1)).issued).to.equal(3n * FACE);
      await (await f.ledger.connect(f.issuer).revoke(id, REASON)).wait();
      expect((await f.ledger.getPeriod(f.small, f.year + 1)).revoked).to.equal(3n * FACE);
      expect((await f.ledger.getPeriod(f.small, f.year)).revoked).to.equal(0n);
    });
  });

  describe("caps per company", function () {
    it("sums the cap over two vouchers and two addresses of one company, and leaves another company's alone", async function () {
      const f = await load();
      await issueVoucher(f, "C-1", 5_000_000n * CNY, f.holder.address);
      await issueVoucher(f, "C-2", 3_000_000n * CNY - 1n, f.holder2.address);
      await expect(f.ledger.connect(f.issuer).issue(f.programme, request(f.holder.address, "C-3", 2n)))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerCapExceeded")
        .withArgs(f.programme, f.entities.startup, 2n, 1n);
      await issueVoucher(f, "C-3", 1n, f.holder2.address);
      await expect(f.ledger.connect(f.issuer).issue(f.programme, request(f.holder2.address, "C-4", 1n)))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerCapExceeded")
        .withArgs(f.programme, f.entities.startup, 1n, 0n);
      expect(await committedOf(f, f.entities.startup)).to.equal(CAP);
      await issueVoucher(f, "O-1", CAP, f.otherHolder.address);
      expect(await committedOf(f, f.entities.company)).to.equal(CAP);
    });

    it("gives a revoked or expired voucher's remaining value back to the company's tally, but not what was redeemed", async function () {
      const f = await load();
      const t = await now(ethers);
      const a = await issueVoucher(f, "C-1", 4_000_000n * CNY);
      const b = await issueVoucher(f, "C-2", 4_000_000n * CNY, f.holder2.address, t + 10n * DAY);
      const { consent, signature } = await signedConsent(f, a, 1_000_000n * CNY, 1);
      await (await f.ledger.connect(f.supplier).redeem(consent, signature)).wait();
      await (await f.ledger.connect(f.issuer).revoke(a, REASON)).wait();
      expect(await committedOf(f, f.entities.startup)).to.equal(5_000_000n * CNY);
      await networkHelpers.time.increaseTo(t + 10n * DAY);
      await (await f.ledger.connect(f.stranger).expire(b)).wait();
      expect(await committedOf(f, f.entities.startup)).to.equal(1_000_000n * CNY);
      await expect(f.ledger.connect(f.issuer).issue(f.programme, request(f.holder.address, "C-3", 7_000_000n * CNY + 1n)))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerCapExceeded")
        .withArgs(f.programme, f.entities.startup, 7_000_000n * CNY + 1n, 7_000_000n * CNY);
      await issueVoucher(f, "C-3", 7_000_000n * CNY);
    });

    it("starts the tally afresh in a new fiscal year, and a revocation of last year's voucher leaves it alone", async function () {
      const f = await load();
      const old = await issueVoucher(f, "C-1", CAP);
      await goToYear(f.year + 1);
      await expect(f.ledger.connect(f.issuer).issue(f.programme, request(f.holder2.address, "C-2", CAP + 1n)))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerCapExceeded")
        .withArgs(f.programme, f.entities.startup, CAP + 1n, CAP);
      await issueVoucher(f, "C-2", CAP, f.holder2.address);
      const tally = await f.ledger.getTally(f.entities.startup, f.programme);
      expect([tally.year, tally.committed]).to.deep.equal([BigInt(f.year + 1), CAP]);
      await (await f.ledger.connect(f.issuer).revoke(old, REASON)).wait();
      expect(await committedOf(f, f.entities.startup)).to.equal(CAP);
      expect((await f.ledger.getPeriod(f.programme, f.year)).revoked).to.equal(CAP);
    });

    it("counts a lifetime cap over every fiscal year of the programme (Shenzhen: per entity)", async function () {
      const f = await load();
      const sz = await addProgramme(f, { name: "深圳训力券", region: 440300, capLifetime: true, capPerCompany: 10_000_000n * CNY, yearCount: 2 });
      await issueVoucher(f, "SZ-1", 6_000_000n * CNY, f.holder.address, 0n, sz);
      await goToYear(f.year + 1);
      await expect(f.ledger.connect(f.issuer).issue(sz, request(f.holder2.address, "SZ-2", 4_000_000n * CNY + 1n)))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerCapExceeded")
        .withArgs(sz, f.entities.startup, 4_000_000n * CNY + 1n, 4_000_000n * CNY);
      await issueVoucher(f, "SZ-2", 4_000_000n * CNY, f.holder2.address, 0n, sz);
      const tally = await f.ledger.getTally(f.entities.startup, sz);
      expect([tally.year, tally.committed]).to.deep.equal([0n, 10_000_000n * CNY]);
    });

    it("keeps the rules that key a company's tally: the lifetime cap and exclusivity cannot change", async function () {
      const f = await load();
      await issueVoucher(f, "C-1", CAP);
      // (An exclusive programme's cap group cannot change either: test/ledger/programme-update.test.ts.)
      const cases: [string, Partial<ProgrammeInput>][] = [
        ["capLifetime", { capLifetime: true }],
        ["exclusive", { exclusive: true, capGroup: 5 }],
      ];
      for (const [field, change] of cases) {
        await expect(f.registry.connect(f.governor).updateProgramme(f.programme, { ...(await programmeOf(f, f.programme)), ...change }))
          .to.be.revertedWithCustomError(f.registry, "SchemeRegistryInvalidProgramme")
          .withArgs(field);
      }
      await expect(f.ledger.connect(f.issuer).issue(f.programme, request(f.holder2.address, "C-2", 1n)))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerCapExceeded")
        .withArgs(f.programme, f.entities.startup, 1n, 0n);
    });

    it("refuses every issue once the cap is lowered below what the company has, and none without a cap", async function () {
      const f = await load();
      await issueVoucher(f, "C-1", 5_000_000n * CNY);
      await updateProgramme(f, f.programme, { capPerCompany: 4_000_000n * CNY });
      await expect(f.ledger.connect(f.issuer).issue(f.programme, request(f.holder.address, "C-2", 1n)))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerCapExceeded")
        .withArgs(f.programme, f.entities.startup, 1n, 0n);
      await updateProgramme(f, f.programme, { capPerCompany: 0n });
      await issueVoucher(f, "C-2", 20_000_000n * CNY);
      expect(await committedOf(f, f.entities.startup)).to.equal(25_000_000n * CNY);
    });
  });

  describe("exclusive cap groups", function () {
    async function exclusiveFixture() {
      const f = await deploySchemeFixture(ethers);
      const rules = { exclusive: true, capGroup: 11, capPerCompany: 2_000_000n * CNY, region: 110000 };
      const a = await addProgramme(f, { ...rules, name: "北京市算力券" });
      const b = await addProgramme(f, { ...rules, name: "北京市模型券", kind: 2 });
      return { ...f, a, b };
    }

    it("refuses programme B of the group to a company that took programme A, from any of its addresses", async function () {
      const f = await networkHelpers.loadFixture(exclusiveFixture);
      await issueVoucher(f, "A-1", FACE, f.holder.address, 0n, f.a);
      for (const holder of [f.holder.address, f.holder2.address]) {
        await expect(f.ledger.connect(f.issuer).issue(f.b, request(holder, "B-1")))
          .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerExclusiveProgramme")
          .withArgs(f.entities.startup, 11, f.a);
      }
      await issueVoucher(f, "A-2", FACE, f.holder2.address, 0n, f.a);
    });

    it("lets another company take programme B", async function () {
      const f = await networkHelpers.loadFixture(exclusiveFixture);
      await issueVoucher(f, "A-1", FACE, f.holder.address, 0n, f.a);
      await issueVoucher(f, "B-1", FACE, f.otherHolder.address, 0n, f.b);
      expect((await f.ledger.getTally(f.entities.company, f.b)).programme).to.equal(f.b);
      expect((await f.ledger.getTally(f.entities.startup, f.b)).programme).to.equal(f.a);
    });

    it("keeps the company bound to A after its voucher was revoked, and in a new fiscal year", async function () {
      const f = await networkHelpers.loadFixture(exclusiveFixture);
      const id = await issueVoucher(f, "A-1", FACE, f.holder.address, 0n, f.a);
      await (await f.ledger.connect(f.issuer).revoke(id, REASON)).wait();
      await expect(f.ledger.connect(f.issuer).issue(f.b, request(f.holder.address, "B-1")))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerExclusiveProgramme")
        .withArgs(f.entities.startup, 11, f.a);
      await goToYear(f.year + 1);
      await expect(f.ledger.connect(f.issuer).issue(f.b, request(f.holder.address, "B-1")))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerExclusiveProgramme")
        .withArgs(f.entities.startup, 11, f.a);
    });

    // Found by test/ledger/ledger.properties.test.ts: a programme that was not exclusive but named the group's cap
    // group was accepted, and issuing under it checked nothing, so a company could take it and programme A both.
    it("refuses a programme in the group that is not exclusive, registered or updated, so none escapes the rule", async function () {
      const f = await networkHelpers.loadFixture(exclusiveFixture);
      const t = await now(ethers);
      const stackable = programmeRules(t, f.year, { name: "北京市模型券", region: 110000, capGroup: 11, exclusive: false, maxCombinedBps: 10_000 });
      await expect(f.registry.connect(f.governor).registerProgramme(stackable, FIXTURE_RATIOS))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryInvalidProgramme")
        .withArgs("capGroup");
      await expect(f.registry.connect(f.governor).updateProgramme(f.programme, { ...(await programmeOf(f, f.programme)), capGroup: 11 }))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryInvalidProgramme")
        .withArgs("capGroup");
      await issueVoucher(f, "A-1", FACE, f.holder.address, 0n, f.a);
      await expect(f.ledger.connect(f.issuer).issue(f.b, request(f.holder2.address, "B-1")))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerExclusiveProgramme")
        .withArgs(f.entities.startup, 11, f.a);
    });

    it("does not bind a company to a programme outside the group", async function () {
      const f = await networkHelpers.loadFixture(exclusiveFixture);
      await issueVoucher(f, "HZ-1");
      await issueVoucher(f, "A-1", FACE, f.holder.address, 0n, f.a);
      await issueVoucher(f, "HZ-2");
    });
  });

  describe("expiry", function () {
    it("gives a voucher the programme's default validity", async function () {
      const f = await load();
      const at = (await now(ethers)) + 5n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      const id = await issueVoucher(f, "E-1");
      expect((await f.ledger.getVoucher(id)).expiresAt).to.equal(at + YEAR);
    });

    it("cuts the default validity to the programme's redemption window", async function () {
      const f = await load();
      const t = await now(ethers);
      const short = await addProgramme(f, { name: "短期", redeemUntil: t + 30n * DAY });
      await networkHelpers.time.setNextBlockTimestamp((await now(ethers)) + 5n);
      await expect(f.ledger.connect(f.issuer).issue(short, request(f.holder.address, "E-1")))
        .to.emit(f.ledger, "VoucherIssued")
        .withArgs(await f.ledger.voucherId(short, appRef("E-1")), short, f.holder.address, f.entities.startup, appRef("E-1"), FACE, t + 30n * DAY, f.year, f.issuer.address);
    });

    it("takes an explicit expiry up to the longest validity and the window, and refuses one beyond either or not ahead", async function () {
      const f = await load();
      const t = await now(ethers);
      const at = t + 5n;
      const maxValidity = 2n * YEAR;
      const cases: [string, bigint, bigint][] = [
        ["beyond the longest validity", at + maxValidity + 1n, at + maxValidity],
        ["now", at, at + maxValidity],
        ["in the past", at - 1n, at + maxValidity],
      ];
      for (const [, expiresAt, latest] of cases) {
        await networkHelpers.time.setNextBlockTimestamp(at);
        await expect(f.ledger.connect(f.issuer).issue(f.programme, request(f.holder.address, "E-1", FACE, expiresAt)))
          .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerInvalidExpiry")
          .withArgs(expiresAt, at + 1n, latest);
      }
      await networkHelpers.time.setNextBlockTimestamp(at);
      const id = await issueVoucher(f, "E-1", FACE, f.holder.address, at + maxValidity);
      expect((await f.ledger.getVoucher(id)).expiresAt).to.equal(at + maxValidity);

      const short = await addProgramme(f, { name: "短期", redeemUntil: t + 30n * DAY });
      const at2 = (await now(ethers)) + 5n;
      await networkHelpers.time.setNextBlockTimestamp(at2);
      await expect(f.ledger.connect(f.issuer).issue(short, request(f.holder.address, "E-2", FACE, t + 30n * DAY + 1n)))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerInvalidExpiry")
        .withArgs(t + 30n * DAY + 1n, at2 + 1n, t + 30n * DAY);
      await issueVoucher(f, "E-2", FACE, f.holder.address, t + 30n * DAY, short);
    });

    it("refuses to issue once the programme's redemption window has closed, though its fiscal year runs on", async function () {
      const f = await load();
      const t = await now(ethers);
      const short = await addProgramme(f, { name: "短期", redeemUntil: t + 2n * DAY });
      await networkHelpers.time.increaseTo(t + 2n * DAY);
      const at = t + 2n * DAY + 5n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      await expect(f.ledger.connect(f.issuer).issue(short, request(f.holder.address, "E-1")))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerInvalidExpiry")
        .withArgs(0n, at + 1n, t + 2n * DAY);
    });
  });

  describe("v1 defect: a default validity of 2^56 or more was truncated when stored", function () {
    it("cannot be given at programme registration: the ABI type is uint32, and a wider word is refused", async function () {
      const f = await load();
      const t = await now(ethers);
      const rules = programmeRules(t, f.year, { defaultValidity: 2n ** 56n, maxValidity: 2n ** 56n });
      expect(() => f.registry.interface.encodeFunctionData("registerProgramme", [rules, FIXTURE_RATIOS])).to.throw(/out-of-bounds|overflow/);
      // the same call with the word written by hand: the registry's ABI decoder refuses it
      const marker = 0x5eed5eedn;
      const valid = f.registry.interface.encodeFunctionData("registerProgramme", [
        programmeRules(t, f.year, { defaultValidity: marker, maxValidity: marker + 1n }),
        FIXTURE_RATIOS,
      ]);
      const word = marker.toString(16).padStart(64, "0");
      expect(valid.split(word).length).to.equal(2);
      const forged = valid.replace(word, (2n ** 56n).toString(16).padStart(64, "0"));
      const before = await f.registry.programmeCount();
      await expect(f.governor.sendTransaction({ to: await f.registry.getAddress(), data: forged })).to.be.revertedWithoutReason(ethers);
      expect(await f.registry.programmeCount()).to.equal(before);
    });

    it("issues with the largest default validity there is (2^32 - 1 seconds) without truncating the expiry", async function () {
      const f = await load();
      const last = 2n ** 32n - 1n;
      const huge = await addProgramme(f, { name: "长期", defaultValidity: last, maxValidity: last, redeemUntil: last });
      const at = (await now(ethers)) + 5n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      const id = await f.ledger.voucherId(huge, appRef("H-1"));
      await expect(f.ledger.connect(f.issuer).issue(huge, request(f.holder.address, "H-1")))
        .to.emit(f.ledger, "VoucherIssued")
        .withArgs(id, huge, f.holder.address, f.entities.startup, appRef("H-1"), FACE, last, f.year, f.issuer.address);
      const v = await f.ledger.getVoucher(id);
      expect([v.expiresAt, v.status]).to.deep.equal([last, STATUS.ACTIVE]);
      const { consent, signature } = await signedConsent(f, id, 1000n, 1);
      await (await f.ledger.connect(f.supplier).redeem(consent, signature)).wait();
    });

    it("refuses a programme whose redemption window ends after the last expiry a voucher holds (2^32 - 1)", async function () {
      const f = await load();
      const t = await now(ethers);
      const rules = programmeRules(t, f.year, { defaultValidity: 2n ** 32n - 1n, maxValidity: 2n ** 32n - 1n, redeemUntil: 2n ** 32n });
      await expect(f.registry.connect(f.governor).registerProgramme(rules, FIXTURE_RATIOS))
        .to.be.revertedWithCustomError(f.registry, "SchemeRegistryInvalidProgramme")
        .withArgs("redeemUntil");
    });
  });
});
