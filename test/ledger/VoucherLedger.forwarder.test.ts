import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import { encodeBytes32String, type Signer } from "ethers";
import { network } from "hardhat";

import {
  CNY,
  DAY,
  appRef,
  deploySchemeFixture,
  issueVoucher,
  makeConsent,
  now,
  signConsent,
  signedConsent,
} from "../helpers/scheme-fixture.js";
import { type ForwardRequestData, signForwardRequest } from "../helpers/forwarder.js";
import { expectRedemptionRefused } from "./redemption.behavior.js";

const { ethers, networkHelpers } = await network.create();

const FACE = 1_000_000n * CNY;

/** The fixture with one voucher of CNY 1m for the start-up's first address. */
async function relayFixture() {
  const f = await deploySchemeFixture(ethers);
  const id = await issueVoucher(f, "HZ-0001", FACE);
  return { ...f, id };
}
type RelayFixture = Awaited<ReturnType<typeof relayFixture>>;

function load(): Promise<RelayFixture> {
  return networkHelpers.loadFixture(relayFixture);
}

/** A forward request from `signer` to the ledger, valid for a day. */
async function forward(f: RelayFixture, signer: Signer, data: string): Promise<ForwardRequestData> {
  return signForwardRequest(f.forwarder, signer, await f.ledger.getAddress(), data, (await now(ethers)) + DAY);
}

/** The ledger called as the forwarder calls it: the data with the signer's address appended (ERC-2771). */
function asForwarded(f: RelayFixture, data: string, from: string): Promise<string> {
  return f.forwarder.getAddress().then(async (forwarder) =>
    ethers.provider.call({ to: await f.ledger.getAddress(), from: forwarder, data: ethers.concat([data, from]) }),
  );
}

