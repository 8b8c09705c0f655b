import { ENTRY_KIND, invoiceKey } from "../domain/ledger-v2.js";
import type { FoldEvent } from "./fold.js";

/**
 * Ledger v2's state as a fold over its events, in memory, written independently of the mirror's SQL projection
 * (service/store/projection-v2.ts) so that each checks the other. The verifier folds the logs it reads from the
 * chain and compares the result with the contracts' views and with the mirror's v2 tables. Keys are text (ids in
 * decimal; pairs joined by `|`), amounts bigint.
 */
export interface LedgerV2State {
  programmes: Map<string, { name: string; paused: boolean; issued: bigint; redeemedBySuppliers: bigint; claimedByBuyers: bigint; held: bigint; revoked: bigint; expired: bigint; clawedBack: bigint; voucherCount: number }>;
  periods: Map<string, { budget: bigint; issued: bigint; revoked: bigint; expired: bigint; clawedBack: bigint }>;
  vouchers: Map<string, { programme: string; holder: string; remaining: bigint; held: bigint; redeemed: bigint; claimed: bigint; status: string; frozen: boolean; year: string; expiresAt: string; reissueTo: string | null }>;
  claims: Map<string, { voucherId: string; programme: string; beneficiary: string; supplier: string; amount: bigint; status: string; clawedBack: bigint; invoiceKey: string }>;
  invoices: Map<string, { total: bigint; subsidised: bigint; count: number; buyer: boolean; pending: boolean; beneficiary: string }>;
  redemptions: Map<string, { voucherId: string; amount: bigint; clawedBack: bigint }>;
  entries: Map<string, { kind: string; programme: string; payee: string; year: string; amount: bigint; corrected: boolean }>;
  entities: Map<string, { creditCodeHash: string; roles: string; category: string; relations: number }>;
  addresses: Map<string, { entity: string; active: boolean }>;
  accreditations: Map<string, { validFrom: string; validUntil: string; classes: string; suspended: boolean; reason: string }>;
  relations: Map<string, string>;
  /** Per programme and payee (`programme|payee`): redemptions and approved claims less clawbacks, and net payments. */
  earned: Map<string, bigint>;
  paid: Map<string, bigint>;
  /** The block of the last event that touched each record (`<kind>:<key>`). */
  touched: Map<string, number>;
}

export function emptyV2State(): LedgerV2State {
  return {
    programmes: new Map(), periods: new Map(), vouchers: new Map(), claims: new Map(), invoices: new Map(), redemptions: new Map(),
    entries: new Map(), entities: new Map(), addresses: new Map(), accreditations: new Map(), relations: new Map(),
    earned: new Map(), paid: new Map(), touched: new Map(),
  };
}

const ZERO = `0x${"0".repeat(64)}`;

function need<T>(map: Map<string, T>, key: string, what: string, e: FoldEvent): T {
  const value = map.get(key);
  if (value === undefined) throw new Error(`${e.eventName} in block ${e.blockNumber} names unknown ${what} ${key}`);
  return value;
}

