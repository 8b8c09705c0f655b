/**
 * The ledger's state as a fold over its events, written independently of the mirror's projection
 * (service/store/projection.ts) so that each checks the other. Used by the verifier (over logs read from the chain)
 * and by the API's time travel (over the raw log up to a block).
 */

export interface FoldEvent {
  blockNumber: number;
  blockHash: string;
  logIndex: number;
  blockTimestamp: number;
  transactionHash: string;
  contract: string;
  eventName: string;
  args: Record<string, unknown>;
}

export interface CityState {
  city: number;
  name: string;
  budget: bigint;
  appropriation: string;
  ratioBps: number;
  holderCap: bigint;
  defaultValidity: bigint;
  issued: bigint;
  redeemed: bigint;
  revoked: bigint;
  expired: bigint;
  voucherCount: number;
  registeredBlock: number;
  updatedBlock: number;
}

export type VoucherStatusName = "Active" | "Redeemed" | "Revoked" | "Expired" | "Reissued";

export interface VoucherState {
  id: string;
  city: number;
  holder: string;
  applicationRef: string;
  faceValue: bigint;
  remaining: bigint;
  redeemed: bigint;
  status: VoucherStatusName;
  issuedAt: number;
  expiresAt: bigint;
  reissuedFrom: string | null;
  reissuedTo: string | null;
  issuedBlock: number;
  issuedTx: string;
  updatedBlock: number;
}

export interface AccreditationState {
  dataCenter: string;
  city: number;
  validFrom: bigint;
  validUntil: bigint;
  suspended: boolean;
  reason: string;
  updatedBlock: number;
}

export interface RedemptionState {
  blockHash: string;
  logIndex: number;
  blockNumber: number;
  transactionHash: string;
  voucherId: string;
  city: number;
  dataCenter: string;
  holder: string;
  invoiceHash: string;
  amount: bigint;
  invoiceTotal: bigint;
  remaining: bigint;
}

export interface RoleState {
  roleId: string;
  account: string;
  since: bigint;
  executionDelay: bigint;
  grantedBlock: number;
}

export interface LedgerState {
  cities: Map<number, CityState>;
  vouchers: Map<string, VoucherState>;
  /** Keyed `dataCenter|city`. */
  accreditations: Map<string, AccreditationState>;
  issuers: Map<string, { city: number; boundBlock: number }>;
  /** Keyed `roleId|account`. */
  roles: Map<string, RoleState>;
  redemptions: RedemptionState[];
  /** The block of the last event that touched each entity (`city:310000`, `voucher:<id>`, …): where to look. */
  touched: Map<string, number>;
  events: number;
}

export function emptyState(): LedgerState {
  return {
    cities: new Map(), vouchers: new Map(), accreditations: new Map(), issuers: new Map(), roles: new Map(),
    redemptions: [], touched: new Map(), events: 0,
  };
}

const ZERO32 = `0x${"0".repeat(64)}`;
const big = (value: unknown): bigint => BigInt(String(value ?? 0));
const num = (value: unknown): number => Number(String(value ?? 0));
const text = (value: unknown): string => String(value ?? "");

