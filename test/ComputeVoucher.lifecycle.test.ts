import { expect } from "chai";
import { network } from "hardhat";

import {
  BEIJING,
  CNY,
  DAY,
  SHANGHAI,
  appRef,
  deploySchemeFixture,
  issueVoucher,
  now,
  signedConsent,
} from "./helpers/fixture.js";

const { ethers, networkHelpers } = await network.create();
const scheme = () => deploySchemeFixture(ethers);
const FACE = 1_000_000n * CNY;
const [ACTIVE, , REVOKED, EXPIRED, REISSUED] = [1n, 2n, 3n, 4n, 5n];
const FRAUD = appRef("fraud");
const LOST_KEY = appRef("lost-key");

describe("ComputeVoucher: revoke, expire, re-issue", function () {
  describe("revoke", function () {
    it("burns what is left, returns it to the budget and emits VoucherRevoked with the reason", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const { consent, signature } = await signedConsent(f, id, 100_000n * CNY, "INV-1");
      await f.ledger.connect(f.dataCenter).redeem(consent, signature);
      await expect(f.ledger.connect(f.shanghaiIssuer).revoke(id, FRAUD))
        .to.emit(f.ledger, "VoucherRevoked")
        .withArgs(id, SHANGHAI, f.holder.address, FACE - 100_000n * CNY, FRAUD, f.shanghaiIssuer.address);
      expect(await f.ledger.balanceOf(f.holder.address, id)).to.equal(0n);
      const v = await f.ledger.getVoucher(id);
      expect([v.status, v.remaining, v.faceValue]).to.deep.equal([REVOKED, 0n, FACE]);
      const c = await f.ledger.getCityCounters(SHANGHAI);
      expect([c.issued, c.redeemed, c.revoked, c.expired, c.outstanding]).to.deep.equal([
        FACE,
        100_000n * CNY,
        FACE - 100_000n * CNY,
        0n,
        0n,
      ]);
    });

    it("reverts for an issuer of another city, for strangers, and on a voucher that is not active", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      await expect(f.ledger.connect(f.beijingIssuer).revoke(id, FRAUD))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherIssuerNotInCity")
        .withArgs(f.beijingIssuer.address, SHANGHAI);
      await expect(f.ledger.connect(f.stranger).revoke(id, FRAUD))
        .to.be.revertedWithCustomError(f.ledger, "AccessManagedUnauthorized")
        .withArgs(f.stranger.address);
      await f.ledger.connect(f.shanghaiIssuer).revoke(id, FRAUD);
      await expect(f.ledger.connect(f.shanghaiIssuer).revoke(id, FRAUD))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInactive")
        .withArgs(id, REVOKED);
      await expect(f.ledger.connect(f.shanghaiIssuer).revoke(7n, FRAUD))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherUnknownVoucher")
        .withArgs(7n);
    });

    it("lets the governor revoke in any city", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      await expect(f.ledger.connect(f.governor).revokeByGovernor(id, FRAUD))
        .to.emit(f.ledger, "VoucherRevoked")
        .withArgs(id, SHANGHAI, f.holder.address, FACE, FRAUD, f.governor.address);
      await expect(f.ledger.connect(f.shanghaiIssuer).revokeByGovernor(id, FRAUD))
        .to.be.revertedWithCustomError(f.ledger, "AccessManagedUnauthorized")
        .withArgs(f.shanghaiIssuer.address);
    });
  });

  describe("expire", function () {
    it("lets anyone close an expired voucher, returning what is left to the budget", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const expiresAt = (await now(ethers)) + 10n * DAY;
      const id = await issueVoucher(f, "APP-1", FACE, f.holder.address, expiresAt);
      await expect(f.ledger.connect(f.stranger).expire(id))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherNotExpired")
        .withArgs(id, expiresAt);
      await networkHelpers.time.increaseTo(expiresAt);
      await expect(f.ledger.connect(f.stranger).expire(id))
        .to.emit(f.ledger, "VoucherExpired")
        .withArgs(id, SHANGHAI, f.holder.address, FACE, f.stranger.address);
      const v = await f.ledger.getVoucher(id);
      expect([v.status, v.remaining]).to.deep.equal([EXPIRED, 0n]);
      const c = await f.ledger.getCityCounters(SHANGHAI);
      expect([c.expired, c.outstanding]).to.deep.equal([FACE, 0n]);
      await expect(f.ledger.expire(id)).to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInactive").withArgs(id, EXPIRED);
    });

    it("closes several expired vouchers at once, all or none", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const expiresAt = (await now(ethers)) + DAY;
      const a = await issueVoucher(f, "APP-1", 10n, f.holder.address, expiresAt);
      const b = await issueVoucher(f, "APP-2", 20n, f.otherHolder.address, expiresAt);
      const later = await issueVoucher(f, "APP-3", 30n, f.otherHolder.address, expiresAt + 10n * DAY);
      await networkHelpers.time.increaseTo(expiresAt);
      await expect(f.ledger.expireBatch([a, b, later])).to.be.revertedWithCustomError(
        f.ledger,
        "ComputeVoucherNotExpired",
      );
      await f.ledger.expireBatch([a, b]);
      expect((await f.ledger.getCityCounters(SHANGHAI)).expired).to.equal(30n);
      await expect(f.ledger.expireBatch([])).to.be.revertedWithCustomError(f.ledger, "ComputeVoucherBatchLength");
    });
  });

  describe("reissue", function () {
    it("moves what is left to a new voucher for a new holder, linked both ways, counters unchanged", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const { consent, signature } = await signedConsent(f, id, 250_000n * CNY, "INV-1");
      await f.ledger.connect(f.dataCenter).redeem(consent, signature);
      const before = await f.ledger.getCityCounters(SHANGHAI);
      const oldExpiry = (await f.ledger.getVoucher(id)).expiresAt;
      const newRef = appRef("APP-1-R1");
      const newId = await f.ledger.voucherId(SHANGHAI, newRef);
      const moved = FACE - 250_000n * CNY;
      await expect(f.ledger.connect(f.shanghaiIssuer).reissue(id, f.otherHolder.address, newRef, 0, LOST_KEY))
        .to.emit(f.ledger, "VoucherReissued")
        .withArgs(
          id,
          newId,
          SHANGHAI,
          f.holder.address,
          f.otherHolder.address,
          newRef,
          moved,
          oldExpiry,
          LOST_KEY,
          f.shanghaiIssuer.address,
        );
      const old = await f.ledger.getVoucher(id);
      expect([old.status, old.remaining, old.reissuedTo]).to.deep.equal([REISSUED, 0n, newId]);
      const fresh = await f.ledger.getVoucher(newId);
      expect([fresh.status, fresh.holder, fresh.faceValue, fresh.remaining, fresh.reissuedFrom, fresh.expiresAt]).to.deep.equal([
        ACTIVE,
        f.otherHolder.address,
        moved,
        moved,
        id,
        oldExpiry,
      ]);
      expect([...(await f.ledger.getCityCounters(SHANGHAI))]).to.deep.equal([...before]);
      expect(await f.ledger.issuedTo(SHANGHAI, f.otherHolder.address)).to.equal(moved);
    });

    it("takes a new expiry when one is given and refuses one in the past", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const t = await now(ethers);
      await expect(f.ledger.connect(f.shanghaiIssuer).reissue(id, f.otherHolder.address, appRef("R"), t, LOST_KEY))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInvalidExpiry")
        .withArgs(t, t + 1n);
      await f.ledger.connect(f.shanghaiIssuer).reissue(id, f.otherHolder.address, appRef("R"), t + 9n * DAY, LOST_KEY);
      expect((await f.ledger.getVoucher(await f.ledger.voucherId(SHANGHAI, appRef("R")))).expiresAt).to.equal(t + 9n * DAY);
    });

    it("refuses the zero holder, a used application reference, an expired or inactive voucher, and a full cap", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const issuer = f.ledger.connect(f.shanghaiIssuer);
      await expect(issuer.reissue(id, ethers.ZeroAddress, appRef("R"), 0, LOST_KEY))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInvalidHolder")
        .withArgs(ethers.ZeroAddress);
      await expect(issuer.reissue(id, f.otherHolder.address, appRef("APP-1"), 0, LOST_KEY))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherExists")
        .withArgs(id);
      await issueVoucher(f, "APP-2", 2_000_000n * CNY, f.otherHolder.address);
      await expect(issuer.reissue(id, f.otherHolder.address, appRef("R"), 0, LOST_KEY))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherHolderCapExceeded")
        .withArgs(SHANGHAI, f.otherHolder.address, FACE, 0n);
      await expect(f.ledger.connect(f.beijingIssuer).reissue(id, f.stranger.address, appRef("R"), 0, LOST_KEY))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherIssuerNotInCity")
        .withArgs(f.beijingIssuer.address, SHANGHAI);
      await networkHelpers.time.increaseTo((await f.ledger.getVoucher(id)).expiresAt);
      await expect(issuer.reissue(id, f.stranger.address, appRef("R"), 0, LOST_KEY)).to.be.revertedWithCustomError(
        f.ledger,
        "ComputeVoucherExpired",
      );
      await f.ledger.expire(id);
      await expect(f.ledger.connect(f.governor).reissueByGovernor(id, f.stranger.address, appRef("R"), 0, LOST_KEY))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherExpired");
    });

    it("refuses to re-issue a revoked voucher", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      await f.ledger.connect(f.shanghaiIssuer).revoke(id, FRAUD);
      await expect(f.ledger.connect(f.shanghaiIssuer).reissue(id, f.stranger.address, appRef("R"), 0, LOST_KEY))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInactive")
        .withArgs(id, REVOKED);
    });

    it("lets the governor re-issue in any city, moving the value to the new holder", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const request = { holder: f.holder.address, applicationRef: appRef("BJ-1"), faceValue: FACE, expiresAt: 0 };
      await f.ledger.connect(f.beijingIssuer).issue(BEIJING, request);
      const id = await f.ledger.voucherId(BEIJING, appRef("BJ-1"));
      await f.ledger.connect(f.governor).reissueByGovernor(id, f.otherHolder.address, appRef("BJ-1-R"), 0, LOST_KEY);
      const newId = await f.ledger.voucherId(BEIJING, appRef("BJ-1-R"));
      expect(await f.ledger.balanceOf(f.otherHolder.address, newId)).to.equal(FACE);
      expect(await f.ledger.balanceOf(f.holder.address, id)).to.equal(0n);
    });
  });
});
