import { dateOfDay, dayOfInstant } from "../../../service/domain/identity.js";
import { formatAmount } from "../admin/format.js";
import type { ProgrammeRules, RatioEntry } from "./load.js";
import type { Vocabulary } from "./schema.js";

/**
 * How the scheme tools write what a programme holds: amounts in CNY decimals, dates as ISO dates (China Standard
 * Time), shares as percentages, durations in days, and classes and categories by their names in the vocabulary.
 */

const DAY = 86_400;

export const cny = (fen: bigint): string => `${formatAmount(fen, 2)} CNY`;

export const percent = (bps: number): string => `${(bps / 100).toString()}%`;

/** The ISO date (China Standard Time) of an instant. */
export const dateOf = (seconds: bigint | number): string => dateOfDay(dayOfInstant(seconds));

const days = (seconds: number): string => `${seconds / DAY} day${seconds === DAY ? "" : "s"}`;

/** The programme fields a person reads, each with how to write its value. */
const FIELDS: { field: keyof ProgrammeRules; label: string; show: (r: ProgrammeRules) => string }[] = [
  { field: "name", label: "name", show: (r) => `"${r.name}"` },
  { field: "yearCount", label: "fiscal years", show: (r) => `${r.firstYear}–${r.firstYear + r.yearCount - 1}` },
  { field: "redeemFrom", label: "redemption from", show: (r) => dateOf(r.redeemFrom) },
  // redeemUntil is exclusive: the last day is the one before.
  { field: "redeemUntil", label: "redemption through", show: (r) => dateOf(r.redeemUntil - 1n) },
  {
    field: "earliestContractDay",
    label: "contracts signed from",
    show: (r) => (r.earliestContractDay === 0 ? "any date" : dateOfDay(r.earliestContractDay)),
  },
  { field: "defaultValidity", label: "default validity", show: (r) => days(r.defaultValidity) },
  { field: "maxValidity", label: "longest validity", show: (r) => days(r.maxValidity) },
  { field: "capPerCompany", label: "cap per company", show: (r) => (r.capPerCompany === 0n ? "none" : cny(r.capPerCompany)) },
  { field: "capLifetime", label: "cap period", show: (r) => (r.capLifetime ? "the programme's lifetime" : "fiscal year") },
  { field: "capGroup", label: "exclusive group", show: (r) => (r.capGroup === 0 ? "none" : String(r.capGroup)) },
  { field: "exclusive", label: "exclusive", show: (r) => (r.exclusive ? "yes" : "no") },
  {
    field: "maxCombinedBps",
    label: "combined share",
    show: (r) => (r.maxCombinedBps === 0 ? "not stackable" : percent(r.maxCombinedBps)),
  },
  {
    field: "entityWindowDays",
    label: "entity window",
    show: (r) => (r.entityWindowDays === 0 ? "none" : `${r.entityWindowDays} days from the company's first voucher`),
  },
  { field: "needsElectricity", label: "needs metered electricity", show: (r) => (r.needsElectricity ? "yes" : "no") },
  { field: "needsAssessment", label: "needs a third-party assessment", show: (r) => (r.needsAssessment ? "yes" : "no") },
  { field: "reissueDelay", label: "re-issue delay", show: (r) => days(r.reissueDelay) },
  { field: "payees", label: "pays", show: (r) => ["", "suppliers", "buyers", "suppliers or buyers"][r.payees] ?? String(r.payees) },
  { field: "supplierFirstDays", label: "suppliers first for", show: (r) => days(r.supplierFirstDays * 86_400) },
  { field: "reviewWindow", label: "claim review window", show: (r) => days(r.reviewWindow) },
  { field: "lapseApproves", label: "an undecided claim", show: (r) => (r.lapseApproves ? "is approved" : "lapses") },
];

/** The fields of `after` that differ from `before`, as "label: before → after". */
export function describeDifferences(before: ProgrammeRules, after: ProgrammeRules): string[] {
  const differences: string[] = [];
  for (const { field, label, show } of FIELDS) {
    const changed = field === "yearCount" ? before.yearCount !== after.yearCount : before[field] !== after[field];
    if (changed) differences.push(`${label} ${show(before)} → ${show(after)}`);
  }
  return differences;
}

/** Every field of a programme, as "label value". */
export function describeRules(r: ProgrammeRules): string {
  return FIELDS.filter((f) => f.field !== "name" && f.field !== "exclusive")
    .map(({ label, show }) => `${label} ${show(r)}`)
    .join("; ");
}

function nameOf(list: Record<string, { id: number }>, id: number): string {
  return Object.entries(list).find(([, e]) => e.id === id)?.[0] ?? `#${id}`;
}

/** A ratio table as "class/category share, …", by the vocabulary's names. */
export function describeRatios(ratios: readonly RatioEntry[], vocabulary: Vocabulary): string {
  if (ratios.length === 0) return "none";
  return ratios
    .map((r) => `${nameOf(vocabulary.classes, r.computeClass)}/${nameOf(vocabulary.categories, r.category)} ${percent(r.bps)}`)
    .join(", ");
}
