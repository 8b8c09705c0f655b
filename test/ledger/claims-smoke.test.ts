import { network } from "hardhat";
import { expect } from "chai";
import { encodeBytes32String, id as keccakText, ZeroHash } from "ethers";

import { ATTESTATION_TYPES, type ClaimRequest } from "../../service/domain/consent.js";
import { dayOfInstant, invoiceNumberHash } from "../../service/domain/identity.js";
import { CLASS, CNY, DAY, FIXTURE_RATIOS, consentDomain, deploySchemeFixture, invoiceNumber, issueVoucher, now, programmeRules, signedConsent } from "../helpers/scheme-fixture.js";

const { ethers, networkHelpers } = await network.create();

async function fixture() {
  const f = await deploySchemeFixture(ethers);
  const t = await now(ethers);
  const r = f.registry.connect(f.governor);
  await (await r.registerProgramme(programmeRules(t, f.year, { name: "北京市算力补贴", region: 110000, payees: 2, reviewWindow: Number(7n * DAY) }), FIXTURE_RATIOS)).wait();
  const buyerProgramme = BigInt(await f.registry.programmeCount());
  for (let y = f.year; y < f.year + 3; y++) await (await f.ledger.connect(f.governor).setBudget(buyerProgramme, y, 100_000_000n * CNY, ZeroHash)).wait();
  await (await r.bindIssuer(f.issuer.address, buyerProgramme)).wait();
  await (await r.accredit(f.entities.supplier, buyerProgramme, t, t + 3n * 365n * DAY, 0b11)).wait();
  return { ...f, buyerProgramme };
}

describe("ledger v2: claims and payments (smoke)", () => {
  it("a buyer claims, an issuer approves, the finance bureau pays; a clawback after payment makes it receivable and a repayment settles it", async () => {
    const f = await networkHelpers.loadFixture(fixture);
    const id = await issueVoucher(f, "BJ-1", 1_000_000n * CNY, f.holder.address, 0n, f.buyerProgramme);
    const today = dayOfInstant(await now(ethers));
    const total = 1_000_000n * CNY;
    const attestation = {
      supplier: f.supplier.address, invoiceNumberHash: invoiceNumberHash(invoiceNumber(77)), invoiceTotal: total,
      computeClass: CLASS.DOMESTIC, serviceFromDay: today - 20, serviceToDay: today - 2, gpuCentihours: 50_000n,
      amountPaid: total, buyer: f.holder.address,
    };
    const signature = await f.supplier.signTypedData(await consentDomain(f), ATTESTATION_TYPES, attestation);
    expect(await f.ledger.attestationDigest(attestation)).to.equal(ethers.TypedDataEncoder.hash(await consentDomain(f), ATTESTATION_TYPES, attestation));
    const claim: ClaimRequest = {
      voucherId: id, amount: 300_000n * CNY, contractDay: today - 30, unrelated: true,
      evidence: { contractCommitment: keccakText("c"), invoiceCommitment: keccakText("i"), paymentCommitment: keccakText("p"), electricityKwh: 0n, assessmentCommitment: ZeroHash },
      attestation,
    };
    const tx = await f.ledger.connect(f.holder).submitClaim(claim, signature);
    console.log("claim submit gas", (await tx.wait())!.gasUsed);
    expect((await f.ledger.getVoucher(id)).remaining).to.equal(700_000n * CNY);
    expect((await f.ledger.programmeTotals(f.buyerProgramme)).held).to.equal(300_000n * CNY);
    // The supplier cannot redeem the buyer's invoice.
    const otherId = await issueVoucher(f, "HZ-9");
    const { consent, signature: cs } = await signedConsent(f, otherId, 1000n * CNY, 77);
    await expect(f.ledger.connect(f.supplier).redeem(consent, cs)).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerInvoiceClaimed");
    const approve = await f.ledger.connect(f.issuer).approveClaim(1);
    console.log("claim approve gas", (await approve.wait())!.gasUsed);
    const buyer = Number(f.entities.startup);
    expect(await f.ledger.earned(f.buyerProgramme, buyer)).to.equal(300_000n * CNY);
    await expect(f.payments.connect(f.finance).recordPayment(f.buyerProgramme, buyer, f.year, 300_001n * CNY, ZeroHash)).to.be.revertedWithCustomError(f.payments, "PaymentLedgerExceedsPayable");
    const pay = await f.payments.connect(f.finance).recordPayment(f.buyerProgramme, buyer, f.year, 300_000n * CNY, keccakText("transfer-1"));
    console.log("payment record gas", (await pay.wait())!.gasUsed);
    expect(await f.payments.payableTo(f.buyerProgramme, buyer)).to.equal(0n);
    await (await f.ledger.connect(f.governor).clawBackClaim(1, 100_000n * CNY, encodeBytes32String("red-letter"))).wait();
    expect(await f.payments.receivable(f.buyerProgramme, buyer)).to.equal(100_000n * CNY);
    expect((await f.ledger.getPeriod(f.buyerProgramme, f.year)).clawedBack).to.equal(100_000n * CNY);
    await (await f.payments.connect(f.finance).recordRepayment(f.buyerProgramme, buyer, f.year, 100_000n * CNY, keccakText("repay-1"))).wait();
    expect(await f.payments.receivable(f.buyerProgramme, buyer)).to.equal(0n);
    const totals = await f.ledger.programmeTotals(f.buyerProgramme);
    expect(totals.issued).to.equal(totals.redeemedBySuppliers + totals.claimedByBuyers + totals.held + totals.revoked + totals.expired + totals.outstanding);
  });
});
