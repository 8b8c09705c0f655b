import { expect } from "chai";
import { AbiCoder, keccak256 } from "ethers";
import { network } from "hardhat";

import {
  BEIJING,
  CNY,
  DAY,
  SHANGHAI,
  SHANGHAI_PARAMS,
  YEAR,
  appRef,
  deploySchemeFixture,
  issueVoucher,
  now,
} from "./helpers/fixture.js";

const { ethers, networkHelpers } = await network.create();
const scheme = () => deploySchemeFixture(ethers);
const ACTIVE = 1n;

describe("ComputeVoucher: issue", function () {
  describe("issue", function () {
    it("mints the face value to the holder under the id derived from city and application reference", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const ref = appRef("SH-2026-0001");
      const expected = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint32", "bytes32"], [SHANGHAI, ref])));
      expect(await f.ledger.voucherId(SHANGHAI, ref)).to.equal(expected);
      const faceValue = 1_250_000n * CNY;
      const request = { holder: f.holder.address, applicationRef: ref, faceValue, expiresAt: 0 };
      const tx = f.ledger.connect(f.shanghaiIssuer).issue(SHANGHAI, request);
      const issuedAt = (await now(ethers)) + 1n;
      await expect(tx)
        .to.emit(f.ledger, "VoucherIssued")
        .withArgs(expected, SHANGHAI, f.holder.address, ref, faceValue, issuedAt + YEAR, f.shanghaiIssuer.address);
      await expect(tx).to.emit(f.ledger, "Locked").withArgs(expected);
      await expect(tx)
        .to.emit(f.ledger, "TransferSingle")
        .withArgs(f.shanghaiIssuer.address, ethers.ZeroAddress, f.holder.address, expected, faceValue);
      expect(await f.ledger.balanceOf(f.holder.address, expected)).to.equal(faceValue);
      const v = await f.ledger.getVoucher(expected);
      expect(v.city).to.equal(BigInt(SHANGHAI));
      expect(v.holder).to.equal(f.holder.address);
      expect(v.status).to.equal(ACTIVE);
      expect(v.faceValue).to.equal(faceValue);
      expect(v.remaining).to.equal(faceValue);
      expect(v.issuedAt).to.equal(issuedAt);
      expect(v.expiresAt).to.equal(issuedAt + YEAR);
      expect([v.reissuedFrom, v.reissuedTo]).to.deep.equal([0n, 0n]);
      const counters = await f.ledger.getCityCounters(SHANGHAI);
      expect(counters.issued).to.equal(faceValue);
      expect(counters.outstanding).to.equal(faceValue);
      expect(await f.ledger.issuedTo(SHANGHAI, f.holder.address)).to.equal(faceValue);
    });

    it("uses an explicit expiry when one is given", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const expiresAt = (await now(ethers)) + 30n * DAY;
      const id = await issueVoucher(f, "APP-1", 1000n, f.holder.address, expiresAt);
      expect((await f.ledger.getVoucher(id)).expiresAt).to.equal(expiresAt);
    });

    it("reverts when the application was issued before, so a re-run cannot double-issue", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      await expect(issueVoucher(f, "APP-1", 5n)).to.be.revertedWithCustomError(f.ledger, "ComputeVoucherExists").withArgs(id);
      expect((await f.ledger.getCityCounters(SHANGHAI)).issued).to.equal(1_000_000n * CNY);
    });

    it("gives the same application reference a different id in another city", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      await issueVoucher(f, "APP-1");
      const request = { holder: f.holder.address, applicationRef: appRef("APP-1"), faceValue: 10n, expiresAt: 0 };
      await f.ledger.connect(f.beijingIssuer).issue(BEIJING, request);
      expect(await f.ledger.voucherId(BEIJING, appRef("APP-1"))).to.not.equal(
        await f.ledger.voucherId(SHANGHAI, appRef("APP-1")),
      );
    });

    it("reverts for the zero holder, a zero face value and an expiry that is not in the future", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      await expect(issueVoucher(f, "APP-1", 1n, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInvalidHolder")
        .withArgs(ethers.ZeroAddress);
      await expect(issueVoucher(f, "APP-1", 0n))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInvalidAmount")
        .withArgs(0);
      const t = await now(ethers);
      await expect(issueVoucher(f, "APP-1", 1n, f.holder.address, t))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInvalidExpiry")
        .withArgs(t, t + 1n);
      const tooFar = 2n ** 56n;
      await expect(issueVoucher(f, "APP-1", 1n, f.holder.address, tooFar))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInvalidExpiry")
        .withArgs(tooFar, (await now(ethers)) + 1n);
    });

    it("reverts when the city's remaining budget is exceeded, counting revoked value as returned", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      await f.ledger.connect(f.governor).setCityHolderCap(SHANGHAI, 0);
      await f.ledger.connect(f.governor).setCityBudget(SHANGHAI, 3_000_000n * CNY, SHANGHAI_PARAMS.appropriation);
      const first = await issueVoucher(f, "APP-1", 2_000_000n * CNY);
      await expect(issueVoucher(f, "APP-2", 1_000_001n * CNY))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherBudgetExceeded")
        .withArgs(SHANGHAI, 1_000_001n * CNY, 1_000_000n * CNY);
      await f.ledger.connect(f.shanghaiIssuer).revoke(first, appRef("fraud"));
      await issueVoucher(f, "APP-2", 3_000_000n * CNY, f.otherHolder.address);
      expect((await f.ledger.getCityCounters(SHANGHAI)).outstanding).to.equal(3_000_000n * CNY);
    });

    it("reverts when the holder's cumulative cap in the city would be exceeded", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      await issueVoucher(f, "APP-1", 1_500_000n * CNY);
      await expect(issueVoucher(f, "APP-2", 500_001n * CNY))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherHolderCapExceeded")
        .withArgs(SHANGHAI, f.holder.address, 500_001n * CNY, 500_000n * CNY);
      await issueVoucher(f, "APP-2", 500_000n * CNY);
      expect(await f.ledger.issuedTo(SHANGHAI, f.holder.address)).to.equal(2_000_000n * CNY);
      // a cap lowered below what a holder already has leaves it nothing more
      await f.ledger.connect(f.governor).setCityHolderCap(SHANGHAI, 1_000_000n * CNY);
      await expect(issueVoucher(f, "APP-3", 1n))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherHolderCapExceeded")
        .withArgs(SHANGHAI, f.holder.address, 1n, 0n);
    });

    it("reverts for an issuer bound to another city, for strangers, and for an unknown city", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const request = { holder: f.holder.address, applicationRef: appRef("APP-1"), faceValue: 1n, expiresAt: 0 };
      await expect(f.ledger.connect(f.beijingIssuer).issue(SHANGHAI, request))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherIssuerNotInCity")
        .withArgs(f.beijingIssuer.address, SHANGHAI);
      for (const caller of [f.stranger, f.governor, f.auditor, f.dataCenter]) {
        await expect(f.ledger.connect(caller).issue(SHANGHAI, request))
          .to.be.revertedWithCustomError(f.ledger, "AccessManagedUnauthorized")
          .withArgs(caller.address);
      }
      await expect(f.ledger.connect(f.shanghaiIssuer).issue(440300, request))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherUnknownCity")
        .withArgs(440300);
    });
  });

  describe("issueBatch", function () {
    it("issues every request and returns the ids in order", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const requests = [f.holder, f.otherHolder, f.stranger].map((h, i) => ({
        holder: h.address,
        applicationRef: appRef(`BATCH-${i}`),
        faceValue: BigInt(i + 1) * 100_000n * CNY,
        expiresAt: 0,
      }));
      const ids = await f.ledger.connect(f.shanghaiIssuer).issueBatch.staticCall(SHANGHAI, requests);
      await expect(f.ledger.connect(f.shanghaiIssuer).issueBatch(SHANGHAI, requests)).to.emit(f.ledger, "VoucherIssued");
      expect(ids.length).to.equal(3);
      for (const [i, request] of requests.entries()) {
        expect(ids[i]).to.equal(await f.ledger.voucherId(SHANGHAI, request.applicationRef));
        expect(await f.ledger.balanceOf(request.holder, ids[i]!)).to.equal(request.faceValue);
      }
      expect((await f.ledger.getCityCounters(SHANGHAI)).issued).to.equal(600_000n * CNY);
    });

    it("issues nothing when one request fails, and counts the cap over the whole batch", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const requests = [0, 1].map((i) => ({
        holder: f.holder.address,
        applicationRef: appRef(`BATCH-${i}`),
        faceValue: 1_000_001n * CNY,
        expiresAt: 0,
      }));
      await expect(f.ledger.connect(f.shanghaiIssuer).issueBatch(SHANGHAI, requests))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherHolderCapExceeded")
        .withArgs(SHANGHAI, f.holder.address, 1_000_001n * CNY, 999_999n * CNY);
      expect((await f.ledger.getCityCounters(SHANGHAI)).issued).to.equal(0n);
      const duplicate = [requests[0]!, { ...requests[0]!, faceValue: 1n }];
      await expect(f.ledger.connect(f.shanghaiIssuer).issueBatch(SHANGHAI, duplicate)).to.be.revertedWithCustomError(
        f.ledger,
        "ComputeVoucherExists",
      );
    });

    it("reverts on an empty batch", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      await expect(f.ledger.connect(f.shanghaiIssuer).issueBatch(SHANGHAI, []))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherBatchLength")
        .withArgs(1, 0);
    });
  });
});