/** Applies one event, in chain order. Events of unknown cities or vouchers change only what they can. */
export function applyEvent(state: LedgerState, e: FoldEvent): void {
  state.events++;
  const a = e.args;
  const touch = (key: string) => state.touched.set(key, e.blockNumber);
  if (e.contract === "accessManager") {
    const key = `${text(a.roleId)}|${text(a.account)}`;
    if (e.eventName === "RoleGranted") {
      const before = state.roles.get(key);
      state.roles.set(key, {
        roleId: text(a.roleId), account: text(a.account), since: big(a.since), executionDelay: big(a.delay),
        grantedBlock: before?.grantedBlock ?? e.blockNumber,
      });
      touch(`role:${key}`);
    } else if (e.eventName === "RoleRevoked") {
      state.roles.delete(key);
      touch(`role:${key}`);
    }
    return;
  }
  const cityCode = a.city === undefined ? 0 : num(a.city);
  const city = state.cities.get(cityCode);
  const touchCity = () => {
    if (city !== undefined) city.updatedBlock = e.blockNumber;
    touch(`city:${cityCode}`);
  };
  const voucher = (id: string) => {
    const v = state.vouchers.get(id);
    if (v !== undefined) v.updatedBlock = e.blockNumber;
    touch(`voucher:${id}`);
    return v;
  };
  switch (e.eventName) {
    case "CityRegistered":
      state.cities.set(cityCode, {
        city: cityCode, name: text(a.name), budget: big(a.budget), appropriation: text(a.appropriation),
        ratioBps: num(a.ratioBps), holderCap: big(a.holderCap), defaultValidity: big(a.defaultValidity),
        issued: 0n, redeemed: 0n, revoked: 0n, expired: 0n, voucherCount: 0,
        registeredBlock: e.blockNumber, updatedBlock: e.blockNumber,
      });
      touch(`city:${cityCode}`);
      break;
    case "CityBudgetSet":
      if (city) Object.assign(city, { budget: big(a.budget), appropriation: text(a.appropriation) });
      touchCity();
      break;
    case "CityRatioSet":
      if (city) city.ratioBps = num(a.ratioBps);
      touchCity();
      break;
    case "CityHolderCapSet":
      if (city) city.holderCap = big(a.holderCap);
      touchCity();
      break;
    case "CityDefaultValiditySet":
      if (city) city.defaultValidity = big(a.defaultValidity);
      touchCity();
      break;
    case "IssuerBound":
      state.issuers.set(text(a.issuer), { city: cityCode, boundBlock: e.blockNumber });
      touch(`issuer:${text(a.issuer)}`);
      break;
    case "IssuerUnbound":
      state.issuers.delete(text(a.issuer));
      touch(`issuer:${text(a.issuer)}`);
      break;
    case "DataCenterAccredited":
    case "DataCenterSuspended":
    case "DataCenterReinstated": {
      const key = `${text(a.dataCenter)}|${cityCode}`;
      const before = state.accreditations.get(key) ?? {
        dataCenter: text(a.dataCenter), city: cityCode, validFrom: 0n, validUntil: 0n, suspended: false, reason: ZERO32, updatedBlock: 0,
      };
      const next =
        e.eventName === "DataCenterAccredited"
          ? { ...before, validFrom: big(a.validFrom), validUntil: big(a.validUntil), suspended: false, reason: ZERO32 }
          : e.eventName === "DataCenterSuspended"
            ? { ...before, suspended: true, reason: text(a.reason) }
            : { ...before, suspended: false };
      state.accreditations.set(key, { ...next, updatedBlock: e.blockNumber });
      touch(`accreditation:${key}`);
      break;
    }
    case "VoucherIssued": {
      const id = text(a.id);
      state.vouchers.set(id, {
        id, city: cityCode, holder: text(a.holder), applicationRef: text(a.applicationRef), faceValue: big(a.faceValue),
        remaining: big(a.faceValue), redeemed: 0n, status: "Active", issuedAt: e.blockTimestamp, expiresAt: big(a.expiresAt),
        reissuedFrom: null, reissuedTo: null, issuedBlock: e.blockNumber, issuedTx: e.transactionHash, updatedBlock: e.blockNumber,
      });
      touch(`voucher:${id}`);
      if (city) {
        city.issued += big(a.faceValue);
        city.voucherCount++;
      }
      touchCity();
      break;
    }
    case "VoucherRedeemed": {
      const id = text(a.id);
      const v = voucher(id);
      const remaining = big(a.remaining);
      if (v) {
        v.remaining = remaining;
        v.redeemed += big(a.amount);
        if (remaining === 0n) v.status = "Redeemed";
      }
      if (city) city.redeemed += big(a.amount);
      touchCity();
      state.redemptions.push({
        blockHash: e.blockHash, logIndex: e.logIndex, blockNumber: e.blockNumber, transactionHash: e.transactionHash,
        voucherId: id, city: cityCode, dataCenter: text(a.dataCenter), holder: text(a.holder), invoiceHash: text(a.invoiceHash),
        amount: big(a.amount), invoiceTotal: big(a.invoiceTotal), remaining,
      });
      break;
    }
    case "VoucherRevoked":
    case "VoucherExpired": {
      const v = voucher(text(a.id));
      if (v) {
        v.remaining = 0n;
        v.status = e.eventName === "VoucherRevoked" ? "Revoked" : "Expired";
      }
      if (city) {
        if (e.eventName === "VoucherRevoked") city.revoked += big(a.amount);
        else city.expired += big(a.amount);
      }
      touchCity();
      break;
    }
    case "VoucherReissued": {
      const id = text(a.id);
      const newId = text(a.newId);
      const v = voucher(id);
      if (v) {
        v.remaining = 0n;
        v.status = "Reissued";
        v.reissuedTo = newId;
      }
      state.vouchers.set(newId, {
        id: newId, city: cityCode, holder: text(a.newHolder), applicationRef: text(a.applicationRef), faceValue: big(a.amount),
        remaining: big(a.amount), redeemed: 0n, status: "Active", issuedAt: e.blockTimestamp, expiresAt: big(a.expiresAt),
        reissuedFrom: id, reissuedTo: null, issuedBlock: e.blockNumber, issuedTx: e.transactionHash, updatedBlock: e.blockNumber,
      });
      touch(`voucher:${newId}`);
      if (city) city.voucherCount++;
      touchCity();
      break;
    }
    default:
      break;
  }
}

export const outstanding = (c: CityState): bigint => c.issued - c.redeemed - c.revoked - c.expired;
