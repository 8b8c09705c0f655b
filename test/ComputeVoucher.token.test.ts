import { expect } from "chai";
import { network } from "hardhat";

import { CNY, deploySchemeFixture, issueVoucher } from "./helpers/fixture.js";

const { ethers, networkHelpers } = await network.create();
const scheme = () => deploySchemeFixture(ethers);

/** ERC-165 interface ids, computed from the function selectors they are defined by. */
function interfaceId(signatures: string[]): string {
  const id = signatures.map((s) => BigInt(ethers.id(s).slice(0, 10))).reduce((a, b) => a ^ b, 0n);
  return ethers.toBeHex(id, 4);
}
const IERC165 = interfaceId(["supportsInterface(bytes4)"]);
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

describe("ComputeVoucher: token", function () {
  it("is denominated in the currency and minor unit fixed at deployment", async function () {
    const { ledger } = await networkHelpers.loadFixture(scheme);
    expect(await ledger.currency()).to.equal("CNY");
    expect(await ledger.decimals()).to.equal(2n);
  });

  it("refuses every transfer, by the holder or anyone, single or batch", async function () {
    const f = await networkHelpers.loadFixture(scheme);
    const id = await issueVoucher(f, "APP-1");
    const asHolder = f.ledger.connect(f.holder);
    await expect(asHolder.safeTransferFrom(f.holder.address, f.otherHolder.address, id, 1n, "0x"))
      .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherNonTransferable")
      .withArgs(f.holder.address, f.otherHolder.address, id);
    await expect(asHolder.safeBatchTransferFrom(f.holder.address, f.otherHolder.address, [id], [1n], "0x"))
      .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherNonTransferable")
      .withArgs(f.holder.address, f.otherHolder.address, id);
    await expect(asHolder.safeBatchTransferFrom(f.holder.address, f.otherHolder.address, [], [], "0x"))
      .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherNonTransferable")
      .withArgs(f.holder.address, f.otherHolder.address, 0n);
    await expect(
      f.ledger.connect(f.stranger).safeTransferFrom(f.holder.address, f.stranger.address, id, 1n, "0x"),
    ).to.be.revertedWithCustomError(f.ledger, "ERC1155MissingApprovalForAll");
    expect(await f.ledger.balanceOf(f.holder.address, id)).to.equal(1_000_000n * CNY);
  });

  it("refuses approvals", async function () {
    const f = await networkHelpers.loadFixture(scheme);
    await expect(f.ledger.connect(f.holder).setApprovalForAll(f.stranger.address, true))
      .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherApprovalDisabled")
      .withArgs(f.holder.address, f.stranger.address);
    expect(await f.ledger.isApprovedForAll(f.holder.address, f.stranger.address)).to.equal(false);
  });

  it("reports every issued voucher locked (ERC-6268) and reverts for an id never issued", async function () {
    const f = await networkHelpers.loadFixture(scheme);
    const id = await issueVoucher(f, "APP-1");
    expect(await f.ledger.locked(id)).to.equal(true);
    await expect(f.ledger.locked(id + 1n))
      .to.be.revertedWithCustomError(f.ledger, "ComputeVoucherUnknownVoucher")
      .withArgs(id + 1n);
    await expect(f.ledger.getVoucher(id + 1n)).to.be.revertedWithCustomError(f.ledger, "ComputeVoucherUnknownVoucher");
  });

  it("answers ERC-165 for ERC-165, ERC-1155, its metadata URI extension and ERC-6268, and nothing else", async function () {
    const { ledger } = await networkHelpers.loadFixture(scheme);
    expect(IERC165).to.equal("0x01ffc9a7");
    expect(IERC1155).to.equal("0xd9b67a26");
    expect(IERC6268).to.equal("0xb45a3c0e");
    for (const id of [IERC165, IERC1155, IERC1155_METADATA_URI, IERC6268]) {
      expect(await ledger.supportsInterface(id)).to.equal(true, id);
    }
    expect(await ledger.supportsInterface("0xffffffff")).to.equal(false);
    expect(await ledger.supportsInterface("0x12345678")).to.equal(false);
  });

  it("reads balances in batch", async function () {
    const f = await networkHelpers.loadFixture(scheme);
    const a = await issueVoucher(f, "APP-1", 10n);
    const b = await issueVoucher(f, "APP-2", 20n, f.otherHolder.address);
    expect(await f.ledger.balanceOfBatch([f.holder.address, f.otherHolder.address, f.holder.address], [a, b, b])).to.deep.equal([
      10n,
      20n,
      0n,
    ]);
  });

  it("knows its authority and trusted forwarder", async function () {
    const { ledger, manager, forwarder, stranger } = await networkHelpers.loadFixture(scheme);
    expect(await ledger.authority()).to.equal(await manager.getAddress());
    expect(await ledger.isTrustedForwarder(await forwarder.getAddress())).to.equal(true);
    expect(await ledger.trustedForwarder()).to.equal(await forwarder.getAddress());
    await expect(ledger.connect(stranger).setAuthority(stranger.address))
      .to.be.revertedWithCustomError(ledger, "AccessManagedUnauthorized")
      .withArgs(stranger.address);
  });
});
