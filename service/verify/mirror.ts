import type { Queryable } from "../store/database.js";
import { tableAtSql } from "../store/history.js";
import type { ChainHistory } from "./chain.js";
import type { LedgerState } from "./fold.js";
import type { Difference } from "./difference.js";

type Row = Record<string, unknown>;

/** Compares two keyed collections field by field; a row on one side only is one difference. */
function compareTables(
  out: Difference[],
  state: LedgerState,
  entity: string,
  expected: Map<string, Row>,
  actual: Map<string, Row>,
  touchedKey: (key: string) => string,
  fixedBlock?: (key: string) => number | null,
): void {
  const block = (key: string) => fixedBlock?.(key) ?? state.touched.get(touchedKey(key)) ?? null;
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (got === undefined) {
      out.push({ against: "mirror", entity, key, field: "(row)", expected: "present", actual: "missing", block: block(key) });
      continue;
    }
    for (const [field, value] of Object.entries(want)) {
      const have = got[field];
      const norm = (v: unknown) => (v === null || v === undefined ? "null" : typeof v === "object" ? JSON.stringify(v) : String(v));
      if (norm(value) !== norm(have)) {
        out.push({ against: "mirror", entity, key, field, expected: norm(value), actual: norm(have), block: block(key) });
      }
    }
  }
  for (const key of actual.keys()) {
    if (!expected.has(key)) out.push({ against: "mirror", entity, key, field: "(row)", expected: "missing", actual: "present", block: block(key) });
  }
}

const byKey = (rows: Row[], key: (r: Row) => string, strip: string[] = []): Map<string, Row> =>
  new Map(rows.map((r) => {
    const copy = { ...r };
    for (const s of strip) delete copy[s];
    return [key(r), copy];
  }));

/** Sorts object keys so that two JSON values compare by content. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Row)[k])]));
  }
  return value;
}

/**
 * The mirror's tables against the state rebuilt from the chain's logs, as of `atBlock`. `tables`: whether the derived
 * tables are compared too — `"current"` (their rows: the state at the checkpoint), or `"versions"` (their versions
 * current at `atBlock`, service/store/history.ts), or not at all.
 */
