import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { expect } from "chai";
import { ContractTransactionResponse, encodeBytes32String, TypedDataEncoder, ZeroHash } from "ethers";
import { network } from "hardhat";

import { CONSENT_TYPES, type Consent } from "../../service/domain/consent.js";
import { dayOfInstant, invoiceNumberHash } from "../../service/domain/identity.js";
import {
  CATEGORY,
  CLASS,
  CNY,
  DAY,
  ROLES,
  STATUS,
  YEAR,
  addEntity,
  addProgramme,
  appRef,
  consentDomain,
  creditCode,
  deploySchemeFixture,
  invoiceNumber,
  issueVoucher,
  makeConsent,
  now,
  signConsent,
  signedConsent,
  updateProgramme,
} from "../helpers/scheme-fixture.js";
import { expectRedemptionRefused, type RefusalCase, shouldRefuseRedemptions } from "./redemption.behavior.js";

const { ethers, networkHelpers } = await network.create();

const FACE = 1_000_000n * CNY;
const REASON = encodeBytes32String("audit");

/** The fixture with one voucher of CNY 1m, issued to the start-up's first address. */
async function voucherFixture() {
  const f = await deploySchemeFixture(ethers);
  const id = await issueVoucher(f, "HZ-0001", FACE);
  return { ...f, id };
}
type VoucherFixture = Awaited<ReturnType<typeof voucherFixture>>;

function load(): Promise<VoucherFixture> {
  return networkHelpers.loadFixture(voucherFixture);
}

async function today(): Promise<number> {
  return dayOfInstant(await now(ethers));
}

/** The fixture's supplier's key for an invoice number hash. */
function keyOf(f: VoucherFixture, hash: string, supplierEntity: bigint = f.entities.supplier): Promise<string> {
  return f.ledger.invoiceKey(supplierEntity, hash);
}

/** A consent as {@link signedConsent} makes it, for `amount` of the fixture's voucher on invoice `n`. */
function consentFor(f: VoucherFixture, amount: bigint, n: number, overrides: Partial<Consent> = {}) {
  return signedConsent(f, f.id, amount, n, overrides);
}

/** Refusals of a consent that is in order but for its signature: the holder's key, the ledger's domain. */
function invalidSignatures(cases: [string, (f: VoucherFixture, c: Consent) => Promise<string>][]): RefusalCase<VoucherFixture>[] {
  return cases.map(([title, sign]) => ({
    title,
    error: "VoucherLedgerInvalidConsent",
    async arrange(f) {
      const consent = await makeConsent(f, f.id, 1000n, 1);
      return { consent, signature: await sign(f, consent), args: [f.id, f.holder.address] };
    },
  }));
}

