import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { type ContractTransactionReceipt, type ContractTransactionResponse, encodeBytes32String, id as keccakText, type TypedDataDomain, ZeroHash } from "ethers";
import fc from "fast-check";
import { network } from "hardhat";

import { itRunsSequences } from "../helpers/sequences.js";

import { ATTESTATION_TYPES, type ClaimRequest, type Consent, CONSENT_TYPES } from "../../service/domain/consent.js";
import { dayOfInstant, invoiceNumberHash } from "../../service/domain/identity.js";
import {
  CLASS,
  DAY,
  addProgramme,
  appRef,
  consentDomain,
  deploySchemeFixture,
  fiscalYear,
  invoiceNumber,
  now,
  type SchemeFixture,
  updateProgramme,
} from "../helpers/scheme-fixture.js";

/*
 * Property-based tests of buyers' claims, clawbacks and the payment ledger (issue 15: "the equations hold through
 * every reversal"). Random sequences of issues, supplier redemptions, buyers' claims, approvals, rejections,
 * settlements (approving or lapsing), revocations, expiries, payments, repayments, corrections, clawbacks of either
 * kind and time jumps run against the in-process Hardhat network and a small model kept here. Each operation the
 * model says must fail must revert with that custom error and those arguments; after every step, on chain:
 *
 * - per programme: issued = redeemedBySuppliers + claimedByBuyers + held + revoked + expired + outstanding, and
 *   outstanding = the sum of its vouchers' balances (ERC-1155 balanceOf); every total as the model has it;
 * - per programme and payee: earned = netPaid + payable - receivable (netPaid = paid - repaid), never payable and
 *   receivable at once, a receivable never above what clawbacks reversed, each as the model has it; and a payment
 *   never exceeds what was payable just before it;
 * - per invoice: never both a supplier's redemption and a buyer's claim that is pending or approved (from the events).
 *
 * Three programmes: one paying suppliers, one paying buyers (7-day review, an undecided claim lapses), one paying
 * either (suppliers first for 3 days, 4-day review, an undecided claim is approved); all stackable up to 100%. Every
 * transaction is mined at an explicit timestamp (the latest block's + 1). FC_RUNS (default 6) sequences of
 * CLAIM_STEPS (default 40) steps; FC_SEED=<seed> (and FC_PATH) replays a failure, FC_SEED=random draws a new seed; by default the seed comes from the commit (test/helpers/seed.ts). LEDGER_LONG_RUN=1 runs the long
 * run instead: at least 10,000 steps (LEDGER_LONG_STEPS) in sequences of 100, and prints seed, steps and time.
 */

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const STEPS = Number(process.env.CLAIM_STEPS ?? 40);
const RUNS = Number(process.env.FC_RUNS ?? 6);

const RATIO_BPS = 3000n;
const INVOICES = 6;
const HOUR = 3600n;

// ---------------------------------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------------------------------

enum VStatus {
  None,
  Active,
  Redeemed,
  Revoked,
  Expired,
}
enum CStatus {
  None,
  Pending,
  Approved,
  Rejected,
  Lapsed,
}

/** A refusal the model predicts: the custom error, its arguments, and the contract whose ABI has it. */
class Refusal extends Error {
  constructor(
    readonly errorName: string,
    readonly args: unknown[],
    readonly target: "ledger" | "payments" = "ledger",
  ) {
    super(`${errorName}(${args.map(String).join(", ")})`);
  }
}
const refuse = (name: string, ...args: unknown[]): never => {
  throw new Refusal(name, args);
};
const refusePayment = (name: string, ...args: unknown[]): never => {
  throw new Refusal(name, args, "payments");
};

interface ProgrammeSpec {
  id: bigint;
  paysSuppliers: boolean;
  paysBuyers: boolean;
  supplierFirstDays: number;
  review: bigint;
  lapseApproves: boolean;
  firstYear: number;
  yearCount: number;
}
interface MVoucher {
  id: bigint;
  p: number; // index of the programme
  holder: number; // index of the holder
  remaining: bigint;
  expiresAt: bigint;
  year: number;
  status: VStatus;
}
interface MInvoice {
  buyer: bigint;
  buyerFlag: boolean;
  pending: boolean;
  subsidised: bigint;
  shares: Map<number, bigint>;
}
interface MClaim {
  id: bigint;
  voucher: number;
  p: number;
  buyer: bigint;
  key: string;
  amount: bigint;
  submittedAt: bigint;
  status: CStatus;
  clawedBack: bigint;
}
interface MRedemption {
  voucher: number;
  supplier: number;
  invoice: number;
  key: string;
}
interface MEntry {
  repayment: boolean;
  p: number;
  payee: bigint;
  amount: bigint;
  corrected: boolean;
}
interface MPeriod {
  issued: bigint;
  revoked: bigint;
  expired: bigint;
  clawedBack: bigint;
}

/** The invoice terms of invoice number `n` (the same for every programme, so that stacking matches). */
function invoiceTerms(n: number, startDay: number) {
  return {
    total: 40_000n * BigInt(n),
    serviceFromDay: startDay - 20,
    serviceToDay: startDay - 1 - (n % 3),
    gpuCentihours: 1_000n,
    contractDay: startDay - 30,
  };
}

class Model {
  now: bigint;
  vouchers: MVoucher[] = [];
  claims: MClaim[] = [];
  redemptions: MRedemption[] = [];
  entries: MEntry[] = [];
  invoices = new Map<string, MInvoice>();
  invoiceClawbacks = new Map<string, bigint>();
  periods = new Map<string, MPeriod>();
  /** Per `p:payee`: redemptions and approved claims (before clawbacks), clawed back, paid, repaid. */
  gross = new Map<string, bigint>();
  clawed = new Map<string, bigint>();
  paid = new Map<string, bigint>();
  repaid = new Map<string, bigint>();
  redeemedBySuppliers: bigint[];
  claimedByBuyers: bigint[];
  held: bigint[];
  refs = 0;

