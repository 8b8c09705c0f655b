/*
 * The model of ledger v2's part-1 rules that test/ledger/ledger.properties.test.ts runs random sequences against:
 * budgets per fiscal year, company tallies and caps (per programme or per exclusive cap group, per year or over the
 * programme's life), invoices shared across programmes, accreditation, relations, addresses, consent epochs, freezes
 * and re-issues. Each operation either changes the model or throws a {@link Refusal}: the custom error (and its
 * arguments) the ledger must revert with, in the order the contracts check.
 */

import { fiscalYear } from "./scheme-fixture.js";

export enum VStatus {
  None,
  Active,
  Redeemed,
  Revoked,
  Expired,
}

/** A refusal the model predicts: the custom error, its arguments, and the contract whose ABI has it. */
export class Refusal extends Error {
  constructor(
    readonly errorName: string,
    readonly args: unknown[],
    readonly target: "ledger" | "registry" = "ledger",
  ) {
    super(`${errorName}(${args.map(String).join(", ")})`);
  }
}
export const refuse = (name: string, ...args: unknown[]): never => {
  throw new Refusal(name, args);
};
export const refuseRegistry = (name: string, ...args: unknown[]): never => {
  throw new Refusal(name, args, "registry");
};

/** A programme as the scenario configured it. */
export interface ProgrammeSpec {
  id: bigint;
  /** ratios[class][category] in basis points; a class absent from the table is not paid at all. */
  ratios: Map<number, Map<number, number>>;
  maxCombinedBps: number;
  exclusive: boolean;
  capGroup: number;
  capPerCompany: bigint;
  capLifetime: boolean;
  firstYear: number;
  yearCount: number;
  maxValidity: bigint;
  redeemUntil: bigint;
  reissueDelay: bigint;
}

/** A beneficiary address: its company and category. */
export interface HolderSpec {
  address: string;
  entity: bigint;
  category: number;
}
export interface SupplierSpec {
  address: string;
  entity: bigint;
}

/** The terms an invoice is presented with. */
export interface InvoiceTerms {
  total: bigint;
  computeClass: number;
  serviceFromDay: number;
  serviceToDay: number;
  gpuCentihours: bigint;
}

export interface MVoucher {
  id: bigint;
  p: number;
  holder: number;
  face: bigint;
  remaining: bigint;
  expiresAt: bigint;
  year: number;
  status: VStatus;
  frozen: boolean;
  reissue?: { to: number; executableAt: bigint };
}
interface MPeriod {
  budget: bigint;
  issued: bigint;
  revoked: bigint;
  expired: bigint;
}
export interface MTally {
  programme: bigint;
  year: number;
  committed: bigint;
}
interface MInvoice extends InvoiceTerms {
  buyer: bigint;
  firstProgramme: number;
  minShareBps: number;
  count: number;
  subsidised: bigint;
  shares: Map<number, bigint>;
}
interface MAccreditation {
  validFrom: bigint;
  validUntil: bigint;
  classes: number;
  suspended: boolean;
}

/** What a redemption asks for. */
export interface RedemptionAsk {
  voucher: number;
  /** The consent's supplier, and the supplier that calls (index into the suppliers). */
  supplier: number;
  caller: number;
  invoice: number;
  key: string;
  terms: InvoiceTerms;
  amount: bigint;
  epoch: number;
  /** The signer, as an index into the holders; the holder's own by default. */
  signer: number;
}

export class LedgerModel {
  now: bigint;
  vouchers: MVoucher[] = [];
  periods = new Map<string, MPeriod>();
  tallies = new Map<string, MTally>();
  invoices = new Map<string, MInvoice>();
  accreditations = new Map<string, MAccreditation>();
  relations = new Set<string>();
  active: boolean[];
  epochs: number[];
  refs = 0;

  constructor(
    readonly programmes: ProgrammeSpec[],
    readonly holders: HolderSpec[],
    readonly suppliers: SupplierSpec[],
    start: bigint,
  ) {
    this.now = start;
    this.active = holders.map(() => true);
    this.epochs = holders.map(() => 0);
  }

  clone(): LedgerModel {
    const m = Object.create(LedgerModel.prototype) as LedgerModel;
    Object.assign(m, this);
    m.vouchers = this.vouchers.map((v) => ({ ...v, ...(v.reissue === undefined ? {} : { reissue: { ...v.reissue } }) }));
    m.periods = new Map([...this.periods].map(([k, p]) => [k, { ...p }]));
    m.tallies = new Map([...this.tallies].map(([k, t]) => [k, { ...t }]));
    m.invoices = new Map([...this.invoices].map(([k, i]) => [k, { ...i, shares: new Map(i.shares) }]));
    m.accreditations = new Map([...this.accreditations].map(([k, a]) => [k, { ...a }]));
    m.relations = new Set(this.relations);
    m.active = [...this.active];
    m.epochs = [...this.epochs];
    return m;
  }