const REFUSALS: RefusalCase<VoucherFixture>[] = [
  {
    title: "an unknown voucher",
    error: "VoucherLedgerUnknownVoucher",
    async arrange(f) {
      const id = await f.ledger.voucherId(f.programme, appRef("never-issued"));
      return { ...(await signedConsent(f, id, 1000n, 1)), args: [id] };
    },
  },
  {
    title: "a fully redeemed voucher",
    error: "VoucherLedgerInactive",
    async arrange(f) {
      const all = await consentFor(f, FACE, 1);
      await (await f.ledger.connect(f.supplier).redeem(all.consent, all.signature)).wait();
      return { ...(await consentFor(f, 1n, 2)), args: [f.id, STATUS.REDEEMED] };
    },
  },
  {
    title: "a revoked voucher",
    error: "VoucherLedgerInactive",
    async arrange(f) {
      await (await f.ledger.connect(f.issuer).revoke(f.id, REASON)).wait();
      return { ...(await consentFor(f, 1000n, 1)), args: [f.id, STATUS.REVOKED] };
    },
  },
  {
    title: "a voucher closed as expired",
    error: "VoucherLedgerInactive",
    async arrange(f) {
      const t = await now(ethers);
      const id = await issueVoucher(f, "HZ-SHORT", FACE, f.holder.address, t + DAY);
      const attempt = await signedConsent(f, id, 1000n, 1, { deadline: t + 10n * DAY });
      await networkHelpers.time.increaseTo(t + DAY);
      await (await f.ledger.connect(f.stranger).expire(id)).wait();
      return { ...attempt, args: [id, STATUS.EXPIRED] };
    },
  },
  {
    title: "a frozen voucher",
    error: "VoucherLedgerFrozen",
    async arrange(f) {
      await (await f.ledger.connect(f.guardian).freeze(f.id, REASON)).wait();
      return { ...(await consentFor(f, 1000n, 1)), args: [f.id] };
    },
  },
  {
    title: "a voucher with a re-issue pending",
    error: "VoucherLedgerReissuePending",
    async arrange(f) {
      await (await f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, encodeBytes32String("lost-key"))).wait();
      return { ...(await consentFor(f, 1000n, 1)), args: [f.id] };
    },
  },
  {
    title: "a voucher past its expiry that nobody closed yet",
    error: "VoucherLedgerExpired",
    async arrange(f) {
      const t = await now(ethers);
      const id = await issueVoucher(f, "HZ-SHORT", FACE, f.holder.address, t + DAY);
      const attempt = await signedConsent(f, id, 1000n, 1, { deadline: t + 10n * DAY });
      await networkHelpers.time.increaseTo(t + DAY);
      return { ...attempt, args: [id, t + DAY] };
    },
  },
  {
    title: "a zero amount",
    error: "VoucherLedgerInvalidAmount",
    async arrange(f) {
      return { ...(await consentFor(f, 0n, 1, { invoiceTotal: 10_000n })), args: [0n, FACE] };
    },
  },
  {
    title: "more than the voucher has left",
    error: "VoucherLedgerInsufficientValue",
    async arrange(f) {
      return { ...(await consentFor(f, FACE + 1n, 1)), args: [f.id, FACE + 1n, FACE] };
    },
  },
  {
    title: "a caller other than the consent's supplier",
    error: "VoucherLedgerWrongSupplier",
    async arrange(f) {
      return { ...(await consentFor(f, 1000n, 1)), caller: f.otherSupplier, args: [f.supplier.address, f.otherSupplier.address] };
    },
  },
  {
    title: "a supplier with no accreditation for the programme",
    error: "VoucherLedgerNotAccredited",
    async arrange(f) {
      const attempt = await consentFor(f, 1000n, 1, { supplier: f.otherSupplier.address });
      return { ...attempt, caller: f.otherSupplier, args: [f.otherSupplier.address, f.programme] };
    },
  },
  {
    title: "a supplier whose accreditation is not in force yet",
    error: "VoucherLedgerNotAccredited",
    async arrange(f) {
      const t = await now(ethers);
      await (await f.registry.connect(f.governor).accredit(f.entities.supplier, f.programme, t + 2n * DAY, t + 3n * DAY, 0b11)).wait();
      return { ...(await consentFor(f, 1000n, 1)), args: [f.supplier.address, f.programme] };
    },
  },
  {
    title: "a supplier whose accreditation has ended",
    error: "VoucherLedgerNotAccredited",
    async arrange(f) {
      const t = await now(ethers);
      await (await f.registry.connect(f.governor).accredit(f.entities.supplier, f.programme, t, t + DAY, 0b11)).wait();
      const attempt = await consentFor(f, 1000n, 1, { deadline: t + 10n * DAY });
      await networkHelpers.time.increaseTo(t + DAY);
      return { ...attempt, args: [f.supplier.address, f.programme] };
    },
  },
  {
    title: "a suspended supplier",
    error: "VoucherLedgerNotAccredited",
    async arrange(f) {
      await (await f.registry.connect(f.guardian).suspend(f.entities.supplier, f.programme, REASON)).wait();
      return { ...(await consentFor(f, 1000n, 1)), args: [f.supplier.address, f.programme] };
    },
  },
  {
    title: "an address removed from the accredited supplier",
    error: "VoucherLedgerNotAccredited",
    async arrange(f) {
      await (await f.registry.connect(f.governor).removeAddress(f.supplier.address, REASON)).wait();
      return { ...(await consentFor(f, 1000n, 1)), args: [f.supplier.address, f.programme] };
    },
  },
  {
    title: "a compute class the supplier is not accredited for",
    error: "VoucherLedgerClassNotAccredited",
    async arrange(f) {
      const t = await now(ethers);
      await (await f.registry.connect(f.governor).accredit(f.entities.supplier, f.programme, t, t + YEAR, 0b01)).wait();
      const attempt = await consentFor(f, 1000n, 1, { computeClass: CLASS.OTHER, invoiceTotal: 5000n });
      return { ...attempt, args: [f.supplier.address, f.programme, CLASS.OTHER] };
    },
  },
  {
    title: "compute class 0",
    error: "VoucherLedgerClassNotAccredited",
    async arrange(f) {
      return { ...(await consentFor(f, 1000n, 1, { computeClass: 0 })), args: [f.supplier.address, f.programme, 0] };
    },
  },
  {
    title: "a compute class above 32",
    error: "VoucherLedgerClassNotAccredited",
    async arrange(f) {
      return { ...(await consentFor(f, 1000n, 1, { computeClass: 33 })), args: [f.supplier.address, f.programme, 33] };
    },
  },
  {
    title: "a paused programme",
    error: "VoucherLedgerProgrammePaused",
    async arrange(f) {
      await (await f.registry.connect(f.guardian).pauseProgramme(f.programme, REASON)).wait();
      return { ...(await consentFor(f, 1000n, 1)), args: [f.programme] };
    },
  },
  {
    title: "a redemption before the programme's window opens",
    error: "VoucherLedgerOutsideWindow",
    async arrange(f) {
      const t = await now(ethers);
      await updateProgramme(f, f.programme, { redeemFrom: t + 10n * DAY });
      const { redeemUntil } = await f.ledger.getRedemptionTerms(f.programme, CLASS.DOMESTIC);
      return { ...(await consentFor(f, 1000n, 1)), args: [f.programme, t + 10n * DAY, redeemUntil] };
    },
  },
  {
    title: "a redemption after the programme's window closed, on a voucher that has not expired",
    error: "VoucherLedgerOutsideWindow",
    async arrange(f) {
      const t = await now(ethers);
      await updateProgramme(f, f.programme, { redeemUntil: t + 2n * DAY });
      const terms = await f.ledger.getRedemptionTerms(f.programme, CLASS.DOMESTIC);
      const attempt = await consentFor(f, 1000n, 1, { deadline: t + 10n * DAY });
      await networkHelpers.time.increaseTo(t + 2n * DAY);
      return { ...attempt, args: [f.programme, terms.redeemFrom, t + 2n * DAY] };
    },
  },
  {
    title: "a contract signed before the programme's earliest day",
    error: "VoucherLedgerContractTooEarly",
    async arrange(f) {
      const d = await today();
      await updateProgramme(f, f.programme, { earliestContractDay: d - 20 });
      return { ...(await consentFor(f, 1000n, 1, { contractDay: d - 21 })), args: [f.programme, d - 21, d - 20] };
    },
  },
  {
    title: "a service period that ends before it starts",
    error: "VoucherLedgerInvalidServicePeriod",
    async arrange(f) {
      const d = await today();
      return { ...(await consentFor(f, 1000n, 1, { serviceFromDay: d, serviceToDay: d - 1 })), args: [d, d - 1] };
    },
  },
  {
    title: "a service period that ends past the last day number the ledger stores",
    error: "VoucherLedgerInvalidServicePeriod",
    async arrange(f) {
      const d = await today();
      return { ...(await consentFor(f, 1000n, 1, { serviceFromDay: d, serviceToDay: 65_536 })), args: [d, 65_536] };
    },
  },
  {
    title: "a compute invoice without metered GPU-hours",
    error: "VoucherLedgerEvidenceMissing",
    async arrange(f) {
      return { ...(await consentFor(f, 1000n, 1, { gpuCentihours: 0n })), args: [f.programme, 1] };
    },
  },
  {
    title: "no metered electricity where the programme requires it",
    error: "VoucherLedgerEvidenceMissing",
    async arrange(f) {
      const q = await addProgramme(f, { name: "庆阳算力券", region: 621000, needsElectricity: true, needsAssessment: true });
      const id = await issueVoucher(f, "QY-1", FACE, f.holder.address, 0n, q);
      const attempt = await signedConsent(f, id, 1000n, 1, {});
      return { ...attempt, args: [q, 2] };
    },
  },
  {
    title: "no third-party assessment where the programme requires it",
    error: "VoucherLedgerEvidenceMissing",
    async arrange(f) {
      const q = await addProgramme(f, { name: "庆阳算力券", region: 621000, needsElectricity: true, needsAssessment: true });
      const id = await issueVoucher(f, "QY-1", FACE, f.holder.address, 0n, q);
      const base = await makeConsent(f, id, 1000n, 1);
      const consent = { ...base, evidence: { ...base.evidence, electricityKwh: 5_000n } };
      return { consent, signature: await signConsent(f, consent), args: [q, 3] };
    },
  },
  {
    title: "a holder address removed from its company",
    error: "VoucherLedgerNotBeneficiary",
    async arrange(f) {
      await (await f.registry.connect(f.governor).removeAddress(f.holder.address, REASON)).wait();
      return { ...(await consentFor(f, 1000n, 1)), args: [f.holder.address] };
    },
  },
  {
    title: "a consent the holder cancelled (an old epoch)",
    error: "VoucherLedgerConsentCancelled",
    async arrange(f) {
      const attempt = await consentFor(f, 1000n, 1);
      await (await f.ledger.connect(f.holder).cancelConsents()).wait();
      return { ...attempt, args: [f.holder.address, 0, 1] };
    },
  },
  {
    title: "a consent that does not declare the parties unrelated",
    error: "VoucherLedgerUndeclaredRelation",
    async arrange(f) {
      return { ...(await consentFor(f, 1000n, 1, { unrelated: false })), args: [] };
    },
  },
  {
    title: "parties whose relation is on record",
    error: "VoucherLedgerRelatedParties",
    async arrange(f) {
      await (await f.registry.connect(f.governor).recordRelation(f.entities.startup, f.entities.supplier, REASON)).wait();
      return { ...(await consentFor(f, 1000n, 1)), args: [f.entities.startup, f.entities.supplier] };
    },
  },
  {
    title: "a supplier redeeming a voucher of its own company (a company registered in both roles)",
    error: "VoucherLedgerRelatedParties",
    async arrange(f) {
      const [asSupplier, asBuyer] = (await ethers.getSigners()).slice(12);
      const both = await addEntity(f, creditCode(70), ROLES.BENEFICIARY | ROLES.SUPPLIER, CATEGORY.OTHER, [asSupplier!.address, asBuyer!.address]);
      const t = await now(ethers);
      await (await f.registry.connect(f.governor).accredit(both, f.programme, t, t + YEAR, 0b11)).wait();
      const id = await issueVoucher(f, "SELF-1", FACE, asBuyer!.address);
      const attempt = await signedConsent(f, id, 1000n, 1, { supplier: asSupplier!.address }, asBuyer);
      return { ...attempt, caller: asSupplier!, args: [both, both] };
    },
  },
  {
    title: "a class and category the programme does not pay (ratio 0)",
    error: "VoucherLedgerIneligible",
    async arrange(f) {
      await f.registry.connect(f.governor).setRatios(f.programme, [
        { computeClass: CLASS.DOMESTIC, category: CATEGORY.OTHER, bps: 3000 },
        { computeClass: CLASS.OTHER, category: CATEGORY.STARTUP, bps: 2000 },
      ]);
      return { ...(await consentFor(f, 1000n, 1)), args: [f.programme, CLASS.DOMESTIC, CATEGORY.STARTUP] };
    },
  },
  {
    title: "an amount one fen above the programme's ratio of the invoice total",
    error: "VoucherLedgerOverRatio",
    async arrange(f) {
      return { ...(await consentFor(f, 30_001n, 1, { invoiceTotal: 100_000n })), args: [30_001n, 100_000n, 3000] };
    },
  },
  {
    title: "a zero invoice number hash",
    error: "VoucherLedgerInvalidInvoice",
    async arrange(f) {
      return { ...(await consentFor(f, 1000n, 1, { invoiceNumberHash: ZeroHash })), args: [] };
    },
  },
  {
    title: "an invoice this programme has paid already",
    error: "VoucherLedgerInvoiceUsed",
    async arrange(f) {
      const first = await consentFor(f, 1000n, 1);
      await (await f.ledger.connect(f.supplier).redeem(first.consent, first.signature)).wait();
      const again = await consentFor(f, 1000n, 1);
      return { ...again, args: [await keyOf(f, again.consent.invoiceNumberHash), f.programme] };
    },
  },
  {
    title: "an invoice total above what an invoice record holds (2^56 - 1)",
    error: "VoucherLedgerInvoiceMismatch",
    async arrange(f) {
      const attempt = await consentFor(f, 1000n, 1, { invoiceTotal: 2n ** 56n });
      return { ...attempt, args: [await keyOf(f, attempt.consent.invoiceNumberHash)] };
    },
  },
  {
    title: "GPU-hours above what an invoice record holds (2^40 - 1 hundredths)",
    error: "VoucherLedgerInvoiceMismatch",
    async arrange(f) {
      const attempt = await consentFor(f, 1000n, 1, { gpuCentihours: 2n ** 40n });
      return { ...attempt, args: [await keyOf(f, attempt.consent.invoiceNumberHash)] };
    },
  },
  {
    title: "a consent past its deadline",
    error: "VoucherLedgerConsentExpired",
    async arrange(f) {
      const t = await now(ethers);
      const attempt = await consentFor(f, 1000n, 1, { deadline: t + 100n });
      await networkHelpers.time.setNextBlockTimestamp(t + 101n);
      return { ...attempt, args: [t + 100n, t + 101n] };
    },
  },
  {
    title: "a consent deadline more than 90 days ahead",
    error: "VoucherLedgerConsentTooLong",
    async arrange(f) {
      const at = (await now(ethers)) + 10n;
      const attempt = await consentFor(f, 1000n, 1, { deadline: at + 90n * DAY + 1n });
      await networkHelpers.time.setNextBlockTimestamp(at);
      return { ...attempt, args: [at + 90n * DAY + 1n, at + 90n * DAY] };
    },
  },
  ...invalidSignatures([
    ["a consent signed by another company's address", (f, c) => signConsent(f, c, f.otherHolder)],
    ["a consent signed by the holder's own company's other address", (f, c) => signConsent(f, c, f.holder2)],
    ["a consent signed by the supplier itself", (f, c) => signConsent(f, c, f.supplier)],
    ["a consent signed for another chain id", async (f, c) => signConsent(f, c, f.holder, { ...(await consentDomain(f)), chainId: 1n })],
    [
      "a consent signed for another contract",
      async (f, c) => signConsent(f, c, f.holder, { ...(await consentDomain(f)), verifyingContract: await f.registry.getAddress() }),
    ],
    ["a consent signed for ledger v1's domain version", async (f, c) => signConsent(f, c, f.holder, { ...(await consentDomain(f)), version: "1" })],
    ["a malformed signature", async () => "0x1234"],
  ]),
];

