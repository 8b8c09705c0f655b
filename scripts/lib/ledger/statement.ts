import { instantOfDate } from "../../../service/domain/identity.js";
import { UserError, readCode } from "../admin/format.js";
import { paymentsOf, type LedgerContext } from "./context.js";
import { resolveCompany } from "./entities.js";
import { money, shanghaiTime } from "./format.js";

/**
 * A payee's statement for a period, rebuilt from the chain's events alone: what it earned (supplier redemptions and
 * approved claims), what clawbacks reversed, what was paid and repaid, and corrections, per programme, with the
 * opening and closing balance (earned - paid + repaid: positive is owed to the payee, negative owed by it). Every
 * movement counts on the day its block was made, in Asia/Shanghai.
 */

export type MovementKind = "redeemed" | "claim approved" | "clawed back" | "paid" | "repaid" | "payment corrected" | "repayment corrected";

export interface Movement {
  at: bigint;
  block: number;
  programme: number;
  kind: MovementKind;
  /** What it adds to the balance owed to the payee (negative: takes away). */
  amount: bigint;
  reference: string;
}

export interface ProgrammeStatement {
  programme: number;
  opening: bigint;
  earned: bigint;
  clawedBack: bigint;
  paid: bigint;
  repaid: bigint;
  closing: bigint;
}

export interface Statement {
  payee: number;
  from: bigint;
  until: bigint;
  movements: Movement[];
  programmes: ProgrammeStatement[];
}