  constructor(
    readonly programmes: ProgrammeSpec[],
    readonly holderEntities: bigint[],
    readonly supplierEntities: bigint[],
    readonly startDay: number,
    start: bigint,
  ) {
    this.now = start;
    this.redeemedBySuppliers = programmes.map(() => 0n);
    this.claimedByBuyers = programmes.map(() => 0n);
    this.held = programmes.map(() => 0n);
  }

  clone(): Model {
    const m = Object.create(Model.prototype) as Model;
    Object.assign(m, this);
    m.vouchers = this.vouchers.map((v) => ({ ...v }));
    m.claims = this.claims.map((c) => ({ ...c }));
    m.redemptions = [...this.redemptions];
    m.entries = this.entries.map((e) => ({ ...e }));
    m.invoices = new Map([...this.invoices].map(([k, i]) => [k, { ...i, shares: new Map(i.shares) }]));
    m.invoiceClawbacks = new Map(this.invoiceClawbacks);
    m.periods = new Map([...this.periods].map(([k, p]) => [k, { ...p }]));
    for (const name of ["gross", "clawed", "paid", "repaid"] as const) m[name] = new Map(this[name]);
    m.redeemedBySuppliers = [...this.redeemedBySuppliers];
    m.claimedByBuyers = [...this.claimedByBuyers];
    m.held = [...this.held];
    return m;
  }

  private add(map: Map<string, bigint>, key: string, amount: bigint) {
    map.set(key, (map.get(key) ?? 0n) + amount);
  }
  get(map: Map<string, bigint>, key: string): bigint {
    return map.get(key) ?? 0n;
  }
  period(p: number, year: number): MPeriod {
    const key = `${p}:${year}`;
    let period = this.periods.get(key);
    if (period === undefined) this.periods.set(key, (period = { issued: 0n, revoked: 0n, expired: 0n, clawedBack: 0n }));
    return period;
  }
  earned(p: number, payee: bigint): bigint {
    return this.get(this.gross, `${p}:${payee}`) - this.get(this.clawed, `${p}:${payee}`);
  }
  balance(p: number, payee: bigint): bigint {
    const k = `${p}:${payee}`;
    return this.earned(p, payee) - this.get(this.paid, k) + this.get(this.repaid, k);
  }
  payable(p: number, payee: bigint): bigint {
    const b = this.balance(p, payee);
    return b > 0n ? b : 0n;
  }
  receivable(p: number, payee: bigint): bigint {
    const b = this.balance(p, payee);
    return b < 0n ? -b : 0n;
  }
  reviewUntil(c: MClaim): bigint {
    return c.submittedAt + this.programmes[c.p]!.review;
  }
  claimableFrom(p: number, invoice: number): bigint {
    const toDay = invoiceTerms(invoice, this.startDay).serviceToDay;
    return BigInt(toDay + 1 + this.programmes[p]!.supplierFirstDays) * DAY - 8n * HOUR;
  }

  issue(p: number, holder: number, face: bigint, validity: bigint, id: bigint, ts: bigint): void {
    const year = fiscalYear(ts);
    this.vouchers.push({ id, p, holder, remaining: face, expiresAt: ts + validity, year, status: VStatus.Active });
    this.period(p, year).issued += face;
    this.refs += 1;
  }

  /** The checks a redemption and a claim share on the voucher. */
  private checkVoucher(v: MVoucher, amount: bigint, ts: bigint): void {
    if (v.status !== VStatus.Active) refuse("VoucherLedgerInactive", v.id, BigInt(v.status));
    if (ts >= v.expiresAt) refuse("VoucherLedgerExpired", v.id, v.expiresAt);
    if (amount === 0n) refuse("VoucherLedgerInvalidAmount", 0n, v.remaining);
    if (amount > v.remaining) refuse("VoucherLedgerInsufficientValue", v.id, amount, v.remaining);
  }

  /** Stacking on an existing invoice (all programmes allow 100% together, so only the sum can fail). */
  private checkShare(key: string, inv: MInvoice, amount: bigint, total: bigint): void {
    if ((inv.subsidised + amount) * 10_000n > total * 10_000n) refuse("VoucherLedgerOverCombinedShare", key, inv.subsidised, amount, 10_000);
  }

  redeem(vi: number, supplier: number, invoice: number, amount: bigint, key: string, ts: bigint): void {
    const v = this.vouchers[vi]!;
    const spec = this.programmes[v.p]!;
    const terms = invoiceTerms(invoice, this.startDay);
    this.checkVoucher(v, amount, ts);
    if (!spec.paysSuppliers) refuse("VoucherLedgerPayeeNotAllowed", spec.id, 1);
    if (amount * 10_000n > terms.total * RATIO_BPS) refuse("VoucherLedgerOverRatio", amount, terms.total, Number(RATIO_BPS));
    const buyer = this.holderEntities[v.holder]!;
    const inv = this.invoices.get(key);
    if (inv !== undefined) {
      if (inv.buyerFlag) refuse("VoucherLedgerInvoiceClaimed", key);
      if (inv.shares.has(v.p)) refuse("VoucherLedgerInvoiceUsed", key, spec.id);
      if (inv.buyer !== buyer) refuse("VoucherLedgerInvoiceOtherBuyer", key, inv.buyer, buyer);
      this.checkShare(key, inv, amount, terms.total);
      inv.shares.set(v.p, amount);
      inv.subsidised += amount;
    } else {
      this.invoices.set(key, { buyer, buyerFlag: false, pending: false, subsidised: amount, shares: new Map([[v.p, amount]]) });
    }
    v.remaining -= amount;
    if (v.remaining === 0n) v.status = VStatus.Redeemed;
    this.redeemedBySuppliers[v.p]! += amount;
    this.add(this.gross, `${v.p}:${this.supplierEntities[supplier]!}`, amount);
    this.redemptions.push({ voucher: vi, supplier, invoice, key });
  }

