import type { Interface } from "ethers";

import { UserError, applicationReference, parseAddress, parseAmount, parseVoucherId, readCode, reasonCode } from "../admin/format.js";
import { chainNow, type LedgerContext } from "./context.js";
import { eventOf } from "./entities.js";
import { money, parseInstant, parseProgramme, shanghaiTime } from "./format.js";
import { submitCall } from "./submit.js";

/** Vouchers: issue, show, revoke, expire, re-issue within the company, freeze. */

export const STATUS = ["never issued", "active", "fully redeemed", "revoked", "expired"] as const;
const FROZEN = 1;
const REISSUE_PENDING = 2;

/** The programme a voucher id belongs to: its top 32 bits. */
export function programmeOfVoucher(id: bigint): number {
  return Number(id >> 224n);
}

/** A voucher given as --id, or as --programme and --ref (the application reference). */
export async function resolveVoucher(ctx: LedgerContext, input: { id?: string; programme?: string; ref?: string }): Promise<bigint> {
  if (input.id !== undefined && input.id !== "") return parseVoucherId(input.id);
  if (input.programme !== undefined && input.programme !== "" && input.ref !== undefined && input.ref !== "") {
    return ctx.ledger.voucherId(parseProgramme(input.programme), applicationReference(input.ref).code);
  }
  throw new UserError("name the voucher: --id ID, or --programme ID with --ref REFERENCE");
}

async function ledgerAddress(ctx: LedgerContext): Promise<string> {
  return ctx.ledger.getAddress();
}

export interface IssueInput {
  programme: string;
  ref: string;
  holder: string;
  amount: string;
  /** ISO date (Asia/Shanghai midnight) or date-time; the programme's default validity when empty. */
  expires?: string;
}

/** Issues one voucher (ISSUER bound to the programme); returns its id. */
export async function issueVoucher(ctx: LedgerContext, input: IssueInput): Promise<bigint> {
  const programme = parseProgramme(input.programme);
  const reference = applicationReference(input.ref);
  const holder = parseAddress(input.holder);
  const faceValue = parseAmount(input.amount, ctx.decimals);
  const expiresAt = input.expires === undefined || input.expires === "" ? 0n : parseInstant(input.expires, "--expires");
  const request = { holder, applicationRef: reference.code, faceValue, expiresAt };
  const receipt = await submitCall(ctx, {
    target: await ledgerAddress(ctx),
    data: ctx.ledger.interface.encodeFunctionData("issue", [programme, request]),
    label: `issue ${reference.text} under programme ${programme}`,
  });
  const e = eventOf(ctx.ledger, receipt, "VoucherIssued");
  ctx.log(
    `Issued voucher ${reference.text} (id ${e.id}) under programme ${programme} to ${holder} of company ${e.entity}: ` +
      `${money(faceValue, ctx.decimals, ctx.currency)}, fiscal year ${e.year}, expires ${shanghaiTime(e.expiresAt as bigint)}.`,
  );
  return e.id as bigint;
}

export interface VoucherView {
  id: bigint;
  programme: number;
  holder: string;
  remaining: bigint;
  expiresAt: bigint;
  status: string;
  frozen: boolean;
  reissuePending: boolean;
}

/** Reads a voucher (the ledger refuses one never issued with VoucherLedgerUnknownVoucher). */
export async function readVoucher(ctx: LedgerContext, id: bigint): Promise<VoucherView> {
  const v = await ctx.ledger.getVoucher(id);
  return {
    id,
    programme: programmeOfVoucher(id),
    holder: v.holder,
    remaining: v.remaining,
    expiresAt: v.expiresAt,
    status: STATUS[Number(v.status)] ?? String(v.status),
    frozen: (Number(v.flags) & FROZEN) !== 0,
    reissuePending: (Number(v.flags) & REISSUE_PENDING) !== 0,
  };
}

