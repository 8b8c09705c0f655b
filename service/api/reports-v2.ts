import { z } from "zod";

import { ApiError } from "./problem.js";

/**
 * What ledger v2's reports, statements, alerts and the public disclosure share: the calendar of their periods (China
 * Standard Time, the fiscal year the calendar year, as contracts/LedgerCalendar.sol counts them), and the SQL of the
 * money that moved: what was written off to a payee (its subsidy), what the finance bureau's book says was paid, and
 * what each company has committed against a programme's cap. Every figure is summed by the database.
 */

export const REPORT_TIME_ZONE = "Asia/Shanghai" as const;
const OFFSET_SECONDS = 8 * 3600;
const DAY_SECONDS = 86_400;
/** The most periods one report covers (ten years of months). */
export const MAX_REPORT_PERIODS = 120;

export const PERIOD_KINDS = ["month", "quarter", "year"] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

export interface Period {
  /** "2026-12", "2026-Q4" or "2026". */
  label: string;
  /** The fiscal year it lies in. */
  year: number;
  /** Unix seconds: the first instant in it, and the first after it (midnight in Asia/Shanghai). */
  start: number;
  end: number;
  firstDay: string;
  lastDay: string;
}

export const dayInput = z.iso.date().meta({ description: "A calendar day in Asia/Shanghai, YYYY-MM-DD" });
const dayNumber = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
const dayText = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
/** Unix seconds of midnight (Asia/Shanghai) that starts `date`. */
export const midnightOf = (date: string): number => dayNumber(date) * DAY_SECONDS - OFFSET_SECONDS;
/** The day (Asia/Shanghai) of an instant. */
export const dayOf = (unixSeconds: number): string => dayText(Math.floor((unixSeconds + OFFSET_SECONDS) / DAY_SECONDS));
/** The fiscal year of an instant. */
export const fiscalYearOf = (unixSeconds: number): number => Number(dayOf(unixSeconds).slice(0, 4));

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
const monthStart = (y: number, m: number) => `${pad(y, 4)}-${pad(m)}-01`;

/** The periods of `kind` that the days `from` to `to` (inclusive) touch, whole, in order. */
export function periodsOf(kind: PeriodKind, from: string, to: string): Period[] {
  const step = kind === "month" ? 1 : kind === "quarter" ? 3 : 12;
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  m = kind === "year" ? 1 : m - ((m - 1) % step);
  const out: Period[] = [];
  while (monthStart(y, m) <= to && out.length <= MAX_REPORT_PERIODS) {
    const [ny, nm] = m + step > 12 ? [y + 1, m + step - 12] : [y, m + step];
    const label = kind === "month" ? `${pad(y, 4)}-${pad(m)}` : kind === "quarter" ? `${pad(y, 4)}-Q${(m + 2) / 3}` : pad(y, 4);
    const end = midnightOf(monthStart(ny, nm));
    out.push({ label, year: y, start: midnightOf(monthStart(y, m)), end, firstDay: monthStart(y, m), lastDay: dayOf(end - 1) });
    [y, m] = [ny, nm];
  }
  return out;
}

/** The periods asked for, refused (nothing read) when the range is backwards or too long. */
export function requestedPeriods(kind: PeriodKind, from: string, to: string): Period[] {
  const invalid = (message: string) => new ApiError("VALIDATION_FAILED", message, { errors: [{ path: "query.from", message }] });
  if (from > to) throw invalid(`from (${from}) is after to (${to})`);
  const periods = periodsOf(kind, from, to);
  if (periods.length > MAX_REPORT_PERIODS) throw invalid(`at most ${MAX_REPORT_PERIODS} ${kind}s per request (${from} to ${to} is more)`);
  return periods;
}

/** The periods as a relation `p(label, start_at, end_at, year)` from four array parameters starting at `$first`. */
export function periodsSql(first: number): string {
  return `SELECT * FROM unnest($${first}::text[], $${first + 1}::bigint[], $${first + 2}::bigint[], $${first + 3}::int[]) AS p(label, start_at, end_at, year)`;
}
export const periodParams = (periods: readonly Period[]): unknown[] => [
  periods.map((p) => p.label), periods.map((p) => p.start), periods.map((p) => p.end), periods.map((p) => p.year),
];

