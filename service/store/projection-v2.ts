import { ENTRY_KIND, FUNDING_LEVEL, invoiceKey, nameOf, PROGRAMME_KIND } from "../domain/ledger-v2.js";
import { roleName } from "../domain/roles.js";
import type { DecodedArgs } from "../chain/abi.js";
import { DecodeError } from "../internal/errors.js";
import type { Queryable } from "./database.js";
import type { StoredEvent } from "./projection.js";
import { createGovernanceProjector } from "./projection-governance.js";
import { createDailyBuffer, type DailyAmounts } from "./projection-v2-daily.js";
import { createIssueBuffer } from "./projection-v2-issues.js";

/**
 * Ledger v2's projection: applies events of the raw log, in chain order, to the v2 tables (service/store/
 * migrations-v2.ts), one event after the other, each as a few statements on the rows it touches (issues in bulk:
 * service/store/projection-v2-issues.ts). As v1's projection,
 * it is a pure function of the raw log: the store projects only events it has just inserted, and a rollback empties
 * the tables and projects the whole log again, so applying the log batch by batch gives the rows one pass gives.
 * Events that change no table (TransferSingle, Locked, Paused, AuthorityUpdated, …) stay in the raw log only. Who
 * acted (scheduled operations, the Safe's transactions and signers): service/store/projection-governance.ts. The
 * daily roll-up of the aggregates (service/store/projection-v2-daily.ts) is added up along and written once per call.
 */
export async function projectV2(tx: Queryable, events: readonly StoredEvent[]): Promise<void> {
  const issues = createIssueBuffer(tx);
  const governance = createGovernanceProjector(tx);
  const buffer = createDailyBuffer(tx);
  for (const e of events) {
    await governance.apply(e);
    const daily: Daily = (programme, companies, amounts, at = e.blockTimestamp) =>
      buffer.add(at, e.blockNumber, String(programme), companies.map(String), amounts);
    if (e.contract === "ledger" && e.eventName === "VoucherIssued") {
      const s = (name: string) => str(e, e.args, name);
      issues.add(e, s);
      daily(s("programme"), [s("entity")], { issued: BigInt(s("faceValue")), issued_count: 1n });
      continue;
    }
    // An issue's own other events change no table; anything else sees the issues before it written.
    if (e.contract === "ledger" && ISSUE_COMPANIONS.has(e.eventName)) continue;
    await issues.flush();
    await apply(tx, e, daily);
  }
  await issues.flush();
  await buffer.flush();
}

/** Adds to the roll-up of the event's day (or of the instant `at`): the programme's whole and each company named. */
type Daily = (programme: unknown, companies: readonly unknown[], amounts: DailyAmounts, at?: number | string) => void;

/** The events an issue emits besides VoucherIssued: in the raw log only. */
const ISSUE_COMPANIONS = new Set(["Locked", "TransferSingle"]);

type Args = DecodedArgs;

const str = (e: StoredEvent, args: Args, name: string): string => {
  const value = args[name];
  if (value === undefined || value === null) {
    throw new DecodeError(`${e.eventName} in block ${e.blockNumber}: argument ${name} is missing`);
  }
  return String(value);
};
const obj = (e: StoredEvent, args: Args, name: string): Args => {
  const value = args[name];
  if (typeof value !== "object" || value === null) {
    throw new DecodeError(`${e.eventName} in block ${e.blockNumber}: argument ${name} is not a tuple`);
  }
  return value as Args;
};

/** Bit c - 1 set: class c. */
function classList(mask: string): number[] {
  const out: number[] = [];
  const bits = BigInt(mask);
  for (let c = 1; c <= 32; c++) if ((bits >> BigInt(c - 1)) & 1n) out.push(c);
  return out;
}

async function one(tx: Queryable, e: StoredEvent, sql: string, params: unknown[], what: string): Promise<Record<string, unknown>> {
  const rows = await tx.query(sql, params);
  const row = rows[0];
  if (row === undefined) throw new DecodeError(`${e.eventName} in block ${e.blockNumber} names unknown ${what}`);
  return row;
}

const COUNTERS = ["issued", "revoked", "expired", "clawed_back"] as const;
type Counter = (typeof COUNTERS)[number];

/**
 * Adds `amount` to a counter of a programme's fiscal year, in one statement: the year is created (no budget yet, the
 * counter at `amount`) on first use.
 */
