import { invoiceKey } from "../domain/ledger-v2.js";
import type { FoldEvent } from "./fold.js";

/**
 * The daily roll-up of ledger v2's aggregates (the mirror's `v2_daily`, service/store/migrations-v2-daily.ts) as a
 * fold over the chain's events, in memory, written apart from the projection's SQL (service/store/projection-v2-daily.ts)
 * so that each checks the other: per Asia/Shanghai day, programme and company (0: the programme's whole), what was
 * issued, redeemed, claimed (on approval), metered, clawed back, paid (a corrected entry off its own day), revoked and
 * expired. Keys are `company|day|programme`, the day a day number (days since 1970-01-01 in UTC+8).
 */
export interface DailyRow {
  issued: bigint; issuedCount: bigint; redeemed: bigint; redeemedCount: bigint; claimed: bigint; claimedCount: bigint;
  gpuCentihours: bigint; paid: bigint; revoked: bigint; expired: bigint; clawedBack: bigint;
}

export interface DailyState {
  rows: Map<string, DailyRow>;
  /** What the fold needs to remember of earlier events: a voucher's company and whether it is closed (revoked or expired). */
  vouchers: Map<string, { entity: string; closed: "revoked" | "expired" | null }>;
  claims: Map<string, { voucherId: string; supplier: string; gpu: bigint }>;
  /** A redemption's beneficiary, by invoice key and programme. */
  redemptions: Map<string, string>;
  entries: Map<string, { programme: string; payee: string; at: number; signed: bigint }>;
  /** The block of the last event that changed each row. */
  touched: Map<string, number>;
}

export function emptyDailyState(): DailyState {
  return { rows: new Map(), vouchers: new Map(), claims: new Map(), redemptions: new Map(), entries: new Map(), touched: new Map() };
}

const zero = (): DailyRow => ({
  issued: 0n, issuedCount: 0n, redeemed: 0n, redeemedCount: 0n, claimed: 0n, claimedCount: 0n, gpuCentihours: 0n, paid: 0n, revoked: 0n,
  expired: 0n, clawedBack: 0n,
});

/** Applies one event (in chain order) to the roll-up. */
export function applyDailyEvent(s: DailyState, e: FoldEvent): void {
  const a = e.args;
  const t = (name: string) => String(a[name]);
  const n = (name: string) => BigInt(String(a[name]));
  const add = (programme: string, companies: string[], change: Partial<DailyRow>, at = e.blockTimestamp) => {
    const day = Math.floor((at + 8 * 3600) / 86_400);
    for (const company of new Set(["0", ...companies])) {
      const key = `${company}|${day}|${programme}`;
      const row = s.rows.get(key) ?? zero();
      for (const [k, v] of Object.entries(change) as [keyof DailyRow, bigint][]) row[k] += v;
      s.rows.set(key, row);
      s.touched.set(key, e.blockNumber);
    }
  };
  const voucher = (id: string) => {
    const v = s.vouchers.get(id);
    if (v === undefined) throw new Error(`${e.eventName} in block ${e.blockNumber} names unknown voucher ${id}`);
    return v;
  };

  switch (`${e.contract}.${e.eventName}`) {
    case "ledger.VoucherIssued":
      s.vouchers.set(t("id"), { entity: t("entity"), closed: null });
      add(t("programme"), [t("entity")], { issued: n("faceValue"), issuedCount: 1n });
      return;
    case "ledger.VoucherRedeemed":
      s.redemptions.set(`${invoiceKey(t("supplierEntity"), t("invoiceNumberHash"))}|${t("programme")}`, t("beneficiaryEntity"));
      add(t("programme"), [t("supplierEntity"), t("beneficiaryEntity")], { redeemed: n("amount"), redeemedCount: 1n, gpuCentihours: n("gpuCentihours") });
      return;
    case "ledger.ClaimSubmitted": {
      const att = (a.claim as Record<string, unknown>).attestation as Record<string, unknown>;
      s.claims.set(t("claimId"), { voucherId: t("id"), supplier: t("supplierEntity"), gpu: BigInt(String(att.gpuCentihours)) });
      return;
    }
    case "ledger.ClaimApproved": {
      const c = s.claims.get(t("claimId"));
      if (c === undefined) throw new Error(`ClaimApproved in block ${e.blockNumber} names unknown claim ${t("claimId")}`);
      add(t("programme"), [t("beneficiaryEntity"), c.supplier], { claimed: n("amount"), claimedCount: 1n, gpuCentihours: c.gpu });
      return;
    }
    case "ledger.ClaimRejected": {
      const c = s.claims.get(t("claimId"));
      if (c === undefined) throw new Error(`ClaimRejected in block ${e.blockNumber} names unknown claim ${t("claimId")}`);
      // On a closed voucher the value goes back to the budget, counted as the voucher's closing was.
      const v = voucher(c.voucherId);
      if (v.closed !== null) add(t("programme"), [v.entity], { [v.closed]: n("amount") });
      return;
    }
    case "ledger.RedemptionClawedBack": {
      const beneficiary = s.redemptions.get(`${t("invoiceKey")}|${t("programme")}`);
      add(t("programme"), [t("supplierEntity"), ...(beneficiary === undefined ? [] : [beneficiary])], { clawedBack: n("amount") });
      return;
    }
    case "ledger.ClaimClawedBack": {
      const c = s.claims.get(t("claimId"));
      add(t("programme"), [t("beneficiaryEntity"), ...(c === undefined ? [] : [c.supplier])], { clawedBack: n("amount") });
      return;
    }
    case "ledger.VoucherRevoked":
    case "ledger.VoucherExpired": {
      const closed = e.eventName === "VoucherRevoked" ? "revoked" : "expired";
      const v = voucher(t("id"));
      v.closed = closed;
      add(t("programme"), [v.entity], { [closed]: n("amount") });
      return;
    }
    case "payments.PaymentRecorded":
    case "payments.RepaymentRecorded": {
      const signed = e.eventName === "PaymentRecorded" ? n("amount") : -n("amount");
      s.entries.set(t("entryId"), { programme: t("programme"), payee: t("payee"), at: e.blockTimestamp, signed });
      add(t("programme"), [t("payee")], { paid: signed });
      return;
    }
    case "payments.EntryCorrected": {
      const entry = s.entries.get(t("entryId"));
      if (entry === undefined) throw new Error(`EntryCorrected in block ${e.blockNumber} names unknown entry ${t("entryId")}`);
      add(entry.programme, [entry.payee], { paid: -entry.signed }, entry.at);
      return;
    }
    default:
      return;
  }
}
