import { expect } from "chai";
import { ContractTransactionResponse, encodeBytes32String, type Signer, TypedDataEncoder, ZeroHash } from "ethers";
import { network } from "hardhat";

import { ATTESTATION_TYPES, type Attestation, type ClaimRequest } from "../../service/domain/consent.js";
import { dayOfInstant, instantOfDate, invoiceNumberHash } from "../../service/domain/identity.js";
import { ROLE } from "../../service/domain/roles.js";
import { signForwardRequest } from "../helpers/forwarder.js";
import {
  CATEGORY,
  CLASS,
  CNY,
  DAY,
  ROLES,
  STATUS,
  addBuyerProgramme,
  addEntity,
  addProgramme,
  appRef,
  consentDomain,
  creditCode,
  deploySchemeFixture,
  invoiceNumber,
  issueVoucher,
  makeClaim,
  now,
  signAttestation,
  signedClaim,
  signedConsent,
  submitClaim,
  updateProgramme,
  type ClaimOverrides,
} from "../helpers/scheme-fixture.js";
import { type ClaimRefusalCase, claimState, expectClaimRefused, shouldRefuseClaims } from "./claim.behavior.js";
import { expectRedemptionRefused } from "./redemption.behavior.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const FACE = 1_000_000n * CNY;
const REASON = encodeBytes32String("audit");
const LAPSED = encodeBytes32String("lapsed");
/** IVoucherLedgerTypes.ClaimStatus. */
const CLAIM = { NONE: 0n, PENDING: 1n, APPROVED: 2n, REJECTED: 3n, LAPSED: 4n } as const;
const REVIEW = 7n * DAY;

/**
 * The scheme fixture with a programme that reimburses buyers (payees 2, review within 7 days, an undecided claim
 * lapses) and one voucher of CNY 1m under it, for the start-up's first address.
 */
async function claimsFixture() {
  const f = await deploySchemeFixture(ethers);
  const buyers = await addBuyerProgramme(f);
  const id = await issueVoucher(f, "BJ-0001", FACE, f.holder.address, 0n, buyers);
  return { ...f, buyers, id };
}
type ClaimsFixture = Awaited<ReturnType<typeof claimsFixture>>;

function load(): Promise<ClaimsFixture> {
  return networkHelpers.loadFixture(claimsFixture);
}

async function today(): Promise<number> {
  return dayOfInstant(await now(ethers));
}

/** A claim as {@link signedClaim} makes it, for `amount` of the fixture's voucher on invoice `n`. */
function claimFor(f: ClaimsFixture, amount: bigint, n: number, overrides: ClaimOverrides = {}) {
  return signedClaim(f, f.id, amount, n, overrides);
}

/** The invoice key of invoice `n` of the fixture's supplier (or of another supplier company). */
function keyOf(f: ClaimsFixture, n: number, supplierEntity: bigint = f.entities.supplier): Promise<string> {
  return f.ledger.invoiceKey(supplierEntity, invoiceNumberHash(invoiceNumber(n)));
}

/** Submits a claim for `amount` of the fixture's voucher on invoice `n` and returns its id. */
async function claimed(f: ClaimsFixture, amount: bigint, n: number, overrides: ClaimOverrides = {}): Promise<bigint> {
  const { claim, signature } = await claimFor(f, amount, n, overrides);
  return submitClaim(f, claim, signature);
}

/** The claim's fields as the ledger's event and getter give them (a tuple). */
function claimTuple(c: ClaimRequest): unknown[] {
  const e = c.evidence;
  const a = c.attestation;
  return [
    c.voucherId,
    c.amount,
    c.contractDay,
    c.unrelated,
    [e.contractCommitment, e.invoiceCommitment, e.paymentCommitment, e.electricityKwh, e.assessmentCommitment],
    [a.supplier, a.invoiceNumberHash, a.invoiceTotal, a.computeClass, a.serviceFromDay, a.serviceToDay, a.gpuCentihours, a.amountPaid, a.buyer],
  ];
}

/** The programme's totals as an object of bigints. */
async function totalsOf(f: ClaimsFixture, programme: bigint) {
  const t = await f.ledger.programmeTotals(programme);
  return {
    issued: t.issued,
    redeemedBySuppliers: t.redeemedBySuppliers,
    claimedByBuyers: t.claimedByBuyers,
    held: t.held,
    revoked: t.revoked,
    expired: t.expired,
    clawedBack: t.clawedBack,
    outstanding: t.outstanding,
  };
}

/** Refusals of a claim that is in order but for its attestation's signature. */
function invalidSignatures(cases: [string, (f: ClaimsFixture, a: Attestation) => Promise<string>][]): ClaimRefusalCase<ClaimsFixture>[] {
  return cases.map(([title, sign]) => ({
    title,
    error: "VoucherLedgerInvalidAttestation",
    async arrange(f) {
      const claim = await makeClaim(f, f.id, 1000n, 1);
      return { claim, signature: await sign(f, claim.attestation), args: [f.supplier.address] };
    },
  }));
}

