import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { encodeBytes32String, id as keccakText, ZeroHash } from "ethers";
import { network } from "hardhat";

import { dayNumber, instantOfDate, invoiceNumberHash } from "../../service/domain/identity.js";
import { applyScheme, openSchemeChain } from "../../scripts/lib/schemes/apply.js";
import { SchemeFileError } from "../../scripts/lib/schemes/load.js";
import { loadSchemes, schemeFiles } from "../../scripts/tasks/actions/scheme.js";
import {
  CATEGORY,
  CLASS,
  CNY,
  DAY,
  type ClaimOverrides,
  deploySchemeFixture,
  invoiceNumber,
  issueVoucher,
  signedClaim,
  signedConsentForShare,
  submitClaim,
} from "../helpers/scheme-fixture.js";
import {
  type AppliedSchemes,
  BEFORE_ALL_SCHEMES,
  deployAndApplySchemes,
  rejection,
  SCHEME_NAMES,
  SCHEMES_DIR,
  variant,
  withIssuers,
} from "../helpers/schemes.js";

const { ethers, networkHelpers } = await network.create({ override: { initialDate: BEFORE_ALL_SCHEMES } });
const { time } = networkHelpers;

const applied = () => deployAndApplySchemes(ethers);
const fresh = () => deploySchemeFixture(ethers);

/** 10:00 China Standard Time on a date. */
const at = (date: string) => time.increaseTo(instantOfDate(date) + 10n * 3600n);

/** A voucher of `face` CNY under `programme`, to the start-up's first address unless `holder` is given. */
const issue = (s: AppliedSchemes, programme: bigint, ref: string, face: bigint, holder = s.f.holder.address) =>
  issueVoucher(s.f, ref, face * CNY, holder, 0n, programme);

/** Redeems `bps` of an invoice of `total` CNY from voucher `id`, by the accredited supplier. */
async function redeem(
  s: AppliedSchemes,
  id: bigint,
  total: bigint,
  bps: number,
  invoice: number,
  overrides: Parameters<typeof signedConsentForShare>[5] = {},
  signer = s.f.holder,
) {
  const { consent, signature } = await signedConsentForShare(s.f, id, total * CNY, bps, invoice, overrides, signer);
  return s.f.ledger.connect(s.f.supplier).redeem(consent, signature);
}

/**
 * A claim by the holder of voucher `id` for `bps` of an invoice of `total` CNY it paid the accredited supplier in full
 * (the amount rounded down to the fen), with the supplier's signed attestation.
 */
function claimOf(s: AppliedSchemes, id: bigint, total: bigint, bps: number, invoice: number, overrides: ClaimOverrides = {}) {
  const amount = (total * CNY * BigInt(bps)) / 10_000n;
  return signedClaim(s.f, id, amount, invoice, { ...overrides, attestation: { invoiceTotal: total * CNY, ...overrides.attestation } });
}

/** Submits a claim made by {@link claimOf} as the start-up's first address. */
async function claim(s: AppliedSchemes, id: bigint, total: bigint, bps: number, invoice: number, overrides: ClaimOverrides = {}) {
  const { claim, signature } = await claimOf(s, id, total, bps, invoice, overrides);
  return s.f.ledger.connect(s.f.holder).submitClaim(claim, signature);
}

/** The evidence Qingyang asks of every redemption and claim: metered electricity and a third party's assessment. */
const QINGYANG_EVIDENCE = {
  contractCommitment: keccakText("salt:contract"),
  invoiceCommitment: keccakText("salt:invoice"),
  paymentCommitment: keccakText("salt:payment"),
  electricityKwh: 1_200_000n,
  assessmentCommitment: keccakText("salt:assessment"),
};