  // ------------------------------------------------------------------------------------------------------------------
  // Configuration the scenario starts with
  // ------------------------------------------------------------------------------------------------------------------

  setAccreditation(supplier: number, p: number, a: MAccreditation): void {
    this.accreditations.set(`${supplier}:${p}`, a);
  }

  period(p: number, year: number): MPeriod {
    const key = `${p}:${year}`;
    let period = this.periods.get(key);
    if (period === undefined) this.periods.set(key, (period = { budget: 0n, issued: 0n, revoked: 0n, expired: 0n }));
    return period;
  }

  committed(p: number, year: number): bigint {
    const q = this.period(p, year);
    return q.issued - q.revoked - q.expired;
  }

  /** The key of a company's tally for a programme: per programme, or per cap group when the programme is exclusive. */
  tallyKey(entity: bigint, p: number): string {
    const spec = this.programmes[p]!;
    return spec.exclusive ? `${entity}:g${spec.capGroup}` : `${entity}:p${p}`;
  }

  tally(entity: bigint, p: number): MTally {
    return this.tallies.get(this.tallyKey(entity, p)) ?? { programme: 0n, year: 0, committed: 0n };
  }

  // ------------------------------------------------------------------------------------------------------------------
  // Issue
  // ------------------------------------------------------------------------------------------------------------------

  private checkYear(p: number, year: number): void {
    const spec = this.programmes[p]!;
    if (year < spec.firstYear || year - spec.firstYear >= spec.yearCount) refuse("VoucherLedgerOutsidePeriods", spec.id, BigInt(year));
  }

  /** Issues one voucher (in a batch, one after the other). */
  issue(p: number, holder: number, face: bigint, expiresAt: bigint, id: bigint, ts: bigint): void {
    const spec = this.programmes[p]!;
    const year = fiscalYear(ts);
    this.checkYear(p, year);
    const h = this.holders[holder]!;
    if (!this.active[holder]) refuse("VoucherLedgerNotBeneficiary", h.address);
    if (face === 0n || face > 2n ** 40n - 1n) refuse("VoucherLedgerInvalidAmount", face, 2n ** 40n - 1n);
    if (this.vouchers.some((v) => v.id === id)) refuse("VoucherLedgerVoucherExists", id);
    const period = this.period(p, year);
    const available = period.budget - this.committed(p, year);
    if (face > available) refuse("VoucherLedgerBudgetExceeded", spec.id, BigInt(year), face, available);
    const key = this.tallyKey(h.entity, p);
    const current = this.tally(h.entity, p);
    if (spec.exclusive && current.programme !== 0n && current.programme !== spec.id) {
      refuse("VoucherLedgerExclusiveProgramme", h.entity, BigInt(spec.capGroup), current.programme);
    }
    const capYear = spec.capLifetime ? 0 : year;
    const committed = current.year === capYear ? current.committed : 0n;
    const cap = spec.capPerCompany;
    if (cap !== 0n && face > cap - committed) refuse("VoucherLedgerCapExceeded", spec.id, h.entity, face, committed > cap ? 0n : cap - committed);
    let latest = ts + spec.maxValidity;
    if (latest > spec.redeemUntil) latest = spec.redeemUntil;
    if (expiresAt <= ts || expiresAt > latest) refuse("VoucherLedgerInvalidExpiry", expiresAt, ts + 1n, latest);
    period.issued += face;
    this.tallies.set(key, { programme: spec.id, year: capYear, committed: committed + face });
    this.vouchers.push({ id, p, holder, face, remaining: face, expiresAt, year, status: VStatus.Active, frozen: false });
  }

  // ------------------------------------------------------------------------------------------------------------------
  // Redemption
  // ------------------------------------------------------------------------------------------------------------------

