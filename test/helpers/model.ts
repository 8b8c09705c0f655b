import { AbiCoder, keccak256 } from "ethers";

/**
 * A plain TypeScript model of the ledger's state and rules, for the property-based tests: every operation either
 * updates the model as the contract should, or throws the {@link ModelRevert} the contract should revert with —
 * with the checks in the contract's order, so that the error and its arguments can be asserted exactly.
 *
 * Operations mutate the model they are called on; run them on a {@link LedgerModel.clone} and keep the clone only
 * when they succeed, which is also how "all or none" batches are modelled.
 */

/** `IComputeVoucher.VoucherStatus`, by value. */
export enum Status {
  None = 0,
  Active = 1,
  Redeemed = 2,
  Revoked = 3,
  Expired = 4,
  Reissued = 5,
}

export const MAX_BPS = 10_000n;
const UINT56_MAX = 2n ** 56n - 1n;

/** The custom error the contract is expected to revert with, and its arguments. */
export class ModelRevert extends Error {
  constructor(
    readonly errorName: string,
    readonly args: readonly unknown[],
  ) {
    super(`expected revert ${errorName}(${args.map(String).join(", ")})`);
  }
}

function revert(errorName: string, ...args: unknown[]): never {
  throw new ModelRevert(errorName, args);
}

export interface ModelVoucher {
  id: bigint;
  city: number;
  applicationRef: string;
  holder: string;
  status: Status;
  faceValue: bigint;
  remaining: bigint;
  issuedAt: bigint;
  expiresAt: bigint;
  reissuedFrom: bigint;
  reissuedTo: bigint;
}

export interface ModelCity {
  code: number;
  budget: bigint;
  ratioBps: bigint;
  holderCap: bigint;
  defaultValidity: bigint;
  issued: bigint;
  redeemed: bigint;
  revoked: bigint;
  expired: bigint;
  /** Cumulative face value issued (or re-issued) to each holder, keyed by lower-case address. */
  issuedTo: Map<string, bigint>;
}

export interface ModelAccreditation {
  validFrom: bigint;
  validUntil: bigint;
  suspended: boolean;
}

export interface IssueInput {
  holder: string;
  applicationRef: string;
  faceValue: bigint;
  expiresAt: bigint;
}

export interface ConsentInput {
  voucherId: bigint;
  dataCenter: string;
  amount: bigint;
  invoiceHash: string;
  invoiceTotal: bigint;
  deadline: bigint;
}

/** Who may call what: the AccessManager wiring of scripts/lib/roles.ts, seen as two sets of accounts. */
export interface ModelRoles {
  governors: ReadonlySet<string>;
  issuers: ReadonlySet<string>;
}

const key = (address: string): string => address.toLowerCase();
const accreditationKey = (dataCenter: string, city: number): string => `${key(dataCenter)}:${city}`;

/** `uint256(keccak256(abi.encode(city, applicationRef)))`, as the contract computes a voucher id. */
export function modelVoucherId(city: number, applicationRef: string): bigint {
  return BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint32", "bytes32"], [city, applicationRef])));
}

export class LedgerModel {
  /** Timestamp of the latest block. */
  now = 0n;
  paused = false;
  readonly cities = new Map<number, ModelCity>();
  /** Every voucher ever issued, in issue order. */
  readonly vouchers = new Map<bigint, ModelVoucher>();
  readonly issuerCity = new Map<string, number>();
  readonly accreditations = new Map<string, ModelAccreditation>();
  readonly invoicesUsed = new Set<string>();

  constructor(readonly roles: ModelRoles) {}

  clone(): LedgerModel {
    const copy = new LedgerModel(this.roles);
    copy.now = this.now;
    copy.paused = this.paused;
    for (const [code, c] of this.cities) copy.cities.set(code, { ...c, issuedTo: new Map(c.issuedTo) });
    for (const [id, v] of this.vouchers) copy.vouchers.set(id, { ...v });
    for (const [k, v] of this.issuerCity) copy.issuerCity.set(k, v);
    for (const [k, v] of this.accreditations) copy.accreditations.set(k, { ...v });
    for (const h of this.invoicesUsed) copy.invoicesUsed.add(h);
    return copy;
  }