/** Changes to a signed consent that pass every check before the signature's (the base total leaves room for 20%). */
const TAMPERINGS: [string, (c: Consent) => Consent][] = [
  ["amount", (c) => ({ ...c, amount: c.amount - 1n })],
  ["invoice total", (c) => ({ ...c, invoiceTotal: c.invoiceTotal + 1n })],
  ["invoice number", (c) => ({ ...c, invoiceNumberHash: invoiceNumberHash(invoiceNumber(999)) })],
  ["compute class", (c) => ({ ...c, computeClass: CLASS.OTHER })],
  ["first service day", (c) => ({ ...c, serviceFromDay: c.serviceFromDay - 1 })],
  ["last service day", (c) => ({ ...c, serviceToDay: c.serviceToDay - 1 })],
  ["GPU-hours", (c) => ({ ...c, gpuCentihours: c.gpuCentihours + 1n })],
  ["contract day", (c) => ({ ...c, contractDay: c.contractDay - 1 })],
  ["contract commitment", (c) => ({ ...c, evidence: { ...c.evidence, contractCommitment: ZeroHash } })],
  ["invoice document commitment", (c) => ({ ...c, evidence: { ...c.evidence, invoiceCommitment: ZeroHash } })],
  ["payment commitment", (c) => ({ ...c, evidence: { ...c.evidence, paymentCommitment: ZeroHash } })],
  ["electricity", (c) => ({ ...c, evidence: { ...c.evidence, electricityKwh: 1n } })],
  ["assessment commitment", (c) => ({ ...c, evidence: { ...c.evidence, assessmentCommitment: c.evidence.contractCommitment } })],
  ["deadline", (c) => ({ ...c, deadline: c.deadline + 1n })],
];