const REFUSALS: ClaimRefusalCase<ClaimsFixture>[] = [
  {
    title: "an unknown voucher",
    error: "VoucherLedgerUnknownVoucher",
    async arrange(f) {
      const id = await f.ledger.voucherId(f.buyers, appRef("never-issued"));
      return { ...(await signedClaim(f, id, 1000n, 1)), args: [id] };
    },
  },
  {
    title: "a revoked voucher",
    error: "VoucherLedgerInactive",
    async arrange(f) {
      await (await f.ledger.connect(f.issuer).revoke(f.id, REASON)).wait();
      return { ...(await claimFor(f, 1000n, 1)), args: [f.id, STATUS.REVOKED] };
    },
  },
  {
    title: "a voucher closed as expired",
    error: "VoucherLedgerInactive",
    async arrange(f) {
      const t = await now(ethers);
      const id = await issueVoucher(f, "BJ-SHORT", FACE, f.holder.address, t + DAY, f.buyers);
      const attempt = await signedClaim(f, id, 1000n, 1);
      await time.increaseTo(t + DAY);
      await (await f.ledger.connect(f.stranger).expire(id)).wait();
      return { ...attempt, args: [id, STATUS.EXPIRED] };
    },
  },
  {
    title: "a frozen voucher",
    error: "VoucherLedgerFrozen",
    async arrange(f) {
      await (await f.ledger.connect(f.guardian).freeze(f.id, REASON)).wait();
      return { ...(await claimFor(f, 1000n, 1)), args: [f.id] };
    },
  },
  {
    title: "a voucher with a re-issue pending",
    error: "VoucherLedgerReissuePending",
    async arrange(f) {
      await (await f.ledger.connect(f.issuer).requestReissue(f.id, f.holder2.address, encodeBytes32String("lost-key"))).wait();
      return { ...(await claimFor(f, 1000n, 1)), args: [f.id] };
    },
  },
  {
    title: "a voucher past its expiry that nobody closed yet",
    error: "VoucherLedgerExpired",
    async arrange(f) {
      const t = await now(ethers);
      const id = await issueVoucher(f, "BJ-SHORT", FACE, f.holder.address, t + DAY, f.buyers);
      const attempt = await signedClaim(f, id, 1000n, 1);
      await time.increaseTo(t + DAY);
      return { ...attempt, args: [id, t + DAY] };
    },
  },
  {
    title: "a zero amount",
    error: "VoucherLedgerInvalidAmount",
    async arrange(f) {
      return { ...(await claimFor(f, 0n, 1, { attestation: { invoiceTotal: 10_000n } })), args: [0n, FACE] };
    },
  },
  {
    title: "more than the voucher has left (what a pending claim holds is not left)",
    error: "VoucherLedgerInsufficientValue",
    async arrange(f) {
      await claimed(f, 900_000n * CNY, 1);
      return { ...(await claimFor(f, 100_001n * CNY, 2)), args: [f.id, 100_001n * CNY, 100_000n * CNY] };
    },
  },
  {
    title: "a claim sent by another address of the holder's company",
    error: "VoucherLedgerNotHolder",
    async arrange(f) {
      return { ...(await claimFor(f, 1000n, 1)), caller: f.holder2, args: [f.holder2.address, f.holder.address] };
    },
  },
  {
    title: "a claim sent by the supplier",
    error: "VoucherLedgerNotHolder",
    async arrange(f) {
      return { ...(await claimFor(f, 1000n, 1)), caller: f.supplier, args: [f.supplier.address, f.holder.address] };
    },
  },
  {
    title: "an attestation that names another buyer",
    error: "VoucherLedgerWrongBuyer",
    async arrange(f) {
      return { ...(await claimFor(f, 1000n, 1, { attestation: { buyer: f.holder2.address } })), args: [f.holder2.address, f.holder.address] };
    },
  },
  {
    title: "an attestation by a supplier with no accreditation for the programme",
    error: "VoucherLedgerNotAccredited",
    async arrange(f) {
      const claim = await makeClaim(f, f.id, 1000n, 1, { attestation: { supplier: f.otherSupplier.address } });
      return { claim, signature: await signAttestation(f, claim.attestation, f.otherSupplier), args: [f.otherSupplier.address, f.buyers] };
    },
  },
  {
    title: "an attestation by a suspended supplier",
    error: "VoucherLedgerNotAccredited",
    async arrange(f) {
      await (await f.registry.connect(f.guardian).suspend(f.entities.supplier, f.buyers, REASON)).wait();
      return { ...(await claimFor(f, 1000n, 1)), args: [f.supplier.address, f.buyers] };
    },
  },
  {
    title: "a compute class the supplier is not accredited for",
    error: "VoucherLedgerClassNotAccredited",
    async arrange(f) {
      const t = await now(ethers);
      await (await f.registry.connect(f.governor).accredit(f.entities.supplier, f.buyers, t, t + 365n * DAY, 0b01)).wait();
      const attempt = await claimFor(f, 1000n, 1, { attestation: { computeClass: CLASS.OTHER, invoiceTotal: 5000n } });
      return { ...attempt, args: [f.supplier.address, f.buyers, CLASS.OTHER] };
    },
  },
  {
    title: "a paused programme",
    error: "VoucherLedgerProgrammePaused",
    async arrange(f) {
      await (await f.registry.connect(f.guardian).pauseProgramme(f.buyers, REASON)).wait();
      return { ...(await claimFor(f, 1000n, 1)), args: [f.buyers] };
    },
  },
  {
    title: "a programme that pays suppliers only",
    error: "VoucherLedgerPayeeNotAllowed",
    async arrange(f) {
      const id = await issueVoucher(f, "HZ-0001", FACE);
      return { ...(await signedClaim(f, id, 1000n, 1)), args: [f.programme, 2] };
    },
  },
  {
    title: "a claim before the programme's window opens",
    error: "VoucherLedgerOutsideWindow",
    async arrange(f) {
      const t = await now(ethers);
      await updateProgramme(f, f.buyers, { redeemFrom: t + 10n * DAY });
      const { redeemUntil } = await f.ledger.getRedemptionTerms(f.buyers, CLASS.DOMESTIC);
      return { ...(await claimFor(f, 1000n, 1)), args: [f.buyers, t + 10n * DAY, redeemUntil] };
    },
  },
  {
    title: "a contract signed before the programme's earliest day",
    error: "VoucherLedgerContractTooEarly",
    async arrange(f) {
      const d = await today();
      await updateProgramme(f, f.buyers, { earliestContractDay: d - 20 });
      return { ...(await claimFor(f, 1000n, 1, { claim: { contractDay: d - 21 } })), args: [f.buyers, d - 21, d - 20] };
    },
  },
  {
    title: "a service period that ends before it starts",
    error: "VoucherLedgerInvalidServicePeriod",
    async arrange(f) {
      const d = await today();
      return { ...(await claimFor(f, 1000n, 1, { attestation: { serviceFromDay: d - 1, serviceToDay: d - 2 } })), args: [d - 1, d - 2] };
    },
  },
  {
    title: "a service period that ends past the last day number the ledger stores",
    error: "VoucherLedgerInvalidServicePeriod",
    async arrange(f) {
      const d = await today();
      return { ...(await claimFor(f, 1000n, 1, { attestation: { serviceFromDay: d, serviceToDay: 65_536 } })), args: [d, 65_536] };
    },
  },
  {
    title: "a claim for a service that has not ended yet (its last day is today)",
    error: "VoucherLedgerSuppliersFirst",
    async arrange(f) {
      const d = await today();
      const claimableFrom = BigInt(d + 1) * DAY - 8n * 3600n;
      return { ...(await claimFor(f, 1000n, 1, { attestation: { serviceToDay: d } })), args: [f.buyers, claimableFrom] };
    },
  },
  {
    title: "a compute invoice without metered GPU-hours",
    error: "VoucherLedgerEvidenceMissing",
    async arrange(f) {
      return { ...(await claimFor(f, 1000n, 1, { attestation: { gpuCentihours: 0n } })), args: [f.buyers, 1] };
    },
  },
  {
    title: "no metered electricity where the programme requires it",
    error: "VoucherLedgerEvidenceMissing",
    async arrange(f) {
      const q = await addBuyerProgramme(f, { name: "庆阳算力券", region: 621000, needsElectricity: true, needsAssessment: true });
      const id = await issueVoucher(f, "QY-1", FACE, f.holder.address, 0n, q);
      return { ...(await signedClaim(f, id, 1000n, 1)), args: [q, 2] };
    },
  },
  {
    title: "no third-party assessment where the programme requires it",
    error: "VoucherLedgerEvidenceMissing",
    async arrange(f) {
      const q = await addBuyerProgramme(f, { name: "庆阳算力券", region: 621000, needsElectricity: true, needsAssessment: true });
      const id = await issueVoucher(f, "QY-1", FACE, f.holder.address, 0n, q);
      const base = await makeClaim(f, id, 1000n, 1);
      const claim = { ...base, evidence: { ...base.evidence, electricityKwh: 5_000n } };
      return { claim, signature: await signAttestation(f, claim.attestation), args: [q, 3] };
    },
  },
  {
    title: "a holder address removed from its company",
    error: "VoucherLedgerNotBeneficiary",
    async arrange(f) {
      await (await f.registry.connect(f.governor).removeAddress(f.holder.address, REASON)).wait();
      return { ...(await claimFor(f, 1000n, 1)), args: [f.holder.address] };
    },
  },
  {
    title: "a claim that does not declare the parties unrelated",
    error: "VoucherLedgerUndeclaredRelation",
    async arrange(f) {
      return { ...(await claimFor(f, 1000n, 1, { claim: { unrelated: false } })), args: [] };
    },
  },
  {
    title: "parties whose relation is on record",
    error: "VoucherLedgerRelatedParties",
    async arrange(f) {
      await (await f.registry.connect(f.governor).recordRelation(f.entities.startup, f.entities.supplier, REASON)).wait();
      return { ...(await claimFor(f, 1000n, 1)), args: [f.entities.startup, f.entities.supplier] };
    },
  },
  {
    title: "an attestation by the buyer's own company (a company registered in both roles)",
    error: "VoucherLedgerRelatedParties",
    async arrange(f) {
      const [asSupplier, asBuyer] = (await ethers.getSigners()).slice(12);
      const both = await addEntity(f, creditCode(70), ROLES.BENEFICIARY | ROLES.SUPPLIER, CATEGORY.OTHER, [asSupplier!.address, asBuyer!.address]);
      const t = await now(ethers);
      await (await f.registry.connect(f.governor).accredit(both, f.buyers, t, t + 365n * DAY, 0b11)).wait();
      const id = await issueVoucher(f, "SELF-1", FACE, asBuyer!.address, 0n, f.buyers);
      const claim = await makeClaim(f, id, 1000n, 1, { attestation: { supplier: asSupplier!.address } }, asBuyer!.address);
      return { claim, signature: await signAttestation(f, claim.attestation, asSupplier), caller: asBuyer!, args: [both, both] };
    },
  },
  {
    title: "a buyer that paid less than the invoice total",
    error: "VoucherLedgerNotPaid",
    async arrange(f) {
      return { ...(await claimFor(f, 3000n, 1, { attestation: { invoiceTotal: 10_000n, amountPaid: 9_999n } })), args: [9_999n, 10_000n] };
    },
  },
  {
    title: "a class and category the programme does not pay (ratio 0)",
    error: "VoucherLedgerIneligible",
    async arrange(f) {
      await f.registry.connect(f.governor).setRatios(f.buyers, [
        { computeClass: CLASS.DOMESTIC, category: CATEGORY.OTHER, bps: 3000 },
        { computeClass: CLASS.OTHER, category: CATEGORY.STARTUP, bps: 2000 },
      ]);
      return { ...(await claimFor(f, 1000n, 1)), args: [f.buyers, CLASS.DOMESTIC, CATEGORY.STARTUP] };
    },
  },
  {
    title: "an amount one fen above the programme's ratio of the invoice total",
    error: "VoucherLedgerOverRatio",
    async arrange(f) {
      return { ...(await claimFor(f, 30_001n, 1, { attestation: { invoiceTotal: 100_000n } })), args: [30_001n, 100_000n, 3000] };
    },
  },
  {
    title: "a zero invoice number hash",
    error: "VoucherLedgerInvalidInvoice",
    async arrange(f) {
      return { ...(await claimFor(f, 1000n, 1, { attestation: { invoiceNumberHash: ZeroHash } })), args: [] };
    },
  },
  {
    title: "an invoice total above what an invoice record holds (2^40 - 1)",
    error: "VoucherLedgerInvoiceMismatch",
    async arrange(f) {
      return { ...(await claimFor(f, 1000n, 1, { attestation: { invoiceTotal: 2n ** 40n } })), args: [await keyOf(f, 1)] };
    },
  },
  {
    title: "GPU-hours above what an invoice record holds (2^40 - 1 hundredths)",
    error: "VoucherLedgerInvoiceMismatch",
    async arrange(f) {
      return { ...(await claimFor(f, 1000n, 1, { attestation: { gpuCentihours: 2n ** 40n } })), args: [await keyOf(f, 1)] };
    },
  },
  {
    title: "an invoice its supplier redeemed under another programme",
    error: "VoucherLedgerInvoiceRedeemed",
    async arrange(f) {
      const hz = await issueVoucher(f, "HZ-0001", FACE);
      const r = await signedConsent(f, hz, 1000n, 1);
      await (await f.ledger.connect(f.supplier).redeem(r.consent, r.signature)).wait();
      return { ...(await claimFor(f, 1000n, 1)), args: [await keyOf(f, 1)] };
    },
  },
  {
    title: "an invoice with a claim pending",
    error: "VoucherLedgerClaimPending",
    async arrange(f) {
      await claimed(f, 1000n, 1);
      return { ...(await claimFor(f, 1000n, 1)), args: [await keyOf(f, 1)] };
    },
  },
  {
    title: "an invoice this programme approved a claim on already",
    error: "VoucherLedgerInvoiceUsed",
    async arrange(f) {
      await (await f.ledger.connect(f.issuer).approveClaim(await claimed(f, 1000n, 1))).wait();
      return { ...(await claimFor(f, 1000n, 1)), args: [await keyOf(f, 1), f.buyers] };
    },
  },
  {
    title: "an invoice another company claimed (the invoice's buyer is recorded)",
    error: "VoucherLedgerInvoiceOtherBuyer",
    async arrange(f) {
      await updateProgramme(f, f.buyers, { maxCombinedBps: 10_000 });
      await (await f.ledger.connect(f.issuer).approveClaim(await claimed(f, 1000n, 1))).wait();
      const other = await addBuyerProgramme(f, { name: "海淀区算力补贴", level: 4, region: 110108, maxCombinedBps: 10_000 });
      const id = await issueVoucher(f, "HD-0001", FACE, f.otherHolder.address, 0n, other);
      const attempt = await signedClaim(f, id, 1000n, 1, {}, f.supplier, f.otherHolder.address);
      return { ...attempt, caller: f.otherHolder, args: [await keyOf(f, 1), f.entities.startup, f.entities.company] };
    },
  },
  {
    title: "a second programme's claim on an invoice the first claimed alone (not stackable)",
    error: "VoucherLedgerInvoiceNotStackable",
    async arrange(f) {
      await (await f.ledger.connect(f.issuer).approveClaim(await claimed(f, 1000n, 1))).wait();
      const other = await addBuyerProgramme(f, { name: "海淀区算力补贴", level: 4, region: 110108, maxCombinedBps: 10_000 });
      const id = await issueVoucher(f, "HD-0001", FACE, f.holder.address, 0n, other);
      return { ...(await signedClaim(f, id, 1000n, 1)), args: [await keyOf(f, 1), other] };
    },
  },
  {
    title: "a second programme's claim with other invoice terms than the first",
    error: "VoucherLedgerInvoiceMismatch",
    async arrange(f) {
      await updateProgramme(f, f.buyers, { maxCombinedBps: 10_000 });
      await (await f.ledger.connect(f.issuer).approveClaim(await claimed(f, 1000n, 1))).wait();
      const other = await addBuyerProgramme(f, { name: "海淀区算力补贴", level: 4, region: 110108, maxCombinedBps: 10_000 });
      const id = await issueVoucher(f, "HD-0001", FACE, f.holder.address, 0n, other);
      const first = await makeClaim(f, f.id, 1000n, 1);
      const total = first.attestation.invoiceTotal + 1n;
      return { ...(await signedClaim(f, id, 1000n, 1, { attestation: { invoiceTotal: total } })), args: [await keyOf(f, 1)] };
    },
  },
  {
    title: "a second programme's claim above the smallest combined share",
    error: "VoucherLedgerOverCombinedShare",
    async arrange(f) {
      await updateProgramme(f, f.buyers, { maxCombinedBps: 5000 });
      await (await f.ledger.connect(f.issuer).approveClaim(await claimed(f, 30_000n, 1, { attestation: { invoiceTotal: 100_000n } }))).wait();
      const other = await addBuyerProgramme(f, { name: "海淀区算力补贴", level: 4, region: 110108, maxCombinedBps: 10_000 });
      const id = await issueVoucher(f, "HD-0001", FACE, f.holder.address, 0n, other);
      const attempt = await signedClaim(f, id, 20_001n, 1, { attestation: { invoiceTotal: 100_000n } });
      return { ...attempt, args: [await keyOf(f, 1), 30_000n, 20_001n, 5000] };
    },
  },
  {
    title: "a service that ends after the programme's window from the company's first voucher",
    error: "VoucherLedgerOutsideEntityWindow",
    async arrange(f) {
      const w = await addBuyerProgramme(f, { name: "限期算力补贴", entityWindowDays: 5 });
      const first = await today();
      const id = await issueVoucher(f, "W-0001", FACE, f.holder.address, 0n, w);
      await time.increase(10n * DAY);
      const attempt = await signedClaim(f, id, 1000n, 1);
      return { ...attempt, args: [w, f.entities.startup, attempt.claim.attestation.serviceToDay, first + 4] };
    },
  },
  ...invalidSignatures([
    ["an attestation signed by the holder", (f, a) => signAttestation(f, a, f.holder)],
    ["an attestation signed by another supplier", (f, a) => signAttestation(f, a, f.otherSupplier)],
    ["an attestation signed for another chain id", async (f, a) => signAttestation(f, a, f.supplier, { ...(await consentDomain(f)), chainId: 1n })],
    [
      "an attestation signed for another contract",
      async (f, a) => signAttestation(f, a, f.supplier, { ...(await consentDomain(f)), verifyingContract: await f.registry.getAddress() }),
    ],
    ["a malformed signature", async () => "0x1234"],
  ]),
];