async function addToPeriod(tx: Queryable, counter: Counter, programme: string, year: string, amount: string, block: number) {
  const values = COUNTERS.map((c) => (c === counter ? "$4" : "0")).join(", ");
  await tx.query(
    `INSERT INTO v2_periods (programme, year, budget, appropriation, ${COUNTERS.join(", ")}, updated_block)
     VALUES ($1, $2, 0, $3, ${values}, $5)
     ON CONFLICT (programme, year) DO UPDATE SET ${counter} = v2_periods.${counter} + $4, updated_block = EXCLUDED.updated_block`,
    [programme, year, `0x${"0".repeat(64)}`, amount, block],
  );
}

/** Adds `amount` to a counter of a period and the same counter of its programme. */
async function count(tx: Queryable, counter: Exclude<Counter, "issued">, programme: string, year: string, amount: string, block: number) {
  await addToPeriod(tx, counter, programme, year, amount, block);
  await tx.query(`UPDATE v2_programmes SET ${counter} = ${counter} + $2, updated_block = $3 WHERE id = $1`, [programme, amount, block]);
}

function programmeColumns(e: StoredEvent, p: Args): Record<string, unknown> {
  const s = (name: string) => str(e, p, name);
  return {
    level: nameOf(FUNDING_LEVEL, s("level")), region: s("region"), kind: nameOf(PROGRAMME_KIND, s("kind")), name: s("name"),
    first_year: s("firstYear"), year_count: s("yearCount"), redeem_from: s("redeemFrom"), redeem_until: s("redeemUntil"),
    earliest_contract_day: s("earliestContractDay"), default_validity: s("defaultValidity"), max_validity: s("maxValidity"),
    cap_per_company: s("capPerCompany"), cap_lifetime: p.capLifetime === true, cap_group: s("capGroup"),
    exclusive: p.exclusive === true, max_combined_bps: s("maxCombinedBps"), entity_window_days: s("entityWindowDays"),
    needs_electricity: p.needsElectricity === true, needs_assessment: p.needsAssessment === true,
    reissue_delay: s("reissueDelay"), payees: s("payees"), supplier_first_days: s("supplierFirstDays"),
    review_window: s("reviewWindow"), lapse_approves: p.lapseApproves === true,
  };
}