  // --------------------------------------------------------------------------------------------------------------
  // Set-up (mirrors what the fixture did on chain)
  // --------------------------------------------------------------------------------------------------------------

  addCity(city: Omit<ModelCity, "issued" | "redeemed" | "revoked" | "expired" | "issuedTo">): void {
    this.cities.set(city.code, { ...city, issued: 0n, redeemed: 0n, revoked: 0n, expired: 0n, issuedTo: new Map() });
  }

  bindIssuer(issuer: string, city: number): void {
    this.issuerCity.set(key(issuer), city);
  }

  accredit(dataCenter: string, city: number, accreditation: ModelAccreditation): void {
    this.accreditations.set(accreditationKey(dataCenter, city), { ...accreditation });
  }

  // --------------------------------------------------------------------------------------------------------------
  // Derived values
  // --------------------------------------------------------------------------------------------------------------

  outstanding(c: ModelCity): bigint {
    return c.issued - c.redeemed - c.revoked - c.expired;
  }

  committed(c: ModelCity): bigint {
    return c.issued - c.revoked - c.expired;
  }

  issuedTo(city: number, holder: string): bigint {
    return this.city(city).issuedTo.get(key(holder)) ?? 0n;
  }

  isAccredited(dataCenter: string, city: number, ts: bigint): boolean {
    const a = this.accreditations.get(accreditationKey(dataCenter, city));
    return a !== undefined && !a.suspended && a.validFrom <= ts && ts < a.validUntil;
  }

  voucherList(): ModelVoucher[] {
    return [...this.vouchers.values()];
  }

  // --------------------------------------------------------------------------------------------------------------
  // Governor
  // --------------------------------------------------------------------------------------------------------------

  setCityBudget(caller: string, city: number, budget: bigint): void {
    this.restricted(caller, "GOVERNOR");
    const c = this.existingCity(city);
    const committed = this.committed(c);
    if (budget < committed) revert("ComputeVoucherBudgetBelowCommitted", city, budget, committed);
    c.budget = budget;
  }

  setCityHolderCap(caller: string, city: number, holderCap: bigint): void {
    this.restricted(caller, "GOVERNOR");
    this.existingCity(city).holderCap = holderCap;
  }

  pause(caller: string): void {
    this.restricted(caller, "GOVERNOR");
    if (this.paused) revert("EnforcedPause");
    this.paused = true;
  }

  unpause(caller: string): void {
    this.restricted(caller, "GOVERNOR");
    if (!this.paused) revert("ExpectedPause");
    this.paused = false;
  }

  // --------------------------------------------------------------------------------------------------------------
  // Issuers and governor: issue, revoke, re-issue
  // --------------------------------------------------------------------------------------------------------------

  issue(caller: string, city: number, request: IssueInput, ts: bigint): bigint {
    this.restricted(caller, "ISSUER");
    this.whenNotPaused();
    const c = this.existingCity(city);
    this.checkIssuerIn(caller, city);
    return this.issueOne(c, request, ts);
  }

  issueBatch(caller: string, city: number, requests: readonly IssueInput[], ts: bigint): bigint[] {
    this.restricted(caller, "ISSUER");
    this.whenNotPaused();
    const c = this.existingCity(city);
    this.checkIssuerIn(caller, city);
    if (requests.length === 0) revert("ComputeVoucherBatchLength", 1n, 0n);
    return requests.map((request) => this.issueOne(c, request, ts));
  }

  revoke(caller: string, id: bigint): void {
    this.restricted(caller, "ISSUER");
    this.whenNotPaused();
    this.checkIssuerIn(caller, this.existingVoucher(id).city);
    this.revokeOne(id);
  }

  revokeByGovernor(caller: string, id: bigint): void {
    this.restricted(caller, "GOVERNOR");
    this.revokeOne(id);
  }

  reissue(caller: string, id: bigint, newHolder: string, applicationRef: string, expiresAt: bigint, ts: bigint): bigint {
    this.restricted(caller, "ISSUER");
    this.whenNotPaused();
    this.checkIssuerIn(caller, this.existingVoucher(id).city);
    return this.reissueOne(id, newHolder, applicationRef, expiresAt, ts);
  }