describe("VoucherLedger: redeem", function () {
  describe("a redemption in order", function () {
    it("burns the amount, records the invoice and the supplier's accrual, and counts it as redeemed", async function () {
      const f = await load();
      const { consent, signature } = await consentFor(f, 300_000n * CNY, 1);
      await (await f.ledger.connect(f.supplier).redeem(consent, signature)).wait();
      const v = await f.ledger.getVoucher(f.id);
      expect([v.holder, v.remaining, v.status]).to.deep.equal([f.holder.address, FACE - 300_000n * CNY, STATUS.ACTIVE]);
      expect(await f.ledger.balanceOf(f.holder.address, f.id)).to.equal(FACE - 300_000n * CNY);
      const key = await keyOf(f, consent.invoiceNumberHash);
      const inv = await f.ledger.getInvoice(key);
      expect([
        inv.total,
        inv.subsidised,
        inv.firstProgramme,
        inv.minShareBps,
        inv.count,
        inv.computeClass,
        inv.serviceFromDay,
        inv.serviceToDay,
        inv.gpuCentihours,
      ]).to.deep.equal([
        consent.invoiceTotal,
        consent.amount,
        f.programme,
        0n,
        1n,
        BigInt(consent.computeClass),
        BigInt(consent.serviceFromDay),
        BigInt(consent.serviceToDay),
        consent.gpuCentihours,
      ]);
      expect(await f.ledger.invoicePaidBy(key, f.programme)).to.equal(consent.amount);
      expect((await f.ledger.getAccreditation(f.supplier.address, f.programme)).redeemed).to.equal(consent.amount);
      const [issued, redeemed, revoked, expired, outstanding] = await f.ledger.programmeCounters(f.programme);
      expect([issued, redeemed, revoked, expired, outstanding]).to.deep.equal([FACE, consent.amount, 0n, 0n, FACE - consent.amount]);
    });

    it("emits VoucherRedeemed with everything an auditor needs, the consent's digest included, and TransferSingle", async function () {
      const f = await load();
      const base = await makeConsent(f, f.id, 300_000n * CNY, 1);
      const consent = { ...base, evidence: { ...base.evidence, electricityKwh: 1234n, assessmentCommitment: encodeBytes32String("report") } };
      const signature = await signConsent(f, consent);
      const digest = await f.ledger.consentDigest(consent);
      expect(digest).to.equal(TypedDataEncoder.hash(await consentDomain(f), CONSENT_TYPES, consent));
      const tx = f.ledger.connect(f.supplier).redeem(consent, signature);
      const e = consent.evidence;
      await expect(tx)
        .to.emit(f.ledger, "VoucherRedeemed")
        .withArgs(
          f.id,
          f.programme,
          f.entities.supplier,
          f.holder.address,
          f.entities.startup,
          digest,
          FACE - consent.amount,
          f.supplier.address,
          consent.invoiceNumberHash,
          consent.amount,
          consent.invoiceTotal,
          consent.computeClass,
          consent.serviceFromDay,
          consent.serviceToDay,
          consent.gpuCentihours,
          consent.contractDay,
          [e.contractCommitment, e.invoiceCommitment, e.paymentCommitment, e.electricityKwh, e.assessmentCommitment],
        );
      await expect(tx)
        .to.emit(f.ledger, "TransferSingle")
        .withArgs(f.supplier.address, f.holder.address, ethers.ZeroAddress, f.id, consent.amount);
    });

    it("marks a voucher Redeemed when nothing is left, and keeps its record", async function () {
      const f = await load();
      const a = await consentFor(f, 600_000n * CNY, 1);
      await (await f.ledger.connect(f.supplier).redeem(a.consent, a.signature)).wait();
      const b = await consentFor(f, 400_000n * CNY, 2);
      await (await f.ledger.connect(f.supplier).redeem(b.consent, b.signature)).wait();
      const v = await f.ledger.getVoucher(f.id);
      expect([v.status, v.remaining, v.holder]).to.deep.equal([STATUS.REDEEMED, 0n, f.holder.address]);
      expect(await f.ledger.balanceOf(f.holder.address, f.id)).to.equal(0n);
      const [, redeemed, , , outstanding] = await f.ledger.programmeCounters(f.programme);
      expect([redeemed, outstanding]).to.deep.equal([FACE, 0n]);
    });

    it("accepts exactly the programme's ratio of the invoice total (30% domestic, 20% other)", async function () {
      const f = await load();
      const domestic = await consentFor(f, 30_000n, 1, { invoiceTotal: 100_000n });
      await (await f.ledger.connect(f.supplier).redeem(domestic.consent, domestic.signature)).wait();
      const other = await consentFor(f, 20_000n, 2, { invoiceTotal: 100_000n, computeClass: CLASS.OTHER });
      await (await f.ledger.connect(f.supplier).redeem(other.consent, other.signature)).wait();
      const over = await consentFor(f, 20_001n, 3, { invoiceTotal: 100_000n, computeClass: CLASS.OTHER });
      await expectRedemptionRefused(f, over, "VoucherLedgerOverRatio", [20_001n, 100_000n, 2000]);
    });

    it("pays the ratio of the holder's category: 60% for a start-up and 50% for another company (Shenzhen)", async function () {
      const f = await load();
      const sz = await addProgramme(f, { name: "深圳训力券", region: 440300 }, {
        ratios: [
          { computeClass: CLASS.DOMESTIC, category: CATEGORY.STARTUP, bps: 6000 },
          { computeClass: CLASS.DOMESTIC, category: CATEGORY.OTHER, bps: 5000 },
        ],
      });
      const startup = await issueVoucher(f, "SZ-1", FACE, f.holder.address, 0n, sz);
      const company = await issueVoucher(f, "SZ-2", FACE, f.otherHolder.address, 0n, sz);
      const a = await signedConsent(f, startup, 60_000n, 1, { invoiceTotal: 100_000n });
      await (await f.ledger.connect(f.supplier).redeem(a.consent, a.signature)).wait();
      const b = await signedConsent(f, company, 50_000n, 2, { invoiceTotal: 100_000n }, f.otherHolder);
      await (await f.ledger.connect(f.supplier).redeem(b.consent, b.signature)).wait();
      const c = await signedConsent(f, company, 50_001n, 3, { invoiceTotal: 100_000n }, f.otherHolder);
      await expectRedemptionRefused(f, c, "VoucherLedgerOverRatio", [50_001n, 100_000n, 5000]);
    });

    it("accepts a contract signed on the programme's earliest day", async function () {
      const f = await load();
      const d = await today();
      await updateProgramme(f, f.programme, { earliestContractDay: d - 20 });
      const { consent, signature } = await consentFor(f, 1000n, 1, { contractDay: d - 20 });
      await expect(f.ledger.connect(f.supplier).redeem(consent, signature)).to.emit(f.ledger, "VoucherRedeemed");
    });

    it("accepts a consent at its deadline and one that runs exactly 90 days", async function () {
      const f = await load();
      const at = (await now(ethers)) + 10n;
      const a = await consentFor(f, 1000n, 1, { deadline: at });
      await networkHelpers.time.setNextBlockTimestamp(at);
      await (await f.ledger.connect(f.supplier).redeem(a.consent, a.signature)).wait();
      const b = await consentFor(f, 1000n, 2, { deadline: at + 1n + 90n * DAY });
      await networkHelpers.time.setNextBlockTimestamp(at + 1n);
      await (await f.ledger.connect(f.supplier).redeem(b.consent, b.signature)).wait();
      expect((await f.ledger.getVoucher(f.id)).remaining).to.equal(FACE - 2000n);
    });

    it("accepts a supplier from the first second of its accreditation", async function () {
      const f = await load();
      const t = await now(ethers);
      await (await f.registry.connect(f.governor).accredit(f.entities.supplier, f.programme, t + DAY, t + 2n * DAY, 0b11)).wait();
      const { consent, signature } = await consentFor(f, 1000n, 1, { deadline: t + 10n * DAY });
      await networkHelpers.time.setNextBlockTimestamp(t + DAY - 1n);
      await expect(f.ledger.connect(f.supplier).redeem(consent, signature))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNotAccredited")
        .withArgs(f.supplier.address, f.programme);
      await networkHelpers.time.setNextBlockTimestamp(t + DAY);
      await expect(f.ledger.connect(f.supplier).redeem(consent, signature)).to.emit(f.ledger, "VoucherRedeemed");
    });

    it("lets a reinstated supplier redeem again, and another address of the same supplier after one was removed", async function () {
      const f = await load();
      const [extra] = (await ethers.getSigners()).slice(12);
      await (await f.registry.connect(f.governor).addAddress(f.entities.supplier, extra!.address, REASON)).wait();
      await (await f.registry.connect(f.guardian).suspend(f.entities.supplier, f.programme, REASON)).wait();
      await (await f.registry.connect(f.governor).reinstate(f.entities.supplier, f.programme, REASON)).wait();
      const a = await consentFor(f, 1000n, 1);
      await (await f.ledger.connect(f.supplier).redeem(a.consent, a.signature)).wait();
      await (await f.registry.connect(f.governor).removeAddress(f.supplier.address, REASON)).wait();
      const b = await consentFor(f, 1000n, 2, { supplier: extra!.address });
      await (await f.ledger.connect(extra).redeem(b.consent, b.signature)).wait();
      expect((await f.ledger.getAccreditation(extra!.address, f.programme)).redeemed).to.equal(1000n);
      const [, redeemed] = await f.ledger.programmeCounters(f.programme);
      expect(redeemed).to.equal(2000n);
    });

    it("does not let a relation with another supplier block this one, and lets a cleared relation pass", async function () {
      const f = await load();
      const r = f.registry.connect(f.governor);
      await (await r.recordRelation(f.entities.startup, f.entities.otherSupplier, REASON)).wait();
      expect((await f.ledger.getAccount(f.holder.address)).related).to.equal(true);
      const a = await consentFor(f, 1000n, 1);
      await (await f.ledger.connect(f.supplier).redeem(a.consent, a.signature)).wait();
      await (await r.recordRelation(f.entities.startup, f.entities.supplier, REASON)).wait();
      const b = await consentFor(f, 1000n, 2);
      await expectRedemptionRefused(f, b, "VoucherLedgerRelatedParties", [f.entities.startup, f.entities.supplier]);
      await (await r.clearRelation(f.entities.startup, f.entities.supplier, REASON)).wait();
      await (await f.ledger.connect(f.supplier).redeem(b.consent, b.signature)).wait();
    });

    it("asks no GPU-hours of a model programme, and takes the electricity and assessment a programme requires", async function () {
      const f = await load();
      const model = await addProgramme(f, { name: "模型券", kind: 2 });
      const m = await issueVoucher(f, "MODEL-1", FACE, f.holder.address, 0n, model);
      const a = await signedConsent(f, m, 1000n, 1, { gpuCentihours: 0n });
      await (await f.ledger.connect(f.supplier).redeem(a.consent, a.signature)).wait();
      const q = await addProgramme(f, { name: "庆阳算力券", region: 621000, needsElectricity: true, needsAssessment: true });
      const v = await issueVoucher(f, "QY-1", FACE, f.holder.address, 0n, q);
      const base = await makeConsent(f, v, 1000n, 2);
      const consent = { ...base, evidence: { ...base.evidence, electricityKwh: 5_000n, assessmentCommitment: encodeBytes32String("assessed") } };
      await expect(f.ledger.connect(f.supplier).redeem(consent, await signConsent(f, consent)))
        .to.emit(f.ledger, "VoucherRedeemed")
        .withArgs(v, q, f.entities.supplier, f.holder.address, f.entities.startup, await f.ledger.consentDigest(consent), FACE - 1000n,
          f.supplier.address, consent.invoiceNumberHash, 1000n, consent.invoiceTotal, consent.computeClass, consent.serviceFromDay,
          consent.serviceToDay, consent.gpuCentihours, consent.contractDay,
          [consent.evidence.contractCommitment, consent.evidence.invoiceCommitment, consent.evidence.paymentCommitment, 5_000n, encodeBytes32String("assessed")]);
    });

    it("takes a consent for the new epoch after the holder cancelled its consents", async function () {
      const f = await load();
      const old = await consentFor(f, 1000n, 1);
      await expect(f.ledger.connect(f.holder).cancelConsents()).to.emit(f.ledger, "ConsentsCancelled").withArgs(f.holder.address, 1);
      await expectRedemptionRefused(f, old, "VoucherLedgerConsentCancelled", [f.holder.address, 0, 1]);
      const fresh = await consentFor(f, 1000n, 1, { epoch: 1 });
      await (await f.ledger.connect(f.supplier).redeem(fresh.consent, fresh.signature)).wait();
      expect((await f.ledger.getAccount(f.holder.address)).consentEpoch).to.equal(1n);
      // another holder's epoch is its own
      expect((await f.ledger.getAccount(f.holder2.address)).consentEpoch).to.equal(0n);
    });
  });

  describe("refusals, each with its error and arguments, in the order the interface documents", function () {
    shouldRefuseRedemptions(load, REFUSALS);

    for (const [what, tamper] of TAMPERINGS) {
      it(`refuses a consent whose ${what} changed after signing, changing nothing`, async function () {
        const f = await load();
        const signed = await consentFor(f, 1000n, 1, { invoiceTotal: 10_000n });
        await expectRedemptionRefused(f, { consent: tamper(signed.consent), signature: signed.signature }, "VoucherLedgerInvalidConsent", [
          f.id,
          f.holder.address,
        ]);
      });
    }

    it("refuses a consent for another voucher of the same holder", async function () {
      const f = await load();
      const other = await issueVoucher(f, "HZ-0002", FACE);
      const signed = await consentFor(f, 1000n, 1);
      await expectRedemptionRefused(f, { consent: { ...signed.consent, voucherId: other }, signature: signed.signature },
        "VoucherLedgerInvalidConsent", [other, f.holder.address]);
    });

    it("reports the first requirement that fails, in the documented order", async function () {
      const f = await load();
      const d = await today();
      const t = await now(ethers);
      await updateProgramme(f, f.programme, { earliestContractDay: d - 20 });
      const good = await makeConsent(f, f.id, 1000n, 1, { contractDay: d - 20, deadline: t + 10n * DAY });
      let consent: Consent = {
        ...good,
        amount: 0n,
        supplier: f.otherSupplier.address,
        computeClass: 3,
        contractDay: d - 21,
        serviceFromDay: d,
        serviceToDay: d - 1,
        gpuCentihours: 0n,
        epoch: 7,
        unrelated: false,
        invoiceTotal: 1000n,
        invoiceNumberHash: ZeroHash,
        deadline: t - 1n,
      };
      let signer = f.otherHolder;
      const g = f.registry.connect(f.governor);
      await (await f.ledger.connect(f.guardian).freeze(f.id, REASON)).wait();
      await (await f.registry.connect(f.guardian).pauseProgramme(f.programme, REASON)).wait();
      await (await g.recordRelation(f.entities.startup, f.entities.supplier, REASON)).wait();
      const steps: [string, unknown[], () => Promise<unknown>][] = [
        ["VoucherLedgerFrozen", [f.id], () => f.ledger.connect(f.governor).unfreeze(f.id, REASON)],
        ["VoucherLedgerInvalidAmount", [0n, FACE], async () => (consent = { ...consent, amount: good.amount })],
        ["VoucherLedgerWrongSupplier", [f.otherSupplier.address, f.supplier.address], async () => (consent = { ...consent, supplier: good.supplier })],
        ["VoucherLedgerClassNotAccredited", [f.supplier.address, f.programme, 3], async () => (consent = { ...consent, computeClass: good.computeClass })],
        ["VoucherLedgerProgrammePaused", [f.programme], () => g.resumeProgramme(f.programme, REASON)],
        ["VoucherLedgerContractTooEarly", [f.programme, d - 21, d - 20], async () => (consent = { ...consent, contractDay: good.contractDay })],
        ["VoucherLedgerInvalidServicePeriod", [d, d - 1], async () => (consent = { ...consent, serviceFromDay: good.serviceFromDay, serviceToDay: good.serviceToDay })],
        ["VoucherLedgerEvidenceMissing", [f.programme, 1], async () => (consent = { ...consent, gpuCentihours: good.gpuCentihours })],
        ["VoucherLedgerConsentCancelled", [f.holder.address, 7, 0], async () => (consent = { ...consent, epoch: 0 })],
        ["VoucherLedgerUndeclaredRelation", [], async () => (consent = { ...consent, unrelated: true })],
        ["VoucherLedgerRelatedParties", [f.entities.startup, f.entities.supplier], () => g.clearRelation(f.entities.startup, f.entities.supplier, REASON)],
        ["VoucherLedgerOverRatio", [1000n, 1000n, 3000], async () => (consent = { ...consent, invoiceTotal: good.invoiceTotal })],
        ["VoucherLedgerInvalidInvoice", [], async () => (consent = { ...consent, invoiceNumberHash: good.invoiceNumberHash })],
        ["VoucherLedgerConsentExpired", [t - 1n, (x: bigint) => x >= t], async () => (consent = { ...consent, deadline: good.deadline })],
        ["VoucherLedgerInvalidConsent", [f.id, f.holder.address], async () => (signer = f.holder)],
      ];
      for (const [error, args, fix] of steps) {
        await expectRedemptionRefused(f, { consent, signature: await signConsent(f, consent, signer) }, error, args);
        const done: unknown = await fix();
        if (done instanceof ContractTransactionResponse) await done.wait();
      }
      await expect(f.ledger.connect(f.supplier).redeem(consent, await signConsent(f, consent, signer))).to.emit(f.ledger, "VoucherRedeemed");
    });
  });

  describe("invoices belong to their supplier", function () {
    it("gives another supplier's invoice with the same number its own key: both are paid, each once", async function () {
      const f = await load();
      const t = await now(ethers);
      await (await f.registry.connect(f.governor).accredit(f.entities.otherSupplier, f.programme, t, t + YEAR, 0b11)).wait();
      const mine = await consentFor(f, 1000n, 1);
      await (await f.ledger.connect(f.supplier).redeem(mine.consent, mine.signature)).wait();
      const theirs = await consentFor(f, 2000n, 1, { supplier: f.otherSupplier.address });
      await expect(f.ledger.connect(f.otherSupplier).redeem(theirs.consent, theirs.signature))
        .to.emit(f.ledger, "VoucherRedeemed")
        .withArgs(f.id, f.programme, f.entities.otherSupplier, ...Array(14).fill(anyValue));
      const hash = mine.consent.invoiceNumberHash;
      const [mineKey, theirKey] = [await keyOf(f, hash), await keyOf(f, hash, f.entities.otherSupplier)];
      expect(mineKey).to.not.equal(theirKey);
      expect([(await f.ledger.getInvoice(mineKey)).subsidised, (await f.ledger.getInvoice(theirKey)).subsidised]).to.deep.equal([1000n, 2000n]);
      const again = await consentFor(f, 1000n, 1, { supplier: f.otherSupplier.address });
      await expectRedemptionRefused(f, { ...again, caller: f.otherSupplier }, "VoucherLedgerInvoiceUsed", [theirKey, f.programme]);
    });

    it("refuses the same supplier's invoice number a second time, from another of its addresses or for another holder", async function () {
      const f = await load();
      const [extra] = (await ethers.getSigners()).slice(12);
      await (await f.registry.connect(f.governor).addAddress(f.entities.supplier, extra!.address, REASON)).wait();
      const first = await consentFor(f, 1000n, 1);
      await (await f.ledger.connect(f.supplier).redeem(first.consent, first.signature)).wait();
      const key = await keyOf(f, first.consent.invoiceNumberHash);
      const fromExtra = await consentFor(f, 1000n, 1, { supplier: extra!.address });
      await expectRedemptionRefused(f, { ...fromExtra, caller: extra! }, "VoucherLedgerInvoiceUsed", [key, f.programme]);
      const v = await issueVoucher(f, "HZ-OTHER", FACE, f.otherHolder.address);
      const forOther = await signedConsent(f, v, 1000n, 1, {}, f.otherHolder);
      await expectRedemptionRefused(f, forOther, "VoucherLedgerInvoiceUsed", [key, f.programme]);
      // Another programme for another company's voucher: the invoice is the start-up's, not that company's.
      const other = await addProgramme(f, { name: "西湖区算力券", level: 4, region: 330106, maxCombinedBps: 10_000 });
      await updateProgramme(f, f.programme, { maxCombinedBps: 10_000 });
      const w = await issueVoucher(f, "XH-OTHER", FACE, f.otherHolder.address, 0n, other);
      const stacked = await signedConsent(f, w, 1000n, 1, {}, f.otherHolder);
      await expectRedemptionRefused(f, stacked, "VoucherLedgerInvoiceOtherBuyer", [key, f.entities.startup, f.entities.company]);
    });

    it("computes the invoice key as keccak256(abi.encode(supplierEntity, invoiceNumberHash))", async function () {
      const f = await load();
      const hash = invoiceNumberHash(invoiceNumber(1));
      const expected = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["uint32", "bytes32"], [f.entities.supplier, hash]));
      expect(await keyOf(f, hash)).to.equal(expected);
    });
  });

  describe("redeemBatch", function () {
    it("redeems several consents in one transaction", async function () {
      const f = await load();
      const a = await consentFor(f, 1000n, 1);
      const b = await consentFor(f, 2000n, 2);
      const tx = f.ledger.connect(f.supplier).redeemBatch([a.consent, b.consent], [a.signature, b.signature]);
      await expect(tx).to.emit(f.ledger, "VoucherRedeemed").withArgs(f.id, f.programme, f.entities.supplier, ...Array(14).fill(anyValue));
      expect(await f.ledger.balanceOf(f.holder.address, f.id)).to.equal(FACE - 3000n);
    });

    it("redeems nothing when one consent fails, the same invoice twice in one batch included", async function () {
      const f = await load();
      const a = await consentFor(f, 1000n, 1);
      const bad = await consentFor(f, 1000n, 2, { unrelated: false });
      await expect(f.ledger.connect(f.supplier).redeemBatch([a.consent, bad.consent], [a.signature, bad.signature]))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerUndeclaredRelation");
      await expect(f.ledger.connect(f.supplier).redeemBatch([a.consent, a.consent], [a.signature, a.signature]))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerInvoiceUsed")
        .withArgs(await keyOf(f, a.consent.invoiceNumberHash), f.programme);
      expect(await f.ledger.balanceOf(f.holder.address, f.id)).to.equal(FACE);
      expect((await f.ledger.getInvoice(await keyOf(f, a.consent.invoiceNumberHash))).count).to.equal(0n);
    });

    it("refuses an empty batch and arrays of different lengths", async function () {
      const f = await load();
      const a = await consentFor(f, 1000n, 1);
      await expect(f.ledger.connect(f.supplier).redeemBatch([a.consent], []))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerBatchLength")
        .withArgs(1, 0);
      await expect(f.ledger.connect(f.supplier).redeemBatch([], []))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerBatchLength")
        .withArgs(0, 0);
    });
  });
});