export async function compareMirror(
  db: Queryable, history: ChainHistory, atBlock: number, options: { tables: "current" | "versions" | false } = { tables: "current" },
): Promise<Difference[]> {
  const { state, events } = history;
  const out: Difference[] = [];

  // The raw log: every log once, with the same block, transaction, name and arguments.
  const mirrored = await db.query(
    `SELECT block_number::text AS block_number, log_index, block_hash, transaction_hash, event_name, args
       FROM events WHERE block_number <= $1`,
    [atBlock],
  );
  const eventKey = (block: unknown, index: unknown) => `${String(block)}:${String(index)}`;
  compareTables(
    out, state, "event",
    new Map(events.map((e) => [eventKey(e.blockNumber, e.logIndex), {
      block_hash: e.blockHash, transaction_hash: e.transactionHash, event_name: e.eventName, args: JSON.stringify(canonical(e.args)),
    }])),
    new Map(mirrored.map((r) => [eventKey(r.block_number, r.log_index), {
      block_hash: r.block_hash, transaction_hash: r.transaction_hash, event_name: r.event_name,
      args: JSON.stringify(canonical(typeof r.args === "string" ? JSON.parse(r.args) : r.args)),
    }])),
    () => "",
    (key) => Number(key.split(":")[0]),
  );
  if (options.tables === false) return out;
  // A derived table as the query reads it: its rows, or its versions as of `atBlock` (the one parameter).
  const asOf = options.tables === "versions";
  const params = asOf ? [atBlock] : [];
  const from = (table: string) => (asOf ? `${tableAtSql(table, "$1::bigint")} ${table}` : table);

  const cities = await db.query(
    `SELECT city::text AS city, name, budget::text AS budget, appropriation, ratio_bps::text AS ratio_bps,
            holder_cap::text AS holder_cap, default_validity::text AS default_validity, issued::text AS issued,
            redeemed::text AS redeemed, revoked::text AS revoked, expired::text AS expired, outstanding::text AS outstanding,
            voucher_count::text AS voucher_count FROM ${from("cities")}`,
    params,
  );
  compareTables(out, state, "city",
    new Map([...state.cities.values()].map((c) => [String(c.city), {
      name: c.name, budget: c.budget, appropriation: c.appropriation, ratio_bps: c.ratioBps, holder_cap: c.holderCap,
      default_validity: c.defaultValidity, issued: c.issued, redeemed: c.redeemed, revoked: c.revoked, expired: c.expired,
      outstanding: c.issued - c.redeemed - c.revoked - c.expired, voucher_count: c.voucherCount,
    }])),
    byKey(cities, (r) => String(r.city), ["city"]),
    (k) => `city:${k}`,
  );

  const vouchers = await db.query(
    `SELECT id::text AS id, city::text AS city, holder, application_ref, face_value::text AS face_value,
            remaining::text AS remaining, redeemed::text AS redeemed, status, issued_at::text AS issued_at,
            expires_at::text AS expires_at, reissued_from::text AS reissued_from, reissued_to::text AS reissued_to,
            issued_block::text AS issued_block, issued_tx FROM ${from("vouchers")}`,
    params,
  );
  compareTables(out, state, "voucher",
    new Map([...state.vouchers.values()].map((v) => [v.id, {
      city: v.city, holder: v.holder, application_ref: v.applicationRef, face_value: v.faceValue, remaining: v.remaining,
      redeemed: v.redeemed, status: v.status, issued_at: v.issuedAt, expires_at: v.expiresAt, reissued_from: v.reissuedFrom,
      reissued_to: v.reissuedTo, issued_block: v.issuedBlock, issued_tx: v.issuedTx,
    }])),
    byKey(vouchers, (r) => String(r.id), ["id"]),
    (k) => `voucher:${k}`,
  );

  const redemptions = await db.query(
    `SELECT block_hash, log_index::text AS log_index, block_number::text AS block_number, transaction_hash,
            voucher_id::text AS voucher_id, city::text AS city, data_center, holder, invoice_hash, amount::text AS amount,
            invoice_total::text AS invoice_total, remaining::text AS remaining FROM ${from("redemptions")}`,
    params,
  );
  compareTables(out, state, "redemption",
    new Map(state.redemptions.map((r) => [`${r.blockHash}:${r.logIndex}`, {
      block_number: r.blockNumber, transaction_hash: r.transactionHash, voucher_id: r.voucherId, city: r.city,
      data_center: r.dataCenter, holder: r.holder, invoice_hash: r.invoiceHash, amount: r.amount, invoice_total: r.invoiceTotal,
      remaining: r.remaining,
    }])),
    byKey(redemptions, (r) => `${String(r.block_hash)}:${String(r.log_index)}`, ["block_hash", "log_index"]),
    () => "",
    (key) => state.redemptions.find((r) => `${r.blockHash}:${r.logIndex}` === key)?.blockNumber ?? null,
  );

  const accreditations = await db.query(
    `SELECT data_center, city::text AS city, valid_from::text AS valid_from, valid_until::text AS valid_until, suspended,
            reason FROM ${from("accreditations")}`,
    params,
  );
  compareTables(out, state, "accreditation",
    new Map([...state.accreditations.values()].map((a) => [`${a.dataCenter}|${a.city}`, {
      valid_from: a.validFrom, valid_until: a.validUntil, suspended: a.suspended, reason: a.reason,
    }])),
    byKey(accreditations, (r) => `${String(r.data_center)}|${String(r.city)}`, ["data_center", "city"]),
    (k) => `accreditation:${k}`,
  );

  const issuers = await db.query(`SELECT issuer, city::text AS city FROM ${from("issuers")}`, params);
  compareTables(out, state, "issuer",
    new Map([...state.issuers].map(([issuer, i]) => [issuer, { city: i.city }])),
    byKey(issuers, (r) => String(r.issuer), ["issuer"]),
    (k) => `issuer:${k}`,
  );

  const roles = await db.query(
    `SELECT role_id::text AS role_id, account, since::text AS since, execution_delay::text AS execution_delay
       FROM ${from("role_members")}`,
    params,
  );
  compareTables(out, state, "role",
    new Map([...state.roles.values()].map((r) => [`${r.roleId}|${r.account}`, { since: r.since, execution_delay: r.executionDelay }])),
    byKey(roles, (r) => `${String(r.role_id)}|${String(r.account)}`, ["role_id", "account"]),
    (k) => `role:${k}`,
  );
  return out;
}