/** The period `YYYY` (a fiscal year) or `YYYY-MM` (a month), as [from, until) in unix seconds, Asia/Shanghai. */
export function parsePeriod(text: string): { from: bigint; until: bigint } {
  const value = text.trim();
  const year = /^(\d{4})$/.exec(value);
  if (year !== null) return { from: instantOfDate(`${value}-01-01`), until: instantOfDate(`${Number(value) + 1}-01-01`) };
  const month = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(value);
  if (month !== null) {
    const [y, m] = [Number(month[1]), Number(month[2])];
    const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, "0")}-01`;
    return { from: instantOfDate(`${value}-01`), until: instantOfDate(next) };
  }
  throw new UserError(`--period "${value}" is not a fiscal year (2026) or a month (2026-03)`);
}

/** Every movement of `payee`, from the ledger's and the payment ledger's events, in chain order. */
export async function movementsOf(ctx: LedgerContext, payee: number): Promise<Movement[]> {
  const { ledger } = ctx;
  const payments = paymentsOf(ctx);
  const from = ctx.fromBlock;
  const raw: Omit<Movement, "at">[] = [];
  const order: number[] = [];
  const push = (m: Omit<Movement, "at">, logIndex: number) => {
    raw.push(m);
    order.push(m.block * 1_000_000 + logIndex);
  };
  for (const e of await ledger.queryFilter(ledger.filters.VoucherRedeemed(undefined, undefined, payee), from)) {
    push({ block: e.blockNumber, programme: Number(e.args.programme), kind: "redeemed", amount: e.args.amount, reference: `voucher ${e.args.id}, invoice ${e.args.invoiceNumberHash.slice(0, 10)}…` }, e.index);
  }
  for (const e of await ledger.queryFilter(ledger.filters.ClaimApproved(undefined, undefined, payee), from)) {
    push({ block: e.blockNumber, programme: Number(e.args.programme), kind: "claim approved", amount: e.args.amount, reference: `claim ${e.args.claimId}${e.args.byRule ? " (by the programme's rule)" : ""}` }, e.index);
  }
  for (const e of await ledger.queryFilter(ledger.filters.RedemptionClawedBack(undefined, undefined, payee), from)) {
    push({ block: e.blockNumber, programme: Number(e.args.programme), kind: "clawed back", amount: -e.args.amount, reference: `voucher ${e.args.id} (${readCode(e.args.reason)})` }, e.index);
  }
  for (const e of await ledger.queryFilter(ledger.filters.ClaimClawedBack(undefined, undefined, payee), from)) {
    push({ block: e.blockNumber, programme: Number(e.args.programme), kind: "clawed back", amount: -e.args.amount, reference: `claim ${e.args.claimId} (${readCode(e.args.reason)})` }, e.index);
  }
  for (const e of await payments.queryFilter(payments.filters.PaymentRecorded(undefined, undefined, payee), from)) {
    push({ block: e.blockNumber, programme: Number(e.args.programme), kind: "paid", amount: -e.args.amount, reference: `entry ${e.args.entryId}, fiscal year ${e.args.year}` }, e.index);
  }
  for (const e of await payments.queryFilter(payments.filters.RepaymentRecorded(undefined, undefined, payee), from)) {
    push({ block: e.blockNumber, programme: Number(e.args.programme), kind: "repaid", amount: e.args.amount, reference: `entry ${e.args.entryId}, fiscal year ${e.args.year}` }, e.index);
  }
  for (const e of await payments.queryFilter(payments.filters.EntryCorrected(undefined, undefined, payee), from)) {
    const payment = Number(e.args.kind) === 1;
    push(
      {
        block: e.blockNumber,
        programme: Number(e.args.programme),
        kind: payment ? "payment corrected" : "repayment corrected",
        amount: payment ? e.args.amount : -e.args.amount,
        reference: `entry ${e.args.entryId} (${readCode(e.args.reason)})`,
      },
      e.index,
    );
  }
  const times = new Map<number, bigint>();
  for (const block of new Set(raw.map((m) => m.block))) times.set(block, BigInt((await ctx.provider.getBlock(block))!.timestamp));
  return raw
    .map((m, i) => ({ m: { ...m, at: times.get(m.block)! }, key: order[i]! }))
    .sort((a, b) => a.key - b.key)
    .map(({ m }) => m);
}

/** Builds the statement of `payee` for [from, until), optionally of one programme. */
export async function buildStatement(
  ctx: LedgerContext,
  payee: number,
  period: { from: bigint; until: bigint },
  programme?: number,
): Promise<Statement> {
  const all = (await movementsOf(ctx, payee)).filter((m) => programme === undefined || m.programme === programme);
  const byProgramme = new Map<number, ProgrammeStatement>();
  const of = (p: number) => {
    let s = byProgramme.get(p);
    if (s === undefined) byProgramme.set(p, (s = { programme: p, opening: 0n, earned: 0n, clawedBack: 0n, paid: 0n, repaid: 0n, closing: 0n }));
    return s;
  };
  const movements: Movement[] = [];
  for (const m of all) {
    if (m.at >= period.until) continue;
    const s = of(m.programme);
    if (m.at < period.from) {
      s.opening += m.amount;
      continue;
    }
    movements.push(m);
    if (m.kind === "redeemed" || m.kind === "claim approved") s.earned += m.amount;
    else if (m.kind === "clawed back") s.clawedBack -= m.amount;
    else if (m.kind === "paid" || m.kind === "payment corrected") s.paid -= m.amount;
    else s.repaid += m.amount;
  }
  for (const s of byProgramme.values()) s.closing = s.opening + s.earned - s.clawedBack - s.paid + s.repaid;
  return { payee, ...period, movements, programmes: [...byProgramme.values()].sort((a, b) => a.programme - b.programme) };
}

/** `statement --payee … --period …`: prints the statement; returns it. */
export async function printStatement(
  ctx: LedgerContext,
  input: { payee: string; period: string; programme?: string },
): Promise<Statement> {
  const payee = await resolveCompany(ctx, input.payee, "--payee");
  const period = parsePeriod(input.period);
  const programme = input.programme !== undefined && input.programme !== "" ? Number(input.programme) : undefined;
  const statement = await buildStatement(ctx, payee, period, programme);
  const m = (x: bigint) => money(x, ctx.decimals, ctx.currency);
  ctx.log(`Statement of company ${payee} for ${input.period.trim()} (${shanghaiTime(period.from)} to ${shanghaiTime(period.until)}, exclusive), from the chain's events`);
  if (statement.programmes.length === 0) ctx.log("  nothing earned or paid under any programme up to the period's end.");
  for (const s of statement.programmes) {
    ctx.log(`Programme ${s.programme}`);
    ctx.log(`  opening balance     ${m(s.opening)}`);
    for (const mv of statement.movements.filter((x) => x.programme === s.programme)) {
      ctx.log(`  ${shanghaiTime(mv.at).padEnd(25)} ${mv.kind.padEnd(20)} ${m(mv.amount).padStart(22)}  ${mv.reference}`);
    }
    ctx.log(`  earned              ${m(s.earned)}`);
    ctx.log(`  clawed back         ${m(s.clawedBack)}`);
    ctx.log(`  paid (net)          ${m(s.paid)}`);
    ctx.log(`  repaid (net)        ${m(s.repaid)}`);
    ctx.log(`  closing balance     ${m(s.closing)} (${s.closing >= 0n ? "owed to the payee" : "owed by the payee"})`);
  }
  return statement;
}