async function apply(tx: Queryable, e: StoredEvent, daily: Daily): Promise<void> {
  const a = e.args;
  const s = (name: string) => str(e, a, name);
  const b = e.blockNumber;
  const at = [e.blockHash, e.logIndex, e.blockNumber, e.blockTimestamp, e.transactionHash];

  if (e.contract === "accessManager") {
    if (e.eventName === "RoleGranted") {
      await tx.query(
        `INSERT INTO role_members (role_id, account, role_name, since, execution_delay, granted_block)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (role_id, account) DO UPDATE SET since = EXCLUDED.since, execution_delay = EXCLUDED.execution_delay`,
        [s("roleId"), s("account"), roleName(BigInt(s("roleId"))), s("since"), s("delay"), b],
      );
    } else if (e.eventName === "RoleRevoked") {
      await tx.query("DELETE FROM role_members WHERE role_id = $1 AND account = $2", [s("roleId"), s("account")]);
    }
    return;
  }

  switch (`${e.contract}.${e.eventName}`) {
    // ---------------------------------------------------------------------------------------------- registry
    case "registry.ClassDefined":
    case "registry.CategoryDefined": {
      const table = e.eventName === "ClassDefined" ? "v2_classes" : "v2_categories";
      await tx.query(
        `INSERT INTO ${table} (id, name, updated_block) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, updated_block = EXCLUDED.updated_block`,
        [s("id"), s("name"), b],
      );
      return;
    }
    case "registry.ProgrammeRegistered": {
      const columns = programmeColumns(e, obj(e, a, "programme"));
      const names = Object.keys(columns);
      await tx.query(
        `INSERT INTO v2_programmes (id, ${names.join(", ")}, paused, pause_reason, issued, redeemed_by_suppliers,
           claimed_by_buyers, held, revoked, expired, clawed_back, voucher_count, registered_block, updated_block)
         VALUES ($1, ${names.map((_, i) => `$${i + 2}`).join(", ")}, false, NULL, 0, 0, 0, 0, 0, 0, 0, 0, $${names.length + 2}, $${names.length + 2})`,
        [s("id"), ...Object.values(columns), b],
      );
      return;
    }
    case "registry.ProgrammeUpdated": {
      const columns = programmeColumns(e, obj(e, a, "programme"));
      const names = Object.keys(columns);
      await one(tx, e,
        `UPDATE v2_programmes SET ${names.map((n, i) => `${n} = $${i + 2}`).join(", ")}, updated_block = $${names.length + 2}
         WHERE id = $1 RETURNING id`,
        [s("id"), ...Object.values(columns), b], `programme ${s("id")}`);
      return;
    }
    case "registry.RatiosSet": {
      await tx.query("DELETE FROM v2_ratios WHERE programme = $1", [s("id")]);
      const ratios = (a.ratios as Args[] | undefined) ?? [];
      for (const r of ratios) {
        await tx.query("INSERT INTO v2_ratios (programme, compute_class, category, bps) VALUES ($1, $2, $3, $4)", [
          s("id"), str(e, r, "computeClass"), str(e, r, "category"), str(e, r, "bps"),
        ]);
      }
      return;
    }
    case "registry.ProgrammePaused":
    case "registry.ProgrammeResumed":
      await one(tx, e, "UPDATE v2_programmes SET paused = $2, pause_reason = $3, updated_block = $4 WHERE id = $1 RETURNING id",
        [s("id"), e.eventName === "ProgrammePaused", s("reason"), b], `programme ${s("id")}`);
      return;
    case "registry.EntityRegistered":
      await tx.query(
        `INSERT INTO v2_entities (id, credit_code_hash, roles, category, relations, registered_block, updated_block)
         VALUES ($1, $2, $3, $4, 0, $5, $5)`,
        [s("id"), s("creditCodeHash"), s("roles"), s("category"), b],
      );
      return;
    case "registry.EntityCategorySet":
      await one(tx, e, "UPDATE v2_entities SET category = $2, updated_block = $3 WHERE id = $1 RETURNING id", [s("id"), s("category"), b], `company ${s("id")}`);
      return;
    case "registry.AddressAdded":
      await tx.query(
        `INSERT INTO v2_entity_addresses (account, entity, active, reason, added_block, updated_block) VALUES ($1, $2, true, $3, $4, $4)
         ON CONFLICT (account) DO UPDATE SET active = true, reason = EXCLUDED.reason, updated_block = EXCLUDED.updated_block`,
        [s("account"), s("entity"), s("reason"), b],
      );
      return;
    case "registry.AddressRemoved":
      await one(tx, e, "UPDATE v2_entity_addresses SET active = false, reason = $2, updated_block = $3 WHERE account = $1 RETURNING account",
        [s("account"), s("reason"), b], `address ${s("account")}`);
      return;
    case "registry.RelationRecorded":
      await tx.query("INSERT INTO v2_relations (beneficiary, supplier, reason, recorded_block) VALUES ($1, $2, $3, $4)", [s("beneficiary"), s("supplier"), s("reason"), b]);
      await tx.query("UPDATE v2_entities SET relations = relations + 1, updated_block = $2 WHERE id = $1", [s("beneficiary"), b]);
      return;
    case "registry.RelationCleared":
      await tx.query("DELETE FROM v2_relations WHERE beneficiary = $1 AND supplier = $2", [s("beneficiary"), s("supplier")]);
      await tx.query("UPDATE v2_entities SET relations = relations - 1, updated_block = $2 WHERE id = $1", [s("beneficiary"), b]);
      return;
    case "registry.SupplierAccredited":
      await tx.query(
        `INSERT INTO v2_accreditations (supplier, programme, valid_from, valid_until, classes_mask, classes, suspended, reason, updated_block)
         VALUES ($1, $2, $3, $4, $5, $6::int[], false, $7, $8)
         ON CONFLICT (supplier, programme) DO UPDATE SET valid_from = EXCLUDED.valid_from, valid_until = EXCLUDED.valid_until,
           classes_mask = EXCLUDED.classes_mask, classes = EXCLUDED.classes, suspended = false, updated_block = EXCLUDED.updated_block`,
        [s("supplier"), s("programme"), s("validFrom"), s("validUntil"), s("classes"), `{${classList(s("classes")).join(",")}}`, `0x${"0".repeat(64)}`, b],
      );
      return;
    case "registry.SupplierSuspended":
      await one(tx, e, "UPDATE v2_accreditations SET suspended = true, reason = $3, updated_block = $4 WHERE supplier = $1 AND programme = $2 RETURNING supplier",
        [s("supplier"), s("programme"), s("reason"), b], `accreditation ${s("supplier")}/${s("programme")}`);
      return;
    case "registry.SupplierReinstated":
      await one(tx, e, "UPDATE v2_accreditations SET suspended = false, updated_block = $3 WHERE supplier = $1 AND programme = $2 RETURNING supplier",
        [s("supplier"), s("programme"), b], `accreditation ${s("supplier")}/${s("programme")}`);
      return;
    case "registry.IssuerBound":
      await tx.query("INSERT INTO v2_issuers (issuer, programme, bound_block) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [s("issuer"), s("programme"), b]);
      return;
    case "registry.IssuerUnbound":
      await tx.query("DELETE FROM v2_issuers WHERE issuer = $1 AND programme = $2", [s("issuer"), s("programme")]);
      return;

    // ---------------------------------------------------------------------------------------------- ledger
    case "ledger.BudgetSet":
      await tx.query(
        `INSERT INTO v2_periods (programme, year, budget, appropriation, ${COUNTERS.join(", ")}, updated_block)
         VALUES ($1, $2, $3, $4, 0, 0, 0, 0, $5)
         ON CONFLICT (programme, year) DO UPDATE SET budget = EXCLUDED.budget, appropriation = EXCLUDED.appropriation,
           updated_block = EXCLUDED.updated_block`,
        [s("programme"), s("year"), s("budget"), s("appropriation"), b]);
      return;
    case "ledger.VoucherRedeemed": {
      const ev = obj(e, a, "evidence");
      const key = invoiceKey(s("supplierEntity"), s("invoiceNumberHash"));
      await one(tx, e,
        `UPDATE v2_vouchers SET remaining = $2, redeemed = redeemed + $3,
           status = CASE WHEN $2::numeric = 0 THEN 'Redeemed' ELSE status END, updated_block = $4 WHERE id = $1 RETURNING id`,
        [s("id"), s("remaining"), s("amount"), b], `voucher ${s("id")}`);
      await tx.query("UPDATE v2_programmes SET redeemed_by_suppliers = redeemed_by_suppliers + $2, updated_block = $3 WHERE id = $1", [s("programme"), s("amount"), b]);
      await tx.query(
        `INSERT INTO v2_invoices (invoice_key, supplier_entity, invoice_number_hash, beneficiary_entity, total, subsidised,
           programme_count, first_programme, compute_class, service_from_day, service_to_day, gpu_centihours, paid_to_buyer,
           pending, first_block, updated_block)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $10, $11, false, false, $12, $12)
         ON CONFLICT (invoice_key) DO UPDATE SET subsidised = v2_invoices.subsidised + EXCLUDED.subsidised,
           programme_count = v2_invoices.programme_count + 1, updated_block = EXCLUDED.updated_block`,
        [key, s("supplierEntity"), s("invoiceNumberHash"), s("beneficiaryEntity"), s("invoiceTotal"), s("amount"), s("programme"),
          s("computeClass"), s("serviceFromDay"), s("serviceToDay"), s("gpuCentihours"), b],
      );
      await tx.query(
        `INSERT INTO v2_redemptions (block_hash, log_index, block_number, block_timestamp, transaction_hash, voucher_id, programme,
           supplier_entity, supplier, holder, beneficiary_entity, consent_digest, invoice_key, invoice_number_hash, amount,
           invoice_total, compute_class, service_from_day, service_to_day, gpu_centihours, contract_day, contract_commitment,
           invoice_commitment, payment_commitment, electricity_kwh, assessment_commitment, remaining, clawed_back)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24,
           $25, $26, $27, 0)`,
        [...at, s("id"), s("programme"), s("supplierEntity"), s("supplier"), s("holder"), s("beneficiaryEntity"), s("consentDigest"),
          key, s("invoiceNumberHash"), s("amount"), s("invoiceTotal"), s("computeClass"), s("serviceFromDay"), s("serviceToDay"),
          s("gpuCentihours"), s("contractDay"), str(e, ev, "contractCommitment"), str(e, ev, "invoiceCommitment"),
          str(e, ev, "paymentCommitment"), str(e, ev, "electricityKwh"), str(e, ev, "assessmentCommitment"), s("remaining")],
      );
      daily(s("programme"), [s("supplierEntity"), s("beneficiaryEntity")],
        { redeemed: BigInt(s("amount")), redeemed_count: 1n, gpu_centihours: BigInt(s("gpuCentihours")) });
      return;
    }
    case "ledger.ClaimSubmitted": {
      const claim = obj(e, a, "claim");
      const ev = obj(e, claim, "evidence");
      const att = obj(e, claim, "attestation");
      const c = (name: string) => str(e, claim, name);
      const t = (name: string) => str(e, att, name);
      const key = invoiceKey(s("supplierEntity"), t("invoiceNumberHash"));
      await one(tx, e, "UPDATE v2_vouchers SET remaining = remaining - $2, held = held + $2, updated_block = $3 WHERE id = $1 RETURNING id",
        [s("id"), c("amount"), b], `voucher ${s("id")}`);
      await tx.query("UPDATE v2_programmes SET held = held + $2, updated_block = $3 WHERE id = $1", [s("programme"), c("amount"), b]);
      await tx.query(
        `INSERT INTO v2_invoices (invoice_key, supplier_entity, invoice_number_hash, beneficiary_entity, total, subsidised,
           programme_count, first_programme, compute_class, service_from_day, service_to_day, gpu_centihours, paid_to_buyer,
           pending, first_block, updated_block)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $10, $11, true, true, $12, $12)
         ON CONFLICT (invoice_key) DO UPDATE SET subsidised = v2_invoices.subsidised + EXCLUDED.subsidised,
           programme_count = v2_invoices.programme_count + 1, pending = true, updated_block = EXCLUDED.updated_block`,
        [key, s("supplierEntity"), t("invoiceNumberHash"), s("beneficiaryEntity"), t("invoiceTotal"), c("amount"), s("programme"),
          t("computeClass"), t("serviceFromDay"), t("serviceToDay"), t("gpuCentihours"), b],
      );
      await tx.query(
        `INSERT INTO v2_claims (claim_id, voucher_id, programme, holder, beneficiary_entity, supplier_entity, supplier,
           attestation_digest, invoice_key, invoice_number_hash, invoice_total, amount_paid, compute_class, service_from_day,
           service_to_day, gpu_centihours, amount, contract_day, contract_commitment, invoice_commitment, payment_commitment,
           electricity_kwh, assessment_commitment, status, review_until, clawed_back, submitted_at, submitted_block,
           submitted_tx, updated_block)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
           'Pending', $24, 0, $25, $26, $27, $26)`,
        [s("claimId"), s("id"), s("programme"), s("holder"), s("beneficiaryEntity"), s("supplierEntity"), t("supplier"),
          s("attestationDigest"), key, t("invoiceNumberHash"), t("invoiceTotal"), t("amountPaid"), t("computeClass"),
          t("serviceFromDay"), t("serviceToDay"), t("gpuCentihours"), c("amount"), c("contractDay"),
          str(e, ev, "contractCommitment"), str(e, ev, "invoiceCommitment"), str(e, ev, "paymentCommitment"),
          str(e, ev, "electricityKwh"), str(e, ev, "assessmentCommitment"), s("reviewUntil"), e.blockTimestamp, b, e.transactionHash],
      );
      return;
    }
    case "ledger.ClaimApproved": {
      const claim = await one(tx, e,
        `UPDATE v2_claims SET status = 'Approved', by_rule = $2, decided_by = $3, decided_at = $4, decided_block = $5, updated_block = $5
         WHERE claim_id = $1 RETURNING voucher_id::text, invoice_key, supplier_entity, gpu_centihours::text`,
        [s("claimId"), a.byRule === true, s("actor"), e.blockTimestamp, b], `claim ${s("claimId")}`);
      daily(s("programme"), [s("beneficiaryEntity"), claim.supplier_entity],
        { claimed: BigInt(s("amount")), claimed_count: 1n, gpu_centihours: BigInt(String(claim.gpu_centihours)) });
      await tx.query(
        `UPDATE v2_vouchers SET held = held - $2, claimed = claimed + $2,
           status = CASE WHEN remaining = 0 AND status = 'Active' THEN 'Redeemed' ELSE status END, updated_block = $3 WHERE id = $1`,
        [claim.voucher_id, s("amount"), b]);
      await tx.query("UPDATE v2_programmes SET held = held - $2, claimed_by_buyers = claimed_by_buyers + $2, updated_block = $3 WHERE id = $1", [s("programme"), s("amount"), b]);
      await tx.query("UPDATE v2_invoices SET pending = false, updated_block = $2 WHERE invoice_key = $1", [claim.invoice_key, b]);
      return;
    }
    case "ledger.ClaimRejected": {
      const status = a.lapsed === true ? "Lapsed" : "Rejected";
      const claim = await one(tx, e,
        `UPDATE v2_claims SET status = $2, decision_reason = $3, decided_by = $4, decided_at = $5, decided_block = $6, updated_block = $6
         WHERE claim_id = $1 RETURNING voucher_id::text, invoice_key`,
        [s("claimId"), status, s("reason"), s("actor"), e.blockTimestamp, b], `claim ${s("claimId")}`);
      const voucher = await one(tx, e, "SELECT status, year::text, entity FROM v2_vouchers WHERE id = $1", [claim.voucher_id], `voucher ${String(claim.voucher_id)}`);
      await tx.query("UPDATE v2_programmes SET held = held - $2, updated_block = $3 WHERE id = $1", [s("programme"), s("amount"), b]);
      if (voucher.status === "Active" || voucher.status === "Redeemed") {
        await tx.query("UPDATE v2_vouchers SET held = held - $2, remaining = remaining + $2, status = 'Active', updated_block = $3 WHERE id = $1",
          [claim.voucher_id, s("amount"), b]);
      } else {
        // The voucher was closed meanwhile: the value goes back to the budget, as what was left on it did.
        await tx.query("UPDATE v2_vouchers SET held = held - $2, updated_block = $3 WHERE id = $1", [claim.voucher_id, s("amount"), b]);
        const counter = voucher.status === "Revoked" ? "revoked" : "expired";
        await count(tx, counter, s("programme"), String(voucher.year), s("amount"), b);
        daily(s("programme"), [voucher.entity], { [counter]: BigInt(s("amount")) });
      }
      // The claim's share comes off its invoice; an invoice nothing pays any more is free again.
      await tx.query("DELETE FROM v2_invoices WHERE invoice_key = $1 AND programme_count = 1", [claim.invoice_key]);
      await tx.query(
        "UPDATE v2_invoices SET subsidised = subsidised - $2, programme_count = programme_count - 1, pending = false, updated_block = $3 WHERE invoice_key = $1",
        [claim.invoice_key, s("amount"), b]);
      return;
    }
    case "ledger.RedemptionClawedBack": {
      await count(tx, "clawed_back", s("programme"), s("year"), s("amount"), b);
      const redemption = await one(tx, e,
        "UPDATE v2_redemptions SET clawed_back = clawed_back + $3 WHERE invoice_key = $1 AND programme = $2 RETURNING beneficiary_entity",
        [s("invoiceKey"), s("programme"), s("amount")], `redemption of invoice ${s("invoiceKey")}`);
      daily(s("programme"), [s("supplierEntity"), redemption.beneficiary_entity], { clawed_back: BigInt(s("amount")) });
      await tx.query(
        `INSERT INTO v2_clawbacks (block_hash, log_index, block_number, block_timestamp, transaction_hash, kind, voucher_id, claim_id,
           programme, payee, invoice_key, amount, year, reason, actor)
         VALUES ($1, $2, $3, $4, $5, 'redemption', $6, NULL, $7, $8, $9, $10, $11, $12, $13)`,
        [...at, s("id"), s("programme"), s("supplierEntity"), s("invoiceKey"), s("amount"), s("year"), s("reason"), s("actor")]);
      return;
    }
    case "ledger.ClaimClawedBack": {
      await count(tx, "clawed_back", s("programme"), s("year"), s("amount"), b);
      const claim = await one(tx, e,
        "UPDATE v2_claims SET clawed_back = clawed_back + $2, updated_block = $3 WHERE claim_id = $1 RETURNING voucher_id::text, invoice_key, supplier_entity",
        [s("claimId"), s("amount"), b], `claim ${s("claimId")}`);
      daily(s("programme"), [s("beneficiaryEntity"), claim.supplier_entity], { clawed_back: BigInt(s("amount")) });
      await tx.query(
        `INSERT INTO v2_clawbacks (block_hash, log_index, block_number, block_timestamp, transaction_hash, kind, voucher_id, claim_id,
           programme, payee, invoice_key, amount, year, reason, actor)
         VALUES ($1, $2, $3, $4, $5, 'claim', $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [...at, claim.voucher_id, s("claimId"), s("programme"), s("beneficiaryEntity"), claim.invoice_key, s("amount"), s("year"), s("reason"), s("actor")]);
      return;
    }
    case "ledger.VoucherRevoked":
    case "ledger.VoucherExpired": {
      const revoked = e.eventName === "VoucherRevoked";
      const voucher = await one(tx, e,
        `UPDATE v2_vouchers SET remaining = 0, status = $2, reissue_to = NULL, reissue_at = NULL, updated_block = $3
         WHERE id = $1 RETURNING year::text, entity`,
        [s("id"), revoked ? "Revoked" : "Expired", b], `voucher ${s("id")}`);
      await count(tx, revoked ? "revoked" : "expired", s("programme"), String(voucher.year), s("amount"), b);
      daily(s("programme"), [voucher.entity], { [revoked ? "revoked" : "expired"]: BigInt(s("amount")) });
      return;
    }
    case "ledger.ReissueRequested":
      await one(tx, e, "UPDATE v2_vouchers SET reissue_to = $2, reissue_at = $3, updated_block = $4 WHERE id = $1 RETURNING id",
        [s("id"), s("to"), s("executableAt"), b], `voucher ${s("id")}`);
      return;
    case "ledger.ReissueCancelled":
      await one(tx, e, "UPDATE v2_vouchers SET reissue_to = NULL, reissue_at = NULL, updated_block = $2 WHERE id = $1 RETURNING id",
        [s("id"), b], `voucher ${s("id")}`);
      return;
    case "ledger.VoucherReissued":
      await one(tx, e, "UPDATE v2_vouchers SET holder = $2, reissue_to = NULL, reissue_at = NULL, updated_block = $3 WHERE id = $1 RETURNING id",
        [s("id"), s("to"), b], `voucher ${s("id")}`);
      return;
    case "ledger.VoucherFrozen":
    case "ledger.VoucherUnfrozen":
      await one(tx, e, "UPDATE v2_vouchers SET frozen = $2, updated_block = $3 WHERE id = $1 RETURNING id",
        [s("id"), e.eventName === "VoucherFrozen", b], `voucher ${s("id")}`);
      return;

    // ---------------------------------------------------------------------------------------------- payments
    case "payments.PaymentRecorded":
    case "payments.RepaymentRecorded":
      await tx.query(
        `INSERT INTO v2_payment_entries (entry_id, kind, programme, payee, year, amount, reference_commitment, recorded_at, actor,
           corrected, block_number, transaction_hash, updated_block)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, false, $10, $11, $10)`,
        [s("entryId"), e.eventName === "PaymentRecorded" ? "Payment" : "Repayment", s("programme"), s("payee"), s("year"), s("amount"),
          s("referenceCommitment"), e.blockTimestamp, s("actor"), b, e.transactionHash],
      );
      daily(s("programme"), [s("payee")], { paid: e.eventName === "PaymentRecorded" ? BigInt(s("amount")) : -BigInt(s("amount")) });
      return;
    case "payments.EntryCorrected": {
      const entry = await one(tx, e,
        "UPDATE v2_payment_entries SET corrected = true, updated_block = $2 WHERE entry_id = $1 RETURNING kind, amount::text, recorded_at::text, programme, payee",
        [s("entryId"), b], `entry ${s("entryId")}`);
      // A corrected entry counts as never made: off the day it was recorded on.
      const made = BigInt(String(entry.amount));
      daily(entry.programme, [entry.payee], { paid: entry.kind === "Payment" ? -made : made }, String(entry.recorded_at));
      await tx.query(
        `INSERT INTO v2_corrections (block_hash, log_index, block_number, block_timestamp, transaction_hash, entry_id, programme, payee,
           kind, amount, reason, actor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [...at, s("entryId"), s("programme"), s("payee"), nameOf(ENTRY_KIND, s("kind")), s("amount"), s("reason"), s("actor")]);
      return;
    }
    default:
      return;
  }
}
