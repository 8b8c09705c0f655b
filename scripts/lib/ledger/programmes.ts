import type { Interface } from "ethers";

import { readCode, reasonCode } from "../admin/format.js";
import type { LedgerContext } from "./context.js";
import { money, parseProgramme, shanghaiTime } from "./format.js";
import { describeCategory, describeClass } from "./names.js";
import { submitCall } from "./submit.js";

/** Programmes as the chain holds them: rules, budget and commitment per fiscal year, and their use. Changes are made
 * with `scheme apply` from the scheme files. */

const LEVEL = ["—", "national", "province", "city", "district"];
const KIND = ["—", "compute", "model", "training data"];
const PAYEES = ["—", "suppliers", "buyers", "suppliers or buyers (never both per invoice)"];

export interface PeriodFigures {
  year: number;
  budget: bigint;
  appropriation: string;
  issued: bigint;
  /** issued - revoked - expired - clawedBack: what the year has committed of its budget. */
  committed: bigint;
}

/** The programme's fiscal years with their budget, appropriation and commitment. */
export async function periodsOf(ctx: LedgerContext, programme: number): Promise<PeriodFigures[]> {
  const [rules] = await ctx.registry.getProgramme(programme);
  const appropriations = new Map<number, string>();
  for (const e of await ctx.ledger.queryFilter(ctx.ledger.filters.BudgetSet(programme), ctx.fromBlock)) {
    appropriations.set(Number(e.args.year), readCode(e.args.appropriation));
  }
  const out: PeriodFigures[] = [];
  for (let y = Number(rules.firstYear); y < Number(rules.firstYear) + Number(rules.yearCount); y++) {
    const p = await ctx.ledger.getPeriod(programme, y);
    out.push({
      year: y,
      budget: p.budget,
      appropriation: appropriations.get(y) ?? "",
      issued: p.issued,
      committed: p.issued - p.revoked - p.expired - p.clawedBack,
    });
  }
  return out;
}

/** Prints one programme. */
export async function showProgramme(ctx: LedgerContext, input: { programme: string }): Promise<void> {
  const id = parseProgramme(input.programme);
  const [rules, paused, ratios] = await ctx.registry.getProgramme(id);
  const m = (v: bigint) => money(v, ctx.decimals, ctx.currency);
  const days = (s: bigint) => `${Number(s) / 86_400} days`;
  ctx.log(`Programme ${id}: ${rules.name}${paused ? " (paused)" : ""}`);
  ctx.log(`  funding           ${LEVEL[Number(rules.level)]}, region ${rules.region}, ${KIND[Number(rules.kind)]}`);
  ctx.log(`  pays              ${PAYEES[Number(rules.payees)]}`);
  ctx.log(`  redemptions       from ${shanghaiTime(rules.redeemFrom)} until ${shanghaiTime(rules.redeemUntil)} (exclusive)`);
  ctx.log(`  validity          ${days(rules.defaultValidity)} by default, at most ${days(rules.maxValidity)}`);
  ctx.log(
    `  cap per company   ${rules.capPerCompany === 0n ? "none" : `${m(rules.capPerCompany)} per ${rules.capLifetime ? "programme's life" : "fiscal year"}`}`,
  );
  ctx.log(
    `  stacking          ${rules.exclusive ? `exclusive in group ${rules.capGroup}` : rules.maxCombinedBps === 0n ? "pays an invoice alone" : `up to ${Number(rules.maxCombinedBps) / 100}% of an invoice together`}`,
  );
  for (const r of ratios) {
    ctx.log(`  ratio             ${Number(r.bps) / 100}% for ${await describeClass(ctx, Number(r.computeClass))} × ${await describeCategory(ctx, Number(r.category))}`);
  }
  ctx.log("  fiscal year   budget                      committed                   appropriation");
  for (const p of await periodsOf(ctx, id)) {
    ctx.log(`  ${p.year}          ${m(p.budget).padEnd(27)} ${m(p.committed).padEnd(27)} ${p.appropriation || "—"}`);
  }
  const t = await ctx.ledger.programmeTotals(id);
  ctx.log(`  issued ${m(t.issued)}; redeemed by suppliers ${m(t.redeemedBySuppliers)}; claimed by buyers ${m(t.claimedByBuyers)}`);
  ctx.log(`  held in claims ${m(t.held)}; revoked ${m(t.revoked)}; expired ${m(t.expired)}; clawed back ${m(t.clawedBack)}`);
  ctx.log(`  outstanding ${m(t.outstanding)}`);
}

/** Prints one line per programme. */
export async function listProgrammes(ctx: LedgerContext): Promise<number> {
  const count = Number(await ctx.registry.programmeCount());
  if (count === 0) ctx.log("No programme is registered (apply a scheme file: npx hardhat scheme apply --file …).");
  for (let id = 1; id <= count; id++) {
    const [rules, paused] = await ctx.registry.getProgramme(id);
    const periods = await periodsOf(ctx, id);
    const budget = periods.reduce((s, p) => s + p.budget, 0n);
    const committed = periods.reduce((s, p) => s + p.committed, 0n);
    const years = `${rules.firstYear}–${Number(rules.firstYear) + Number(rules.yearCount) - 1}`;
    ctx.log(
      `${String(id).padStart(3)}  ${rules.region}  ${years}  ${rules.name}${paused ? " (paused)" : ""}: budget ${money(budget, ctx.decimals, ctx.currency)}, committed ${money(committed, ctx.decimals, ctx.currency)}`,
    );
  }
  return count;
}

/** Pauses a programme at once (GUARDIAN: no issue, no redemption in it) or resumes it (GOVERNOR), with a reason. */
export async function setProgrammePaused(ctx: LedgerContext, input: { programme: string; reason: string }, paused: boolean): Promise<void> {
  const id = parseProgramme(input.programme);
  await submitCall(ctx, {
    target: await ctx.registry.getAddress(),
    data: (ctx.registry.interface as Interface).encodeFunctionData(paused ? "pauseProgramme" : "resumeProgramme", [id, reasonCode(input.reason)]),
    label: `${paused ? "pause" : "resume"} programme ${id}`,
  });
  ctx.log(`Programme ${id} is ${paused ? "paused: no issue, no redemption" : "resumed"} (${input.reason}).`);
}