/** Prints a voucher with its issue and its pending re-issue. */
export async function showVoucher(ctx: LedgerContext, input: { id?: string; programme?: string; ref?: string }): Promise<VoucherView> {
  const id = await resolveVoucher(ctx, input);
  const v = await readVoucher(ctx, id);
  const [issued] = await ctx.ledger.queryFilter(ctx.ledger.filters.VoucherIssued(id), ctx.fromBlock);
  const m = (x: bigint) => money(x, ctx.decimals, ctx.currency);
  ctx.log(`Voucher ${id}`);
  if (issued !== undefined) {
    ctx.log(`  reference     ${readCode(issued.args.applicationRef)}`);
    ctx.log(`  programme     ${v.programme}, fiscal year ${issued.args.year}`);
    ctx.log(`  company       ${issued.args.entity}`);
    ctx.log(`  face value    ${m(issued.args.faceValue)}`);
    ctx.log(`  issued in     block ${issued.blockNumber} by ${issued.args.issuer}`);
  }
  ctx.log(`  holder        ${v.holder}`);
  ctx.log(`  status        ${v.status}${v.frozen ? ", frozen" : ""}`);
  ctx.log(`  remaining     ${m(v.remaining)}`);
  ctx.log(`  expires       ${shanghaiTime(v.expiresAt)}`);
  if (v.reissuePending) {
    const [to, executableAt, reason] = await ctx.ledger.pendingReissue(id);
    ctx.log(`  re-issue      to ${to} (${readCode(reason)}), executable from ${shanghaiTime(executableAt)} or on the governor's approval`);
  }
  return v;
}

/** Revokes a voucher: an issuer of its programme, or the governor (`asGovernor`). */
export async function revokeVoucher(
  ctx: LedgerContext,
  input: { id?: string; programme?: string; ref?: string; reason: string; asGovernor?: boolean },
): Promise<void> {
  const id = await resolveVoucher(ctx, input);
  const fn = input.asGovernor === true ? "revokeByGovernor" : "revoke";
  await submitCall(ctx, {
    target: await ledgerAddress(ctx),
    data: (ctx.ledger.interface as Interface).encodeFunctionData(fn, [id, reasonCode(input.reason)]),
    label: `revoke voucher ${id}`,
  });
  ctx.log(`Revoked voucher ${id} (${input.reason}); what was left went back to the budget.`);
}

/** The vouchers of a programme that are active and past their expiry now, from its VoucherIssued events. */
export async function expiredVouchers(ctx: LedgerContext, programme: number): Promise<bigint[]> {
  const now = await chainNow(ctx);
  const out: bigint[] = [];
  for (const e of await ctx.ledger.queryFilter(ctx.ledger.filters.VoucherIssued(undefined, programme), ctx.fromBlock)) {
    const v = await ctx.ledger.getVoucher(e.args.id);
    if (Number(v.status) === 1 && v.expiresAt <= now) out.push(e.args.id);
  }
  return out;
}

/** Vouchers per expireBatch transaction. */
const EXPIRE_CHUNK = 100;

/**
 * Expires vouchers past their expiry (anyone): one (`id`), a list (`ids`), or every one of a programme (`all`). A
 * batch skips what is no longer active. Returns how many expired.
 */
export async function expireVouchers(
  ctx: LedgerContext,
  input: { id?: string; programme?: string; ref?: string; ids?: string; all?: boolean },
): Promise<number> {
  let ids: bigint[];
  if (input.all === true) {
    if (input.programme === undefined || input.programme === "") throw new UserError("--all needs --programme");
    ids = await expiredVouchers(ctx, parseProgramme(input.programme));
    if (ids.length === 0) {
      ctx.log(`No voucher of programme ${input.programme} is active and past its expiry.`);
      return 0;
    }
  } else if (input.ids !== undefined && input.ids !== "") {
    ids = input.ids.split(",").map((s) => parseVoucherId(s));
  } else {
    const id = await resolveVoucher(ctx, input);
    await submitCall(ctx, {
      target: await ledgerAddress(ctx),
      data: ctx.ledger.interface.encodeFunctionData("expire", [id]),
      label: `expire voucher ${id}`,
    });
    ctx.log(`Expired voucher ${id}; what was left went back to the budget.`);
    return 1;
  }
  let expired = 0;
  for (let i = 0; i < ids.length; i += EXPIRE_CHUNK) {
    const chunk = ids.slice(i, i + EXPIRE_CHUNK);
    const receipt = await submitCall(ctx, {
      target: await ledgerAddress(ctx),
      data: ctx.ledger.interface.encodeFunctionData("expireBatch", [chunk]),
      label: `expire ${chunk.length} voucher(s)`,
    });
    expired += receipt.logs.filter((l) => ctx.ledger.interface.parseLog(l)?.name === "VoucherExpired").length;
  }
  ctx.log(`Expired ${expired} of ${ids.length} voucher(s); the others were no longer active or not yet past their expiry.`);
  return expired;
}