describe("VoucherLedger: through the ERC-2771 forwarder", function () {
  describe("relayed redemption", function () {
    it("redeems for the supplier that signed the request, while the relayer pays the gas", async function () {
      const f = await load();
      const { consent, signature } = await signedConsent(f, f.id, 1000n, 1);
      const request = await forward(f, f.supplier, f.ledger.interface.encodeFunctionData("redeem", [consent, signature]));
      const before = await ethers.provider.getBalance(f.supplier.address);
      const tx = f.forwarder.connect(f.relayer).execute(request);
      await expect(tx)
        .to.emit(f.ledger, "VoucherRedeemed")
        .withArgs(f.id, f.programme, f.entities.supplier, f.holder.address, f.entities.startup, await f.ledger.consentDigest(consent), FACE - 1000n,
          f.supplier.address, consent.invoiceNumberHash, 1000n, ...Array(7).fill(anyValue));
      await expect(tx).to.emit(f.ledger, "TransferSingle").withArgs(f.supplier.address, f.holder.address, ethers.ZeroAddress, f.id, 1000n);
      expect(await ethers.provider.getBalance(f.supplier.address)).to.equal(before);
      expect(await f.forwarder.nonces(f.supplier.address)).to.equal(1n);
      expect((await f.ledger.getAccreditation(f.supplier.address, f.programme)).redeemed).to.equal(1000n);
    });

    it("relays a batch of redemptions", async function () {
      const f = await load();
      const a = await signedConsent(f, f.id, 1000n, 1);
      const b = await signedConsent(f, f.id, 2000n, 2);
      const data = f.ledger.interface.encodeFunctionData("redeemBatch", [[a.consent, b.consent], [a.signature, b.signature]]);
      await (await f.forwarder.connect(f.relayer).execute(await forward(f, f.supplier, data))).wait();
      expect(await f.ledger.balanceOf(f.holder.address, f.id)).to.equal(FACE - 3000n);
    });

    it("refuses a request whose signature is forged, and the same request replayed", async function () {
      const f = await load();
      const { consent, signature } = await signedConsent(f, f.id, 1000n, 1);
      const data = f.ledger.interface.encodeFunctionData("redeem", [consent, signature]);
      // signed by a stranger, claiming to come from the supplier (what it recovers to is no one's)
      const forged = { ...(await forward(f, f.stranger, data)), from: f.supplier.address };
      await expect(f.forwarder.connect(f.relayer).execute(forged))
        .to.be.revertedWithCustomError(f.forwarder, "ERC2771ForwarderInvalidSigner")
        .withArgs((signer: string) => signer !== f.supplier.address, f.supplier.address);
      const request = await forward(f, f.supplier, data);
      await (await f.forwarder.connect(f.relayer).execute(request)).wait();
      // the nonce moved on: the old signature now recovers to some other address
      await expect(f.forwarder.connect(f.relayer).execute(request))
        .to.be.revertedWithCustomError(f.forwarder, "ERC2771ForwarderInvalidSigner")
        .withArgs((signer: string) => signer !== f.supplier.address, f.supplier.address);
      expect((await f.ledger.getAccreditation(f.supplier.address, f.programme)).redeemed).to.equal(1000n);
      expect(await f.ledger.balanceOf(f.holder.address, f.id)).to.equal(FACE - 1000n);
    });

    it("refuses a request past its deadline", async function () {
      const f = await load();
      const { consent, signature } = await signedConsent(f, f.id, 1000n, 1);
      const deadline = (await now(ethers)) + 60n;
      const request = await signForwardRequest(f.forwarder, f.supplier, await f.ledger.getAddress(), f.ledger.interface.encodeFunctionData("redeem", [consent, signature]), deadline);
      await networkHelpers.time.increaseTo(deadline + 1n);
      await expect(f.forwarder.connect(f.relayer).execute(request))
        .to.be.revertedWithCustomError(f.forwarder, "ERC2771ForwarderExpiredRequest")
        .withArgs(deadline);
    });

    it("applies the ledger's checks to the relayed caller, whose reason a simulation as the forwarder reveals", async function () {
      const f = await load();
      const { consent, signature } = await signedConsent(f, f.id, 1000n, 1);
      const data = f.ledger.interface.encodeFunctionData("redeem", [consent, signature]);
      const request = await forward(f, f.stranger, data);
      await expect(f.forwarder.connect(f.relayer).execute(request)).to.be.revertedWithCustomError(f.forwarder, "FailedCall");
      expect(await f.forwarder.nonces(f.stranger.address)).to.equal(0n);
      await expect(asForwarded(f, data, f.stranger.address))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerWrongSupplier")
        .withArgs(f.supplier.address, f.stranger.address);
    });

    it("does not trust an appended address from anyone but the forwarder", async function () {
      const f = await load();
      const { consent, signature } = await signedConsent(f, f.id, 1000n, 1);
      const data = f.ledger.interface.encodeFunctionData("redeem", [consent, signature]);
      await expect(f.stranger.sendTransaction({ to: await f.ledger.getAddress(), data: ethers.concat([data, f.supplier.address]) }))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerWrongSupplier")
        .withArgs(f.supplier.address, f.stranger.address);
    });
  });

  describe("relayed calls of the other roles", function () {
    it("relays an issuer's issue with the issuer as the caller", async function () {
      const f = await load();
      const request = { holder: f.holder.address, applicationRef: appRef("HZ-R"), faceValue: 5n, expiresAt: 0 };
      const data = f.ledger.interface.encodeFunctionData("issue", [f.programme, request]);
      await expect(f.forwarder.connect(f.relayer).execute(await forward(f, f.issuer, data)))
        .to.emit(f.ledger, "VoucherIssued")
        .withArgs(await f.ledger.voucherId(f.programme, appRef("HZ-R")), f.programme, f.holder.address, f.entities.startup, appRef("HZ-R"), 5n, anyValue, f.year, f.issuer.address);
    });

    it("runs a relayed call of the extension as its signer's: a guardian's freeze and a holder's consent cancellation", async function () {
      const f = await load();
      const reason = encodeBytes32String("incident");
      await expect(f.forwarder.connect(f.relayer).execute(await forward(f, f.guardian, f.ledger.interface.encodeFunctionData("freeze", [f.id, reason]))))
        .to.emit(f.ledger, "VoucherFrozen")
        .withArgs(f.id, reason, f.guardian.address);
      await expect(f.forwarder.connect(f.relayer).execute(await forward(f, f.holder, f.ledger.interface.encodeFunctionData("cancelConsents"))))
        .to.emit(f.ledger, "ConsentsCancelled")
        .withArgs(f.holder.address, 1);
      expect((await f.ledger.getAccount(f.relayer.address)).consentEpoch).to.equal(0n);
    });

    it("refuses a relayed configure… even when the registry's address is appended", async function () {
      const f = await load();
      const data = f.ledger.interface.encodeFunctionData("configureIssuer", [f.stranger.address, f.programme, true]);
      await expect(asForwarded(f, data, await f.registry.getAddress()))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNotRegistry")
        .withArgs(await f.forwarder.getAddress());
    });
  });

  describe("a contract wallet holder (ERC-1271)", function () {
    async function walletFixture() {
      const f = await relayFixture();
      const [owner] = (await ethers.getSigners()).slice(12);
      const wallet = await ethers.deployContract("ERC1271WalletMock", [owner!.address]);
      const address = await wallet.getAddress();
      await (await f.registry.connect(f.governor).addAddress(f.entities.startup, address, encodeBytes32String("multisig"))).wait();
      const walletVoucher = await issueVoucher(f, "HZ-WALLET", FACE, address);
      return { ...f, owner: owner!, wallet: address, walletVoucher };
    }

    it("holds a voucher and redeems with a consent its owner key signed, directly and relayed", async function () {
      const f = await networkHelpers.loadFixture(walletFixture);
      expect(await f.ledger.balanceOf(f.wallet, f.walletVoucher)).to.equal(FACE);
      const a = await makeConsent(f, f.walletVoucher, 1000n, 1);
      await expect(f.ledger.connect(f.supplier).redeem(a, await signConsent(f, a, f.owner)))
        .to.emit(f.ledger, "VoucherRedeemed")
        .withArgs(f.walletVoucher, f.programme, f.entities.supplier, f.wallet, f.entities.startup, await f.ledger.consentDigest(a), FACE - 1000n, ...Array(10).fill(anyValue));
      const b = await makeConsent(f, f.walletVoucher, 2000n, 2);
      const data = f.ledger.interface.encodeFunctionData("redeem", [b, await signConsent(f, b, f.owner)]);
      await (await f.forwarder.connect(f.relayer).execute(await forward(f, f.supplier, data))).wait();
      expect(await f.ledger.balanceOf(f.wallet, f.walletVoucher)).to.equal(FACE - 3000n);
    });

    it("refuses a consent for the wallet signed by another key, or by the holder of another voucher", async function () {
      const f = await networkHelpers.loadFixture(walletFixture);
      const consent = await makeConsent(f, f.walletVoucher, 1000n, 1);
      for (const signer of [f.holder, f.stranger, f.supplier]) {
        await expectRedemptionRefused(f, { consent, signature: await signConsent(f, consent, signer) }, "VoucherLedgerInvalidConsent", [
          f.walletVoucher,
          f.wallet,
        ]);
      }
      // the wallet's owner key is not a holder in its own right
      const own = await makeConsent(f, f.id, 1000n, 1);
      await expectRedemptionRefused(f, { consent: own, signature: await signConsent(f, own, f.owner) }, "VoucherLedgerInvalidConsent", [f.id, f.holder.address]);
    });

    it("takes a voucher re-issued to the wallet, which accepts ERC-1155 tokens", async function () {
      const f = await networkHelpers.loadFixture(walletFixture);
      await (await f.ledger.connect(f.issuer).requestReissue(f.id, f.wallet, encodeBytes32String("lost-key"))).wait();
      await (await f.ledger.connect(f.governor).approveReissue(f.id)).wait();
      expect(await f.ledger.balanceOf(f.wallet, f.id)).to.equal(FACE);
      const consent = await makeConsent(f, f.id, 1000n, 3);
      await (await f.ledger.connect(f.supplier).redeem(consent, await signConsent(f, consent, f.owner))).wait();
      expect(await f.ledger.balanceOf(f.wallet, f.id)).to.equal(FACE - 1000n);
    });
  });
});
