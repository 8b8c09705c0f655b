import { expect } from "chai";
import { encodeBytes32String } from "ethers";
import { network } from "hardhat";

import {
  CNY,
  DAY,
  STATUS,
  addProgramme,
  deploySchemeFixture,
  issueVoucher,
  now,
  signedConsent,
} from "../helpers/scheme-fixture.js";
import { expectRedemptionRefused } from "./redemption.behavior.js";

const { ethers, networkHelpers } = await network.create();

const FACE = 1_000_000n * CNY;
const FRAUD = encodeBytes32String("fraud");
const LOST_KEY = encodeBytes32String("lost-key");
const REISSUE_DELAY = 3n * DAY;
const PENDING = 2n;
const FROZEN = 1n;

/** The fixture with one voucher of CNY 1m, issued to the start-up's first address, expiring in 30 days. */
async function voucherFixture() {
  const f = await deploySchemeFixture(ethers);
  const expiresAt = (await now(ethers)) + 30n * DAY;
  const id = await issueVoucher(f, "HZ-0001", FACE, f.holder.address, expiresAt);
  return { ...f, id, expiresAt };
}
type VoucherFixture = Awaited<ReturnType<typeof voucherFixture>>;

function load(): Promise<VoucherFixture> {
  return networkHelpers.loadFixture(voucherFixture);
}

async function counters(f: VoucherFixture): Promise<bigint[]> {
  const [issued, redeemed, revoked, expired, outstanding] = await f.ledger.programmeCounters(f.programme);
  return [issued, redeemed, revoked, expired, outstanding];
}

