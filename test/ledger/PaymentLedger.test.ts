import { expect } from "chai";
import { encodeBytes32String, id as keccakText } from "ethers";
import { network } from "hardhat";

import {
  CNY,
  addBuyerProgramme,
  deploySchemeFixture,
  issueVoucher,
  signedClaim,
  signedConsent,
  submitClaim,
} from "../helpers/scheme-fixture.js";

const { ethers, networkHelpers } = await network.create();

const FACE = 1_000_000n * CNY;
const REDEEMED = 300_000n * CNY;
const CLAIMED = 200_000n * CNY;
const REASON = encodeBytes32String("entered-in-error");
const CLAW = encodeBytes32String("red-letter");
/** IPaymentLedger.EntryKind. */
const KIND = { PAYMENT: 1n, REPAYMENT: 2n } as const;
const ref = (n: number) => keccakText(`salt:bank-transfer-${n}`);

/**
 * The scheme fixture with something to pay: the supplier redeemed CNY 300k under the suppliers' programme (invoice
 * 1), and the start-up's claim of CNY 200k under a buyers' programme (invoice 2) was approved.
 */
async function paymentsFixture() {
  const f = await deploySchemeFixture(ethers);
  const buyers = await addBuyerProgramme(f);
  const hz = await issueVoucher(f, "HZ-0001", FACE);
  const r = await signedConsent(f, hz, REDEEMED, 1);
  await (await f.ledger.connect(f.supplier).redeem(r.consent, r.signature)).wait();
  const bj = await issueVoucher(f, "BJ-0001", FACE, f.holder.address, 0n, buyers);
  const { claim, signature } = await signedClaim(f, bj, CLAIMED, 2);
  const claimId = await submitClaim(f, claim, signature);
  await (await f.ledger.connect(f.issuer).approveClaim(claimId)).wait();
  const book = f.payments.connect(f.finance);
  return { ...f, buyers, hz, bj, claimId, book, hash1: r.consent.invoiceNumberHash };
}
type PaymentsFixture = Awaited<ReturnType<typeof paymentsFixture>>;

function load(): Promise<PaymentsFixture> {
  return networkHelpers.loadFixture(paymentsFixture);
}

/** Per programme and payee: earned = (paid - repaid) + payable - receivable; never both payable and receivable. */
async function expectBalanced(f: PaymentsFixture, programme: bigint, payee: bigint) {
  const earned = await f.ledger.earned(programme, payee);
  const [paid, repaid] = await f.payments.netPaid(programme, payee);
  const payable = await f.payments.payableTo(programme, payee);
  const receivable = await f.payments.receivable(programme, payee);
  expect(earned, "earned = netPaid + payable - receivable").to.equal(paid - repaid + payable - receivable);
  expect(payable === 0n || receivable === 0n, "payable and receivable at once").to.equal(true);
  expect(receivable, "receivable at most what clawbacks reversed").to.be.at.most(await f.ledger.clawedBackFrom(programme, payee));
  return { earned, paid, repaid, payable, receivable };
}

