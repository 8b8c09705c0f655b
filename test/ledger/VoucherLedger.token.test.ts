import { expect } from "chai";
import { encodeBytes32String, Interface } from "ethers";
import { network } from "hardhat";

import { CNY, deploySchemeFixture, issueVoucher, signedConsent } from "../helpers/scheme-fixture.js";

const { ethers, networkHelpers } = await network.create();

const FACE = 1_000_000n * CNY;
const BASE_URI = "https://vouchers.example.gov.cn/metadata/";

/** The fixture with two vouchers: CNY 1m for the start-up's first address, CNY 0.5m for the other company. */
async function tokenFixture() {
  const f = await deploySchemeFixture(ethers);
  const id = await issueVoucher(f, "HZ-0001", FACE);
  const other = await issueVoucher(f, "HZ-0002", FACE / 2n, f.otherHolder.address);
  return { ...f, id, other };
}

function load() {
  return networkHelpers.loadFixture(tokenFixture);
}

/** The ERC-165 id of an interface: the XOR of its functions' selectors. */
function interfaceId(signatures: string[]): string {
  const iface = new Interface(signatures.map((s) => `function ${s}`));
  let id = 0n;
  iface.forEachFunction((fn) => (id ^= BigInt(fn.selector)));
  return `0x${id.toString(16).padStart(8, "0")}`;
}

const IERC1155 = interfaceId([
  "balanceOf(address,uint256)",
  "balanceOfBatch(address[],uint256[])",
  "setApprovalForAll(address,bool)",
  "isApprovedForAll(address,address)",
  "safeTransferFrom(address,address,uint256,uint256,bytes)",
  "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)",
]);
const IERC1155_METADATA_URI = interfaceId(["uri(uint256)"]);
const IERC6268 = interfaceId(["locked(uint256)"]);
const IERC165 = interfaceId(["supportsInterface(bytes4)"]);