  claim(vi: number, invoice: number, amount: bigint, key: string, ts: bigint): void {
    const v = this.vouchers[vi]!;
    const spec = this.programmes[v.p]!;
    const terms = invoiceTerms(invoice, this.startDay);
    this.checkVoucher(v, amount, ts);
    if (!spec.paysBuyers) refuse("VoucherLedgerPayeeNotAllowed", spec.id, 2);
    const from = this.claimableFrom(v.p, invoice);
    if (ts < from) refuse("VoucherLedgerSuppliersFirst", spec.id, from);
    if (amount * 10_000n > terms.total * RATIO_BPS) refuse("VoucherLedgerOverRatio", amount, terms.total, Number(RATIO_BPS));
    const buyer = this.holderEntities[v.holder]!;
    const inv = this.invoices.get(key);
    if (inv !== undefined) {
      if (!inv.buyerFlag) refuse("VoucherLedgerInvoiceRedeemed", key);
      if (inv.pending) refuse("VoucherLedgerClaimPending", key);
      if (inv.shares.has(v.p)) refuse("VoucherLedgerInvoiceUsed", key, spec.id);
      if (inv.buyer !== buyer) refuse("VoucherLedgerInvoiceOtherBuyer", key, inv.buyer, buyer);
      this.checkShare(key, inv, amount, terms.total);
      inv.shares.set(v.p, amount);
      inv.subsidised += amount;
      inv.pending = true;
    } else {
      this.invoices.set(key, { buyer, buyerFlag: true, pending: true, subsidised: amount, shares: new Map([[v.p, amount]]) });
    }
    v.remaining -= amount;
    this.held[v.p]! += amount;
    const id = BigInt(this.claims.length + 1);
    this.claims.push({ id, voucher: vi, p: v.p, buyer, key, amount, submittedAt: ts, status: CStatus.Pending, clawedBack: 0n });
  }

  private pending(c: MClaim | undefined, id: bigint): MClaim {
    if (c === undefined) return refuse("VoucherLedgerUnknownClaim", id);
    if (c.status !== CStatus.Pending) refuse("VoucherLedgerClaimStatus", id, BigInt(c.status));
    return c;
  }

  decide(id: bigint, approve: boolean, ts: bigint): void {
    const c = this.pending(this.claims[Number(id) - 1], id);
    if (ts >= this.reviewUntil(c)) refuse("VoucherLedgerReviewClosed", id, this.reviewUntil(c));
    if (approve) this.approve(c);
    else this.release(c, CStatus.Rejected);
  }

  settle(id: bigint, ts: bigint): void {
    const c = this.pending(this.claims[Number(id) - 1], id);
    if (ts < this.reviewUntil(c)) refuse("VoucherLedgerReviewOpen", id, this.reviewUntil(c));
    if (this.programmes[c.p]!.lapseApproves) this.approve(c);
    else this.release(c, CStatus.Lapsed);
  }

  private approve(c: MClaim): void {
    c.status = CStatus.Approved;
    this.held[c.p]! -= c.amount;
    this.claimedByBuyers[c.p]! += c.amount;
    this.add(this.gross, `${c.p}:${c.buyer}`, c.amount);
    this.invoices.get(c.key)!.pending = false;
    const v = this.vouchers[c.voucher]!;
    if (v.remaining === 0n && v.status === VStatus.Active) v.status = VStatus.Redeemed;
  }

  private release(c: MClaim, status: CStatus): void {
    c.status = status;
    this.held[c.p]! -= c.amount;
    const inv = this.invoices.get(c.key)!;
    inv.shares.delete(c.p);
    if (inv.shares.size === 0) this.invoices.delete(c.key);
    else {
      inv.subsidised -= c.amount;
      inv.pending = false;
    }
    const v = this.vouchers[c.voucher]!;
    if (v.status === VStatus.Active || v.status === VStatus.Redeemed) {
      v.remaining += c.amount;
      v.status = VStatus.Active;
    } else if (v.status === VStatus.Revoked) this.period(v.p, v.year).revoked += c.amount;
    else this.period(v.p, v.year).expired += c.amount;
  }

  close(vi: number, expire: boolean, ts: bigint): void {
    const v = this.vouchers[vi]!;
    if (v.status !== VStatus.Active) refuse("VoucherLedgerInactive", v.id, BigInt(v.status));
    if (expire && ts < v.expiresAt) refuse("VoucherLedgerNotExpired", v.id, v.expiresAt);
    const p = this.period(v.p, v.year);
    if (expire) p.expired += v.remaining;
    else p.revoked += v.remaining;
    v.remaining = 0n;
    v.status = expire ? VStatus.Expired : VStatus.Revoked;
  }

  private committed(v: MVoucher): bigint {
    const p = this.period(v.p, v.year);
    return p.issued - p.revoked - p.expired - p.clawedBack;
  }

  clawBackRedemption(r: MRedemption, amount: bigint): void {
    const v = this.vouchers[r.voucher]!;
    const inv = this.invoices.get(r.key)!;
    const ck = `${r.key}:${v.p}`;
    const available = inv.buyerFlag ? 0n : (inv.shares.get(v.p) ?? 0n) - this.get(this.invoiceClawbacks, ck);
    if (amount === 0n || amount > available) refuse("VoucherLedgerClawbackTooLarge", amount, available);
    const committed = this.committed(v);
    if (amount > committed) refuse("VoucherLedgerClawbackTooLarge", amount, committed);
    this.add(this.invoiceClawbacks, ck, amount);
    this.add(this.clawed, `${v.p}:${this.supplierEntities[r.supplier]!}`, amount);
    this.period(v.p, v.year).clawedBack += amount;
  }

  clawBackClaim(id: bigint, amount: bigint): void {
    const c = this.claims[Number(id) - 1];
    if (c === undefined) return refuse("VoucherLedgerUnknownClaim", id);
    if (c.status !== CStatus.Approved) refuse("VoucherLedgerClaimStatus", id, BigInt(c.status));
    const available = c.amount - c.clawedBack;
    if (amount === 0n || amount > available) refuse("VoucherLedgerClawbackTooLarge", amount, available);
    const v = this.vouchers[c.voucher]!;
    const committed = this.committed(v);
    if (amount > committed) refuse("VoucherLedgerClawbackTooLarge", amount, committed);
    c.clawedBack += amount;
    this.add(this.clawed, `${c.p}:${c.buyer}`, amount);
    this.period(v.p, v.year).clawedBack += amount;
  }