type VoucherInput = { id?: string; programme?: string; ref?: string };

/**
 * Asks to move a voucher to another address of the same company (ISSUER): it waits for the governor's approval or
 * the programme's delay, and cannot be redeemed meanwhile.
 */
export async function requestReissue(ctx: LedgerContext, input: VoucherInput & { to: string; reason: string }): Promise<void> {
  const id = await resolveVoucher(ctx, input);
  const to = parseAddress(input.to);
  const receipt = await submitCall(ctx, {
    target: await ledgerAddress(ctx),
    data: ctx.ledger.interface.encodeFunctionData("requestReissue", [id, to, reasonCode(input.reason)]),
    label: `request the re-issue of voucher ${id} to ${to}`,
  });
  const e = eventOf(ctx.ledger, receipt, "ReissueRequested");
  ctx.log(
    `Re-issue of voucher ${id} to ${to} requested (${input.reason}): the governor approves it ` +
      `(voucher reissue-approve), or an issuer carries it out from ${shanghaiTime(e.executableAt as bigint)} (voucher reissue-execute).`,
  );
}

async function simple(ctx: LedgerContext, id: bigint, fn: "approveReissue" | "executeReissue", label: string, done: string) {
  await submitCall(ctx, { target: await ledgerAddress(ctx), data: (ctx.ledger.interface as Interface).encodeFunctionData(fn, [id]), label });
  ctx.log(done);
}

/** Approves a pending re-issue at once (GOVERNOR, the second person). */
export async function approveReissue(ctx: LedgerContext, input: VoucherInput): Promise<void> {
  const id = await resolveVoucher(ctx, input);
  const [to] = await ctx.ledger.pendingReissue(id);
  await simple(ctx, id, "approveReissue", `approve the re-issue of voucher ${id}`, `Voucher ${id} moved to ${to}.`);
}

/** Carries out a pending re-issue once the programme's delay has passed (ISSUER). */
export async function executeReissue(ctx: LedgerContext, input: VoucherInput): Promise<void> {
  const id = await resolveVoucher(ctx, input);
  const [to] = await ctx.ledger.pendingReissue(id);
  await simple(ctx, id, "executeReissue", `carry out the re-issue of voucher ${id}`, `Voucher ${id} moved to ${to}.`);
}

/** Withdraws a pending re-issue (ISSUER). */
export async function cancelReissue(ctx: LedgerContext, input: VoucherInput & { reason: string }): Promise<void> {
  const id = await resolveVoucher(ctx, input);
  await submitCall(ctx, {
    target: await ledgerAddress(ctx),
    data: ctx.ledger.interface.encodeFunctionData("cancelReissue", [id, reasonCode(input.reason)]),
    label: `cancel the re-issue of voucher ${id}`,
  });
  ctx.log(`The re-issue of voucher ${id} was cancelled (${input.reason}).`);
}

/** Freezes (GUARDIAN) or unfreezes (GOVERNOR) a voucher, with a reason. */
export async function setFrozen(ctx: LedgerContext, input: VoucherInput & { reason: string }, frozen: boolean): Promise<void> {
  const id = await resolveVoucher(ctx, input);
  await submitCall(ctx, {
    target: await ledgerAddress(ctx),
    data: (ctx.ledger.interface as Interface).encodeFunctionData(frozen ? "freeze" : "unfreeze", [id, reasonCode(input.reason)]),
    label: `${frozen ? "freeze" : "unfreeze"} voucher ${id}`,
  });
  ctx.log(`Voucher ${id} is ${frozen ? "frozen: no redemption, no move" : "no longer frozen"} (${input.reason}).`);
}