describe("scheme files (conformance)", function () {
  describe("applying the files", function () {
    it("registers every file's programmes with their rules, ratios and budgets", async function () {
      const s = await networkHelpers.loadFixture(applied);
      for (const name of SCHEME_NAMES) {
        expect(s.first[name].transactions.length, name).to.equal(s.first[name].changes.length).and.to.be.above(0);
        for (const [i, p] of s.schemes[name].programmes.entries()) {
          const id = s.first[name].programmes[i]!.id!;
          const [rules, paused, ratios] = await s.f.registry.getProgramme(id);
          expect(rules.name).to.equal(p.rules.name);
          expect([rules.region, rules.firstYear, rules.capPerCompany]).to.deep.equal([
            BigInt(p.rules.region),
            BigInt(p.rules.firstYear),
            p.rules.capPerCompany,
          ]);
          expect(paused).to.equal(false);
          expect(ratios.length).to.equal(p.ratios.length);
          for (const b of p.budgets) expect((await s.f.ledger.getPeriod(id, b.year)).budget).to.equal(b.budget);
          expect(await s.f.registry.isIssuer(s.f.issuer.address, id)).to.equal(true);
        }
      }
      expect(await s.f.registry.className(3)).to.equal("大模型服务");
      expect(await s.f.ledger.ratioOf(s.programmes.hangzhou, CLASS.DOMESTIC, CATEGORY.STARTUP)).to.equal(3000n);
      expect(await s.f.ledger.ratioOf(s.programmes.xuhui, CLASS.DOMESTIC, CATEGORY.OTHER)).to.equal(0n);
    });

    it("writes each file's payment model: who is paid, the suppliers' first window, the review window and the lapse rule", async function () {
      const s = await networkHelpers.loadFixture(applied);
      // payees, suppliers' first days, review window, lapse approves, and the redemption terms' PAYS_SUPPLIER | PAYS_BUYER bits
      const expected: [bigint, [bigint, bigint, bigint, boolean], bigint][] = [
        [s.programmes.beijing, [2n, 0n, 30n * DAY, false], 64n],
        [s.programmes.qingyang, [3n, 30n, 30n * DAY, false], 96n],
        [s.programmes.hangzhou, [1n, 0n, 0n, false], 32n],
      ];
      for (const [id, [payees, firstDays, review, lapseApproves], flags] of expected) {
        const [rules] = await s.f.registry.getProgramme(id);
        expect([rules.payees, rules.supplierFirstDays, rules.reviewWindow, rules.lapseApproves], rules.name).to.deep.equal([payees, firstDays, review, lapseApproves]);
        const terms = await s.f.ledger.getClaimTerms(id);
        expect([terms.reviewWindow, terms.supplierFirstDays, terms.lapseApproves], rules.name).to.deep.equal([review, firstDays, lapseApproves]);
        expect((await s.f.ledger.getRedemptionTerms(id, CLASS.DOMESTIC)).flags & 96n, rules.name).to.equal(flags);
      }
      const [qingyang] = await s.f.registry.getProgramme(s.programmes.qingyang);
      expect([qingyang.region, qingyang.needsElectricity, qingyang.needsAssessment, qingyang.capPerCompany]).to.deep.equal([621000n, true, true, 0n]);
    });

    it("sends nothing when every file is applied a second time", async function () {
      const s = await networkHelpers.loadFixture(applied);
      const block = await ethers.provider.getBlockNumber();
      for (const name of SCHEME_NAMES) {
        for (const scheme of [s.schemes[name], withIssuers(s.schemes[name], [s.f.issuer.address])]) {
          const again = await applyScheme(s.chain, scheme);
          expect(again.changes, scheme.source).to.deep.equal([]);
          expect(again.transactions).to.deep.equal([]);
        }
      }
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("refuses a file with a mistake, naming the field and its line, and sends nothing of the files with it", async function () {
      const f = await networkHelpers.loadFixture(fresh);
      const dir = await mkdtemp(join(tmpdir(), "schemes-"));
      try {
        await writeFile(join(dir, "vocabulary.json"), await readFile(join(SCHEMES_DIR, "vocabulary.json")));
        await writeFile(join(dir, "a-good.json"), await readFile(join(SCHEMES_DIR, "chengdu.json")));
        const text = await readFile(join(SCHEMES_DIR, "hangzhou.json"), "utf8");
        await writeFile(join(dir, "b-bad.json"), text.replace('"perCompany": "8000000.00"', '"perCompany": "8,000,000"'));
        const line = text.split("\n").findIndex((l) => l.includes('"perCompany"')) + 1;
        const count = await f.registry.programmeCount();
        const block = await ethers.provider.getBlockNumber();
        const error = await rejection(
          (async () => {
            const schemes = await loadSchemes(await schemeFiles(dir));
            const chain = await openSchemeChain({ runner: f.governor, ledger: await f.ledger.getAddress() });
            for (const scheme of schemes) await applyScheme(chain, scheme);
          })(),
        );
        expect(error).to.be.instanceOf(SchemeFileError);
        expect((error).message).to.contain(`line ${line}, programmes[0].cap.perCompany: must be an amount in CNY`);
        expect(await f.registry.programmeCount()).to.equal(count);
        expect(await ethers.provider.getBlockNumber()).to.equal(block);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("refuses a file the chain cannot take before sending any of it", async function () {
      const s = await networkHelpers.loadFixture(applied);
      const shorter = variant(s.schemes.hangzhou, (file) => {
        file.programmes[0]!.fiscalYears.pop();
        file.programmes[0]!.cap = { perCompany: "9000000.00", period: "fiscal-year" };
      });
      const block = await ethers.provider.getBlockNumber();
      expect((await rejection(applyScheme(s.chain, shorter))).message).to.match(/lists 2 fiscal years, programme #\d+ has 3 on chain/);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });
  });

  describe("Hangzhou", function () {
    it("pays 30% on a domestic compute invoice and 20% on another, and refuses 31%", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2024-08-01");
      const id = await issue(s, s.programmes.hangzhou, "HZ-2024-0001", 2_000_000n);
      await redeem(s, id, 1_000_000n, 3000, 1, { computeClass: CLASS.DOMESTIC });
      await redeem(s, id, 1_000_000n, 2000, 2, { computeClass: CLASS.OTHER });
      await expect(redeem(s, id, 1_000_000n, 3100, 3, { computeClass: CLASS.DOMESTIC }))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerOverRatio")
        .withArgs(310_000n * CNY, 1_000_000n * CNY, 3000);
      await expect(redeem(s, id, 1_000_000n, 2100, 4, { computeClass: CLASS.OTHER }))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerOverRatio")
        .withArgs(210_000n * CNY, 1_000_000n * CNY, 2000);
      expect((await s.f.ledger.getVoucher(id)).remaining).to.equal(1_500_000n * CNY);
    });
  });

  describe("Shenzhen", function () {
    it("pays 60% for a start-up and 50% otherwise", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2025-03-01");
      const startup = await issue(s, s.programmes.shenzhen, "SZ-0001", 2_000_000n);
      const other = await issue(s, s.programmes.shenzhen, "SZ-0002", 2_000_000n, s.f.otherHolder.address);
      await redeem(s, startup, 1_000_000n, 6000, 1);
      await redeem(s, other, 1_000_000n, 5000, 2, {}, s.f.otherHolder);
      await expect(redeem(s, other, 1_000_000n, 6000, 3, {}, s.f.otherHolder))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerOverRatio")
        .withArgs(600_000n * CNY, 1_000_000n * CNY, 5000);
      await expect(redeem(s, startup, 1_000_000n, 6001, 4))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerOverRatio")
        .withArgs(600_100n * CNY, 1_000_000n * CNY, 6000);
    });

    it("caps a company at CNY 10m over the scheme's life, not per year", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2025-03-01");
      await issue(s, s.programmes.shenzhen, "SZ-0001", 6_000_000n);
      await issue(s, s.programmes.shenzhen, "SZ-0002", 4_000_000n, s.f.holder2.address);
      await at("2026-02-01");
      await expect(issue(s, s.programmes.shenzhen, "SZ-0003", 1n))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerCapExceeded")
        .withArgs(s.programmes.shenzhen, s.f.entities.startup, 1n * CNY, 0n);
    });
  });

  describe("Beijing", function () {
    it("refuses a second municipal programme for the same company (exclusive group)", async function () {
      const s = await networkHelpers.loadFixture(applied);
      const other = withIssuers(
        variant(s.schemes.beijing, (file) => {
          file.programmes[0]!.name = { zh: "北京市其他市级智能算力补贴（示例）", en: "another Beijing municipal compute subsidy (example)" };
        }),
        [s.f.issuer.address],
      );
      const result = await applyScheme(s.chain, other);
      const second = result.programmes[0]!.id!;
      await at("2023-10-15");
      await issue(s, s.programmes.beijing, "BJ-0001", 500_000n);
      for (const [i, holder] of [s.f.holder.address, s.f.holder2.address].entries()) {
        await expect(issue(s, second, `BJ-X-000${i}`, 500_000n, holder))
          .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerExclusiveProgramme")
          .withArgs(s.f.entities.startup, 1_100_001, s.programmes.beijing);
      }
      await issue(s, second, "BJ-X-0009", 500_000n, s.f.otherHolder.address);
    });

    it("reimburses the buyer: a supplier's redemption is refused", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2023-10-15");
      const id = await issue(s, s.programmes.beijing, "BJ-0001", 500_000n);
      await expect(redeem(s, id, 1_000_000n, 2000, 1))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerPayeeNotAllowed")
        .withArgs(s.programmes.beijing, 1);
    });

    it("refuses a claim on an invoice of a supplier related to the buyer", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2023-10-15");
      const id = await issue(s, s.programmes.beijing, "BJ-0001", 500_000n);
      await (await s.f.registry.connect(s.f.governor).recordRelation(s.f.entities.startup, s.f.entities.supplier, encodeBytes32String("shareholder"))).wait();
      await expect(claim(s, id, 1_000_000n, 2000, 1))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerRelatedParties")
        .withArgs(s.f.entities.startup, s.f.entities.supplier);
    });

    it("refuses a claim on a contract signed before 2023-09-01, and takes one signed on it", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2023-10-15");
      const id = await issue(s, s.programmes.beijing, "BJ-0001", 500_000n);
      await expect(claim(s, id, 1_000_000n, 2000, 1, { claim: { contractDay: dayNumber("2023-08-31") } }))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerContractTooEarly")
        .withArgs(s.programmes.beijing, dayNumber("2023-08-31"), dayNumber("2023-09-01"));
      await expect(claim(s, id, 1_000_000n, 2000, 1, { claim: { contractDay: dayNumber("2023-09-01") } })).to.emit(s.f.ledger, "ClaimSubmitted");
    });

    /** A Beijing claim of 20% of a CNY 1m invoice, approved by the issuer: CNY 200k owed to the start-up. */
    async function approvedBeijingClaim(s: AppliedSchemes) {
      await at("2023-10-15");
      const id = await issue(s, s.programmes.beijing, "BJ-0001", 500_000n);
      await expect(claim(s, id, 1_000_000n, 2001, 1))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerOverRatio")
        .withArgs(200_100n * CNY, 1_000_000n * CNY, 2000);
      const { claim: c, signature } = await claimOf(s, id, 1_000_000n, 2000, 1);
      const claimId = await submitClaim(s.f, c, signature);
      await (await s.f.ledger.connect(s.f.issuer).approveClaim(claimId)).wait();
      return { id, claimId };
    }

    it("approves a buyer's claim, and the finance bureau pays the buyer", async function () {
      const s = await networkHelpers.loadFixture(applied);
      const { id } = await approvedBeijingClaim(s);
      const [beijing, buyer] = [s.programmes.beijing, s.f.entities.startup];
      expect(await s.f.ledger.earned(beijing, buyer)).to.equal(200_000n * CNY);
      expect(await s.f.ledger.balanceOf(s.f.holder.address, id)).to.equal(300_000n * CNY);
      expect(await s.f.payments.payableTo(beijing, buyer)).to.equal(200_000n * CNY);
      await expect(s.f.payments.connect(s.f.finance).recordPayment(beijing, buyer, 2023, 200_000n * CNY, keccakText("salt:transfer-1")))
        .to.emit(s.f.payments, "PaymentRecorded")
        .withArgs(1n, beijing, buyer, 2023, 200_000n * CNY, keccakText("salt:transfer-1"), s.f.finance.address);
      expect(await s.f.payments.payableTo(beijing, buyer)).to.equal(0n);
      expect(await s.f.payments.netPaid(beijing, buyer)).to.deep.equal([200_000n * CNY, 0n]);
      // the supplier earned nothing under Beijing's programme: it was the buyer's invoice
      expect(await s.f.payments.payableTo(beijing, s.f.entities.supplier)).to.equal(0n);
    });

    it("refuses a payment above what is payable to the buyer", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await approvedBeijingClaim(s);
      const [beijing, buyer] = [s.programmes.beijing, s.f.entities.startup];
      const book = s.f.payments.connect(s.f.finance);
      await expect(book.recordPayment(beijing, buyer, 2023, 200_000n * CNY + 1n, keccakText("salt:transfer-1")))
        .to.be.revertedWithCustomError(s.f.payments, "PaymentLedgerExceedsPayable")
        .withArgs(beijing, buyer, 200_000n * CNY + 1n, 200_000n * CNY);
      await (await book.recordPayment(beijing, buyer, 2023, 150_000n * CNY, keccakText("salt:transfer-1"))).wait();
      await expect(book.recordPayment(beijing, buyer, 2023, 50_000n * CNY + 1n, keccakText("salt:transfer-2")))
        .to.be.revertedWithCustomError(s.f.payments, "PaymentLedgerExceedsPayable")
        .withArgs(beijing, buyer, 50_000n * CNY + 1n, 50_000n * CNY);
    });

    it("makes a payment corrected by the finance bureau payable again", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await approvedBeijingClaim(s);
      const [beijing, buyer] = [s.programmes.beijing, s.f.entities.startup];
      const book = s.f.payments.connect(s.f.finance);
      await (await book.recordPayment(beijing, buyer, 2023, 200_000n * CNY, keccakText("salt:transfer-1"))).wait();
      const reason = encodeBytes32String("wrong-account");
      await expect(book.correctEntry(1, reason))
        .to.emit(s.f.payments, "EntryCorrected")
        .withArgs(1n, beijing, buyer, 1, 200_000n * CNY, reason, s.f.finance.address);
      expect(await s.f.payments.payableTo(beijing, buyer)).to.equal(200_000n * CNY);
      await (await book.recordPayment(beijing, buyer, 2023, 200_000n * CNY, keccakText("salt:transfer-2"))).wait();
      expect(await s.f.payments.payableTo(beijing, buyer)).to.equal(0n);
    });

    it("lets a claim nobody decided within 30 days lapse, its value back on the voucher", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2023-10-15");
      const id = await issue(s, s.programmes.beijing, "BJ-0001", 500_000n);
      const { claim: c, signature } = await claimOf(s, id, 1_000_000n, 2000, 1);
      const claimId = await submitClaim(s.f, c, signature);
      const until = (await s.f.ledger.getClaim(claimId)).submittedAt + 30n * DAY;
      await time.increaseTo(until);
      await expect(s.f.ledger.connect(s.f.issuer).approveClaim(claimId))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerReviewClosed")
        .withArgs(claimId, until);
      await expect(s.f.ledger.connect(s.f.stranger).settleClaim(claimId))
        .to.emit(s.f.ledger, "ClaimRejected")
        .withArgs(claimId, s.programmes.beijing, 200_000n * CNY, true, encodeBytes32String("lapsed"), s.f.stranger.address);
      expect(await s.f.ledger.balanceOf(s.f.holder.address, id)).to.equal(500_000n * CNY);
    });

    it("caps a company at CNY 2m a year over its addresses", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2023-10-15");
      await issue(s, s.programmes.beijing, "BJ-0001", 1_500_000n);
      await issue(s, s.programmes.beijing, "BJ-0002", 500_000n, s.f.holder2.address);
      await expect(issue(s, s.programmes.beijing, "BJ-0003", 1n))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerCapExceeded")
        .withArgs(s.programmes.beijing, s.f.entities.startup, 1n * CNY, 0n);
      await at("2024-01-02");
      await issue(s, s.programmes.beijing, "BJ-2024-0001", 2_000_000n);
    });
  });

  describe("one invoice, one payee, across programmes (Hangzhou pays suppliers, Beijing buyers)", function () {
    it("refuses a buyer's claim on an invoice its supplier already redeemed", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2024-08-01");
      const hz = await issue(s, s.programmes.hangzhou, "HZ-0001", 1_000_000n);
      const bj = await issue(s, s.programmes.beijing, "BJ-0001", 1_000_000n);
      await redeem(s, hz, 1_000_000n, 3000, 1);
      const key = await s.f.ledger.invoiceKey(s.f.entities.supplier, invoiceNumberHash(invoiceNumber(1)));
      await expect(claim(s, bj, 1_000_000n, 2000, 1)).to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerInvoiceRedeemed").withArgs(key);
      expect(await s.f.ledger.balanceOf(s.f.holder.address, bj)).to.equal(1_000_000n * CNY);
    });

    it("refuses a redemption while a claim on the same invoice is pending", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2024-08-01");
      const hz = await issue(s, s.programmes.hangzhou, "HZ-0001", 1_000_000n);
      const bj = await issue(s, s.programmes.beijing, "BJ-0001", 1_000_000n);
      await claim(s, bj, 1_000_000n, 2000, 1);
      const key = await s.f.ledger.invoiceKey(s.f.entities.supplier, invoiceNumberHash(invoiceNumber(1)));
      await expect(redeem(s, hz, 1_000_000n, 3000, 1)).to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerInvoiceClaimed").withArgs(key);
      expect(await s.f.ledger.balanceOf(s.f.holder.address, hz)).to.equal(1_000_000n * CNY);
    });
  });

  describe("Qingyang", function () {
    it("lets suppliers apply first: the buyer may not claim within 30 days after the service ended, and may after", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2024-06-01");
      const id = await issue(s, s.programmes.qingyang, "QY-0001", 1_000_000n);
      const service = { serviceFromDay: dayNumber("2024-05-01"), serviceToDay: dayNumber("2024-05-31") };
      const { claim: c, signature } = await claimOf(s, id, 1_000_000n, 3000, 1, { claim: { evidence: QINGYANG_EVIDENCE }, attestation: service });
      const claimableFrom = instantOfDate("2024-07-01");
      await expect(s.f.ledger.connect(s.f.holder).submitClaim(c, signature))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerSuppliersFirst")
        .withArgs(s.programmes.qingyang, claimableFrom);
      // meanwhile the supplier redeems another invoice of the same month
      await redeem(s, id, 1_000_000n, 3000, 2, { ...service, evidence: QINGYANG_EVIDENCE });
      await time.setNextBlockTimestamp(claimableFrom - 1n);
      await expect(s.f.ledger.connect(s.f.holder).submitClaim(c, signature))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerSuppliersFirst")
        .withArgs(s.programmes.qingyang, claimableFrom);
      await time.setNextBlockTimestamp(claimableFrom);
      await expect(s.f.ledger.connect(s.f.holder).submitClaim(c, signature)).to.emit(s.f.ledger, "ClaimSubmitted");
    });

    it("refuses a redemption without metered electricity or a third party's assessment, and takes one with both", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2024-06-01");
      const id = await issue(s, s.programmes.qingyang, "QY-0001", 1_000_000n);
      const q = s.programmes.qingyang;
      await expect(redeem(s, id, 1_000_000n, 3000, 1, { evidence: { ...QINGYANG_EVIDENCE, electricityKwh: 0n } }))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerEvidenceMissing")
        .withArgs(q, 2);
      await expect(redeem(s, id, 1_000_000n, 3000, 1, { evidence: { ...QINGYANG_EVIDENCE, assessmentCommitment: ZeroHash } }))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerEvidenceMissing")
        .withArgs(q, 3);
      await expect(redeem(s, id, 1_000_000n, 3000, 1, { evidence: QINGYANG_EVIDENCE })).to.emit(s.f.ledger, "VoucherRedeemed");
    });

    it("pays the buyer or the supplier, never both: a claim on an invoice its supplier redeemed, and a redemption of a claimed one, are refused", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2024-08-01");
      const id = await issue(s, s.programmes.qingyang, "QY-0001", 1_000_000n);
      const service = { serviceFromDay: dayNumber("2024-06-01"), serviceToDay: dayNumber("2024-06-30") };
      const key = (n: number) => s.f.ledger.invoiceKey(s.f.entities.supplier, invoiceNumberHash(invoiceNumber(n)));
      await redeem(s, id, 1_000_000n, 3000, 1, { ...service, evidence: QINGYANG_EVIDENCE });
      await expect(claim(s, id, 1_000_000n, 3000, 1, { claim: { evidence: QINGYANG_EVIDENCE }, attestation: service }))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerInvoiceRedeemed")
        .withArgs(await key(1));
      await claim(s, id, 1_000_000n, 3000, 2, { claim: { evidence: QINGYANG_EVIDENCE }, attestation: service });
      await expect(redeem(s, id, 1_000_000n, 3000, 2, { ...service, evidence: QINGYANG_EVIDENCE }))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerInvoiceClaimed")
        .withArgs(await key(2));
    });
  });

  describe("Shanghai, city and district", function () {
    it("pays the city's 30% and the district's 70% on one invoice in the first year: 100% together", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2025-08-01");
      const city = await issue(s, s.programmes.shanghai, "SH-0001", 1_000_000n);
      const district = await issue(s, s.programmes.xuhui, "XH-0001", 1_000_000n);
      await expect(redeem(s, city, 1_000_000n, 3001, 1))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerOverRatio")
        .withArgs(300_100n * CNY, 1_000_000n * CNY, 3000);
      await redeem(s, city, 1_000_000n, 3000, 1);
      await expect(redeem(s, district, 1_000_000n, 7001, 1))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerOverRatio")
        .withArgs(700_100n * CNY, 1_000_000n * CNY, 7000);
      await redeem(s, district, 1_000_000n, 7000, 1);
      const key = await s.f.ledger.invoiceKey(s.f.entities.supplier, invoiceNumberHash(invoiceNumber(1)));
      const invoice = await s.f.ledger.getInvoice(key);
      expect([invoice.total, invoice.subsidised, invoice.count]).to.deep.equal([1_000_000n * CNY, 1_000_000n * CNY, 2n]);
    });

    it("pays the district's top-up to start-ups only", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2025-08-01");
      const district = await issue(s, s.programmes.xuhui, "XH-0001", 1_000_000n, s.f.otherHolder.address);
      await expect(redeem(s, district, 1_000_000n, 7000, 1, {}, s.f.otherHolder))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerIneligible")
        .withArgs(s.programmes.xuhui, CLASS.DOMESTIC, CATEGORY.OTHER);
    });

    it("stops the district's top-up a year after the company's first district voucher; the city's 30% goes on", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2025-08-01");
      await issue(s, s.programmes.xuhui, "XH-0001", 100_000n);
      await at("2026-09-01");
      const city = await issue(s, s.programmes.shanghai, "SH-2026-0001", 1_000_000n);
      const district = await issue(s, s.programmes.xuhui, "XH-2026-0001", 1_000_000n);
      const lastDay = dayNumber("2025-08-01") + 365 - 1;
      await expect(redeem(s, district, 1_000_000n, 7000, 1))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerOutsideEntityWindow")
        .withArgs(s.programmes.xuhui, s.f.entities.startup, dayNumber("2026-08-31"), lastDay);
      await redeem(s, city, 1_000_000n, 3000, 1);
    });
  });

  describe("Chengdu 2025", function () {
    it("pays 60% of a purchase, not more", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2025-06-01");
      const id = await issue(s, s.programmes.chengdu, "CD-0001", 2_000_000n);
      await redeem(s, id, 1_000_000n, 6000, 1, { computeClass: CLASS.DOMESTIC });
      await redeem(s, id, 1_000_000n, 6000, 2, { computeClass: CLASS.OTHER });
      await expect(redeem(s, id, 1_000_000n, 6100, 3))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerOverRatio")
        .withArgs(610_000n * CNY, 1_000_000n * CNY, 6000);
    });

    it("caps a buyer at CNY 5m a year, summed over its vouchers and addresses", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2025-06-01");
      await issue(s, s.programmes.chengdu, "CD-0001", 3_000_000n);
      await issue(s, s.programmes.chengdu, "CD-0002", 2_000_000n, s.f.holder2.address);
      await expect(issue(s, s.programmes.chengdu, "CD-0003", 1n, s.f.holder2.address))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerCapExceeded")
        .withArgs(s.programmes.chengdu, s.f.entities.startup, 1n * CNY, 0n);
      await issue(s, s.programmes.chengdu, "CD-0004", 5_000_000n, s.f.otherHolder.address);
      await at("2026-01-05");
      await issue(s, s.programmes.chengdu, "CD-2026-0001", 5_000_000n);
    });
  });

  describe("Henan, province and city", function () {
    it("pays 10% from the province and 10% from the city on one invoice, 20% together, and refuses 11% from either", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2025-10-01");
      const province = await issue(s, s.programmes.henan, "HA-0001", 500_000n);
      const city = await issue(s, s.programmes.zhengzhou, "ZZ-0001", 500_000n);
      await expect(redeem(s, province, 1_000_000n, 1100, 1))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerOverRatio")
        .withArgs(110_000n * CNY, 1_000_000n * CNY, 1000);
      await redeem(s, province, 1_000_000n, 1000, 1);
      await expect(redeem(s, city, 1_000_000n, 1100, 1))
        .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerOverRatio")
        .withArgs(110_000n * CNY, 1_000_000n * CNY, 1000);
      await redeem(s, city, 1_000_000n, 1000, 1);
    });

    it("caps a company at CNY 1m a year from both halves, summed over two vouchers and two addresses of each", async function () {
      const s = await networkHelpers.loadFixture(applied);
      await at("2025-10-01");
      for (const [programme, prefix] of [
        [s.programmes.henan, "HA"],
        [s.programmes.zhengzhou, "ZZ"],
      ] as const) {
        await issue(s, programme, `${prefix}-0001`, 300_000n);
        await issue(s, programme, `${prefix}-0002`, 200_000n, s.f.holder2.address);
        for (const holder of [s.f.holder.address, s.f.holder2.address]) {
          await expect(issue(s, programme, `${prefix}-0003`, 1n, holder))
            .to.be.revertedWithCustomError(s.f.ledger, "VoucherLedgerCapExceeded")
            .withArgs(programme, s.f.entities.startup, 1n * CNY, 0n);
        }
      }
      const tally = async (programme: bigint) => (await s.f.ledger.getTally(s.f.entities.startup, programme)).committed;
      expect((await tally(s.programmes.henan)) + (await tally(s.programmes.zhengzhou))).to.equal(1_000_000n * CNY);
      await at("2026-01-05");
      await issue(s, s.programmes.henan, "HA-2026-0001", 500_000n);
    });
  });
});