  private checkEntry(p: number, year: number, amount: bigint): void {
    const spec = this.programmes[p]!;
    if (amount === 0n) refusePayment("PaymentLedgerInvalidAmount");
    if (year < spec.firstYear || year - spec.firstYear >= spec.yearCount) refusePayment("PaymentLedgerInvalidYear", spec.id, year);
  }

  pay(p: number, payee: bigint, year: number, amount: bigint): void {
    this.checkEntry(p, year, amount);
    const due = this.payable(p, payee);
    if (amount > due) refusePayment("PaymentLedgerExceedsPayable", this.programmes[p]!.id, payee, amount, due);
    this.add(this.paid, `${p}:${payee}`, amount);
    this.entries.push({ repayment: false, p, payee, amount, corrected: false });
  }

  repay(p: number, payee: bigint, year: number, amount: bigint): void {
    this.checkEntry(p, year, amount);
    const due = this.receivable(p, payee);
    if (amount > due) refusePayment("PaymentLedgerExceedsReceivable", this.programmes[p]!.id, payee, amount, due);
    this.add(this.repaid, `${p}:${payee}`, amount);
    this.entries.push({ repayment: true, p, payee, amount, corrected: false });
  }

  correct(id: bigint): void {
    const e = this.entries[Number(id) - 1];
    if (e === undefined) return refusePayment("PaymentLedgerUnknownEntry", id);
    if (e.corrected) refusePayment("PaymentLedgerAlreadyCorrected", id);
    const k = `${e.p}:${e.payee}`;
    if (e.repayment) {
      const allowed = this.get(this.gross, k) + this.get(this.repaid, k) - e.amount;
      if (this.get(this.paid, k) > allowed) refusePayment("PaymentLedgerCorrectionExceeds", id, e.amount, allowed);
      this.add(this.repaid, k, -e.amount);
    } else {
      this.add(this.paid, k, -e.amount);
    }
    e.corrected = true;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------------------------------

/** A share of a maximum: 1-4 an eighth, a quarter, a half or all of it, or 5: one more than it. */
type Share = number;
/** A choice among the things the model holds: mostly a likely one (see the runner's picks), once in eight an odd one. */
type Pick = { n: number; odd: boolean };
type Op =
  | { kind: "issue"; p: number; holder: number; face: number; validityDays: number }
  | { kind: "redeem"; voucher: Pick; supplier: number; invoice: number; share: Share }
  | { kind: "claim"; voucher: Pick; supplier: number; invoice: number; share: Share }
  | { kind: "approve" | "reject" | "settle"; claim: Pick }
  | { kind: "revoke" | "expire"; voucher: Pick }
  | { kind: "pay" | "repay"; book: Pick; share: Share; badYear: boolean }
  | { kind: "correct"; entry: Pick }
  | { kind: "clawRedemption"; redemption: number; share: Share }
  | { kind: "clawClaim"; claim: Pick; share: Share }
  | { kind: "wait"; hours: number }
  | { kind: "waitFor"; target: "review" | "expiry" | "claimable"; pick: number; offset: number };

const rarely = fc.integer({ min: 0, max: 7 }).map((x) => x === 0);
const pick: fc.Arbitrary<Pick> = fc.record({ n: fc.nat({ max: 1_000 }), odd: rarely });
const share = fc.integer({ min: 1, max: 5 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 7, arbitrary: fc.record({ kind: fc.constant("issue" as const), p: fc.integer({ min: 0, max: 2 }), holder: fc.integer({ min: 0, max: 1 }), face: fc.integer({ min: 20_000, max: 400_000 }), validityDays: fc.integer({ min: 3, max: 40 }) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("redeem" as const), voucher: pick, supplier: fc.integer({ min: 0, max: 1 }), invoice: fc.integer({ min: 1, max: INVOICES }), share }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant("claim" as const), voucher: pick, supplier: fc.integer({ min: 0, max: 1 }), invoice: fc.integer({ min: 1, max: INVOICES }), share }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("approve" as const), claim: pick }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("reject" as const), claim: pick }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("settle" as const), claim: pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("revoke" as const), voucher: pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("expire" as const), voucher: pick }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("pay" as const), book: pick, share, badYear: rarely }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("repay" as const), book: pick, share, badYear: rarely }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("correct" as const), entry: pick }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("clawRedemption" as const), redemption: fc.nat({ max: 1_000 }), share }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("clawClaim" as const), claim: pick, share }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("wait" as const), hours: fc.integer({ min: 1, max: 96 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("waitFor" as const), target: fc.constantFrom("review" as const, "expiry" as const, "claimable" as const), pick: fc.nat({ max: 1_000 }), offset: fc.integer({ min: -1, max: 1 }) }) },
);

/** `max` split by a share: an eighth, a quarter, a half or all of it (at least 1 where max > 0), or max + 1. */
function amountOf(max: bigint, s: Share): bigint {
  if (s === 5) return max + 1n;
  const a = (max * [1n, 2n, 4n, 8n][s - 1]!) / 8n;
  return a === 0n && max > 0n ? 1n : a;
}

// ---------------------------------------------------------------------------------------------------------------------
// The scenario and the runner
// ---------------------------------------------------------------------------------------------------------------------

interface Scenario extends SchemeFixture {
  programmes: ProgrammeSpec[];
  holders: HardhatEthersSigner[];
  suppliers: HardhatEthersSigner[];
  holderEntities: bigint[];
  supplierEntities: bigint[];
  payees: bigint[];
  start: bigint;
  startDay: number;
  domain: TypedDataDomain;
}