  redeem(r: RedemptionAsk, ts: bigint): void {
    const v = this.vouchers[r.voucher]!;
    const spec = this.programmes[v.p]!;
    // the voucher
    if (v.status !== VStatus.Active) refuse("VoucherLedgerInactive", v.id, BigInt(v.status));
    if (v.frozen) refuse("VoucherLedgerFrozen", v.id);
    if (v.reissue !== undefined) refuse("VoucherLedgerReissuePending", v.id);
    if (ts >= v.expiresAt) refuse("VoucherLedgerExpired", v.id, v.expiresAt);
    if (r.amount === 0n) refuse("VoucherLedgerInvalidAmount", 0n, v.remaining);
    if (r.amount > v.remaining) refuse("VoucherLedgerInsufficientValue", v.id, r.amount, v.remaining);
    // the supplier
    const named = this.suppliers[r.supplier]!;
    const caller = this.suppliers[r.caller]!;
    if (r.supplier !== r.caller) refuse("VoucherLedgerWrongSupplier", named.address, caller.address);
    const a = this.accreditations.get(`${r.caller}:${v.p}`);
    if (a === undefined || a.suspended || ts < a.validFrom || ts >= a.validUntil) refuse("VoucherLedgerNotAccredited", caller.address, spec.id);
    const c = r.terms.computeClass;
    if (((a!.classes >> (c - 1)) & 1) === 0) refuse("VoucherLedgerClassNotAccredited", caller.address, spec.id, c);
    // the programme's terms for the class
    const row = spec.ratios.get(c);
    if (row === undefined) refuse("VoucherLedgerIneligible", spec.id, c, 0);
    // the holder
    const h = this.holders[v.holder]!;
    if (!this.active[v.holder]) refuse("VoucherLedgerNotBeneficiary", h.address);
    if (r.epoch !== this.epochs[v.holder]) refuse("VoucherLedgerConsentCancelled", h.address, r.epoch, this.epochs[v.holder]);
    if (this.relations.has(`${h.entity}:${caller.entity}`)) refuse("VoucherLedgerRelatedParties", h.entity, caller.entity);
    // the ratio
    const bps = row!.get(h.category) ?? 0;
    if (bps === 0) refuse("VoucherLedgerIneligible", spec.id, c, h.category);
    if (r.amount * 10_000n > r.terms.total * BigInt(bps)) refuse("VoucherLedgerOverRatio", r.amount, r.terms.total, bps);
    // the invoice
    const inv = this.invoices.get(r.key);
    if (inv !== undefined) {
      if (inv.firstProgramme === v.p || inv.shares.has(v.p)) refuse("VoucherLedgerInvoiceUsed", r.key, spec.id);
      if (inv.buyer !== h.entity) refuse("VoucherLedgerInvoiceOtherBuyer", r.key, inv.buyer, h.entity);
      if (inv.minShareBps === 0 || spec.maxCombinedBps === 0) refuse("VoucherLedgerInvoiceNotStackable", r.key, spec.id);
      const t = r.terms;
      if (inv.total !== t.total || inv.computeClass !== c || inv.serviceFromDay !== t.serviceFromDay || inv.serviceToDay !== t.serviceToDay || inv.gpuCentihours !== t.gpuCentihours) {
        refuse("VoucherLedgerInvoiceMismatch", r.key);
      }
      const share = Math.min(spec.maxCombinedBps, inv.minShareBps);
      if ((inv.subsidised + r.amount) * 10_000n > inv.total * BigInt(share)) refuse("VoucherLedgerOverCombinedShare", r.key, inv.subsidised, r.amount, share);
    }
    // the signature
    if (r.signer !== v.holder) refuse("VoucherLedgerInvalidConsent", v.id, h.address);
    // effects
    if (inv === undefined) {
      this.invoices.set(r.key, {
        ...r.terms,
        buyer: h.entity,
        firstProgramme: v.p,
        minShareBps: spec.maxCombinedBps,
        count: 1,
        subsidised: r.amount,
        shares: new Map([[v.p, r.amount]]),
      });
    } else {
      inv.minShareBps = Math.min(spec.maxCombinedBps, inv.minShareBps);
      inv.count += 1;
      inv.subsidised += r.amount;
      inv.shares.set(v.p, r.amount);
    }
    v.remaining -= r.amount;
    if (v.remaining === 0n) v.status = VStatus.Redeemed;
  }

  // ------------------------------------------------------------------------------------------------------------------
  // Revoke, expire
  // ------------------------------------------------------------------------------------------------------------------

  private activeVoucher(vi: number): MVoucher {
    const v = this.vouchers[vi]!;
    if (v.status !== VStatus.Active) refuse("VoucherLedgerInactive", v.id, BigInt(v.status));
    return v;
  }

  private close(v: MVoucher, status: VStatus): void {
    const amount = v.remaining;
    const period = this.period(v.p, v.year);
    if (status === VStatus.Revoked) period.revoked += amount;
    else period.expired += amount;
    v.remaining = 0n;
    v.status = status;
    v.reissue = undefined;
    // off the company's tally, if the tally still counts the voucher's cap period
    const spec = this.programmes[v.p]!;
    const key = this.tallyKey(this.holders[v.holder]!.entity, v.p);
    const t = this.tallies.get(key);
    const capYear = spec.capLifetime ? 0 : v.year;
    if (t !== undefined && t.year === capYear) t.committed = t.committed > amount ? t.committed - amount : 0n;
  }

  revoke(vi: number): void {
    this.close(this.activeVoucher(vi), VStatus.Revoked);
  }

  expire(vi: number, ts: bigint): void {
    const v = this.activeVoucher(vi);
    if (ts < v.expiresAt) refuse("VoucherLedgerNotExpired", v.id, v.expiresAt);
    this.close(v, VStatus.Expired);
  }

