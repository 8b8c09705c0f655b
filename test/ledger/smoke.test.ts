import { network } from "hardhat";
import { expect } from "chai";

import { CNY, deploySchemeFixture, issueVoucher, signedConsent } from "../helpers/scheme-fixture.js";

const { ethers, networkHelpers } = await network.create();

function fixture() {
  return deploySchemeFixture(ethers);
}

describe("ledger v2 smoke", () => {
  it("issues and redeems", async () => {
    const f = await networkHelpers.loadFixture(fixture);
    const id = await issueVoucher(f, "HZ-2026-0001");
    expect((await f.ledger.getVoucher(id)).remaining).to.equal(1_000_000n * CNY);
    const { consent, signature } = await signedConsent(f, id, 300_000n * CNY, 1);
    const tx = await f.ledger.connect(f.supplier).redeem(consent, signature);
    const receipt = await tx.wait();
    console.log("redeem gas", receipt!.gasUsed);
    expect((await f.ledger.getVoucher(id)).remaining).to.equal(700_000n * CNY);
    expect(await f.ledger.balanceOf(f.holder.address, id)).to.equal(700_000n * CNY);
    const totals = await f.ledger.programmeTotals(f.programme);
    expect([totals.issued, totals.redeemedBySuppliers, totals.outstanding]).to.deep.equal([1_000_000n * CNY, 300_000n * CNY, 700_000n * CNY]);
    await expect(f.ledger.connect(f.supplier).redeem(consent, signature)).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerInvoiceUsed");
  });
});