async function scenario(): Promise<Scenario> {
  const f = await deploySchemeFixture(ethers);
  await updateProgramme(f, f.programme, { maxCombinedBps: 10_000 });
  const buyers = await addProgramme(f, { name: "北京市算力补贴", region: 110000, payees: 2, reviewWindow: Number(7n * DAY), maxCombinedBps: 10_000 });
  const either = await addProgramme(f, {
    name: "庆阳市算力券",
    region: 621000,
    payees: 3,
    supplierFirstDays: 3,
    reviewWindow: Number(4n * DAY),
    lapseApproves: true,
    maxCombinedBps: 10_000,
  });
  const start = await now(ethers);
  const r = f.registry.connect(f.governor);
  for (const p of [f.programme, buyers, either]) await (await r.accredit(f.entities.otherSupplier, p, start, start + 3n * 365n * DAY, 0b11)).wait();
  const spec = (id: bigint, payees: number, supplierFirstDays: number, review: bigint, lapseApproves: boolean): ProgrammeSpec => ({
    id,
    paysSuppliers: (payees & 1) !== 0,
    paysBuyers: (payees & 2) !== 0,
    supplierFirstDays,
    review,
    lapseApproves,
    firstYear: f.year,
    yearCount: 3,
  });
  return {
    ...f,
    programmes: [spec(f.programme, 1, 0, 30n * DAY, false), spec(buyers, 2, 0, 7n * DAY, false), spec(either, 3, 3, 4n * DAY, true)],
    holders: [f.holder, f.otherHolder],
    suppliers: [f.supplier, f.otherSupplier],
    holderEntities: [f.entities.startup, f.entities.company],
    supplierEntities: [f.entities.supplier, f.entities.otherSupplier],
    payees: [f.entities.supplier, f.entities.otherSupplier, f.entities.startup, f.entities.company],
    start: await now(ethers),
    startDay: dayOfInstant(await now(ethers)),
    domain: await consentDomain(f),
  };
}

/** What one step sends, and what it does to the model (throwing a {@link Refusal} when it must fail). */
interface Step {
  description: string;
  send: () => Promise<ContractTransactionResponse>;
  apply: (m: Model, ts: bigint) => void;
  /** Checks before sending (a payment never exceeds what is payable just before it). */
  before?: () => Promise<void>;
}

const STATS = new Map<string, number>();

class Runner {
  model: Model;
  /** Per invoice key, from the events alone: the invoices suppliers redeemed, and the claims pending or approved. */
  redeemedKeys = new Set<string>();
  claimKeys = new Map<bigint, string>();
  liveClaims = new Map<string, Set<bigint>>();
  /** What the last step's events named, keyed once the invoice keys are read. */
  pendingKeys: (["redeemed", bigint, string] | ["claimed", bigint, string, bigint])[] = [];
  /** A payment being sent, and what was payable just before it. */
  paying = 0n;
  payableBefore = 0n;

  constructor(readonly s: Scenario) {
    this.model = new Model(s.programmes, s.holderEntities, s.supplierEntities, s.startDay, s.start);
  }

  private key(supplier: number, invoice: number): Promise<string> {
    return this.s.ledger.invoiceKey(this.s.supplierEntities[supplier]!, invoiceNumberHash(invoiceNumber(invoice)));
  }

  private async consent(vi: number, supplier: number, invoice: number, amount: bigint, ts: bigint): Promise<{ consent: Consent; signature: string }> {
    const v = this.model.vouchers[vi]!;
    const t = invoiceTerms(invoice, this.s.startDay);
    const consent: Consent = {
      voucherId: v.id,
      supplier: this.s.suppliers[supplier]!.address,
      invoiceNumberHash: invoiceNumberHash(invoiceNumber(invoice)),
      amount,
      invoiceTotal: t.total,
      computeClass: CLASS.DOMESTIC,
      serviceFromDay: t.serviceFromDay,
      serviceToDay: t.serviceToDay,
      gpuCentihours: t.gpuCentihours,
      contractDay: t.contractDay,
      evidence: evidenceOf(invoice),
      unrelated: true,
      epoch: 0,
      deadline: ts + DAY,
    };
    return { consent, signature: await this.s.holders[v.holder]!.signTypedData(this.s.domain, CONSENT_TYPES, consent) };
  }

  private async claimRequest(vi: number, supplier: number, invoice: number, amount: bigint): Promise<{ claim: ClaimRequest; signature: string }> {
    const v = this.model.vouchers[vi]!;
    const t = invoiceTerms(invoice, this.s.startDay);
    const claim: ClaimRequest = {
      voucherId: v.id,
      amount,
      contractDay: t.contractDay,
      unrelated: true,
      evidence: evidenceOf(invoice),
      attestation: {
        supplier: this.s.suppliers[supplier]!.address,
        invoiceNumberHash: invoiceNumberHash(invoiceNumber(invoice)),
        invoiceTotal: t.total,
        computeClass: CLASS.DOMESTIC,
        serviceFromDay: t.serviceFromDay,
        serviceToDay: t.serviceToDay,
        gpuCentihours: t.gpuCentihours,
        amountPaid: t.total,
        buyer: this.s.holders[v.holder]!.address,
      },
    };
    return { claim, signature: await this.s.suppliers[supplier]!.signTypedData(this.s.domain, ATTESTATION_TYPES, claim.attestation) };
  }