describe("VoucherLedger: the token", function () {
  describe("ERC-1155 balances", function () {
    it("reads a holder's balance of a voucher as its remaining value, and 0 for anyone else", async function () {
      const f = await load();
      expect(await f.ledger.balanceOf(f.holder.address, f.id)).to.equal(FACE);
      for (const account of [f.holder2.address, f.otherHolder.address, f.supplier.address, ethers.ZeroAddress]) {
        expect(await f.ledger.balanceOf(account, f.id)).to.equal(0n);
      }
      expect(await f.ledger.balanceOf(f.holder.address, 12345n)).to.equal(0n);
      const { consent, signature } = await signedConsent(f, f.id, 1000n, 1);
      await (await f.ledger.connect(f.supplier).redeem(consent, signature)).wait();
      expect(await f.ledger.balanceOf(f.holder.address, f.id)).to.equal(FACE - 1000n);
    });

    it("reads balances in batches, pair by pair, and refuses arrays of different lengths", async function () {
      const f = await load();
      const accounts = [f.holder.address, f.otherHolder.address, f.holder.address, f.otherHolder.address];
      const ids = [f.id, f.other, f.other, f.id];
      expect(await f.ledger.balanceOfBatch(accounts, ids)).to.deep.equal([FACE, FACE / 2n, 0n, 0n]);
      expect(await f.ledger.balanceOfBatch([], [])).to.deep.equal([]);
      await expect(f.ledger.balanceOfBatch([f.holder.address], [f.id, f.other]))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerBatchLength")
        .withArgs(1, 2);
    });
  });

  describe("non-transferable", function () {
    it("refuses every transfer, by the holder or anyone, of any amount", async function () {
      const f = await load();
      for (const caller of [f.holder, f.issuer, f.governor]) {
        await expect(f.ledger.connect(caller).safeTransferFrom(f.holder.address, f.holder2.address, f.id, 1n, "0x"))
          .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNonTransferable")
          .withArgs(f.holder.address, f.holder2.address, f.id);
      }
      await expect(f.ledger.connect(f.holder).safeTransferFrom(f.holder.address, f.holder2.address, f.id, 0n, "0x"))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNonTransferable")
        .withArgs(f.holder.address, f.holder2.address, f.id);
      await expect(f.ledger.connect(f.holder).safeBatchTransferFrom(f.holder.address, f.holder2.address, [f.id, f.other], [1n, 1n], "0x"))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNonTransferable")
        .withArgs(f.holder.address, f.holder2.address, f.id);
      await expect(f.ledger.connect(f.holder).safeBatchTransferFrom(f.holder.address, f.holder2.address, [], [], "0x"))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNonTransferable")
        .withArgs(f.holder.address, f.holder2.address, 0n);
      expect(await f.ledger.balanceOf(f.holder.address, f.id)).to.equal(FACE);
    });

    it("refuses operator approvals and reports none", async function () {
      const f = await load();
      await expect(f.ledger.connect(f.holder).setApprovalForAll(f.supplier.address, true))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerApprovalDisabled")
        .withArgs(f.holder.address, f.supplier.address);
      expect(await f.ledger.isApprovedForAll(f.holder.address, f.supplier.address)).to.equal(false);
      expect(await f.ledger.isApprovedForAll(f.holder.address, f.holder.address)).to.equal(false);
    });

    it("emits Locked at issue and reports every voucher locked (ERC-6268), an unknown id reverting", async function () {
      const f = await load();
      const ref = encodeBytes32String("HZ-0003");
      await expect(f.ledger.connect(f.issuer).issue(f.programme, { holder: f.holder.address, applicationRef: ref, faceValue: 1n, expiresAt: 0 }))
        .to.emit(f.ledger, "Locked")
        .withArgs(await f.ledger.voucherId(f.programme, ref));
      expect(await f.ledger.locked(f.id)).to.equal(true);
      await (await f.ledger.connect(f.issuer).revoke(f.other, ref)).wait();
      expect(await f.ledger.locked(f.other)).to.equal(true);
      await expect(f.ledger.locked(42n)).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerUnknownVoucher").withArgs(42n);
    });

    it("refuses to issue to a contract address that does not accept ERC-1155 tokens", async function () {
      const f = await load();
      const bare = await ethers.deployContract("BareERC1155");
      const address = await bare.getAddress();
      await (await f.registry.connect(f.governor).addAddress(f.entities.startup, address, encodeBytes32String("contract"))).wait();
      await expect(f.ledger.connect(f.issuer).issue(f.programme, { holder: address, applicationRef: encodeBytes32String("X"), faceValue: 1n, expiresAt: 0 }))
        .to.be.revertedWithCustomError(f.core, "ERC1155InvalidReceiver")
        .withArgs(address);
    });
  });

  describe("metadata and introspection", function () {
    it("builds a voucher's URI from the base URI and its id in decimal, and the governor may change the base", async function () {
      const f = await load();
      expect(await f.ledger.uri(f.id)).to.equal(`${BASE_URI}${f.id.toString()}`);
      await expect(f.ledger.connect(f.governor).setBaseURI("ipfs://vouchers/"))
        .to.emit(f.ledger, "BaseURISet")
        .withArgs("ipfs://vouchers/", f.governor.address);
      expect(await f.ledger.uri(7n)).to.equal("ipfs://vouchers/7");
    });

    it("supports ERC-165, ERC-1155, its metadata URI extension and ERC-6268, and nothing else", async function () {
      const f = await load();
      expect([IERC1155, IERC1155_METADATA_URI, IERC6268, IERC165]).to.deep.equal(["0xd9b67a26", "0x0e89341c", "0xb45a3c0e", "0x01ffc9a7"]);
      for (const id of [IERC1155, IERC1155_METADATA_URI, IERC6268, IERC165]) {
        expect(await f.ledger.supportsInterface(id), id).to.equal(true);
      }
      for (const id of ["0xffffffff", "0x80ac58cd", "0x36372b07", "0x00000000"]) {
        expect(await f.ledger.supportsInterface(id), id).to.equal(false);
      }
    });

    it("names its currency and registry, and the EIP-712 domain the holders sign for", async function () {
      const f = await load();
      expect(await f.ledger.currency()).to.equal("CNY");
      expect(await f.ledger.decimals()).to.equal(2n);
      expect(await f.ledger.registry()).to.equal(await f.registry.getAddress());
      expect(await f.ledger.extension()).to.equal(f.extension);
      const d = await f.ledger.eip712Domain();
      const { chainId } = await ethers.provider.getNetwork();
      expect([d.name, d.version, d.chainId, d.verifyingContract]).to.deep.equal(["VoucherLedger", "2", chainId, await f.ledger.getAddress()]);
    });
  });
});