  reissueByGovernor(
    caller: string,
    id: bigint,
    newHolder: string,
    applicationRef: string,
    expiresAt: bigint,
    ts: bigint,
  ): bigint {
    this.restricted(caller, "GOVERNOR");
    return this.reissueOne(id, newHolder, applicationRef, expiresAt, ts);
  }

  // --------------------------------------------------------------------------------------------------------------
  // Anyone, data centers
  // --------------------------------------------------------------------------------------------------------------

  expire(id: bigint, ts: bigint): void {
    this.whenNotPaused();
    this.expireOne(id, ts);
  }

  expireBatch(ids: readonly bigint[], ts: bigint): void {
    this.whenNotPaused();
    if (ids.length === 0) revert("ComputeVoucherBatchLength", 1n, 0n);
    for (const id of ids) this.expireOne(id, ts);
  }

  /** `signedByHolder`: whether the signature is the voucher holder's (its key, or its wallet owner's key). */
  redeem(caller: string, consent: ConsentInput, signedByHolder: boolean, ts: bigint): void {
    this.whenNotPaused();
    this.redeemOne(caller, consent, signedByHolder, ts);
  }

  redeemBatch(
    caller: string,
    items: readonly { consent: ConsentInput; signedByHolder: boolean }[],
    ts: bigint,
  ): void {
    this.whenNotPaused();
    if (items.length === 0) revert("ComputeVoucherBatchLength", 0n, 0n);
    for (const { consent, signedByHolder } of items) this.redeemOne(caller, consent, signedByHolder, ts);
  }

  // --------------------------------------------------------------------------------------------------------------
  // Internal: the contract's private functions, checks in its order
  // --------------------------------------------------------------------------------------------------------------

  private issueOne(c: ModelCity, request: IssueInput, ts: bigint): bigint {
    const { holder, faceValue } = request;
    if (BigInt(holder) === 0n) revert("ComputeVoucherInvalidHolder", holder);
    if (faceValue === 0n) revert("ComputeVoucherInvalidAmount", faceValue);
    const expiresAt = this.expiryOf(request.expiresAt, c.defaultValidity, ts);
    const id = modelVoucherId(c.code, request.applicationRef);
    if (this.vouchers.has(id)) revert("ComputeVoucherExists", id);
    const available = c.budget - this.committed(c);
    if (faceValue > available) revert("ComputeVoucherBudgetExceeded", c.code, faceValue, available);
    this.countToHolder(c, holder, faceValue);
    this.vouchers.set(id, {
      id,
      city: c.code,
      applicationRef: request.applicationRef,
      holder,
      status: Status.Active,
      faceValue,
      remaining: faceValue,
      issuedAt: ts,
      expiresAt,
      reissuedFrom: 0n,
      reissuedTo: 0n,
    });
    c.issued += faceValue;
    return id;
  }

  private redeemOne(caller: string, consent: ConsentInput, signedByHolder: boolean, ts: bigint): void {
    const id = consent.voucherId;
    const v = this.existingVoucher(id);
    if (key(consent.dataCenter) !== key(caller)) revert("ComputeVoucherWrongDataCenter", consent.dataCenter, caller);
    if (!this.isAccredited(caller, v.city, ts)) revert("ComputeVoucherNotAccredited", caller, v.city);
    if (ts > consent.deadline) revert("ComputeVoucherConsentExpired", consent.deadline, ts);
    if (v.status !== Status.Active) revert("ComputeVoucherInactive", id, v.status);
    if (ts >= v.expiresAt) revert("ComputeVoucherExpired", id, v.expiresAt);
    if (this.invoicesUsed.has(consent.invoiceHash)) revert("ComputeVoucherInvoiceUsed", consent.invoiceHash);
    const c = this.city(v.city);
    if (consent.amount === 0n) revert("ComputeVoucherInvalidAmount", 0n);
    if (consent.amount * MAX_BPS > consent.invoiceTotal * c.ratioBps) {
      revert("ComputeVoucherOverRatio", consent.amount, consent.invoiceTotal, c.ratioBps);
    }
    if (consent.amount > v.remaining) revert("ComputeVoucherInsufficientValue", id, consent.amount, v.remaining);
    if (!signedByHolder) revert("ComputeVoucherInvalidConsent", id, v.holder);
    this.invoicesUsed.add(consent.invoiceHash);
    c.redeemed += consent.amount;
    v.remaining -= consent.amount;
    if (v.remaining === 0n) v.status = Status.Redeemed;
  }