  /** The step for an operation, or undefined when it has nothing to act on (no voucher yet, a time already past). */
  private async step(op: Op, ts: bigint): Promise<Step | undefined> {
    const { s, model: m } = this;
    const ledger = s.ledger;
    const reason = encodeBytes32String(op.kind);
    switch (op.kind) {
      case "issue": {
        const spec = s.programmes[op.p]!;
        const ref = appRef(`C-${m.refs}`);
        const id = await ledger.voucherId(spec.id, ref);
        const validity = BigInt(op.validityDays) * DAY;
        const request = { holder: s.holders[op.holder]!.address, applicationRef: ref, faceValue: BigInt(op.face), expiresAt: ts + validity };
        return {
          description: `issue ${op.face} under ${op.p} to holder ${op.holder}`,
          send: () => ledger.connect(s.issuer).issue(spec.id, request),
          apply: (mm, t) => mm.issue(op.p, op.holder, BigInt(op.face), validity, id, t),
        };
      }
      case "redeem":
      case "claim": {
        const vi = this.voucherPick(op.voucher, ts, op.kind === "redeem" ? "suppliers" : "buyers");
        if (vi === undefined) return undefined;
        // quarters of what the ratio and the voucher allow, or one more than the ratio
        const ratioMax = (invoiceTerms(op.invoice, s.startDay).total * RATIO_BPS) / 10_000n;
        const left = m.vouchers[vi]!.remaining;
        const amount = op.share === 5 ? ratioMax + 1n : amountOf(left < ratioMax ? left : ratioMax, op.share);
        const key = await this.key(op.supplier, op.invoice);
        if (op.kind === "redeem") {
          const { consent, signature } = await this.consent(vi, op.supplier, op.invoice, amount, ts);
          return {
            description: `redeem ${amount} of voucher ${vi} on invoice ${op.supplier}/${op.invoice}`,
            send: () => ledger.connect(s.suppliers[op.supplier]).redeem(consent, signature),
            apply: (mm, t) => mm.redeem(vi, op.supplier, op.invoice, amount, key, t),
          };
        }
        const { claim, signature } = await this.claimRequest(vi, op.supplier, op.invoice, amount);
        const holder = s.holders[m.vouchers[vi]!.holder]!;
        return {
          description: `claim ${amount} of voucher ${vi} on invoice ${op.supplier}/${op.invoice}`,
          send: () => ledger.connect(holder).submitClaim(claim, signature),
          apply: (mm, t) => mm.claim(vi, op.invoice, amount, key, t),
        };
      }
      case "approve":
      case "reject":
      case "settle": {
        // mostly a pending claim; sometimes any claim, or one never submitted
        const id = this.claimPick(op.claim);
        if (op.kind === "settle") {
          return { description: `settle claim ${id}`, send: () => ledger.connect(s.stranger).settleClaim(id), apply: (mm, t) => mm.settle(id, t) };
        }
        const approve = op.kind === "approve";
        return {
          description: `${op.kind} claim ${id}`,
          send: () => (approve ? ledger.connect(s.issuer).approveClaim(id) : ledger.connect(s.issuer).rejectClaim(id, reason)),
          apply: (mm, t) => mm.decide(id, approve, t),
        };
      }
      case "revoke":
      case "expire": {
        const vi = this.voucherPick(op.voucher, ts);
        if (vi === undefined) return undefined;
        const id = m.vouchers[vi]!.id;
        const expire = op.kind === "expire";
        return {
          description: `${op.kind} voucher ${vi}`,
          send: () => (expire ? ledger.connect(s.stranger).expire(id) : ledger.connect(s.issuer).revoke(id, reason)),
          apply: (mm, t) => mm.close(vi, expire, t),
        };
      }
      case "pay":
      case "repay": {
        const [p, payee] = this.bookPick(op.book, op.kind === "pay");
        const spec = s.programmes[p]!;
        const year = op.badYear ? spec.firstYear + spec.yearCount : fiscalYear(ts);
        const max = op.kind === "pay" ? m.payable(p, payee) : m.receivable(p, payee);
        const amount = amountOf(max, op.share);
        const book = s.payments.connect(s.finance);
        const commitment = keccakText(`salt:transfer-${m.entries.length}`);
        if (op.kind === "pay") {
          return {
            description: `pay ${amount} to ${payee} under ${p} for ${year}`,
            send: () => book.recordPayment(spec.id, payee, year, amount, commitment),
            apply: (mm) => mm.pay(p, payee, year, amount),
            before: async () => {
              this.payableBefore = await s.payments.payableTo(spec.id, payee);
              this.paying = amount;
            },
          };
        }
        return {
          description: `repay ${amount} by ${payee} under ${p} for ${year}`,
          send: () => book.recordRepayment(spec.id, payee, year, amount, commitment),
          apply: (mm) => mm.repay(p, payee, year, amount),
        };
      }
      case "correct": {
        // mostly an entry not corrected yet, a repayment every other time there is one; else any, or one never recorded
        const n = m.entries.length;
        const open = m.entries.flatMap((e, i) => (e.corrected ? [] : [{ e, id: BigInt(i + 1) }]));
        const repayments = open.filter((x) => x.e.repayment);
        const from = op.entry.n % 2 === 0 && repayments.length > 0 ? repayments : open;
        const id = op.entry.odd || n === 0 ? BigInt((op.entry.n % (n + 1)) + 1) : from.length > 0 ? from[op.entry.n % from.length]!.id : BigInt(n + 1);
        return {
          description: `correct entry ${id}`,
          send: () => s.payments.connect(s.finance).correctEntry(id, encodeBytes32String("error")),
          apply: (mm) => mm.correct(id),
        };
      }
      case "clawRedemption": {
        if (m.redemptions.length === 0) return undefined;
        const r = m.redemptions[op.redemption % m.redemptions.length]!;
        const v = m.vouchers[r.voucher]!;
        const available = (m.invoices.get(r.key)?.shares.get(v.p) ?? 0n) - m.get(m.invoiceClawbacks, `${r.key}:${v.p}`);
        const amount = amountOf(available, op.share);
        const hash = invoiceNumberHash(invoiceNumber(r.invoice));
        return {
          description: `claw back ${amount} of the redemption of invoice ${r.supplier}/${r.invoice} by voucher ${r.voucher}`,
          send: () => ledger.connect(s.governor).clawBackRedemption(v.id, s.supplierEntities[r.supplier]!, hash, amount, reason),
          apply: (mm) => mm.clawBackRedemption(r, amount),
        };
      }
      case "clawClaim": {
        const id = this.claimPick(op.claim, CStatus.Approved);
        const c = m.claims[Number(id) - 1];
        const amount = amountOf(c === undefined ? 1n : c.amount - c.clawedBack, op.share);
        return {
          description: `claw back ${amount} of claim ${id}`,
          send: () => ledger.connect(s.governor).clawBackClaim(id, amount, reason),
          apply: (mm) => mm.clawBackClaim(id, amount),
        };
      }
      default:
        return undefined;
    }
  }