/** The mirror's checkpoint and the time of its block (the "now" of alerts and of open figures). */
export const AS_OF_SQL = `SELECT coalesce((SELECT block_number FROM sync_checkpoint WHERE id = 1), -1)::text AS block,
  coalesce((SELECT b.timestamp FROM blocks b, sync_checkpoint c WHERE c.id = 1 AND b.number = c.block_number),
           (SELECT max(timestamp) FROM blocks), 0)::text AS at`;

/**
 * `flows`: every change to what a programme owes its payees, at the instant it happened: a supplier's redemption (its
 * block), a buyer's claim once approved (its decision), and a clawback of either (negative, its block), with the
 * compute class, the beneficiary (the company whose voucher paid), the supplier, the payee, the metered GPU-hours
 * (hundredths) and the invoice's total. `filter` is a condition on `programme` of each source.
 */
export function flowsCte(filter: (programme: string) => string): string {
  return `flows AS (
  SELECT r.programme, r.block_timestamp AS at, 'redemption' AS kind, r.compute_class, r.beneficiary_entity AS beneficiary,
         r.supplier_entity AS supplier, r.supplier_entity AS payee, r.amount, r.gpu_centihours, r.invoice_total
    FROM v2_redemptions r WHERE ${filter("r.programme")}
  UNION ALL
  SELECT c.programme, c.decided_at, 'claim', c.compute_class, c.beneficiary_entity, c.supplier_entity, c.beneficiary_entity,
         c.amount, c.gpu_centihours, c.invoice_total
    FROM v2_claims c WHERE c.status = 'Approved' AND ${filter("c.programme")}
  UNION ALL
  SELECT k.programme, k.block_timestamp, 'clawback', coalesce(r.compute_class, c.compute_class),
         coalesce(r.beneficiary_entity, c.beneficiary_entity), coalesce(r.supplier_entity, c.supplier_entity), k.payee,
         -k.amount, 0, 0
    FROM v2_clawbacks k
    LEFT JOIN v2_redemptions r ON k.kind = 'redemption' AND r.invoice_key = k.invoice_key AND r.programme = k.programme
    LEFT JOIN v2_claims c ON k.kind = 'claim' AND c.claim_id = k.claim_id
   WHERE ${filter("k.programme")}
)`;
}

/** `book`: the finance bureau's entries that stand (a corrected entry counts as never made), repayments negative. */
export function bookCte(filter: (programme: string) => string): string {
  return `book AS (
  SELECT b.programme, b.payee, b.recorded_at AS at, b.entry_id, b.kind,
         CASE b.kind WHEN 'Payment' THEN b.amount ELSE -b.amount END AS amount
    FROM v2_payment_entries b WHERE NOT b.corrected AND ${filter("b.programme")}
)`;
}

/**
 * `caps`: per company, programme with a cap and cap period (its fiscal year; 0 for a lifetime cap), what the company
 * has committed — as the ledger's tally counts it: what was issued to it, less what revocations, expiries and claims
 * rejected on closed vouchers returned, which is what its vouchers redeemed, claimed, hold and still have.
 */
/** What one voucher (`v`) counts against its company's tally and its year's budget, before clawbacks. */
export const VOUCHER_COMMITTED_SQL = "(v.remaining + v.held + v.redeemed + v.claimed)";

export const CAPS_CTE = `caps AS (
  SELECT v.programme, v.entity, CASE WHEN p.cap_lifetime THEN 0 ELSE v.year END AS year, p.cap_per_company AS cap,
         sum(${VOUCHER_COMMITTED_SQL}) AS used
    FROM v2_vouchers v JOIN v2_programmes p ON p.id = v.programme
   WHERE p.cap_per_company > 0
   GROUP BY 1, 2, 3, 4
)`;

/** `part` of `whole` in percent with two decimals, as text; null when `whole` is zero. */
export const percentSql = (part: string, whole: string): string =>
  `CASE WHEN (${whole}) = 0 THEN NULL ELSE round((${part}) * 100.0 / (${whole}), 2)::text END`;

/** `amount` (minor units) per GPU-hour of `centihours` hundredths, in minor units, rounded to the unit; null for none. */
export const perGpuHourSql = (amount: string, centihours: string): string =>
  `CASE WHEN (${centihours}) = 0 THEN NULL ELSE round((${amount}) * 100 / (${centihours}))::text END`;

export const percentSchema = z.string().regex(/^-?[0-9]+\.[0-9]{2}$/).nullable()
  .meta({ description: "In percent, two decimals; null when the base is zero" });