/** Applies one event (in chain order) to the state. */
export function applyV2Event(s: LedgerV2State, e: FoldEvent): void {
  const a = e.args;
  const t = (name: string) => String(a[name]);
  const n = (name: string) => BigInt(String(a[name]));
  const touch = (kind: string, key: string) => s.touched.set(`${kind}:${key}`, e.blockNumber);
  const add = (map: Map<string, bigint>, key: string, amount: bigint) => map.set(key, (map.get(key) ?? 0n) + amount);
  const period = (programme: string, year: string) => {
    const key = `${programme}|${year}`;
    let p = s.periods.get(key);
    if (p === undefined) s.periods.set(key, (p = { budget: 0n, issued: 0n, revoked: 0n, expired: 0n, clawedBack: 0n }));
    touch("period", key);
    return p;
  };
  const programme = (id: string) => {
    touch("programme", id);
    return need(s.programmes, id, "programme", e);
  };
  const voucher = (id: string) => {
    touch("voucher", id);
    return need(s.vouchers, id, "voucher", e);
  };
  const close = (counter: "revoked" | "expired", programmeId: string, year: string, amount: bigint) => {
    period(programmeId, year)[counter] += amount;
    programme(programmeId)[counter] += amount;
  };

  switch (`${e.contract}.${e.eventName}`) {
    case "registry.ProgrammeRegistered": {
      const rules = a.programme as Record<string, unknown>;
      s.programmes.set(t("id"), { name: String(rules.name), paused: false, issued: 0n, redeemedBySuppliers: 0n, claimedByBuyers: 0n, held: 0n, revoked: 0n, expired: 0n, clawedBack: 0n, voucherCount: 0 });
      touch("programme", t("id"));
      return;
    }
    case "registry.ProgrammeUpdated":
      programme(t("id")).name = String((a.programme as Record<string, unknown>).name);
      return;
    case "registry.ProgrammePaused":
    case "registry.ProgrammeResumed":
      programme(t("id")).paused = e.eventName === "ProgrammePaused";
      return;
    case "registry.EntityRegistered":
      s.entities.set(t("id"), { creditCodeHash: t("creditCodeHash"), roles: t("roles"), category: t("category"), relations: 0 });
      touch("entity", t("id"));
      return;
    case "registry.EntityCategorySet":
      need(s.entities, t("id"), "company", e).category = t("category");
      touch("entity", t("id"));
      return;
    case "registry.AddressAdded":
    case "registry.AddressRemoved":
      s.addresses.set(t("account"), { entity: t("entity"), active: e.eventName === "AddressAdded" });
      touch("address", t("account"));
      return;
    case "registry.RelationRecorded":
    case "registry.RelationCleared": {
      const key = `${t("beneficiary")}|${t("supplier")}`;
      const recorded = e.eventName === "RelationRecorded";
      if (recorded) s.relations.set(key, t("reason"));
      else s.relations.delete(key);
      need(s.entities, t("beneficiary"), "company", e).relations += recorded ? 1 : -1;
      touch("relation", key);
      touch("entity", t("beneficiary"));
      return;
    }
    case "registry.SupplierAccredited": {
      const key = `${t("supplier")}|${t("programme")}`;
      const before = s.accreditations.get(key);
      s.accreditations.set(key, { validFrom: t("validFrom"), validUntil: t("validUntil"), classes: t("classes"), suspended: false, reason: before?.reason ?? ZERO });
      touch("accreditation", key);
      return;
    }
    case "registry.SupplierSuspended":
    case "registry.SupplierReinstated": {
      const key = `${t("supplier")}|${t("programme")}`;
      const acc = need(s.accreditations, key, "accreditation", e);
      acc.suspended = e.eventName === "SupplierSuspended";
      if (acc.suspended) acc.reason = t("reason");
      touch("accreditation", key);
      return;
    }
    case "ledger.BudgetSet":
      period(t("programme"), t("year")).budget = n("budget");
      return;
    case "ledger.VoucherIssued":
      s.vouchers.set(t("id"), {
        programme: t("programme"), holder: t("holder"), remaining: n("faceValue"), held: 0n, redeemed: 0n, claimed: 0n, status: "Active",
        frozen: false, year: t("year"), expiresAt: t("expiresAt"), reissueTo: null,
      });
      touch("voucher", t("id"));
      period(t("programme"), t("year")).issued += n("faceValue");
      programme(t("programme")).issued += n("faceValue");
      programme(t("programme")).voucherCount += 1;
      return;
    case "ledger.VoucherRedeemed": {
      const v = voucher(t("id"));
      v.remaining = n("remaining");
      v.redeemed += n("amount");
      if (v.remaining === 0n) v.status = "Redeemed";
      programme(t("programme")).redeemedBySuppliers += n("amount");
      const key = invoiceKey(t("supplierEntity"), t("invoiceNumberHash"));
      const inv = s.invoices.get(key);
      if (inv === undefined) s.invoices.set(key, { total: n("invoiceTotal"), subsidised: n("amount"), count: 1, buyer: false, pending: false, beneficiary: t("beneficiaryEntity") });
      else {
        inv.subsidised += n("amount");
        inv.count += 1;
      }
      touch("invoice", key);
      s.redemptions.set(`${key}|${t("programme")}`, { voucherId: t("id"), amount: n("amount"), clawedBack: 0n });
      add(s.earned, `${t("programme")}|${t("supplierEntity")}`, n("amount"));
      return;
    }
    case "ledger.ClaimSubmitted": {
      const claim = a.claim as Record<string, unknown>;
      const att = claim.attestation as Record<string, unknown>;
      const amount = BigInt(String(claim.amount));
      const v = voucher(t("id"));
      v.remaining -= amount;
      v.held += amount;
      programme(t("programme")).held += amount;
      const key = invoiceKey(t("supplierEntity"), String(att.invoiceNumberHash));
      const inv = s.invoices.get(key);
      if (inv === undefined) s.invoices.set(key, { total: BigInt(String(att.invoiceTotal)), subsidised: amount, count: 1, buyer: true, pending: true, beneficiary: t("beneficiaryEntity") });
      else Object.assign(inv, { subsidised: inv.subsidised + amount, count: inv.count + 1, pending: true });
      touch("invoice", key);
      s.claims.set(t("claimId"), {
        voucherId: t("id"), programme: t("programme"), beneficiary: t("beneficiaryEntity"), supplier: t("supplierEntity"), amount,
        status: "Pending", clawedBack: 0n, invoiceKey: key,
      });
      touch("claim", t("claimId"));
      return;
    }
    case "ledger.ClaimApproved": {
      const c = need(s.claims, t("claimId"), "claim", e);
      touch("claim", t("claimId"));
      c.status = "Approved";
      const v = voucher(c.voucherId);
      v.held -= c.amount;
      v.claimed += c.amount;
      if (v.remaining === 0n && v.status === "Active") v.status = "Redeemed";
      const p = programme(c.programme);
      p.held -= c.amount;
      p.claimedByBuyers += c.amount;
      need(s.invoices, c.invoiceKey, "invoice", e).pending = false;
      touch("invoice", c.invoiceKey);
      add(s.earned, `${c.programme}|${c.beneficiary}`, c.amount);
      return;
    }
    case "ledger.ClaimRejected": {
      const c = need(s.claims, t("claimId"), "claim", e);
      touch("claim", t("claimId"));
      c.status = a.lapsed === true ? "Lapsed" : "Rejected";
      const v = voucher(c.voucherId);
      v.held -= c.amount;
      programme(c.programme).held -= c.amount;
      if (v.status === "Active" || v.status === "Redeemed") {
        v.remaining += c.amount;
        v.status = "Active";
      } else {
        close(v.status === "Revoked" ? "revoked" : "expired", c.programme, v.year, c.amount);
      }
      const inv = need(s.invoices, c.invoiceKey, "invoice", e);
      touch("invoice", c.invoiceKey);
      if (inv.count === 1) s.invoices.delete(c.invoiceKey);
      else Object.assign(inv, { subsidised: inv.subsidised - c.amount, count: inv.count - 1, pending: false });
      return;
    }
    case "ledger.RedemptionClawedBack": {
      period(t("programme"), t("year")).clawedBack += n("amount");
      programme(t("programme")).clawedBack += n("amount");
      need(s.redemptions, `${t("invoiceKey")}|${t("programme")}`, "redemption", e).clawedBack += n("amount");
      add(s.earned, `${t("programme")}|${t("supplierEntity")}`, -n("amount"));
      return;
    }
    case "ledger.ClaimClawedBack": {
      period(t("programme"), t("year")).clawedBack += n("amount");
      programme(t("programme")).clawedBack += n("amount");
      need(s.claims, t("claimId"), "claim", e).clawedBack += n("amount");
      touch("claim", t("claimId"));
      add(s.earned, `${t("programme")}|${t("beneficiaryEntity")}`, -n("amount"));
      return;
    }
    case "ledger.VoucherRevoked":
    case "ledger.VoucherExpired": {
      const v = voucher(t("id"));
      const revoked = e.eventName === "VoucherRevoked";
      v.remaining = 0n;
      v.status = revoked ? "Revoked" : "Expired";
      v.reissueTo = null;
      close(revoked ? "revoked" : "expired", t("programme"), v.year, n("amount"));
      return;
    }
    case "ledger.ReissueRequested":
      voucher(t("id")).reissueTo = t("to");
      return;
    case "ledger.ReissueCancelled":
      voucher(t("id")).reissueTo = null;
      return;
    case "ledger.VoucherReissued":
      Object.assign(voucher(t("id")), { holder: t("to"), reissueTo: null });
      return;
    case "ledger.VoucherFrozen":
    case "ledger.VoucherUnfrozen":
      voucher(t("id")).frozen = e.eventName === "VoucherFrozen";
      return;
    case "payments.PaymentRecorded":
    case "payments.RepaymentRecorded": {
      const payment = e.eventName === "PaymentRecorded";
      s.entries.set(t("entryId"), { kind: payment ? "Payment" : "Repayment", programme: t("programme"), payee: t("payee"), year: t("year"), amount: n("amount"), corrected: false });
      touch("entry", t("entryId"));
      add(s.paid, `${t("programme")}|${t("payee")}`, payment ? n("amount") : -n("amount"));
      return;
    }
    case "payments.EntryCorrected": {
      const entry = need(s.entries, t("entryId"), "entry", e);
      entry.corrected = true;
      touch("entry", t("entryId"));
      add(s.paid, `${entry.programme}|${entry.payee}`, entry.kind === ENTRY_KIND[1] ? -entry.amount : entry.amount);
      return;
    }
    default:
      return;
  }
}