describe("PaymentLedger", function () {
  it("knows its ledger and starts with no entries", async function () {
    const f = await load();
    expect(await f.payments.ledger()).to.equal(await f.ledger.getAddress());
    expect(await f.payments.entryCount()).to.equal(0n);
    await expect(f.payments.getEntry(1)).to.be.revertedWithCustomError(f.payments, "PaymentLedgerUnknownEntry").withArgs(1);
    expect(await f.payments.payableTo(f.programme, f.entities.supplier)).to.equal(REDEEMED);
    expect(await f.payments.payableTo(f.buyers, f.entities.startup)).to.equal(CLAIMED);
  });

  describe("payments", function () {
    it("records a payment within what is payable, with everything a statement needs", async function () {
      const f = await load();
      expect(await f.book.recordPayment.staticCall(f.programme, f.entities.supplier, f.year, 100_000n * CNY, ref(1))).to.equal(1n);
      const tx = await f.book.recordPayment(f.programme, f.entities.supplier, f.year, 100_000n * CNY, ref(1));
      await expect(tx)
        .to.emit(f.payments, "PaymentRecorded")
        .withArgs(1n, f.programme, f.entities.supplier, f.year, 100_000n * CNY, ref(1), f.finance.address);
      const e = await f.payments.getEntry(1);
      const at = BigInt((await tx.getBlock())!.timestamp);
      expect([e.kind, e.programme, e.payee, e.year, e.amount, e.recordedAt, e.corrected, e.referenceCommitment]).to.deep.equal([
        KIND.PAYMENT,
        f.programme,
        f.entities.supplier,
        BigInt(f.year),
        100_000n * CNY,
        at,
        false,
        ref(1),
      ]);
      expect(await f.payments.entryCount()).to.equal(1n);
      expect(await f.payments.netPaid(f.programme, f.entities.supplier)).to.deep.equal([100_000n * CNY, 0n]);
      expect(await f.payments.payableTo(f.programme, f.entities.supplier)).to.equal(200_000n * CNY);
      await expectBalanced(f, f.programme, f.entities.supplier);
    });

    it("pays a buyer its approved claims, and keeps each payee's book to itself", async function () {
      const f = await load();
      await (await f.book.recordPayment(f.buyers, f.entities.startup, f.year, CLAIMED, ref(1))).wait();
      expect(await f.payments.payableTo(f.buyers, f.entities.startup)).to.equal(0n);
      expect(await f.payments.payableTo(f.programme, f.entities.supplier)).to.equal(REDEEMED);
      await expectBalanced(f, f.buyers, f.entities.startup);
      await expectBalanced(f, f.programme, f.entities.supplier);
    });

    it("refuses a payment above what is payable, with what is", async function () {
      const f = await load();
      const cases: [bigint, bigint, bigint, bigint][] = [
        [f.programme, f.entities.supplier, REDEEMED + 1n, REDEEMED],
        // what a payee earned under one programme is not payable under another
        [f.buyers, f.entities.supplier, 1n, 0n],
        [f.programme, f.entities.startup, 1n, 0n],
        // a company that earned nothing
        [f.programme, f.entities.company, 1n, 0n],
      ];
      for (const [programme, payee, amount, available] of cases) {
        await expect(f.book.recordPayment(programme, payee, f.year, amount, ref(1)))
          .to.be.revertedWithCustomError(f.payments, "PaymentLedgerExceedsPayable")
          .withArgs(programme, payee, amount, available);
      }
      await (await f.book.recordPayment(f.programme, f.entities.supplier, f.year, 200_000n * CNY, ref(1))).wait();
      await (await f.book.recordPayment(f.programme, f.entities.supplier, f.year, 100_000n * CNY, ref(2))).wait();
      await expect(f.book.recordPayment(f.programme, f.entities.supplier, f.year, 1n, ref(3)))
        .to.be.revertedWithCustomError(f.payments, "PaymentLedgerExceedsPayable")
        .withArgs(f.programme, f.entities.supplier, 1n, 0n);
      expect(await f.payments.entryCount()).to.equal(2n);
    });

    it("refuses a zero amount, and a year that is not one of the programme's", async function () {
      const f = await load();
      await expect(f.book.recordPayment(f.programme, f.entities.supplier, f.year, 0n, ref(1))).to.be.revertedWithCustomError(f.payments, "PaymentLedgerInvalidAmount");
      await expect(f.book.recordRepayment(f.programme, f.entities.supplier, f.year, 0n, ref(1))).to.be.revertedWithCustomError(f.payments, "PaymentLedgerInvalidAmount");
      for (const [programme, year] of [
        [f.programme, f.year - 1],
        [f.programme, f.year + 3],
        [99n, f.year],
      ] as const) {
        await expect(f.book.recordPayment(programme, f.entities.supplier, year, 1n, ref(1)))
          .to.be.revertedWithCustomError(f.payments, "PaymentLedgerInvalidYear")
          .withArgs(programme, year);
        await expect(f.book.recordRepayment(programme, f.entities.supplier, year, 1n, ref(1)))
          .to.be.revertedWithCustomError(f.payments, "PaymentLedgerInvalidYear")
          .withArgs(programme, year);
      }
      // the programme's last year is one of its years
      await (await f.book.recordPayment(f.programme, f.entities.supplier, f.year + 2, 1n, ref(1))).wait();
      expect(await f.payments.entryCount()).to.equal(1n);
    });

    it("lets only FINANCE record payments, repayments and corrections", async function () {
      const f = await load();
      await (await f.book.recordPayment(f.programme, f.entities.supplier, f.year, 1n, ref(1))).wait();
      for (const caller of [f.admin, f.governor, f.issuer, f.auditor, f.guardian, f.supplier, f.holder, f.stranger]) {
        const book = f.payments.connect(caller);
        for (const call of [
          () => book.recordPayment(f.programme, f.entities.supplier, f.year, 1n, ref(2)),
          () => book.recordRepayment(f.programme, f.entities.supplier, f.year, 1n, ref(2)),
          () => book.correctEntry(1, REASON),
        ]) {
          await expect(call()).to.be.revertedWithCustomError(f.payments, "AccessManagedUnauthorized").withArgs(caller.address);
        }
      }
      expect(await f.payments.entryCount()).to.equal(1n);
    });
  });

  describe("clawbacks and repayments", function () {
    it("cancels what is payable by a clawback before payment", async function () {
      const f = await load();
      await (await f.ledger.connect(f.governor).clawBackRedemption(f.hz, f.entities.supplier, f.hash1, 100_000n * CNY, CLAW)).wait();
      expect(await f.payments.payableTo(f.programme, f.entities.supplier)).to.equal(200_000n * CNY);
      await expect(f.book.recordPayment(f.programme, f.entities.supplier, f.year, 200_001n * CNY, ref(1)))
        .to.be.revertedWithCustomError(f.payments, "PaymentLedgerExceedsPayable")
        .withArgs(f.programme, f.entities.supplier, 200_001n * CNY, 200_000n * CNY);
      await expectBalanced(f, f.programme, f.entities.supplier);
    });

    it("makes a clawback after payment receivable, which a repayment settles, and refuses a repayment above it", async function () {
      const f = await load();
      await expect(f.book.recordRepayment(f.programme, f.entities.supplier, f.year, 1n, ref(1)))
        .to.be.revertedWithCustomError(f.payments, "PaymentLedgerExceedsReceivable")
        .withArgs(f.programme, f.entities.supplier, 1n, 0n);
      await (await f.book.recordPayment(f.programme, f.entities.supplier, f.year, REDEEMED, ref(1))).wait();
      await (await f.ledger.connect(f.governor).clawBackRedemption(f.hz, f.entities.supplier, f.hash1, 100_000n * CNY, CLAW)).wait();
      expect(await expectBalanced(f, f.programme, f.entities.supplier)).to.deep.include({ payable: 0n, receivable: 100_000n * CNY });
      await expect(f.book.recordRepayment(f.programme, f.entities.supplier, f.year, 100_001n * CNY, ref(2)))
        .to.be.revertedWithCustomError(f.payments, "PaymentLedgerExceedsReceivable")
        .withArgs(f.programme, f.entities.supplier, 100_001n * CNY, 100_000n * CNY);
      await expect(f.book.recordRepayment(f.programme, f.entities.supplier, f.year, 60_000n * CNY, ref(2)))
        .to.emit(f.payments, "RepaymentRecorded")
        .withArgs(2n, f.programme, f.entities.supplier, f.year, 60_000n * CNY, ref(2), f.finance.address);
      expect((await f.payments.getEntry(2)).kind).to.equal(KIND.REPAYMENT);
      expect(await f.payments.netPaid(f.programme, f.entities.supplier)).to.deep.equal([REDEEMED, 60_000n * CNY]);
      expect(await expectBalanced(f, f.programme, f.entities.supplier)).to.deep.include({ receivable: 40_000n * CNY });
      await (await f.book.recordRepayment(f.programme, f.entities.supplier, f.year, 40_000n * CNY, ref(3))).wait();
      expect(await expectBalanced(f, f.programme, f.entities.supplier)).to.deep.include({ payable: 0n, receivable: 0n });
    });

    it("does the same for a buyer's approved claim", async function () {
      const f = await load();
      await (await f.book.recordPayment(f.buyers, f.entities.startup, f.year, CLAIMED, ref(1))).wait();
      await (await f.ledger.connect(f.governor).clawBackClaim(f.claimId, 50_000n * CNY, CLAW)).wait();
      expect(await expectBalanced(f, f.buyers, f.entities.startup)).to.deep.include({ earned: 150_000n * CNY, receivable: 50_000n * CNY });
      await (await f.book.recordRepayment(f.buyers, f.entities.startup, f.year, 50_000n * CNY, ref(2))).wait();
      expect(await expectBalanced(f, f.buyers, f.entities.startup)).to.deep.include({ receivable: 0n, payable: 0n });
    });
  });

  describe("corrections", function () {
    it("reverses a payment by a correction with a reason: it stays on record, and the amount is payable again", async function () {
      const f = await load();
      await (await f.book.recordPayment(f.programme, f.entities.supplier, f.year, 100_000n * CNY, ref(1))).wait();
      await expect(f.book.correctEntry(1, REASON))
        .to.emit(f.payments, "EntryCorrected")
        .withArgs(1n, f.programme, f.entities.supplier, KIND.PAYMENT, 100_000n * CNY, REASON, f.finance.address);
      const e = await f.payments.getEntry(1);
      expect([e.kind, e.amount, e.corrected]).to.deep.equal([KIND.PAYMENT, 100_000n * CNY, true]);
      expect(await f.payments.netPaid(f.programme, f.entities.supplier)).to.deep.equal([0n, 0n]);
      expect(await f.payments.payableTo(f.programme, f.entities.supplier)).to.equal(REDEEMED);
      await (await f.book.recordPayment(f.programme, f.entities.supplier, f.year, REDEEMED, ref(2))).wait();
      await expectBalanced(f, f.programme, f.entities.supplier);
    });

    it("reverses a repayment by a correction: what it settled is receivable again, as the clawback left it", async function () {
      const f = await load();
      await (await f.book.recordPayment(f.programme, f.entities.supplier, f.year, REDEEMED, ref(1))).wait();
      await (await f.ledger.connect(f.governor).clawBackRedemption(f.hz, f.entities.supplier, f.hash1, 100_000n * CNY, CLAW)).wait();
      await (await f.book.recordRepayment(f.programme, f.entities.supplier, f.year, 100_000n * CNY, ref(2))).wait();
      expect(await expectBalanced(f, f.programme, f.entities.supplier)).to.deep.include({ receivable: 0n });
      await expect(f.book.correctEntry(2, REASON))
        .to.emit(f.payments, "EntryCorrected")
        .withArgs(2n, f.programme, f.entities.supplier, KIND.REPAYMENT, 100_000n * CNY, REASON, f.finance.address);
      expect(await expectBalanced(f, f.programme, f.entities.supplier)).to.deep.include({ payable: 0n, receivable: 100_000n * CNY });
      await (await f.book.recordRepayment(f.programme, f.entities.supplier, f.year, 100_000n * CNY, ref(3))).wait();
      expect(await expectBalanced(f, f.programme, f.entities.supplier)).to.deep.include({ receivable: 0n });
    });

    it("undoes a payment and then the repayment that followed its clawback: the payee is owed what it still earned", async function () {
      const f = await load();
      await (await f.book.recordPayment(f.programme, f.entities.supplier, f.year, REDEEMED, ref(1))).wait();
      await (await f.ledger.connect(f.governor).clawBackRedemption(f.hz, f.entities.supplier, f.hash1, 100_000n * CNY, CLAW)).wait();
      await (await f.book.recordRepayment(f.programme, f.entities.supplier, f.year, 100_000n * CNY, ref(2))).wait();
      await (await f.book.correctEntry(1, REASON)).wait();
      // the payment never happened: what the supplier repaid is owed back to it, with what it still earned
      expect(await expectBalanced(f, f.programme, f.entities.supplier)).to.deep.include({ payable: REDEEMED, receivable: 0n });
      await (await f.book.correctEntry(2, REASON)).wait();
      expect(await expectBalanced(f, f.programme, f.entities.supplier)).to.deep.include({ payable: 200_000n * CNY, receivable: 0n });
    });

    it("corrects an entry once, and refuses an unknown entry", async function () {
      const f = await load();
      await (await f.book.recordPayment(f.programme, f.entities.supplier, f.year, 1n, ref(1))).wait();
      await (await f.book.correctEntry(1, REASON)).wait();
      await expect(f.book.correctEntry(1, REASON)).to.be.revertedWithCustomError(f.payments, "PaymentLedgerAlreadyCorrected").withArgs(1n);
      for (const id of [0n, 2n]) {
        await expect(f.book.correctEntry(id, REASON)).to.be.revertedWithCustomError(f.payments, "PaymentLedgerUnknownEntry").withArgs(id);
      }
    });
  });

  it("keeps earned = netPaid + payable - receivable, per programme and payee, through every reversal", async function () {
    const f = await load();
    const g = f.ledger.connect(f.governor);
    const books: [bigint, bigint][] = [
      [f.programme, f.entities.supplier],
      [f.buyers, f.entities.startup],
    ];
    const steps: (() => Promise<unknown>)[] = [
      () => f.book.recordPayment(f.programme, f.entities.supplier, f.year, 120_000n * CNY, ref(1)), // 1
      () => f.book.recordPayment(f.buyers, f.entities.startup, f.year, CLAIMED, ref(2)), // 2
      () => g.clawBackRedemption(f.hz, f.entities.supplier, f.hash1, 100_000n * CNY, CLAW), // before payment (of the rest)
      () => g.clawBackClaim(f.claimId, 80_000n * CNY, CLAW), // after payment
      () => f.book.recordPayment(f.programme, f.entities.supplier, f.year, 80_000n * CNY, ref(3)), // 3: all that is left
      () => g.clawBackRedemption(f.hz, f.entities.supplier, f.hash1, 150_000n * CNY, CLAW), // after payment
      () => f.book.recordRepayment(f.programme, f.entities.supplier, f.year, 100_000n * CNY, ref(4)), // 4
      () => f.book.recordRepayment(f.buyers, f.entities.startup, f.year, 80_000n * CNY, ref(5)), // 5
      () => f.book.correctEntry(3, REASON),
      () => f.book.correctEntry(4, REASON),
      () => f.book.correctEntry(5, REASON),
      () => f.book.recordRepayment(f.buyers, f.entities.startup, f.year, 80_000n * CNY, ref(6)), // 6
      () => f.book.correctEntry(2, REASON),
      async () => {
        // new earnings after the reversals
        const r = await signedConsent(f, f.hz, 100_000n * CNY, 9);
        return f.ledger.connect(f.supplier).redeem(r.consent, r.signature);
      },
      () => f.book.recordPayment(f.programme, f.entities.supplier, f.year, 20_000n * CNY, ref(7)),
    ];
    for (const [i, step] of steps.entries()) {
      await (await (step() as Promise<{ wait(): Promise<unknown> }>)).wait();
      for (const [programme, payee] of books) {
        const b = await expectBalanced(f, programme, payee);
        expect(b.paid - b.repaid, `step ${i}: paid net of repayments within what was earned before clawbacks`).to.be.at.most(
          b.earned + (await f.ledger.clawedBackFrom(programme, payee)),
        );
      }
    }
    expect(await expectBalanced(f, f.programme, f.entities.supplier)).to.deep.equal({
      earned: 150_000n * CNY, paid: 140_000n * CNY, repaid: 0n, payable: 10_000n * CNY, receivable: 0n,
    });
    expect(await expectBalanced(f, f.buyers, f.entities.startup)).to.deep.equal({
      earned: 120_000n * CNY, paid: 0n, repaid: 80_000n * CNY, payable: 200_000n * CNY, receivable: 0n,
    });
  });
});