/** Changes to a signed attestation that pass every check before the signature's (the base total leaves room). */
const TAMPERINGS: [string, (a: Attestation) => Attestation][] = [
  ["invoice number", (a) => ({ ...a, invoiceNumberHash: invoiceNumberHash(invoiceNumber(999)) })],
  ["invoice total", (a) => ({ ...a, invoiceTotal: a.invoiceTotal - 1n, amountPaid: a.amountPaid - 1n })],
  ["compute class", (a) => ({ ...a, computeClass: CLASS.OTHER })],
  ["first service day", (a) => ({ ...a, serviceFromDay: a.serviceFromDay - 1 })],
  ["last service day", (a) => ({ ...a, serviceToDay: a.serviceToDay - 1 })],
  ["GPU-hours", (a) => ({ ...a, gpuCentihours: a.gpuCentihours + 1n })],
  ["amount paid", (a) => ({ ...a, amountPaid: a.amountPaid + 1n })],
];

describe("VoucherLedgerClaims: buyers' claims", function () {
  describe("a claim in order", function () {
    it("holds the amount off the voucher, records the buyer's invoice and the claim, and counts it as held", async function () {
      const f = await load();
      const amount = 300_000n * CNY;
      const { claim, signature } = await claimFor(f, amount, 1);
      const tx = await f.ledger.connect(f.holder).submitClaim(claim, signature);
      const submittedAt = BigInt((await (await tx.wait())!.getBlock()).timestamp);
      expect(await f.ledger.claimCount()).to.equal(1n);
      const v = await f.ledger.getVoucher(f.id);
      expect([v.remaining, v.status]).to.deep.equal([FACE - amount, STATUS.ACTIVE]);
      expect(await f.ledger.balanceOf(f.holder.address, f.id)).to.equal(FACE - amount);
      const key = await keyOf(f, 1);
      const c = await f.ledger.getClaim(1);
      expect([c.voucherId, c.invoiceKey, c.programme, c.beneficiaryEntity, c.supplierEntity, c.amount, c.submittedAt, c.status, c.clawedBack]).to.deep.equal([
        f.id,
        key,
        f.buyers,
        f.entities.startup,
        f.entities.supplier,
        amount,
        submittedAt,
        CLAIM.PENDING,
        0n,
      ]);
      const inv = await f.ledger.getInvoice(key);
      const a = claim.attestation;
      expect([inv.total, inv.subsidised, inv.beneficiaryEntity, inv.firstProgramme, inv.count, inv.computeClass, inv.serviceFromDay, inv.serviceToDay, inv.gpuCentihours, inv.flags]).to.deep.equal([
        a.invoiceTotal,
        amount,
        f.entities.startup,
        f.buyers,
        1n,
        BigInt(a.computeClass),
        BigInt(a.serviceFromDay),
        BigInt(a.serviceToDay),
        a.gpuCentihours,
        3n, // INVOICE_BUYER | INVOICE_PENDING
      ]);
      expect(await f.ledger.invoicePaidBy(key, f.buyers)).to.equal(amount);
      const totals = await totalsOf(f, f.buyers);
      expect(totals).to.deep.equal({ issued: FACE, redeemedBySuppliers: 0n, claimedByBuyers: 0n, held: amount, revoked: 0n, expired: 0n, clawedBack: 0n, outstanding: FACE - amount });
      const [issued, redeemed, revoked, expired, outstanding] = await f.ledger.programmeCounters(f.buyers);
      expect([issued, redeemed, revoked, expired, outstanding]).to.deep.equal([FACE, 0n, 0n, 0n, FACE]);
      expect(await f.ledger.earned(f.buyers, f.entities.startup)).to.equal(0n);
    });

    it("emits ClaimSubmitted with the claim as sent and the attestation's digest, and TransferSingle from the holder", async function () {
      const f = await load();
      const { claim, signature } = await claimFor(f, 300_000n * CNY, 1);
      const digest = await f.ledger.attestationDigest(claim.attestation);
      expect(digest).to.equal(TypedDataEncoder.hash(await consentDomain(f), ATTESTATION_TYPES, claim.attestation));
      const at = (await now(ethers)) + 5n;
      await time.setNextBlockTimestamp(at);
      const tx = f.ledger.connect(f.holder).submitClaim(claim, signature);
      await expect(tx)
        .to.emit(f.ledger, "ClaimSubmitted")
        .withArgs(1n, f.id, f.buyers, f.holder.address, f.entities.startup, f.entities.supplier, at + REVIEW, digest, claimTuple(claim));
      await expect(tx).to.emit(f.ledger, "TransferSingle").withArgs(f.holder.address, f.holder.address, ethers.ZeroAddress, f.id, claim.amount);
    });

    it("takes a programme's electricity and assessment when it requires them", async function () {
      const f = await load();
      const q = await addBuyerProgramme(f, { name: "庆阳算力券", region: 621000, needsElectricity: true, needsAssessment: true });
      const id = await issueVoucher(f, "QY-1", FACE, f.holder.address, 0n, q);
      const base = await makeClaim(f, id, 1000n, 1);
      const claim = { ...base, evidence: { ...base.evidence, electricityKwh: 5_000n, assessmentCommitment: encodeBytes32String("assessed") } };
      await expect(f.ledger.connect(f.holder).submitClaim(claim, await signAttestation(f, claim.attestation)))
        .to.emit(f.ledger, "ClaimSubmitted")
        .withArgs(1n, id, q, f.holder.address, f.entities.startup, f.entities.supplier, (x: bigint) => x > 0n, (x: string) => x !== ZeroHash, claimTuple(claim));
    });
  });

  describe("refusals, each with its error and arguments, in the order the interface documents", function () {
    shouldRefuseClaims(load, REFUSALS);

    for (const [what, tamper] of TAMPERINGS) {
      it(`refuses an attestation whose ${what} changed after signing, changing nothing`, async function () {
        const f = await load();
        const signed = await claimFor(f, 1000n, 1, { attestation: { invoiceTotal: 10_000n } });
        const claim = { ...signed.claim, attestation: tamper(signed.claim.attestation) };
        await expectClaimRefused(f, { claim, signature: signed.signature }, "VoucherLedgerInvalidAttestation", [f.supplier.address]);
      });
    }

    it("reports the first requirement that fails, in the documented order", async function () {
      const f = await load();
      const d = await today();
      await updateProgramme(f, f.buyers, { earliestContractDay: d - 40 });
      const good = await makeClaim(f, f.id, 1000n, 1);
      let claim: ClaimRequest = {
        ...good,
        amount: 0n,
        contractDay: d - 41,
        unrelated: false,
        attestation: {
          ...good.attestation,
          buyer: f.otherHolder.address,
          computeClass: 3,
          serviceFromDay: d,
          serviceToDay: d - 1,
          gpuCentihours: 0n,
          amountPaid: 0n,
          invoiceTotal: 1000n,
          invoiceNumberHash: ZeroHash,
        },
      };
      const attest = (changes: Partial<Attestation>) => async () => (claim = { ...claim, attestation: { ...claim.attestation, ...changes } });
      let caller: Signer = f.holder2;
      let signer: Signer = f.otherSupplier;
      const g = f.registry.connect(f.governor);
      await (await f.ledger.connect(f.guardian).freeze(f.id, REASON)).wait();
      await (await f.registry.connect(f.guardian).pauseProgramme(f.buyers, REASON)).wait();
      await (await g.recordRelation(f.entities.startup, f.entities.supplier, REASON)).wait();
      const ga = good.attestation;
      const steps: [string, unknown[], () => Promise<unknown>][] = [
        ["VoucherLedgerFrozen", [f.id], () => f.ledger.connect(f.governor).unfreeze(f.id, REASON)],
        ["VoucherLedgerInvalidAmount", [0n, FACE], async () => (claim = { ...claim, amount: good.amount })],
        ["VoucherLedgerNotHolder", [f.holder2.address, f.holder.address], async () => (caller = f.holder)],
        ["VoucherLedgerWrongBuyer", [f.otherHolder.address, f.holder.address], attest({ buyer: ga.buyer })],
        ["VoucherLedgerClassNotAccredited", [f.supplier.address, f.buyers, 3], attest({ computeClass: ga.computeClass })],
        ["VoucherLedgerProgrammePaused", [f.buyers], () => g.resumeProgramme(f.buyers, REASON)],
        ["VoucherLedgerContractTooEarly", [f.buyers, d - 41, d - 40], async () => (claim = { ...claim, contractDay: good.contractDay })],
        ["VoucherLedgerInvalidServicePeriod", [d, d - 1], attest({ serviceFromDay: ga.serviceFromDay, serviceToDay: d })],
        ["VoucherLedgerSuppliersFirst", [f.buyers, BigInt(d + 1) * DAY - 8n * 3600n], attest({ serviceToDay: ga.serviceToDay })],
        ["VoucherLedgerEvidenceMissing", [f.buyers, 1], attest({ gpuCentihours: ga.gpuCentihours })],
        ["VoucherLedgerUndeclaredRelation", [], async () => (claim = { ...claim, unrelated: true })],
        ["VoucherLedgerRelatedParties", [f.entities.startup, f.entities.supplier], () => g.clearRelation(f.entities.startup, f.entities.supplier, REASON)],
        ["VoucherLedgerNotPaid", [0n, 1000n], attest({ amountPaid: ga.amountPaid })],
        ["VoucherLedgerOverRatio", [1000n, 1000n, 3000], attest({ invoiceTotal: ga.invoiceTotal })],
        ["VoucherLedgerInvalidInvoice", [], attest({ invoiceNumberHash: ga.invoiceNumberHash })],
        ["VoucherLedgerInvalidAttestation", [f.supplier.address], async () => (signer = f.supplier)],
      ];
      for (const [error, args, fix] of steps) {
        await expectClaimRefused(f, { claim, signature: await signAttestation(f, claim.attestation, signer), caller }, error, args);
        const done: unknown = await fix();
        if (done instanceof ContractTransactionResponse) await done.wait();
      }
      await expect(f.ledger.connect(caller).submitClaim(claim, await signAttestation(f, claim.attestation, signer))).to.emit(f.ledger, "ClaimSubmitted");
    });

    it("refuses a claim while the ledger is paused", async function () {
      const f = await load();
      const { claim, signature } = await claimFor(f, 1000n, 1);
      await (await f.ledger.connect(f.guardian).pause()).wait();
      const before = await claimState(f, { claim, signature });
      await expect(f.ledger.connect(f.holder).submitClaim(claim, signature)).to.be.revertedWithCustomError(f.core, "EnforcedPause");
      expect(await claimState(f, { claim, signature })).to.equal(before);
    });
  });

  describe("through the ERC-2771 forwarder", function () {
    it("takes a claim relayed for the holder that signed the request, the relayer paying the gas", async function () {
      const f = await load();
      const { claim, signature } = await claimFor(f, 1000n, 1);
      const data = f.ledger.interface.encodeFunctionData("submitClaim", [claim, signature]);
      const request = await signForwardRequest(f.forwarder, f.holder, await f.ledger.getAddress(), data, (await now(ethers)) + DAY);
      const before = await ethers.provider.getBalance(f.holder.address);
      const tx = f.forwarder.connect(f.relayer).execute(request);
      await expect(tx)
        .to.emit(f.ledger, "ClaimSubmitted")
        .withArgs(1n, f.id, f.buyers, f.holder.address, f.entities.startup, f.entities.supplier, (x: bigint) => x > 0n, await f.ledger.attestationDigest(claim.attestation), claimTuple(claim));
      await expect(tx).to.emit(f.ledger, "TransferSingle").withArgs(f.holder.address, f.holder.address, ethers.ZeroAddress, f.id, 1000n);
      expect(await ethers.provider.getBalance(f.holder.address)).to.equal(before);
      expect(await f.forwarder.nonces(f.holder.address)).to.equal(1n);
    });

    it("refuses a claim relayed for anyone but the holder, as a simulation as the forwarder shows", async function () {
      const f = await load();
      const { claim, signature } = await claimFor(f, 1000n, 1);
      const data = f.ledger.interface.encodeFunctionData("submitClaim", [claim, signature]);
      const request = await signForwardRequest(f.forwarder, f.holder2, await f.ledger.getAddress(), data, (await now(ethers)) + DAY);
      await expect(f.forwarder.connect(f.relayer).execute(request)).to.be.revertedWithCustomError(f.forwarder, "FailedCall");
      const call = ethers.provider.call({ to: await f.ledger.getAddress(), from: await f.forwarder.getAddress(), data: ethers.concat([data, f.holder2.address]) });
      await expect(call).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNotHolder").withArgs(f.holder2.address, f.holder.address);
      expect(await f.ledger.claimCount()).to.equal(0n);
    });

    it("relays an issuer's approval with the issuer as the actor", async function () {
      const f = await load();
      const claimId = await claimed(f, 1000n, 1);
      const data = f.ledger.interface.encodeFunctionData("approveClaim", [claimId]);
      const request = await signForwardRequest(f.forwarder, f.issuer, await f.ledger.getAddress(), data, (await now(ethers)) + DAY);
      await expect(f.forwarder.connect(f.relayer).execute(request))
        .to.emit(f.ledger, "ClaimApproved")
        .withArgs(claimId, f.buyers, f.entities.startup, 1000n, false, f.issuer.address);
    });
  });

  describe("a supplier that signs with a contract wallet (ERC-1271)", function () {
    async function walletFixture() {
      const f = await claimsFixture();
      const [owner] = (await ethers.getSigners()).slice(12);
      const wallet = await ethers.deployContract("ERC1271WalletMock", [owner!.address]);
      const address = await wallet.getAddress();
      await (await f.registry.connect(f.governor).addAddress(f.entities.supplier, address, encodeBytes32String("multisig"))).wait();
      return { ...f, owner: owner!, wallet: address };
    }

    it("takes an attestation its owner key signed, and refuses one signed by another key", async function () {
      const f = await networkHelpers.loadFixture(walletFixture);
      const claim = await makeClaim(f, f.id, 1000n, 1, { attestation: { supplier: f.wallet } });
      await expectClaimRefused(f, { claim, signature: await signAttestation(f, claim.attestation, f.supplier) }, "VoucherLedgerInvalidAttestation", [f.wallet]);
      await expect(f.ledger.connect(f.holder).submitClaim(claim, await signAttestation(f, claim.attestation, f.owner)))
        .to.emit(f.ledger, "ClaimSubmitted")
        .withArgs(1n, f.id, f.buyers, f.holder.address, f.entities.startup, f.entities.supplier, (x: bigint) => x > 0n, await f.ledger.attestationDigest(claim.attestation), claimTuple(claim));
    });
  });

  describe("review", function () {
    it("lets an issuer of the programme approve within the window: the held value is spent and payable to the buyer", async function () {
      const f = await load();
      const claimId = await claimed(f, 300_000n * CNY, 1);
      const { submittedAt } = await f.ledger.getClaim(claimId);
      await time.setNextBlockTimestamp(submittedAt + REVIEW - 1n);
      const tx = f.ledger.connect(f.issuer).approveClaim(claimId);
      await expect(tx).to.emit(f.ledger, "ClaimApproved").withArgs(claimId, f.buyers, f.entities.startup, 300_000n * CNY, false, f.issuer.address);
      await expect(tx).to.not.emit(f.ledger, "TransferSingle");
      expect((await f.ledger.getClaim(claimId)).status).to.equal(CLAIM.APPROVED);
      expect(await f.ledger.balanceOf(f.holder.address, f.id)).to.equal(FACE - 300_000n * CNY);
      const totals = await totalsOf(f, f.buyers);
      expect([totals.held, totals.claimedByBuyers, totals.outstanding]).to.deep.equal([0n, 300_000n * CNY, FACE - 300_000n * CNY]);
      const [, redeemed, , , outstanding] = await f.ledger.programmeCounters(f.buyers);
      expect([redeemed, outstanding]).to.deep.equal([300_000n * CNY, FACE - 300_000n * CNY]);
      expect(await f.ledger.earned(f.buyers, f.entities.startup)).to.equal(300_000n * CNY);
      expect(await f.ledger.claimedBy(f.buyers, f.entities.startup)).to.equal(300_000n * CNY);
      expect(await f.ledger.claimantsOf(f.buyers)).to.deep.equal([f.entities.startup]);
      expect((await f.ledger.getInvoice(await keyOf(f, 1))).flags).to.equal(1n); // INVOICE_BUYER, no longer pending
      expect(await f.payments.payableTo(f.buyers, f.entities.startup)).to.equal(300_000n * CNY);
    });

    it("closes a voucher as redeemed when an approved claim spent what was left, so that it never shows as expired", async function () {
      const f = await load();
      const claimId = await claimed(f, FACE, 1, { attestation: { invoiceTotal: 4n * FACE } });
      // while the claim is pending its value may come back: the voucher stays active
      expect((await f.ledger.getVoucher(f.id)).status).to.equal(STATUS.ACTIVE);
      await (await f.ledger.connect(f.issuer).approveClaim(claimId)).wait();
      const v = await f.ledger.getVoucher(f.id);
      expect([v.remaining, v.status]).to.deep.equal([0n, STATUS.REDEEMED]);
      await time.increaseTo(v.expiresAt);
      expect(await f.ledger.connect(f.stranger).expireBatch.staticCall([f.id])).to.equal(0n);
      await expect(f.ledger.connect(f.stranger).expire(f.id)).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerInactive").withArgs(f.id, STATUS.REDEEMED);
    });

    it("closes a voucher as redeemed when a settlement approves the claim that spent what was left", async function () {
      const f = await load();
      await updateProgramme(f, f.buyers, { lapseApproves: true });
      const claimId = await claimed(f, FACE, 1, { attestation: { invoiceTotal: 4n * FACE } });
      await time.increaseTo((await f.ledger.getClaim(claimId)).submittedAt + REVIEW);
      await (await f.ledger.connect(f.stranger).settleClaim(claimId)).wait();
      expect((await f.ledger.getVoucher(f.id)).status).to.equal(STATUS.REDEEMED);
    });

    it("opens a voucher closed as redeemed again when another claim's held value comes back", async function () {
      const f = await load();
      const first = await claimed(f, 600_000n * CNY, 1);
      const second = await claimed(f, 400_000n * CNY, 2);
      await (await f.ledger.connect(f.issuer).approveClaim(first)).wait();
      expect((await f.ledger.getVoucher(f.id)).status).to.equal(STATUS.REDEEMED);
      await (await f.ledger.connect(f.issuer).rejectClaim(second, REASON)).wait();
      const v = await f.ledger.getVoucher(f.id);
      expect([v.remaining, v.status]).to.deep.equal([400_000n * CNY, STATUS.ACTIVE]);
    });

    it("lists a claimant once however many of its claims are approved", async function () {
      const f = await load();
      await (await f.ledger.connect(f.issuer).approveClaim(await claimed(f, 1000n, 1))).wait();
      await (await f.ledger.connect(f.issuer).approveClaim(await claimed(f, 2000n, 2))).wait();
      expect(await f.ledger.claimantsOf(f.buyers)).to.deep.equal([f.entities.startup]);
      expect(await f.ledger.claimedBy(f.buyers, f.entities.startup)).to.equal(3000n);
    });

    it("lets an issuer reject within the window: the value goes back to the voucher and the invoice is free again", async function () {
      const f = await load();
      const claimId = await claimed(f, 300_000n * CNY, 1);
      const tx = f.ledger.connect(f.issuer).rejectClaim(claimId, REASON);
      await expect(tx).to.emit(f.ledger, "ClaimRejected").withArgs(claimId, f.buyers, 300_000n * CNY, false, REASON, f.issuer.address);
      await expect(tx).to.emit(f.ledger, "TransferSingle").withArgs(f.issuer.address, ethers.ZeroAddress, f.holder.address, f.id, 300_000n * CNY);
      expect((await f.ledger.getClaim(claimId)).status).to.equal(CLAIM.REJECTED);
      expect(await f.ledger.balanceOf(f.holder.address, f.id)).to.equal(FACE);
      expect(await totalsOf(f, f.buyers)).to.deep.equal({ issued: FACE, redeemedBySuppliers: 0n, claimedByBuyers: 0n, held: 0n, revoked: 0n, expired: 0n, clawedBack: 0n, outstanding: FACE });
      const key = await keyOf(f, 1);
      expect((await f.ledger.getInvoice(key)).count).to.equal(0n);
      expect(await f.ledger.invoicePaidBy(key, f.buyers)).to.equal(0n);
      expect(await f.ledger.earned(f.buyers, f.entities.startup)).to.equal(0n);
      // the invoice is free for a new claim
      const again = await claimed(f, 200_000n * CNY, 1);
      expect((await f.ledger.getClaim(again)).status).to.equal(CLAIM.PENDING);
    });

    it("refuses approval and rejection by an issuer not bound to the programme, and by anyone without the ISSUER role", async function () {
      const f = await load();
      const claimId = await claimed(f, 1000n, 1);
      const [unbound] = (await ethers.getSigners()).slice(12);
      await (await f.manager.connect(f.governor).grantRole(ROLE.ISSUER, unbound!.address, 0)).wait();
      await expect(f.ledger.connect(unbound).approveClaim(claimId))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerIssuerNotBound")
        .withArgs(unbound!.address, f.buyers);
      await expect(f.ledger.connect(unbound).rejectClaim(claimId, REASON))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerIssuerNotBound")
        .withArgs(unbound!.address, f.buyers);
      for (const caller of [f.governor, f.holder, f.supplier, f.finance]) {
        await expect(f.ledger.connect(caller).approveClaim(claimId)).to.be.revertedWithCustomError(f.core, "AccessManagedUnauthorized").withArgs(caller.address);
        await expect(f.ledger.connect(caller).rejectClaim(claimId, REASON)).to.be.revertedWithCustomError(f.core, "AccessManagedUnauthorized").withArgs(caller.address);
      }
      expect((await f.ledger.getClaim(claimId)).status).to.equal(CLAIM.PENDING);
    });

    it("closes the review when the window passes: the issuer can neither approve nor reject (ReviewClosed)", async function () {
      const f = await load();
      const claimId = await claimed(f, 1000n, 1);
      const until = (await f.ledger.getClaim(claimId)).submittedAt + REVIEW;
      await time.setNextBlockTimestamp(until);
      await expect(f.ledger.connect(f.issuer).approveClaim(claimId)).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerReviewClosed").withArgs(claimId, until);
      await expect(f.ledger.connect(f.issuer).rejectClaim(claimId, REASON)).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerReviewClosed").withArgs(claimId, until);
      expect((await f.ledger.getClaim(claimId)).status).to.equal(CLAIM.PENDING);
    });

    it("refuses to settle before the window passes (ReviewOpen), and lets anyone settle after it: the claim lapses", async function () {
      const f = await load();
      const claimId = await claimed(f, 1000n, 1);
      const until = (await f.ledger.getClaim(claimId)).submittedAt + REVIEW;
      await time.setNextBlockTimestamp(until - 1n);
      await expect(f.ledger.connect(f.stranger).settleClaim(claimId)).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerReviewOpen").withArgs(claimId, until);
      await time.setNextBlockTimestamp(until);
      const tx = f.ledger.connect(f.stranger).settleClaim(claimId);
      await expect(tx).to.emit(f.ledger, "ClaimRejected").withArgs(claimId, f.buyers, 1000n, true, LAPSED, f.stranger.address);
      await expect(tx).to.emit(f.ledger, "TransferSingle").withArgs(f.stranger.address, ethers.ZeroAddress, f.holder.address, f.id, 1000n);
      expect((await f.ledger.getClaim(claimId)).status).to.equal(CLAIM.LAPSED);
      expect(await f.ledger.balanceOf(f.holder.address, f.id)).to.equal(FACE);
      expect((await f.ledger.getInvoice(await keyOf(f, 1))).count).to.equal(0n);
    });

    it("approves a claim settled after the window where the programme's rule says so", async function () {
      const f = await load();
      await updateProgramme(f, f.buyers, { lapseApproves: true });
      const claimId = await claimed(f, 1000n, 1);
      await time.increaseTo((await f.ledger.getClaim(claimId)).submittedAt + REVIEW);
      await expect(f.ledger.connect(f.stranger).settleClaim(claimId))
        .to.emit(f.ledger, "ClaimApproved")
        .withArgs(claimId, f.buyers, f.entities.startup, 1000n, true, f.stranger.address);
      expect((await f.ledger.getClaim(claimId)).status).to.equal(CLAIM.APPROVED);
      expect(await f.ledger.earned(f.buyers, f.entities.startup)).to.equal(1000n);
    });

    it("decides a claim once: a decided claim is refused with its status, an unknown one as unknown", async function () {
      const f = await load();
      const approved = await claimed(f, 1000n, 1);
      await (await f.ledger.connect(f.issuer).approveClaim(approved)).wait();
      const rejected = await claimed(f, 1000n, 2);
      await (await f.ledger.connect(f.issuer).rejectClaim(rejected, REASON)).wait();
      for (const [claimId, status] of [[approved, CLAIM.APPROVED], [rejected, CLAIM.REJECTED]] as const) {
        await expect(f.ledger.connect(f.issuer).approveClaim(claimId)).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerClaimStatus").withArgs(claimId, status);
        await expect(f.ledger.connect(f.issuer).rejectClaim(claimId, REASON)).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerClaimStatus").withArgs(claimId, status);
        await time.increase(REVIEW);
        await expect(f.ledger.connect(f.stranger).settleClaim(claimId)).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerClaimStatus").withArgs(claimId, status);
      }
      for (const claimId of [0n, 3n]) {
        await expect(f.ledger.connect(f.issuer).approveClaim(claimId)).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerUnknownClaim").withArgs(claimId);
        await expect(f.ledger.connect(f.stranger).settleClaim(claimId)).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerUnknownClaim").withArgs(claimId);
        await expect(f.ledger.getClaim(claimId)).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerUnknownClaim").withArgs(claimId);
      }
    });

    it("refuses approval, rejection and settlement while the ledger is paused", async function () {
      const f = await load();
      const claimId = await claimed(f, 1000n, 1);
      await (await f.ledger.connect(f.guardian).pause()).wait();
      await expect(f.ledger.connect(f.issuer).approveClaim(claimId)).to.be.revertedWithCustomError(f.core, "EnforcedPause");
      await expect(f.ledger.connect(f.issuer).rejectClaim(claimId, REASON)).to.be.revertedWithCustomError(f.core, "EnforcedPause");
      await time.increase(REVIEW);
      await expect(f.ledger.connect(f.stranger).settleClaim(claimId)).to.be.revertedWithCustomError(f.core, "EnforcedPause");
    });

    it("returns a rejected claim's value to the budget when the voucher was revoked meanwhile, and to the company's tally", async function () {
      const f = await load();
      const claimId = await claimed(f, 300_000n * CNY, 1);
      await (await f.ledger.connect(f.issuer).revoke(f.id, REASON)).wait();
      expect((await f.ledger.getPeriod(f.buyers, f.year)).revoked).to.equal(700_000n * CNY);
      expect((await f.ledger.getTally(f.entities.startup, f.buyers)).committed).to.equal(300_000n * CNY);
      const tx = f.ledger.connect(f.issuer).rejectClaim(claimId, REASON);
      await expect(tx).to.emit(f.ledger, "ClaimRejected").withArgs(claimId, f.buyers, 300_000n * CNY, false, REASON, f.issuer.address);
      await expect(tx).to.not.emit(f.ledger, "TransferSingle");
      const v = await f.ledger.getVoucher(f.id);
      expect([v.remaining, v.status]).to.deep.equal([0n, STATUS.REVOKED]);
      const p = await f.ledger.getPeriod(f.buyers, f.year);
      expect([p.issued, p.revoked, p.expired]).to.deep.equal([FACE, FACE, 0n]);
      expect((await f.ledger.getTally(f.entities.startup, f.buyers)).committed).to.equal(0n);
      const t = await totalsOf(f, f.buyers);
      expect([t.held, t.revoked, t.outstanding]).to.deep.equal([0n, FACE, 0n]);
    });

    it("returns a lapsed claim's value to the budget when the voucher expired meanwhile", async function () {
      const f = await load();
      const t = await now(ethers);
      const id = await issueVoucher(f, "BJ-SHORT", FACE, f.holder.address, t + 2n * DAY, f.buyers);
      const { claim, signature } = await signedClaim(f, id, 300_000n * CNY, 1);
      const claimId = await submitClaim(f, claim, signature);
      await time.increaseTo(t + 2n * DAY);
      await (await f.ledger.connect(f.stranger).expire(id)).wait();
      await time.increaseTo((await f.ledger.getClaim(claimId)).submittedAt + REVIEW);
      await expect(f.ledger.connect(f.stranger).settleClaim(claimId)).to.emit(f.ledger, "ClaimRejected").withArgs(claimId, f.buyers, 300_000n * CNY, true, LAPSED, f.stranger.address);
      const p = await f.ledger.getPeriod(f.buyers, f.year);
      expect([p.expired, p.revoked]).to.deep.equal([FACE, 0n]);
      expect((await f.ledger.getVoucher(id)).status).to.equal(STATUS.EXPIRED);
      const totals = await totalsOf(f, f.buyers);
      expect([totals.held, totals.expired]).to.deep.equal([0n, FACE]);
    });

    it("gives a rejected claim's value back to a voucher its supplier redeemed the rest of meanwhile, active again", async function () {
      const f = await load();
      const either = await addProgramme(f, { name: "庆阳算力券", region: 621000, payees: 3 });
      const id = await issueVoucher(f, "QY-0001", FACE, f.holder.address, 0n, either);
      const { claim, signature } = await signedClaim(f, id, 300_000n * CNY, 1);
      const claimId = await submitClaim(f, claim, signature);
      const rest = await signedConsent(f, id, 700_000n * CNY, 2);
      await (await f.ledger.connect(f.supplier).redeem(rest.consent, rest.signature)).wait();
      expect((await f.ledger.getVoucher(id)).status).to.equal(STATUS.REDEEMED);
      await (await f.ledger.connect(f.issuer).rejectClaim(claimId, REASON)).wait();
      const v = await f.ledger.getVoucher(id);
      expect([v.remaining, v.status]).to.deep.equal([300_000n * CNY, STATUS.ACTIVE]);
    });
  });

  describe("one invoice, one payee: a supplier's redemption and a buyer's claim exclude each other", function () {
    async function eitherFixture() {
      const f = await claimsFixture();
      const either = await addProgramme(f, { name: "庆阳算力券", region: 621000, payees: 3 });
      const voucher = await issueVoucher(f, "QY-0001", FACE, f.holder.address, 0n, either);
      return { ...f, either, voucher };
    }

    it("refuses a buyer's claim on an invoice its supplier redeemed (InvoiceRedeemed)", async function () {
      const f = await networkHelpers.loadFixture(eitherFixture);
      const r = await signedConsent(f, f.voucher, 1000n, 1);
      await (await f.ledger.connect(f.supplier).redeem(r.consent, r.signature)).wait();
      await expectClaimRefused(f, await signedClaim(f, f.voucher, 1000n, 1), "VoucherLedgerInvoiceRedeemed", [await keyOf(f, 1)]);
      await expectClaimRefused(f, await claimFor(f, 1000n, 1), "VoucherLedgerInvoiceRedeemed", [await keyOf(f, 1)]);
    });

    it("refuses a redemption while a claim on the invoice is pending, and after it was approved (InvoiceClaimed)", async function () {
      const f = await networkHelpers.loadFixture(eitherFixture);
      const { claim, signature } = await signedClaim(f, f.voucher, 1000n, 1);
      const claimId = await submitClaim(f, claim, signature);
      const key = await keyOf(f, 1);
      const other = await issueVoucher(f, "HZ-0001", FACE);
      for (const id of [f.voucher, other]) {
        await expectRedemptionRefused(f, await signedConsent(f, id, 1000n, 1), "VoucherLedgerInvoiceClaimed", [key]);
      }
      await (await f.ledger.connect(f.issuer).approveClaim(claimId)).wait();
      for (const id of [f.voucher, other]) {
        await expectRedemptionRefused(f, await signedConsent(f, id, 1000n, 1), "VoucherLedgerInvoiceClaimed", [key]);
      }
    });

    it("refuses a second claim while one is pending, under the same or another programme (ClaimPending)", async function () {
      const f = await networkHelpers.loadFixture(eitherFixture);
      await claimed(f, 1000n, 1);
      const key = await keyOf(f, 1);
      await expectClaimRefused(f, await claimFor(f, 1000n, 1), "VoucherLedgerClaimPending", [key]);
      await expectClaimRefused(f, await signedClaim(f, f.voucher, 1000n, 1), "VoucherLedgerClaimPending", [key]);
    });

    it("lets the supplier redeem an invoice whose claim was rejected", async function () {
      const f = await networkHelpers.loadFixture(eitherFixture);
      const { claim, signature } = await signedClaim(f, f.voucher, 1000n, 1);
      await (await f.ledger.connect(f.issuer).rejectClaim(await submitClaim(f, claim, signature), REASON)).wait();
      const r = await signedConsent(f, f.voucher, 1000n, 1);
      await expect(f.ledger.connect(f.supplier).redeem(r.consent, r.signature)).to.emit(f.ledger, "VoucherRedeemed");
      await expectClaimRefused(f, await signedClaim(f, f.voucher, 1000n, 1), "VoucherLedgerInvoiceRedeemed", [await keyOf(f, 1)]);
    });
  });

  describe("suppliers first (Qingyang)", function () {
    it("refuses the buyer's claim until the suppliers' window after the service has passed, while the supplier may redeem", async function () {
      const f = await load();
      const q = await addProgramme(f, { name: "庆阳算力券", region: 621000, payees: 3, supplierFirstDays: 30, reviewWindow: Number(REVIEW) });
      const id = await issueVoucher(f, "QY-0001", FACE, f.holder.address, 0n, q);
      const { claim, signature } = await signedClaim(f, id, 1000n, 1);
      const claimableFrom = BigInt(claim.attestation.serviceToDay + 1 + 30) * DAY - 8n * 3600n;
      await expectClaimRefused(f, { claim, signature }, "VoucherLedgerSuppliersFirst", [q, claimableFrom]);
      const r = await signedConsent(f, id, 1000n, 2);
      await (await f.ledger.connect(f.supplier).redeem(r.consent, r.signature)).wait();
      await time.setNextBlockTimestamp(claimableFrom - 1n);
      await expect(f.ledger.connect(f.holder).submitClaim(claim, signature))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerSuppliersFirst")
        .withArgs(q, claimableFrom);
      await time.setNextBlockTimestamp(claimableFrom);
      await expect(f.ledger.connect(f.holder).submitClaim(claim, signature)).to.emit(f.ledger, "ClaimSubmitted");
    });
  });

  describe("claims of two programmes on one invoice (stacking)", function () {
    async function stackFixture() {
      const f = await claimsFixture();
      await updateProgramme(f, f.buyers, { maxCombinedBps: 10_000 });
      const district = await addBuyerProgramme(f, { name: "海淀区算力补贴", level: 4, region: 110108, maxCombinedBps: 6000 });
      const second = await issueVoucher(f, "HD-0001", FACE, f.holder.address, 0n, district);
      return { ...f, district, second };
    }
    const TOTAL = 100_000n;

    it("takes the second programme's claim once the first was approved, within the smallest combined share", async function () {
      const f = await networkHelpers.loadFixture(stackFixture);
      const key = await keyOf(f, 1);
      const first = await claimed(f, 30_000n, 1, { attestation: { invoiceTotal: TOTAL } });
      await expectClaimRefused(f, await signedClaim(f, f.second, 30_000n, 1, { attestation: { invoiceTotal: TOTAL } }), "VoucherLedgerClaimPending", [key]);
      await (await f.ledger.connect(f.issuer).approveClaim(first)).wait();
      const { claim, signature } = await signedClaim(f, f.second, 30_000n, 1, { attestation: { invoiceTotal: TOTAL } });
      const second = await submitClaim(f, claim, signature);
      const inv = await f.ledger.getInvoice(key);
      expect([inv.subsidised, inv.count, inv.minShareBps, inv.flags]).to.deep.equal([60_000n, 2n, 6000n, 3n]);
      expect([await f.ledger.invoicePaidBy(key, f.buyers), await f.ledger.invoicePaidBy(key, f.district)]).to.deep.equal([30_000n, 30_000n]);
      await (await f.ledger.connect(f.issuer).approveClaim(second)).wait();
      expect(await f.ledger.earned(f.district, f.entities.startup)).to.equal(30_000n);
      const third = await addBuyerProgramme(f, { name: "中关村算力补贴", level: 4, region: 110108, maxCombinedBps: 10_000 });
      const v = await issueVoucher(f, "ZGC-0001", FACE, f.holder.address, 0n, third);
      await expectClaimRefused(f, await signedClaim(f, v, 1n, 1, { attestation: { invoiceTotal: TOTAL } }), "VoucherLedgerOverCombinedShare", [key, 60_000n, 1n, 6000]);
    });

    it("takes a rejected second claim off the invoice, leaving the first programme's share", async function () {
      const f = await networkHelpers.loadFixture(stackFixture);
      const key = await keyOf(f, 1);
      await (await f.ledger.connect(f.issuer).approveClaim(await claimed(f, 30_000n, 1, { attestation: { invoiceTotal: TOTAL } }))).wait();
      const { claim, signature } = await signedClaim(f, f.second, 30_000n, 1, { attestation: { invoiceTotal: TOTAL } });
      await (await f.ledger.connect(f.issuer).rejectClaim(await submitClaim(f, claim, signature), REASON)).wait();
      const inv = await f.ledger.getInvoice(key);
      expect([inv.subsidised, inv.count, inv.flags]).to.deep.equal([30_000n, 1n, 1n]);
      expect([await f.ledger.invoicePaidBy(key, f.buyers), await f.ledger.invoicePaidBy(key, f.district)]).to.deep.equal([30_000n, 0n]);
      await expect(f.ledger.connect(f.holder).submitClaim(claim, signature)).to.emit(f.ledger, "ClaimSubmitted");
    });

    it("binds the invoice to its buyer: another company's voucher cannot claim on it", async function () {
      const f = await networkHelpers.loadFixture(stackFixture);
      await (await f.ledger.connect(f.issuer).approveClaim(await claimed(f, 30_000n, 1, { attestation: { invoiceTotal: TOTAL } }))).wait();
      const theirs = await issueVoucher(f, "HD-0002", FACE, f.otherHolder.address, 0n, f.district);
      const attempt = await signedClaim(f, theirs, 10_000n, 1, { attestation: { invoiceTotal: TOTAL } }, f.supplier, f.otherHolder.address);
      await expectClaimRefused(f, { ...attempt, caller: f.otherHolder }, "VoucherLedgerInvoiceOtherBuyer", [await keyOf(f, 1), f.entities.startup, f.entities.company]);
    });
  });

  describe("payees", function () {
    it("refuses a supplier's redemption in a programme that pays buyers only", async function () {
      const f = await load();
      await expectRedemptionRefused(f, await signedConsent(f, f.id, 1000n, 1), "VoucherLedgerPayeeNotAllowed", [f.buyers, 1]);
    });

    it("refuses a class the programme's table lacks as ineligible (category 0), for a claim and for a redemption", async function () {
      const f = await load();
      await (await f.registry.connect(f.governor).defineClass(3, "大模型服务")).wait();
      const t = await now(ethers);
      for (const p of [f.buyers, f.programme]) await f.registry.connect(f.governor).accredit(f.entities.supplier, p, t, t + 365n * DAY, 0b111);
      await expectClaimRefused(f, await claimFor(f, 1000n, 1, { attestation: { computeClass: 3 } }), "VoucherLedgerIneligible", [f.buyers, 3, 0]);
      const hz = await issueVoucher(f, "HZ-0001", FACE);
      await expectRedemptionRefused(f, await signedConsent(f, hz, 1000n, 1, { computeClass: 3 }), "VoucherLedgerIneligible", [f.programme, 3, 0]);
    });

    it("pays either side in a programme that says so, never both for one invoice", async function () {
      const f = await load();
      const either = await addProgramme(f, { name: "庆阳算力券", region: 621000, payees: 3 });
      const id = await issueVoucher(f, "QY-0001", FACE, f.holder.address, 0n, either);
      const r = await signedConsent(f, id, 1000n, 1);
      await (await f.ledger.connect(f.supplier).redeem(r.consent, r.signature)).wait();
      const { claim, signature } = await signedClaim(f, id, 2000n, 2);
      await (await f.ledger.connect(f.issuer).approveClaim(await submitClaim(f, claim, signature))).wait();
      expect(await f.ledger.earned(either, f.entities.supplier)).to.equal(1000n);
      expect(await f.ledger.earned(either, f.entities.startup)).to.equal(2000n);
      const t = await totalsOf(f, either);
      expect([t.redeemedBySuppliers, t.claimedByBuyers, t.outstanding]).to.deep.equal([1000n, 2000n, FACE - 3000n]);
    });
  });

  describe("clawbacks (the governor's)", function () {
    const PAID = 300_000n * CNY;

    /** A supplier's redemption of CNY 300k on invoice 1 (suppliers' programme) and an approved claim of CNY 300k on invoice 2. */
    async function paidFixture() {
      const f = await claimsFixture();
      const hz = await issueVoucher(f, "HZ-0001", FACE);
      const r = await signedConsent(f, hz, PAID, 1);
      await (await f.ledger.connect(f.supplier).redeem(r.consent, r.signature)).wait();
      const { claim, signature } = await signedClaim(f, f.id, PAID, 2);
      const claimId = await submitClaim(f, claim, signature);
      await (await f.ledger.connect(f.issuer).approveClaim(claimId)).wait();
      return { ...f, hz, claimId, hash1: r.consent.invoiceNumberHash };
    }
    const loadPaid = () => networkHelpers.loadFixture(paidFixture);

    it("reverses part of a supplier's redemption: no longer earned by the supplier, back in the budget of the voucher's year", async function () {
      const f = await loadPaid();
      const key = await keyOf(f, 1);
      await expect(f.ledger.connect(f.governor).clawBackRedemption(f.hz, f.entities.supplier, f.hash1, 100_000n * CNY, REASON))
        .to.emit(f.ledger, "RedemptionClawedBack")
        .withArgs(f.hz, f.programme, f.entities.supplier, key, 100_000n * CNY, f.year, REASON, f.governor.address);
      expect(await f.ledger.invoiceClawedBack(key, f.programme)).to.equal(100_000n * CNY);
      expect(await f.ledger.clawedBackFrom(f.programme, f.entities.supplier)).to.equal(100_000n * CNY);
      expect(await f.ledger.earned(f.programme, f.entities.supplier)).to.equal(200_000n * CNY);
      expect(await f.payments.payableTo(f.programme, f.entities.supplier)).to.equal(200_000n * CNY);
      const p = await f.ledger.getPeriod(f.programme, f.year);
      expect([p.issued, p.clawedBack]).to.deep.equal([FACE, 100_000n * CNY]);
      const t = await totalsOf(f, f.programme);
      expect([t.redeemedBySuppliers, t.clawedBack, t.outstanding]).to.deep.equal([PAID, 100_000n * CNY, FACE - PAID]);
      expect(await f.ledger.balanceOf(f.holder.address, f.hz)).to.equal(FACE - PAID);
      // what the year has committed fell by the amount: the budget may now go down to it, not below
      const committed = FACE - 100_000n * CNY;
      await expect(f.ledger.connect(f.governor).setBudget(f.programme, f.year, committed - 1n, ZeroHash))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerBudgetBelowCommitted")
        .withArgs(f.programme, f.year, committed - 1n, committed);
      await (await f.ledger.connect(f.governor).setBudget(f.programme, f.year, committed, ZeroHash)).wait();
    });

    it("bounds a redemption's clawback by what the programme paid of the invoice and did not reverse yet", async function () {
      const f = await loadPaid();
      const g = f.ledger.connect(f.governor);
      const tooLarge = (amount: bigint, available: bigint) => [amount, available] as const;
      const cases: [bigint, string, bigint, readonly [bigint, bigint]][] = [
        [f.hz, f.hash1, 0n, tooLarge(0n, PAID)],
        [f.hz, f.hash1, PAID + 1n, tooLarge(PAID + 1n, PAID)],
        // the buyers' programme did not pay invoice 1
        [f.id, f.hash1, 1n, tooLarge(1n, 0n)],
        // invoice 2 is the buyer's: its claim is clawed back with clawBackClaim
        [f.id, invoiceNumberHash(invoiceNumber(2)), 1n, tooLarge(1n, 0n)],
      ];
      for (const [voucher, hash, amount, args] of cases) {
        await expect(g.clawBackRedemption(voucher, f.entities.supplier, hash, amount, REASON))
          .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerClawbackTooLarge")
          .withArgs(...args);
      }
      await (await g.clawBackRedemption(f.hz, f.entities.supplier, f.hash1, 100_000n * CNY, REASON)).wait();
      await expect(g.clawBackRedemption(f.hz, f.entities.supplier, f.hash1, 200_001n * CNY, REASON))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerClawbackTooLarge")
        .withArgs(200_001n * CNY, 200_000n * CNY);
      await (await g.clawBackRedemption(f.hz, f.entities.supplier, f.hash1, 200_000n * CNY, REASON)).wait();
      await expect(g.clawBackRedemption(f.hz, f.entities.supplier, f.hash1, 1n, REASON))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerClawbackTooLarge")
        .withArgs(1n, 0n);
      expect(await f.ledger.earned(f.programme, f.entities.supplier)).to.equal(0n);
      const unknown = await f.ledger.voucherId(f.programme, appRef("never-issued"));
      await expect(g.clawBackRedemption(unknown, f.entities.supplier, f.hash1, 1n, REASON))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerUnknownVoucher")
        .withArgs(unknown);
    });

    it("reverses part of an approved claim: no longer earned by the buyer, back in the budget of its voucher's year", async function () {
      const f = await loadPaid();
      await expect(f.ledger.connect(f.governor).clawBackClaim(f.claimId, 100_000n * CNY, REASON))
        .to.emit(f.ledger, "ClaimClawedBack")
        .withArgs(f.claimId, f.buyers, f.entities.startup, 100_000n * CNY, f.year, REASON, f.governor.address);
      const c = await f.ledger.getClaim(f.claimId);
      expect([c.status, c.amount, c.clawedBack]).to.deep.equal([CLAIM.APPROVED, PAID, 100_000n * CNY]);
      expect(await f.ledger.earned(f.buyers, f.entities.startup)).to.equal(200_000n * CNY);
      expect(await f.ledger.claimedBy(f.buyers, f.entities.startup)).to.equal(PAID);
      expect(await f.ledger.clawedBackFrom(f.buyers, f.entities.startup)).to.equal(100_000n * CNY);
      expect((await f.ledger.getPeriod(f.buyers, f.year)).clawedBack).to.equal(100_000n * CNY);
      const t = await totalsOf(f, f.buyers);
      expect([t.claimedByBuyers, t.clawedBack]).to.deep.equal([PAID, 100_000n * CNY]);
      await expect(f.ledger.connect(f.governor).clawBackClaim(f.claimId, 200_001n * CNY, REASON))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerClawbackTooLarge")
        .withArgs(200_001n * CNY, 200_000n * CNY);
      await expect(f.ledger.connect(f.governor).clawBackClaim(f.claimId, 0n, REASON))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerClawbackTooLarge")
        .withArgs(0n, 200_000n * CNY);
      await (await f.ledger.connect(f.governor).clawBackClaim(f.claimId, 200_000n * CNY, REASON)).wait();
      expect(await f.ledger.earned(f.buyers, f.entities.startup)).to.equal(0n);
    });

    it("claws back only an approved claim, and refuses an unknown one as unknown", async function () {
      const f = await loadPaid();
      const pending = await claimed(f, 1000n, 3);
      const rejected = await claimed(f, 1000n, 4);
      await (await f.ledger.connect(f.issuer).rejectClaim(rejected, REASON)).wait();
      for (const [claimId, status] of [[pending, CLAIM.PENDING], [rejected, CLAIM.REJECTED]] as const) {
        await expect(f.ledger.connect(f.governor).clawBackClaim(claimId, 1n, REASON))
          .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerClaimStatus")
          .withArgs(claimId, status);
      }
      for (const claimId of [0n, 99n]) {
        await expect(f.ledger.connect(f.governor).clawBackClaim(claimId, 1n, REASON))
          .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerUnknownClaim")
          .withArgs(claimId);
      }
    });

    it("returns the amount to the budget of the voucher's fiscal year, not of the year of the clawback", async function () {
      const f = await loadPaid();
      const next = f.year + 1;
      await time.increaseTo(instantOfDate(`${next}-01-02`));
      const r = await signedConsent(f, f.hz, 1000n, 5);
      await (await f.ledger.connect(f.supplier).redeem(r.consent, r.signature)).wait();
      await expect(f.ledger.connect(f.governor).clawBackRedemption(f.hz, f.entities.supplier, r.consent.invoiceNumberHash, 1000n, REASON))
        .to.emit(f.ledger, "RedemptionClawedBack")
        .withArgs(f.hz, f.programme, f.entities.supplier, await keyOf(f, 5), 1000n, f.year, REASON, f.governor.address);
      await expect(f.ledger.connect(f.governor).clawBackClaim(f.claimId, 1000n, REASON))
        .to.emit(f.ledger, "ClaimClawedBack")
        .withArgs(f.claimId, f.buyers, f.entities.startup, 1000n, f.year, REASON, f.governor.address);
      expect((await f.ledger.getPeriod(f.programme, f.year)).clawedBack).to.equal(1000n);
      expect((await f.ledger.getPeriod(f.programme, next)).clawedBack).to.equal(0n);
      expect((await f.ledger.getPeriod(f.buyers, f.year)).clawedBack).to.equal(1000n);
      expect((await f.ledger.getPeriod(f.buyers, next)).clawedBack).to.equal(0n);
    });

    it("refuses a clawback naming a voucher whose year committed less than the amount, which would leave that year unusable", async function () {
      const f = await loadPaid();
      const next = f.year + 1;
      await time.increaseTo(instantOfDate(`${next}-01-02`));
      const late = await issueVoucher(f, "HZ-NEXT", 1000n);
      await (await f.ledger.connect(f.issuer).revoke(late, REASON)).wait();
      await expect(f.ledger.connect(f.governor).clawBackRedemption(late, f.entities.supplier, f.hash1, 1n, REASON))
        .to.be.revertedWithCustomError(f.ledger, "VoucherLedgerClawbackTooLarge")
        .withArgs(1n, 0n);
      expect(await f.ledger.invoiceClawedBack(await keyOf(f, 1), f.programme)).to.equal(0n);
      // the year's budget is kept and used as before
      await (await f.ledger.connect(f.governor).setBudget(f.programme, next, 5000n, ZeroHash)).wait();
      await issueVoucher(f, "HZ-NEXT-2", 5000n);
    });

    it("lets only the governor claw back", async function () {
      const f = await loadPaid();
      for (const caller of [f.issuer, f.guardian, f.finance, f.auditor, f.supplier, f.stranger]) {
        await expect(f.ledger.connect(caller).clawBackRedemption(f.hz, f.entities.supplier, f.hash1, 1n, REASON))
          .to.be.revertedWithCustomError(f.core, "AccessManagedUnauthorized")
          .withArgs(caller.address);
        await expect(f.ledger.connect(caller).clawBackClaim(f.claimId, 1n, REASON))
          .to.be.revertedWithCustomError(f.core, "AccessManagedUnauthorized")
          .withArgs(caller.address);
      }
    });
  });

  describe("the claims module", function () {
    it("runs only through the ledger: a direct call to any of its functions reverts", async function () {
      const f = await load();
      const direct = await ethers.getContractAt("IVoucherLedgerClaims", f.claims, f.governor);
      const claim = await makeClaim(f, f.id, 1000n, 1);
      const calls: [string, () => Promise<unknown>][] = [
        ["submitClaim", () => direct.connect(f.holder).submitClaim(claim, "0x")],
        ["attestationDigest", () => direct.attestationDigest(claim.attestation)],
        ["approveClaim", () => direct.connect(f.issuer).approveClaim(1)],
        ["rejectClaim", () => direct.connect(f.issuer).rejectClaim(1, REASON)],
        ["settleClaim", () => direct.settleClaim(1)],
        ["clawBackRedemption", () => direct.clawBackRedemption(f.id, f.entities.supplier, ZeroHash, 1, REASON)],
        ["clawBackClaim", () => direct.clawBackClaim(1, 1, REASON)],
      ];
      expect(calls.length).to.equal(direct.interface.fragments.filter((x) => x.type === "function").length);
      for (const [name, call] of calls) await expect(call(), name).to.be.revertedWithCustomError(f.ledger, "VoucherLedgerNotDelegated");
    });
  });
});
