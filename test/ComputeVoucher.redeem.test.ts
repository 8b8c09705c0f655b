import { expect } from "chai";
import { network } from "hardhat";

import { consentDomain, signConsent } from "./helpers/consent.js";
import {
  BEIJING,
  CNY,
  DAY,
  SHANGHAI,
  YEAR,
  appRef,
  deploySchemeFixture,
  invoiceHash,
  issueVoucher,
  makeConsent,
  now,
  signedConsent,
} from "./helpers/fixture.js";
import { signForwardRequest } from "./helpers/forwarder.js";

const { ethers, networkHelpers } = await network.create();
const scheme = () => deploySchemeFixture(ethers);
const FACE = 1_000_000n * CNY;
const REDEEMED = 2n;

describe("ComputeVoucher: redeem", function () {
  describe("redeem", function () {
    it("burns the amount, records the invoice and emits VoucherRedeemed with what is left", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const { consent, signature } = await signedConsent(f, id, 300_000n * CNY, "INV-1");
      await expect(f.ledger.connect(f.dataCenter).redeem(consent, signature))
        .to.emit(f.ledger, "VoucherRedeemed")
        .withArgs(
          id,
          SHANGHAI,
          f.dataCenter.address,
          f.holder.address,
          consent.invoiceHash,
          consent.amount,
          consent.invoiceTotal,
          FACE - 300_000n * CNY,
        );
      expect(await f.ledger.balanceOf(f.holder.address, id)).to.equal(FACE - 300_000n * CNY);
      expect(await f.ledger.invoiceUsed(consent.invoiceHash)).to.equal(true);
      const counters = await f.ledger.getCityCounters(SHANGHAI);
      expect([counters.issued, counters.redeemed, counters.outstanding]).to.deep.equal([
        FACE,
        300_000n * CNY,
        FACE - 300_000n * CNY,
      ]);
    });

    it("marks a fully redeemed voucher Redeemed and keeps its record", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const first = await signedConsent(f, id, 600_000n * CNY, "INV-1");
      await f.ledger.connect(f.dataCenter).redeem(first.consent, first.signature);
      const second = await signedConsent(f, id, 400_000n * CNY, "INV-2");
      await f.ledger.connect(f.dataCenter).redeem(second.consent, second.signature);
      const v = await f.ledger.getVoucher(id);
      expect([v.status, v.remaining, v.faceValue, v.holder]).to.deep.equal([REDEEMED, 0n, FACE, f.holder.address]);
      expect(await f.ledger.locked(id)).to.equal(true);
      const third = await signedConsent(f, id, 1n, "INV-3");
      await expect(f.ledger.connect(f.dataCenter).redeem(third.consent, third.signature))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInactive")
        .withArgs(id, REDEEMED);
    });

    it("accepts exactly the ratio of the invoice total and refuses one fen more", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const over = await signedConsent(f, id, 80_001n, "INV-1", { invoiceTotal: 100_000n });
      await expect(f.ledger.connect(f.dataCenter).redeem(over.consent, over.signature))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherOverRatio")
        .withArgs(80_001n, 100_000n, 8000);
      const exact = await signedConsent(f, id, 80_000n, "INV-1", { invoiceTotal: 100_000n });
      await f.ledger.connect(f.dataCenter).redeem(exact.consent, exact.signature);
      expect((await f.ledger.getCityCounters(SHANGHAI)).redeemed).to.equal(80_000n);
    });

    it("refuses an amount above what is left, and a zero amount", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1", 1000n);
      const big = await signedConsent(f, id, 1001n, "INV-1", { invoiceTotal: 10_000n });
      await expect(f.ledger.connect(f.dataCenter).redeem(big.consent, big.signature))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInsufficientValue")
        .withArgs(id, 1001n, 1000n);
      const zero = await signedConsent(f, id, 0n, "INV-1", { invoiceTotal: 10_000n });
      await expect(f.ledger.connect(f.dataCenter).redeem(zero.consent, zero.signature))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInvalidAmount")
        .withArgs(0);
    });

    it("refuses an invoice hash used before, on the same voucher or another", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const other = await issueVoucher(f, "APP-2", 500_000n * CNY, f.otherHolder.address);
      const { consent, signature } = await signedConsent(f, id, 1000n, "INV-1");
      await f.ledger.connect(f.dataCenter).redeem(consent, signature);
      await expect(f.ledger.connect(f.dataCenter).redeem(consent, signature))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInvoiceUsed")
        .withArgs(consent.invoiceHash);
      const again = await makeConsent(f, other, 1000n, "INV-1");
      const againSig = await signConsent(f.otherHolder, f.ledger, again);
      await expect(f.ledger.connect(f.dataCenter).redeem(again, againSig))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInvoiceUsed")
        .withArgs(consent.invoiceHash);
      expect((await f.ledger.getCityCounters(SHANGHAI)).redeemed).to.equal(1000n);
    });

    it("refuses a caller other than the consent's data center", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const t = await now(ethers);
      await f.ledger.connect(f.governor).accredit(f.otherDataCenter.address, SHANGHAI, t, t + YEAR);
      const { consent, signature } = await signedConsent(f, id, 1000n, "INV-1");
      await expect(f.ledger.connect(f.otherDataCenter).redeem(consent, signature))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherWrongDataCenter")
        .withArgs(f.dataCenter.address, f.otherDataCenter.address);
    });

    it("refuses a data center not accredited for the voucher's city, suspended, or outside its window", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const t = await now(ethers);
      // accredited for Beijing only
      await f.ledger.connect(f.governor).accredit(f.otherDataCenter.address, BEIJING, t, t + YEAR);
      const elsewhere = await signedConsent(f, id, 1000n, "INV-1", { dataCenter: f.otherDataCenter.address });
      await expect(f.ledger.connect(f.otherDataCenter).redeem(elsewhere.consent, elsewhere.signature))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherNotAccredited")
        .withArgs(f.otherDataCenter.address, SHANGHAI);
      // suspended
      const { consent, signature } = await signedConsent(f, id, 1000n, "INV-2", { deadline: t + 10n * DAY });
      await f.ledger.connect(f.governor).suspend(f.dataCenter.address, SHANGHAI, appRef("audit"));
      await expect(f.ledger.connect(f.dataCenter).redeem(consent, signature))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherNotAccredited")
        .withArgs(f.dataCenter.address, SHANGHAI);
      // not yet in force
      await f.ledger.connect(f.governor).accredit(f.dataCenter.address, SHANGHAI, t + 2n * DAY, t + 3n * DAY);
      await expect(f.ledger.connect(f.dataCenter).redeem(consent, signature)).to.be.revertedWithCustomError(
        f.ledger,
        "ComputeVoucherNotAccredited",
      );
      // in force
      await networkHelpers.time.increaseTo(t + 2n * DAY);
      const snapshot = await networkHelpers.takeSnapshot();
      await f.ledger.connect(f.dataCenter).redeem(consent, signature);
      await snapshot.restore();
      // no longer in force
      await networkHelpers.time.increaseTo(t + 3n * DAY);
      await expect(f.ledger.connect(f.dataCenter).redeem(consent, signature)).to.be.revertedWithCustomError(
        f.ledger,
        "ComputeVoucherNotAccredited",
      );
    });

    it("refuses a consent past its deadline", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const deadline = (await now(ethers)) + 100n;
      const { consent, signature } = await signedConsent(f, id, 1000n, "INV-1", { deadline });
      await networkHelpers.time.increaseTo(deadline + 1n);
      await expect(f.ledger.connect(f.dataCenter).redeem(consent, signature))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherConsentExpired")
        .withArgs(deadline, deadline + 2n);
    });

    it("refuses an expired voucher even when the data center and consent are in order", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const expiresAt = (await now(ethers)) + DAY;
      const id = await issueVoucher(f, "APP-1", FACE, f.holder.address, expiresAt);
      const { consent, signature } = await signedConsent(f, id, 1000n, "INV-1", { deadline: expiresAt + DAY });
      await networkHelpers.time.increaseTo(expiresAt);
      await expect(f.ledger.connect(f.dataCenter).redeem(consent, signature))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherExpired")
        .withArgs(id, expiresAt);
    });

    it("refuses a revoked voucher and an unknown one", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const { consent, signature } = await signedConsent(f, id, 1000n, "INV-1");
      await f.ledger.connect(f.shanghaiIssuer).revoke(id, appRef("fraud"));
      await expect(f.ledger.connect(f.dataCenter).redeem(consent, signature))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInactive")
        .withArgs(id, 3);
      const unknown = await signedConsent(f, 42n, 1000n, "INV-2");
      await expect(f.ledger.connect(f.dataCenter).redeem(unknown.consent, unknown.signature))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherUnknownVoucher")
        .withArgs(42n);
    });
  });

  describe("consent signatures", function () {
    it("refuses a signature by anyone but the holder", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const consent = await makeConsent(f, id, 1000n, "INV-1");
      for (const signer of [f.otherHolder, f.dataCenter, f.shanghaiIssuer]) {
        const signature = await signConsent(signer, f.ledger, consent);
        await expect(f.ledger.connect(f.dataCenter).redeem(consent, signature))
          .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInvalidConsent")
          .withArgs(id, f.holder.address);
      }
    });

    it("refuses a consent whose terms were changed after signing", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const { consent, signature } = await signedConsent(f, id, 1000n, "INV-1");
      for (const changed of [
        { ...consent, amount: 999n },
        { ...consent, invoiceTotal: consent.invoiceTotal + 1n },
        { ...consent, invoiceHash: invoiceHash("INV-OTHER") },
        { ...consent, deadline: consent.deadline + 1n },
      ]) {
        await expect(f.ledger.connect(f.dataCenter).redeem(changed, signature)).to.be.revertedWithCustomError(
          f.ledger,
          "ComputeVoucherInvalidConsent",
        );
      }
    });

    it("refuses a consent signed for another chain or another ledger contract", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const consent = await makeConsent(f, id, 1000n, "INV-1");
      const domain = await consentDomain(f.ledger);
      for (const other of [
        { ...domain, chainId: 1n },
        { ...domain, verifyingContract: await f.forwarder.getAddress() },
        { ...domain, version: "2" },
      ]) {
        const signature = await signConsent(f.holder, f.ledger, consent, other);
        await expect(f.ledger.connect(f.dataCenter).redeem(consent, signature)).to.be.revertedWithCustomError(
          f.ledger,
          "ComputeVoucherInvalidConsent",
        );
      }
    });

    it("exposes the digest the holder signs", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const consent = await makeConsent(f, 1n, 1000n, "INV-1");
      const expected = ethers.TypedDataEncoder.hash(
        await consentDomain(f.ledger),
        (await import("./helpers/consent.js")).CONSENT_TYPES,
        consent,
      );
      expect(await f.ledger.consentDigest(consent)).to.equal(expected);
    });

    it("accepts the consent of a contract wallet holder (ERC-1271) and refuses a wrong one", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const wallet = await ethers.deployContract("ERC1271WalletMock", [f.holder.address]);
      const walletAddress = await wallet.getAddress();
      const id = await issueVoucher(f, "APP-1", FACE, walletAddress);
      expect(await f.ledger.balanceOf(walletAddress, id)).to.equal(FACE);
      const consent = await makeConsent(f, id, 1000n, "INV-1");
      const bad = await signConsent(f.otherHolder, f.ledger, consent);
      await expect(f.ledger.connect(f.dataCenter).redeem(consent, bad))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInvalidConsent")
        .withArgs(id, walletAddress);
      const good = await signConsent(f.holder, f.ledger, consent);
      await f.ledger.connect(f.dataCenter).redeem(consent, good);
      expect(await f.ledger.balanceOf(walletAddress, id)).to.equal(FACE - 1000n);
    });
  });

  describe("redeemBatch", function () {
    it("redeems several consents in one transaction", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const a = await signedConsent(f, id, 1000n, "INV-1");
      const b = await signedConsent(f, id, 2000n, "INV-2");
      await expect(
        f.ledger.connect(f.dataCenter).redeemBatch([a.consent, b.consent], [a.signature, b.signature]),
      ).to.emit(f.ledger, "VoucherRedeemed");
      expect(await f.ledger.balanceOf(f.holder.address, id)).to.equal(FACE - 3000n);
    });

    it("redeems nothing when one consent fails, including the same invoice twice in one batch", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const a = await signedConsent(f, id, 1000n, "INV-1");
      await expect(
        f.ledger.connect(f.dataCenter).redeemBatch([a.consent, a.consent], [a.signature, a.signature]),
      ).to.be.revertedWithCustomError(f.ledger, "ComputeVoucherInvoiceUsed");
      expect(await f.ledger.invoiceUsed(a.consent.invoiceHash)).to.equal(false);
      expect(await f.ledger.balanceOf(f.holder.address, id)).to.equal(FACE);
    });

    it("reverts when the arrays differ in length or are empty", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const a = await signedConsent(f, id, 1000n, "INV-1");
      await expect(f.ledger.connect(f.dataCenter).redeemBatch([a.consent], []))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherBatchLength")
        .withArgs(1, 0);
      await expect(f.ledger.connect(f.dataCenter).redeemBatch([], []))
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherBatchLength")
        .withArgs(0, 0);
    });
  });

  describe("through the ERC-2771 forwarder", function () {
    it("redeems for the data center that signed the request while the relayer pays the gas", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const { consent, signature } = await signedConsent(f, id, 1000n, "INV-1");
      const data = f.ledger.interface.encodeFunctionData("redeem", [consent, signature]);
      const request = await signForwardRequest(
        f.forwarder,
        f.dataCenter,
        await f.ledger.getAddress(),
        data,
        (await now(ethers)) + DAY,
      );
      const before = await ethers.provider.getBalance(f.dataCenter.address);
      await expect(f.forwarder.connect(f.relayer).execute(request))
        .to.emit(f.ledger, "VoucherRedeemed")
        .withArgs(id, SHANGHAI, f.dataCenter.address, f.holder.address, consent.invoiceHash, 1000n, consent.invoiceTotal, FACE - 1000n);
      expect(await ethers.provider.getBalance(f.dataCenter.address)).to.equal(before);
      expect(await f.forwarder.nonces(f.dataCenter.address)).to.equal(1n);
    });

    it("refuses a request whose data center signature is forged or replayed", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const { consent, signature } = await signedConsent(f, id, 1000n, "INV-1");
      const data = f.ledger.interface.encodeFunctionData("redeem", [consent, signature]);
      const deadline = (await now(ethers)) + DAY;
      const to = await f.ledger.getAddress();
      // signed by a stranger but claiming to come from the data center
      const forged = { ...(await signForwardRequest(f.forwarder, f.stranger, to, data, deadline)), from: f.dataCenter.address };
      await expect(f.forwarder.connect(f.relayer).execute(forged)).to.be.revertedWithCustomError(
        f.forwarder,
        "ERC2771ForwarderInvalidSigner",
      );
      const request = await signForwardRequest(f.forwarder, f.dataCenter, to, data, deadline);
      await f.forwarder.connect(f.relayer).execute(request);
      await expect(f.forwarder.connect(f.relayer).execute(request)).to.be.revertedWithCustomError(
        f.forwarder,
        "ERC2771ForwarderInvalidSigner",
      );
      expect((await f.ledger.getCityCounters(SHANGHAI)).redeemed).to.equal(1000n);
    });

    it("applies the ledger's checks to the relayed caller, whose reason a simulation as the forwarder reveals", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const id = await issueVoucher(f, "APP-1");
      const { consent, signature } = await signedConsent(f, id, 1000n, "INV-1", { dataCenter: f.stranger.address });
      const data = f.ledger.interface.encodeFunctionData("redeem", [consent, signature]);
      const request = await signForwardRequest(
        f.forwarder,
        f.stranger,
        await f.ledger.getAddress(),
        data,
        (await now(ethers)) + DAY,
      );
      // the forwarder hides the ledger's reason behind FailedCall() and keeps the nonce unused
      await expect(f.forwarder.connect(f.relayer).execute(request)).to.be.revertedWithCustomError(
        f.forwarder,
        "FailedCall",
      );
      expect(await f.forwarder.nonces(f.stranger.address)).to.equal(0n);
      // calling the ledger as the forwarder, with the signer appended (ERC-2771), reveals it
      const simulated = ethers.provider.call({
        to: await f.ledger.getAddress(),
        from: await f.forwarder.getAddress(),
        data: ethers.concat([data, f.stranger.address]),
      });
      await expect(simulated)
        .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherNotAccredited")
        .withArgs(f.stranger.address, SHANGHAI);
    });

    it("relays an issuer's restricted call with the issuer as the caller", async function () {
      const f = await networkHelpers.loadFixture(scheme);
      const request = { holder: f.holder.address, applicationRef: appRef("APP-R"), faceValue: 5n, expiresAt: 0 };
      const data = f.ledger.interface.encodeFunctionData("issue", [SHANGHAI, request]);
      const forward = await signForwardRequest(
        f.forwarder,
        f.shanghaiIssuer,
        await f.ledger.getAddress(),
        data,
        (await now(ethers)) + DAY,
      );
      await expect(f.forwarder.connect(f.relayer).execute(forward))
        .to.emit(f.ledger, "VoucherIssued")
        .withArgs(await f.ledger.voucherId(SHANGHAI, appRef("APP-R")), SHANGHAI, f.holder.address, appRef("APP-R"), 5n, (await now(ethers)) + 1n + YEAR, f.shanghaiIssuer.address);
    });
  });
});