describe("VoucherLedger: revoke, expire, re-issue, freeze, pause", function () {
  describe("revoke", function () {
    it("burns what is left, returns it to the budget and the tally, and emits VoucherRevoked and TransferSingle", async function () {
      const f = await load();
      const { consent, signature } = await signedConsent(f, f.id, 100_000n * CNY, 1);
      await (await f.ledger.connect(f.supplier).redeem(consent, signature)).wait();
      const left = FACE - 100_000n * CNY;
      const tx = f.ledger.connect(f.issuer).revoke(f.id, FRAUD);
      await expect(tx)
        .to.emit(f.ledger, "VoucherRevoked")
        .withArgs(f.id, f.programme, f.holder.address, left, FRAUD, f.issuer.address);
      await expect(tx)
        .to.emit(f.ledger, "TransferSingle")
        .withArgs(f.issuer.address, f.holder.address, ethers.ZeroAddress, f.id, left);
      const v = await f.ledger.getVoucher(f.id);
      expect([v.status, v.remaining, v.holder]).to.deep.equal([STATUS.REVOKED, 0n, f.holder.address]);
      expect(await f.ledger.balanceOf(f.holder.address, f.id)).to.equal(0n);
      expect(await counters(f)).to.deep.equal([FACE, 100_000n * CNY, left, 0n, 0n]);
      expect((await f.ledger.getPeriod(f.programme, f.year)).revoked).to.equal(left);
      expect((await f.ledger.getTally(f.entities.startup, f.programme)).committed).to.equal(100_000n * CNY);
    });

    it("refuses an issuer not bound to the voucher's programme, an inactive voucher and an unknown one", async function () {
      const f = await load();
      const other = await addProgramme(f, { name: "其他" });
      const elsewhere = await issueVoucher(f, "X-1", FACE, f.holder.address, 0n, other);
      await (await f.registry.connect(f.governor).unbindIssuer(f.issuer.address, other)).wait();
      await expect(f.ledger.connect(f.issuer).revoke(elsewhere, FRAUD))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerIssuerNotBound")
        .withArgs(f.issuer.address, other);
      await (await f.ledger.connect(f.issuer).revoke(f.id, FRAUD)).wait();
      await expect(f.ledger.connect(f.issuer).revoke(f.id, FRAUD))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerInactive")
        .withArgs(f.id, STATUS.REVOKED);
      const unknown = (f.programme << 224n) | 7n;
      await expect(f.ledger.connect(f.issuer).revoke(unknown, FRAUD))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerUnknownVoucher")
        .withArgs(unknown);
    });

    it("lets the governor revoke a voucher of any programme, also while the ledger is paused", async function () {
      const f = await load();
      await (await f.ledger.connect(f.guardian).pause()).wait();
      await expect(f.ledger.connect(f.governor).revokeByGovernor(f.id, FRAUD))
        .to.emit(f.ledger, "VoucherRevoked")
        .withArgs(f.id, f.programme, f.holder.address, FACE, FRAUD, f.governor.address);
      await expect(f.ledger.connect(f.governor).revokeByGovernor(f.id, FRAUD))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerInactive")
        .withArgs(f.id, STATUS.REVOKED);
    });

    it("revokes a frozen voucher and one with a re-issue pending, clearing the pending re-issue", async function () {
      const f = await load();
      await (await f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, LOST_KEY)).wait();
      await (await f.ledger.connect(f.guardian).freeze(f.id, FRAUD)).wait();
      await (await f.ledger.connect(f.issuer).revoke(f.id, FRAUD)).wait();
      const v = await f.ledger.getVoucher(f.id);
      expect([v.status, v.flags]).to.deep.equal([STATUS.REVOKED, FROZEN]);
      const [to, executableAt] = await f.ledger.pendingReissue(f.id);
      expect([to, executableAt]).to.deep.equal([ethers.ZeroAddress, 0n]);
    });
  });

  describe("expire", function () {
    it("lets anyone close a voucher at its expiry, returning what is left to the budget and the tally", async function () {
      const f = await load();
      await expect(f.ledger.connect(f.stranger).expire(f.id))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNotExpired")
        .withArgs(f.id, f.expiresAt);
      await networkHelpers.time.setNextBlockTimestamp(f.expiresAt);
      const tx = f.ledger.connect(f.stranger).expire(f.id);
      await expect(tx).to.emit(f.ledger, "VoucherExpired").withArgs(f.id, f.programme, f.holder.address, FACE, f.stranger.address);
      await expect(tx)
        .to.emit(f.ledger, "TransferSingle")
        .withArgs(f.stranger.address, f.holder.address, ethers.ZeroAddress, f.id, FACE);
      expect((await f.ledger.getVoucher(f.id)).status).to.equal(STATUS.EXPIRED);
      expect(await counters(f)).to.deep.equal([FACE, 0n, 0n, FACE, 0n]);
      expect((await f.ledger.getTally(f.entities.startup, f.programme)).committed).to.equal(0n);
      await expect(f.ledger.connect(f.stranger).expire(f.id))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerInactive")
        .withArgs(f.id, STATUS.EXPIRED);
    });

    it("refuses a voucher one second before its expiry", async function () {
      const f = await load();
      await networkHelpers.time.setNextBlockTimestamp(f.expiresAt - 1n);
      await expect(f.ledger.connect(f.stranger).expire(f.id))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNotExpired")
        .withArgs(f.id, f.expiresAt);
    });
  });

  describe("expireBatch", function () {
    it("closes the active vouchers past their expiry, skips the rest, and returns how many it closed", async function () {
      const f = await load();
      const later = await issueVoucher(f, "HZ-LATER", FACE, f.holder.address);
      const revoked = await issueVoucher(f, "HZ-REVOKED", FACE, f.holder.address, f.expiresAt);
      const second = await issueVoucher(f, "HZ-SECOND", 5n, f.otherHolder.address, f.expiresAt);
      const redeemed = await issueVoucher(f, "HZ-REDEEMED", 300n, f.holder2.address, f.expiresAt);
      await (await f.ledger.connect(f.issuer).revoke(revoked, FRAUD)).wait();
      const all = await signedConsent(f, redeemed, 300n, 1, {}, f.holder2);
      await (await f.ledger.connect(f.supplier).redeem(all.consent, all.signature)).wait();
      const unknown = (f.programme << 224n) | 99n;
      await networkHelpers.time.increaseTo(f.expiresAt);
      const ids = [f.id, later, revoked, unknown, redeemed, second, f.id];
      expect(await f.ledger.connect(f.stranger).expireBatch.staticCall(ids)).to.equal(2n);
      const tx = f.ledger.connect(f.stranger).expireBatch(ids);
      await expect(tx).to.emit(f.ledger, "VoucherExpired").withArgs(f.id, f.programme, f.holder.address, FACE, f.stranger.address);
      await expect(tx).to.emit(f.ledger, "VoucherExpired").withArgs(second, f.programme, f.otherHolder.address, 5n, f.stranger.address);
      const receipt = await (await tx).wait();
      const expired = receipt!.logs.filter((l) => f.ledger.interface.parseLog(l)?.name === "VoucherExpired");
      expect(expired).to.have.length(2);
      const statuses = [];
      for (const id of [f.id, later, revoked, redeemed, second]) statuses.push((await f.ledger.getVoucher(id)).status);
      expect(statuses).to.deep.equal([STATUS.EXPIRED, STATUS.ACTIVE, STATUS.REVOKED, STATUS.REDEEMED, STATUS.EXPIRED]);
      expect(await f.ledger.connect(f.stranger).expireBatch.staticCall(ids)).to.equal(0n);
    });

    it("refuses an empty batch", async function () {
      const f = await load();
      await expect(f.ledger.connect(f.stranger).expireBatch([]))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerBatchLength")
        .withArgs(0, 1);
    });
  });

  describe("re-issue", function () {
    it("records a request with ReissueRequested, and refuses redemption while it is pending", async function () {
      const f = await load();
      const at = (await now(ethers)) + 5n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      await expect(f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, LOST_KEY))
        .to.emit(f.ledger, "ReissueRequested")
        .withArgs(f.id, f.holder.address, f.holder2.address, at + REISSUE_DELAY, LOST_KEY, f.issuer.address);
      expect(await f.ledger.pendingReissue(f.id)).to.deep.equal([f.holder2.address, at + REISSUE_DELAY, LOST_KEY]);
      expect((await f.ledger.getVoucher(f.id)).flags).to.equal(PENDING);
      const attempt = await signedConsent(f, f.id, 1000n, 1);
      await expectRedemptionRefused(f, attempt, "VoucherLedgerReissuePending", [f.id]);
      await expect(f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, LOST_KEY))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerReissuePending")
        .withArgs(f.id);
    });

    it("moves the voucher at once when the governor approves: same id and value, TransferSingle burn and mint", async function () {
      const f = await load();
      await (await f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, LOST_KEY)).wait();
      const tx = f.ledger.connect(f.governor).approveReissue(f.id);
      await expect(tx)
        .to.emit(f.ledger, "VoucherReissued")
        .withArgs(f.id, f.holder.address, f.holder2.address, FACE, f.governor.address, f.governor.address);
      const receipt = await (await tx).wait();
      const transfers = receipt!.logs
        .map((l) => f.ledger.interface.parseLog(l))
        .filter((l) => l?.name === "TransferSingle")
        .map((l) => [...l!.args]);
      expect(transfers).to.deep.equal([
        [f.governor.address, f.holder.address, ethers.ZeroAddress, f.id, FACE],
        [f.governor.address, ethers.ZeroAddress, f.holder2.address, f.id, FACE],
      ]);
      const v = await f.ledger.getVoucher(f.id);
      expect([v.holder, v.remaining, v.expiresAt, v.status, v.flags]).to.deep.equal([f.holder2.address, FACE, f.expiresAt, STATUS.ACTIVE, 0n]);
      expect(await f.ledger.balanceOfBatch([f.holder.address, f.holder2.address], [f.id, f.id])).to.deep.equal([0n, FACE]);
      expect(await f.ledger.pendingReissue(f.id)).to.deep.equal([ethers.ZeroAddress, 0n, ethers.ZeroHash]);
      const { consent, signature } = await signedConsent(f, f.id, 1000n, 1, {}, f.holder2);
      await (await f.ledger.connect(f.supplier).redeem(consent, signature)).wait();
    });

    it("lets an issuer carry it out only after the programme's delay", async function () {
      const f = await load();
      const at = (await now(ethers)) + 5n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      await (await f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, LOST_KEY)).wait();
      await networkHelpers.time.setNextBlockTimestamp(at + REISSUE_DELAY - 1n);
      await expect(f.ledger.connect(f.issuer).executeReissue(f.id))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerReissueNotReady")
        .withArgs(f.id, at + REISSUE_DELAY);
      await networkHelpers.time.setNextBlockTimestamp(at + REISSUE_DELAY);
      await expect(f.ledger.connect(f.issuer).executeReissue(f.id))
        .to.emit(f.ledger, "VoucherReissued")
        .withArgs(f.id, f.holder.address, f.holder2.address, FACE, ethers.ZeroAddress, f.issuer.address);
      expect((await f.ledger.getVoucher(f.id)).holder).to.equal(f.holder2.address);
    });

    it("cancels a pending re-issue with ReissueCancelled, after which the holder may redeem again", async function () {
      const f = await load();
      await (await f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, LOST_KEY)).wait();
      await expect(f.ledger.connect(f.issuer).cancelReissue(f.id, FRAUD))
        .to.emit(f.ledger, "ReissueCancelled")
        .withArgs(f.id, FRAUD, f.issuer.address);
      expect((await f.ledger.getVoucher(f.id)).flags).to.equal(0n);
      for (const call of [
        () => f.ledger.connect(f.issuer).cancelReissue(f.id, FRAUD),
        () => f.ledger.connect(f.issuer).executeReissue(f.id),
        () => f.ledger.connect(f.governor).approveReissue(f.id),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNoReissuePending").withArgs(f.id);
      }
      const { consent, signature } = await signedConsent(f, f.id, 1000n, 1);
      await (await f.ledger.connect(f.supplier).redeem(consent, signature)).wait();
    });

    it("moves a voucher only to another active address of the same company", async function () {
      const f = await load();
      const [spare] = (await ethers.getSigners()).slice(12);
      await (await f.registry.connect(f.governor).addAddress(f.entities.startup, spare!.address, LOST_KEY)).wait();
      await (await f.registry.connect(f.governor).removeAddress(spare!.address, LOST_KEY)).wait();
      for (const to of [f.holder.address, f.otherHolder.address, f.supplier.address, f.stranger.address, spare!.address, ethers.ZeroAddress]) {
        await expect(f.ledger.connect(f.issuer).requestReissue(f.id, to, LOST_KEY))
          .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNotSameCompany")
          .withArgs(f.holder.address, to);
      }
    });

    it("refuses to carry out a re-issue whose new address left the company in the meantime", async function () {
      const f = await load();
      await (await f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, LOST_KEY)).wait();
      await (await f.registry.connect(f.governor).removeAddress(f.holder2.address, LOST_KEY)).wait();
      await expect(f.ledger.connect(f.governor).approveReissue(f.id))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNotSameCompany")
        .withArgs(f.holder.address, f.holder2.address);
    });

    it("moves a voucher off an address that was removed from the company (the lost key)", async function () {
      const f = await load();
      await (await f.registry.connect(f.governor).removeAddress(f.holder.address, LOST_KEY)).wait();
      await (await f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, LOST_KEY)).wait();
      await (await f.ledger.connect(f.governor).approveReissue(f.id)).wait();
      expect((await f.ledger.getVoucher(f.id)).holder).to.equal(f.holder2.address);
    });

    it("refuses to request or carry out a re-issue of a frozen or expired voucher", async function () {
      const f = await load();
      await (await f.ledger.connect(f.guardian).freeze(f.id, FRAUD)).wait();
      await expect(f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, LOST_KEY))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerFrozen")
        .withArgs(f.id);
      await (await f.ledger.connect(f.governor).unfreeze(f.id, FRAUD)).wait();
      await (await f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, LOST_KEY)).wait();
      await (await f.ledger.connect(f.guardian).freeze(f.id, FRAUD)).wait();
      await expect(f.ledger.connect(f.governor).approveReissue(f.id))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerFrozen")
        .withArgs(f.id);
      await (await f.ledger.connect(f.governor).unfreeze(f.id, FRAUD)).wait();
      await networkHelpers.time.increaseTo(f.expiresAt);
      for (const call of [() => f.ledger.connect(f.governor).approveReissue(f.id), () => f.ledger.connect(f.issuer).executeReissue(f.id)]) {
        await expect(call()).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerExpired").withArgs(f.id, f.expiresAt);
      }
      await (await f.ledger.connect(f.issuer).cancelReissue(f.id, FRAUD)).wait();
      await expect(f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, LOST_KEY))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerExpired")
        .withArgs(f.id, f.expiresAt);
    });

    it("refuses an issuer not bound to the programme at every step, and an inactive voucher", async function () {
      const f = await load();
      const other = await addProgramme(f, { name: "其他" });
      const elsewhere = await issueVoucher(f, "X-1", FACE, f.holder.address, 0n, other);
      await (await f.ledger.connect(f.issuer).requestReissue(elsewhere, f.holder2.address, LOST_KEY)).wait();
      await (await f.registry.connect(f.governor).unbindIssuer(f.issuer.address, other)).wait();
      for (const call of [
        () => f.ledger.connect(f.issuer).requestReissue(elsewhere, f.holder2.address, LOST_KEY),
        () => f.ledger.connect(f.issuer).executeReissue(elsewhere),
        () => f.ledger.connect(f.issuer).cancelReissue(elsewhere, FRAUD),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerIssuerNotBound").withArgs(f.issuer.address, other);
      }
      await (await f.ledger.connect(f.issuer).revoke(f.id, FRAUD)).wait();
      await expect(f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, LOST_KEY))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerInactive")
        .withArgs(f.id, STATUS.REVOKED);
    });

    it("never counts a voucher twice against the cap: a re-issue leaves the company's tally and the budget as they were", async function () {
      const f = await load();
      const before = await f.ledger.getTally(f.entities.startup, f.programme);
      await expect(f.ledger.connect(f.issuer).requestReissue(f.id, f.holder.address, LOST_KEY))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNotSameCompany")
        .withArgs(f.holder.address, f.holder.address);
      await (await f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, LOST_KEY)).wait();
      await (await f.ledger.connect(f.governor).approveReissue(f.id)).wait();
      await (await f.ledger.connect(f.issuer).requestReissue(f.id, f.holder.address, LOST_KEY)).wait();
      await (await f.ledger.connect(f.governor).approveReissue(f.id)).wait();
      expect(await f.ledger.getTally(f.entities.startup, f.programme)).to.deep.equal(before);
      expect((await f.ledger.getPeriod(f.programme, f.year)).issued).to.equal(FACE);
      expect(await counters(f)).to.deep.equal([FACE, 0n, 0n, 0n, FACE]);
      await f.ledger.connect(f.issuer).issue(f.programme, {
        holder: f.holder2.address,
        applicationRef: encodeBytes32String("HZ-0002"),
        faceValue: 8_000_000n * CNY - FACE,
        expiresAt: 0,
      });
    });
  });

  describe("freeze", function () {
    it("lets the guardian freeze a voucher with VoucherFrozen, stopping redemption until the governor unfreezes it", async function () {
      const f = await load();
      await expect(f.ledger.connect(f.guardian).freeze(f.id, FRAUD))
        .to.emit(f.ledger, "VoucherFrozen")
        .withArgs(f.id, FRAUD, f.guardian.address);
      expect((await f.ledger.getVoucher(f.id)).flags).to.equal(FROZEN);
      const attempt = await signedConsent(f, f.id, 1000n, 1);
      await expectRedemptionRefused(f, attempt, "VoucherLedgerFrozen", [f.id]);
      await expect(f.ledger.connect(f.guardian).freeze(f.id, FRAUD))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerFrozen")
        .withArgs(f.id);
      await expect(f.ledger.connect(f.governor).unfreeze(f.id, FRAUD))
        .to.emit(f.ledger, "VoucherUnfrozen")
        .withArgs(f.id, FRAUD, f.governor.address);
      await expect(f.ledger.connect(f.governor).unfreeze(f.id, FRAUD))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNotFrozen")
        .withArgs(f.id);
      await (await f.ledger.connect(f.supplier).redeem(attempt.consent, attempt.signature)).wait();
    });

    it("refuses to freeze a voucher that is not active or does not exist", async function () {
      const f = await load();
      await (await f.ledger.connect(f.issuer).revoke(f.id, FRAUD)).wait();
      await expect(f.ledger.connect(f.guardian).freeze(f.id, FRAUD))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerInactive")
        .withArgs(f.id, STATUS.REVOKED);
      await expect(f.ledger.connect(f.guardian).freeze(5n, FRAUD))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerUnknownVoucher")
        .withArgs(5n);
      await expect(f.ledger.connect(f.governor).unfreeze(5n, FRAUD))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerUnknownVoucher")
        .withArgs(5n);
    });
  });

  describe("pause", function () {
    it("stops issue, redemption, an issuer's revocation and re-issue, and expiry", async function () {
      const f = await load();
      const attempt = await signedConsent(f, f.id, 1000n, 1, { deadline: f.expiresAt + DAY });
      await (await f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, LOST_KEY)).wait();
      const later = await issueVoucher(f, "HZ-0002");
      await expect(f.ledger.connect(f.guardian).pause()).to.emit(f.core, "Paused").withArgs(f.guardian.address);
      const request = { holder: f.holder.address, applicationRef: encodeBytes32String("HZ-0003"), faceValue: FACE, expiresAt: 0 };
      const stopped = [
        () => f.ledger.connect(f.issuer).issue(f.programme, request),
        () => f.ledger.connect(f.issuer).issueBatch(f.programme, [request]),
        () => f.ledger.connect(f.supplier).redeem(attempt.consent, attempt.signature),
        () => f.ledger.connect(f.supplier).redeemBatch([attempt.consent], [attempt.signature]),
        () => f.ledger.connect(f.issuer).revoke(later, FRAUD),
        () => f.ledger.connect(f.issuer).requestReissue(later, f.holder2.address, LOST_KEY),
        () => f.ledger.connect(f.issuer).executeReissue(f.id),
        () => f.ledger.connect(f.governor).approveReissue(f.id),
        () => f.ledger.connect(f.stranger).expire(f.id),
        () => f.ledger.connect(f.stranger).expireBatch([f.id]),
      ];
      await networkHelpers.time.increaseTo(f.expiresAt);
      for (const call of stopped) await expect(call()).to.be.revertedWithCustomError(f.core, "EnforcedPause");
      expect(await f.core.paused()).to.equal(true);
      await expect(f.ledger.connect(f.guardian).unpause())
        .to.be.revertedWithCustomError(f.core, "AccessManagedUnauthorized")
        .withArgs(f.guardian.address);
      await expect(f.ledger.connect(f.governor).unpause()).to.emit(f.core, "Unpaused").withArgs(f.governor.address);
      await (await f.ledger.connect(f.stranger).expire(f.id)).wait();
    });

    it("lets the governor, the guardian and holders act while paused: revoke, freeze, cancel a re-issue or consents, set a budget", async function () {
      const f = await load();
      await (await f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, LOST_KEY)).wait();
      const other = await issueVoucher(f, "HZ-0002");
      await (await f.ledger.connect(f.guardian).pause()).wait();
      await (await f.ledger.connect(f.guardian).freeze(other, FRAUD)).wait();
      await (await f.ledger.connect(f.governor).unfreeze(other, FRAUD)).wait();
      await (await f.ledger.connect(f.issuer).cancelReissue(f.id, LOST_KEY)).wait();
      await (await f.ledger.connect(f.holder).cancelConsents()).wait();
      await (await f.ledger.connect(f.governor).setBudget(f.programme, f.year, 300_000_000n * CNY, FRAUD)).wait();
      await (await f.ledger.connect(f.governor).revokeByGovernor(other, FRAUD)).wait();
      expect((await f.ledger.getVoucher(other)).status).to.equal(STATUS.REVOKED);
      await expect(f.ledger.connect(f.guardian).pause()).to.be.revertedWithCustomError(f.core, "EnforcedPause");
    });
  });
});