  private revokeOne(id: bigint): void {
    const amount = this.close(id, Status.Revoked);
    this.city(this.existingVoucher(id).city).revoked += amount;
  }

  private expireOne(id: bigint, ts: bigint): void {
    const v = this.existingVoucher(id);
    if (ts < v.expiresAt) revert("ComputeVoucherNotExpired", id, v.expiresAt);
    const amount = this.close(id, Status.Expired);
    this.city(v.city).expired += amount;
  }

  private reissueOne(
    id: bigint,
    newHolder: string,
    applicationRef: string,
    expiresAt: bigint,
    ts: bigint,
  ): bigint {
    const v = this.existingVoucher(id);
    if (ts >= v.expiresAt) revert("ComputeVoucherExpired", id, v.expiresAt);
    if (BigInt(newHolder) === 0n) revert("ComputeVoucherInvalidHolder", newHolder);
    const newId = modelVoucherId(v.city, applicationRef);
    if (this.vouchers.has(newId)) revert("ComputeVoucherExists", newId);
    const newExpiry = expiresAt === 0n ? v.expiresAt : this.expiryOf(expiresAt, 0n, ts);
    const amount = this.close(id, Status.Reissued);
    const c = this.city(v.city);
    this.countToHolder(c, newHolder, amount);
    v.reissuedTo = newId;
    this.vouchers.set(newId, {
      id: newId,
      city: v.city,
      applicationRef,
      holder: newHolder,
      status: Status.Active,
      faceValue: amount,
      remaining: amount,
      issuedAt: ts,
      expiresAt: newExpiry,
      reissuedFrom: id,
      reissuedTo: 0n,
    });
    return newId;
  }

  /** Marks an active voucher `status`, zeroes what is left of it and returns that amount. */
  private close(id: bigint, status: Status): bigint {
    const v = this.existingVoucher(id);
    if (v.status !== Status.Active) revert("ComputeVoucherInactive", id, v.status);
    const amount = v.remaining;
    v.status = status;
    v.remaining = 0n;
    return amount;
  }

  private countToHolder(c: ModelCity, holder: string, amount: bigint): void {
    const already = c.issuedTo.get(key(holder)) ?? 0n;
    const cap = c.holderCap;
    if (cap !== 0n && (already > cap || amount > cap - already)) {
      revert("ComputeVoucherHolderCapExceeded", c.code, holder, amount, already > cap ? 0n : cap - already);
    }
    c.issuedTo.set(key(holder), already + amount);
  }

  private expiryOf(expiresAt: bigint, defaultValidity: bigint, ts: bigint): bigint {
    if (expiresAt === 0n) return ts + defaultValidity;
    if (expiresAt <= ts || expiresAt > UINT56_MAX) revert("ComputeVoucherInvalidExpiry", expiresAt, ts);
    return expiresAt;
  }

  private restricted(caller: string, role: "GOVERNOR" | "ISSUER"): void {
    const members = role === "GOVERNOR" ? this.roles.governors : this.roles.issuers;
    if (!members.has(key(caller))) revert("AccessManagedUnauthorized", caller);
  }

  private whenNotPaused(): void {
    if (this.paused) revert("EnforcedPause");
  }

  private checkIssuerIn(issuer: string, city: number): void {
    if ((this.issuerCity.get(key(issuer)) ?? 0) !== city) revert("ComputeVoucherIssuerNotInCity", issuer, city);
  }

  private existingCity(city: number): ModelCity {
    const c = this.cities.get(city);
    if (c === undefined) revert("ComputeVoucherUnknownCity", city);
    return c;
  }

  private city(city: number): ModelCity {
    const c = this.cities.get(city);
    if (c === undefined) throw new Error(`model: no city ${city}`);
    return c;
  }

  private existingVoucher(id: bigint): ModelVoucher {
    const v = this.vouchers.get(id);
    if (v === undefined) revert("ComputeVoucherUnknownVoucher", id);
    return v;
  }
}