  /** Expires those of the vouchers that are active and past their expiry, skipping the others; returns how many. */
  expireBatch(vis: number[], ts: bigint): number {
    let n = 0;
    for (const vi of vis) {
      const v = this.vouchers[vi]!;
      if (v.status !== VStatus.Active || ts < v.expiresAt) continue;
      this.close(v, VStatus.Expired);
      n += 1;
    }
    return n;
  }

  // ------------------------------------------------------------------------------------------------------------------
  // Freeze, re-issue
  // ------------------------------------------------------------------------------------------------------------------

  freeze(vi: number): void {
    const v = this.activeVoucher(vi);
    if (v.frozen) refuse("VoucherLedgerFrozen", v.id);
    v.frozen = true;
  }

  unfreeze(vi: number): void {
    const v = this.vouchers[vi]!;
    if (!v.frozen) refuse("VoucherLedgerNotFrozen", v.id);
    v.frozen = false;
  }

  private checkSameCompany(from: number, to: number): void {
    const f = this.holders[from]!;
    const t = this.holders[to]!;
    if (to === from || !this.active[to] || t.entity !== f.entity) refuse("VoucherLedgerNotSameCompany", f.address, t.address);
  }

  requestReissue(vi: number, to: number, ts: bigint): void {
    const v = this.activeVoucher(vi);
    if (v.frozen) refuse("VoucherLedgerFrozen", v.id);
    if (v.reissue !== undefined) refuse("VoucherLedgerReissuePending", v.id);
    if (ts >= v.expiresAt) refuse("VoucherLedgerExpired", v.id, v.expiresAt);
    this.checkSameCompany(v.holder, to);
    v.reissue = { to, executableAt: ts + this.programmes[v.p]!.reissueDelay };
  }

  private reissue(v: MVoucher, ts: bigint): void {
    if (v.status !== VStatus.Active) refuse("VoucherLedgerInactive", v.id, BigInt(v.status));
    if (v.reissue === undefined) return refuse("VoucherLedgerNoReissuePending", v.id);
    if (v.frozen) refuse("VoucherLedgerFrozen", v.id);
    if (ts >= v.expiresAt) refuse("VoucherLedgerExpired", v.id, v.expiresAt);
    this.checkSameCompany(v.holder, v.reissue.to);
    v.holder = v.reissue.to;
    v.reissue = undefined;
  }

  /** The issuer carries out a re-issue once its delay has passed. */
  executeReissue(vi: number, ts: bigint): void {
    const v = this.vouchers[vi]!;
    if (v.reissue === undefined) return refuse("VoucherLedgerNoReissuePending", v.id);
    if (ts < v.reissue.executableAt) refuse("VoucherLedgerReissueNotReady", v.id, v.reissue.executableAt);
    this.reissue(v, ts);
  }

  /** The governor approves a re-issue: it moves at once. */
  approveReissue(vi: number, ts: bigint): void {
    this.reissue(this.vouchers[vi]!, ts);
  }

  cancelReissue(vi: number): void {
    const v = this.vouchers[vi]!;
    if (v.reissue === undefined) refuse("VoucherLedgerNoReissuePending", v.id);
    v.reissue = undefined;
  }

  // ------------------------------------------------------------------------------------------------------------------
  // Governance
  // ------------------------------------------------------------------------------------------------------------------

  setBudget(p: number, year: number, budget: bigint): void {
    const spec = this.programmes[p]!;
    this.checkYear(p, year);
    const committed = this.committed(p, year);
    if (budget < committed) refuse("VoucherLedgerBudgetBelowCommitted", spec.id, BigInt(year), budget, committed);
    this.period(p, year).budget = budget;
  }

  suspend(supplier: number, p: number, suspended: boolean): void {
    const a = this.accreditations.get(`${supplier}:${p}`);
    const s = this.suppliers[supplier]!;
    const id = this.programmes[p]!.id;
    if (a === undefined) return refuseRegistry("SchemeRegistryNoAccreditation", s.entity, id);
    if (a.suspended === suspended) refuseRegistry("SchemeRegistrySuspensionUnchanged", s.entity, id, suspended);
    a.suspended = suspended;
  }

  relate(beneficiary: bigint, supplier: number, related: boolean): void {
    const s = this.suppliers[supplier]!.entity;
    const key = `${beneficiary}:${s}`;
    if (this.relations.has(key) === related) refuseRegistry("SchemeRegistryRelationUnchanged", beneficiary, s, related);
    if (related) this.relations.add(key);
    else this.relations.delete(key);
  }

  setAddress(holder: number, active: boolean): void {
    if (this.active[holder] === active) refuseRegistry("SchemeRegistryAddressUnchanged", this.holders[holder]!.address, active);
    this.active[holder] = active;
  }

  cancelConsents(holder: number): void {
    this.epochs[holder]! += 1;
  }
}