  /**
   * A voucher's index: mostly an active one, not expired at `ts`, of a programme that pays `side` (when given); else
   * any; undefined when there is none.
   */
  private voucherPick(pk: Pick, ts: bigint, side?: "suppliers" | "buyers"): number | undefined {
    const vouchers = this.model.vouchers;
    if (vouchers.length === 0) return undefined;
    const pays = (p: number) => side === undefined || (side === "suppliers" ? this.s.programmes[p]!.paysSuppliers : this.s.programmes[p]!.paysBuyers);
    const live = vouchers.flatMap((v, i) => (v.status === VStatus.Active && v.expiresAt > ts && pays(v.p) ? [i] : []));
    return !pk.odd && live.length > 0 ? live[pk.n % live.length]! : pk.n % vouchers.length;
  }

  /** A claim id: mostly one with `status` (pending by default), else any claim, or (rarely) an id never given. */
  private claimPick(pk: Pick, status: CStatus = CStatus.Pending): bigint {
    const claims = this.model.claims;
    const wanted = claims.filter((c) => c.status === status);
    if (!pk.odd && wanted.length > 0) return wanted[pk.n % wanted.length]!.id;
    if ((pk.odd && pk.n % 2 === 0) || claims.length === 0) return BigInt(claims.length + 1);
    return claims[pk.n % claims.length]!.id;
  }

  /** A programme and payee: mostly one with something payable (or receivable), else any of the twelve. */
  private bookPick(pk: Pick, payable: boolean): [number, bigint] {
    const m = this.model;
    const all = this.s.programmes.flatMap((_, p) => this.s.payees.map((payee) => [p, payee] as [number, bigint]));
    const due = all.filter(([p, payee]) => (payable ? m.payable(p, payee) : m.receivable(p, payee)) > 0n);
    return !pk.odd && due.length > 0 ? due[pk.n % due.length]! : all[pk.n % all.length]!;
  }

  /** The time a wait operation goes to, or undefined when it is not ahead. */
  private waitTarget(op: Extract<Op, { kind: "wait" | "waitFor" }>): bigint | undefined {
    const m = this.model;
    if (op.kind === "wait") return m.now + BigInt(op.hours) * HOUR;
    let target: bigint | undefined;
    if (op.target === "review") {
      const pending = m.claims.filter((c) => c.status === CStatus.Pending);
      if (pending.length > 0) target = m.reviewUntil(pending[op.pick % pending.length]!);
    } else if (op.target === "expiry") {
      const active = m.vouchers.filter((v) => v.status === VStatus.Active);
      if (active.length > 0) target = active[op.pick % active.length]!.expiresAt;
    } else {
      target = m.claimableFrom(2, (op.pick % INVOICES) + 1);
    }
    if (target === undefined) return undefined;
    // The next transaction is mined one second after the wait: land it before, at, or after the boundary.
    target += BigInt(op.offset) - 1n;
    return target > m.now ? target : undefined;
  }

  async run(op: Op, label: string): Promise<void> {
    if (op.kind === "wait" || op.kind === "waitFor") {
      const target = this.waitTarget(op);
      if (target === undefined) return;
      await time.increaseTo(target);
      this.model.now = target;
      return;
    }
    const ts = this.model.now + 1n;
    const step = await this.step(op, ts);
    if (step === undefined) return;
    const next = this.model.clone();
    let refusal: Refusal | undefined;
    try {
      step.apply(next, ts);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      refusal = error;
    }
    const name = `${op.kind} ${refusal?.errorName ?? "ok"}`;
    STATS.set(name, (STATS.get(name) ?? 0) + 1);
    const what = `${label}: ${step.description}`;
    await time.setNextBlockTimestamp(ts);
    if (refusal === undefined) {
      await step.before?.();
      let receipt: ContractTransactionReceipt | null;
      try {
        receipt = await (await step.send()).wait();
      } catch (error) {
        throw new Error(`${what}: the model expects success, the chain refused: ${(error as Error).message}`, { cause: error });
      }
      if (receipt === null) throw new Error(`${what}: no receipt`);
      expect(receipt.status, what).to.equal(1);
      expect(BigInt(await time.latest()), `${what}: mined when expected`).to.equal(ts);
      if (op.kind === "pay") expect(this.paying, `${what}: a payment within what was payable just before`).to.be.at.most(this.payableBefore);
      this.model = next;
      this.model.now = ts;
      this.foldEvents(receipt.logs);
    } else {
      const contract = refusal.target === "ledger" ? this.s.core : this.s.payments;
      await expect(step.send(), `${what}: refused with ${refusal.message}`)
        .to.be.revertedWithCustomError(contract, refusal.errorName)
        .withArgs(...refusal.args);
    }
  }

  /** Keeps, from the ledger's events alone, which invoices a supplier redeemed and which claims are live. */
  private foldEvents(logs: readonly { topics: readonly string[]; data: string; address: string }[]): void {
    const ledger = this.s.ledger;
    for (const log of logs) {
      let parsed;
      try {
        parsed = ledger.interface.parseLog(log);
      } catch {
        continue;
      }
      if (parsed === null) continue;
      if (parsed.name === "VoucherRedeemed") {
        const args = parsed.args;
        this.pendingKeys.push(["redeemed", args.supplierEntity as bigint, args.invoiceNumberHash as string]);
      } else if (parsed.name === "ClaimSubmitted") {
        const args = parsed.args;
        this.pendingKeys.push(["claimed", args.supplierEntity as bigint, (args.claim as { attestation: { invoiceNumberHash: string } }).attestation.invoiceNumberHash, args.claimId as bigint]);
      } else if (parsed.name === "ClaimRejected") {
        const id = parsed.args.claimId as bigint;
        const key = this.claimKeys.get(id)!;
        this.liveClaims.get(key)!.delete(id);
      }
    }
  }

  /** Every rule, on chain, after a step. */
  async check(label: string): Promise<void> {
    const { s, model: m } = this;
    // resolve the invoice keys the events named
    for (const item of this.pendingKeys) {
      const key = await s.ledger.invoiceKey(item[1], item[2]);
      if (item[0] === "redeemed") this.redeemedKeys.add(key);
      else {
        this.claimKeys.set(item[3], key);
        if (!this.liveClaims.has(key)) this.liveClaims.set(key, new Set());
        this.liveClaims.get(key)!.add(item[3]);
      }
    }
    this.pendingKeys = [];
    for (const key of this.redeemedKeys) {
      expect(this.liveClaims.get(key)?.size ?? 0, `${label}: invoice ${key} redeemed by its supplier and claimed by its buyer`).to.equal(0);
    }
    await Promise.all(
      s.programmes.map(async (spec, p) => {
        const t = await s.ledger.programmeTotals(spec.id);
        expect(t.issued, `${label}: programme ${p}: issued = redeemedBySuppliers + claimedByBuyers + held + revoked + expired + outstanding`).to.equal(
          t.redeemedBySuppliers + t.claimedByBuyers + t.held + t.revoked + t.expired + t.outstanding,
        );
        const vouchers = m.vouchers.filter((v) => v.p === p);
        const balances =
          vouchers.length === 0 ? [] : await s.ledger.balanceOfBatch(vouchers.map((v) => s.holders[v.holder]!.address), vouchers.map((v) => v.id));
        expect(t.outstanding, `${label}: programme ${p}: outstanding = the sum of its balances`).to.equal(balances.reduce((a, b) => a + b, 0n));
        expect(balances, `${label}: programme ${p}: each voucher's balance as the model has it`).to.deep.equal(vouchers.map((v) => v.remaining));
        let issued = 0n;
        let revoked = 0n;
        let expired = 0n;
        let clawedBack = 0n;
        for (const [k, period] of m.periods) {
          if (!k.startsWith(`${p}:`)) continue;
          issued += period.issued;
          revoked += period.revoked;
          expired += period.expired;
          clawedBack += period.clawedBack;
        }
        const outstanding = vouchers.reduce((a, v) => a + v.remaining, 0n);
        expect(
          [t.issued, t.redeemedBySuppliers, t.claimedByBuyers, t.held, t.revoked, t.expired, t.clawedBack, t.outstanding],
          `${label}: programme ${p}: totals as the model has them`,
        ).to.deep.equal([issued, m.redeemedBySuppliers[p], m.claimedByBuyers[p], m.held[p], revoked, expired, clawedBack, outstanding]);
        await Promise.all(
          s.payees.map(async (payee) => {
            const [earned, [paid, repaid], payable, receivable, clawed] = await Promise.all([
              s.ledger.earned(spec.id, payee),
              s.payments.netPaid(spec.id, payee),
              s.payments.payableTo(spec.id, payee),
              s.payments.receivable(spec.id, payee),
              s.ledger.clawedBackFrom(spec.id, payee),
            ]);
            const what = `${label}: programme ${p}, payee ${payee}`;
            expect(earned, `${what}: earned = netPaid + payable - receivable`).to.equal(paid - repaid + payable - receivable);
            expect(payable === 0n || receivable === 0n, `${what}: payable and receivable at once`).to.equal(true);
            expect(receivable, `${what}: receivable within what clawbacks reversed`).to.be.at.most(clawed);
            expect([earned, paid, repaid, payable, receivable], `${what}: as the model has it`).to.deep.equal([
              m.earned(p, payee),
              m.get(m.paid, `${p}:${payee}`),
              m.get(m.repaid, `${p}:${payee}`),
              m.payable(p, payee),
              m.receivable(p, payee),
            ]);
          }),
        );
      }),
    );
  }
}

/** At the end of a sequence: every voucher, claim and payment entry as the model has it. */
async function checkRecords(r: Runner, label: string): Promise<void> {
  const { s, model: m } = r;
  for (const v of m.vouchers) {
    const got = await s.ledger.getVoucher(v.id);
    expect([got.remaining, got.status], `${label}: voucher ${v.id}`).to.deep.equal([v.remaining, BigInt(v.status)]);
  }
  expect(await s.ledger.claimCount(), `${label}: claims`).to.equal(BigInt(m.claims.length));
  for (const c of m.claims) {
    const got = await s.ledger.getClaim(c.id);
    expect([got.status, got.amount, got.clawedBack, got.submittedAt], `${label}: claim ${c.id}`).to.deep.equal([BigInt(c.status), c.amount, c.clawedBack, c.submittedAt]);
  }
  expect(await s.payments.entryCount(), `${label}: entries`).to.equal(BigInt(m.entries.length));
  for (const [i, e] of m.entries.entries()) {
    const got = await s.payments.getEntry(i + 1);
    expect([got.kind, got.payee, got.amount, got.corrected], `${label}: entry ${i + 1}`).to.deep.equal([e.repayment ? 2n : 1n, e.payee, e.amount, e.corrected]);
  }
}

function evidenceOf(invoice: number) {
  return {
    contractCommitment: keccakText(`salt:contract:${invoice}`),
    invoiceCommitment: keccakText(`salt:invoice:${invoice}`),
    paymentCommitment: keccakText(`salt:payment:${invoice}`),
    electricityKwh: 0n,
    assessmentCommitment: ZeroHash,
  };
}

describe("VoucherLedgerClaims and PaymentLedger: properties over random sequences", function () {
  itRunsSequences({
    ops: opArb,
    steps: STEPS,
    runs: RUNS,
    start: async () => new Runner(await networkHelpers.loadFixture(scenario)),
    end: checkRecords,
    stats: STATS,
  });
});
