import { voucherIdOf } from "./batch-file.js";
import type { AdminContext } from "./context.js";
import { inWords } from "./errors.js";
import {
  UserError,
  formatAmount,
  formatDate,
  parseAddress,
  parseAmount,
  parseCity,
  parseDate,
  parseVoucherId,
  reasonCode,
  applicationReference,
} from "./format.js";
import { send } from "./governance.js";

const STATUS = ["none", "active", "redeemed", "revoked", "expired", "reissued"];

/** Which voucher: `--id`, or `--city` with `--ref` (the application reference). */
export interface VoucherSelector {
  id?: string;
  city?: string;
  ref?: string;
}

export function selectVoucher(args: VoucherSelector): bigint {
  if (args.id !== undefined && args.id !== "") return parseVoucherId(args.id);
  if (args.city && args.ref) return voucherIdOf(parseCity(args.city), applicationReference(args.ref, "--ref").code);
  throw new UserError("say which voucher: --id <voucher id>, or --city <code> with --ref <application reference>");
}

function optionalExpiry(text: string | undefined): bigint {
  return text === undefined || text.trim() === "" ? 0n : parseDate(text);
}

export async function issueOne(
  ctx: AdminContext,
  args: { city: string; ref: string; holder: string; amount: string; expires?: string },
): Promise<bigint> {
  const city = parseCity(args.city);
  const reference = applicationReference(args.ref, "--ref");
  const request = {
    holder: parseAddress(args.holder),
    applicationRef: reference.code,
    faceValue: parseAmount(args.amount, ctx.decimals),
    expiresAt: optionalExpiry(args.expires),
  };
  const id = voucherIdOf(city, request.applicationRef);
  await send(
    ctx,
    `Issue ${formatAmount(request.faceValue, ctx.decimals)} ${ctx.currency} to ${request.holder} for ${reference.text} ` +
      `(voucher ${id})`,
    () => ctx.ledger.issue(city, request),
  );
  return id;
}

export async function showVoucher(ctx: AdminContext, args: VoucherSelector) {
  const id = selectVoucher(args);
  const v = await inWords(`Read voucher ${id}`, () => ctx.ledger.getVoucher(id));
  const amount = (value: bigint) => `${formatAmount(value, ctx.decimals)} ${ctx.currency}`;
  ctx.log(
    [
      `Voucher ${id}`,
      `  city       ${v.city}`,
      `  holder     ${v.holder}`,
      `  status     ${STATUS[Number(v.status)]}`,
      `  face value ${amount(v.faceValue)}`,
      `  remaining  ${amount(v.remaining)}`,
      `  issued     ${formatDate(v.issuedAt)}`,
      `  expires    ${formatDate(v.expiresAt)}`,
      ...(v.reissuedFrom === 0n ? [] : [`  re-issued from ${v.reissuedFrom}`]),
      ...(v.reissuedTo === 0n ? [] : [`  re-issued to   ${v.reissuedTo}`]),
    ].join("\n"),
  );
}

/** Revokes as the city's issuer, or with `asGovernor` through the governor's function (works while paused). */
export async function revokeVoucher(
  ctx: AdminContext,
  args: VoucherSelector & { reason: string; asGovernor?: boolean },
) {
  const id = selectVoucher(args);
  const reason = reasonCode(args.reason);
  await send(ctx, `Revoke voucher ${id} (${args.reason})`, () =>
    args.asGovernor === true ? ctx.ledger.revokeByGovernor(id, reason) : ctx.ledger.revoke(id, reason),
  );
}

export async function reissueVoucher(
  ctx: AdminContext,
  args: VoucherSelector & { holder: string; newRef: string; reason: string; expires?: string; asGovernor?: boolean },
): Promise<bigint> {
  const id = selectVoucher(args);
  const holder = parseAddress(args.holder);
  const newReference = applicationReference(args.newRef, "--new-ref");
  const newRef = newReference.code;
  const reason = reasonCode(args.reason);
  const expiresAt = optionalExpiry(args.expires);
  const old = await inWords(`Read voucher ${id}`, () => ctx.ledger.getVoucher(id));
  const newId = voucherIdOf(Number(old.city), newRef);
  await send(
    ctx,
    `Re-issue voucher ${id} to ${holder} as ${newReference.text} (voucher ${newId}, ${args.reason})`,
    () =>
      args.asGovernor === true
        ? ctx.ledger.reissueByGovernor(id, holder, newRef, expiresAt, reason)
        : ctx.ledger.reissue(id, holder, newRef, expiresAt, reason),
  );
  return newId;
}

/** Closes one expired voucher, or (`all` with `city`) every active voucher of the city whose expiry has passed. */
export async function expireVouchers(
  ctx: AdminContext,
  args: VoucherSelector & { all?: boolean; chunkSize?: number },
): Promise<number> {
  if (args.all !== true) {
    const id = selectVoucher(args);
    await send(ctx, `Expire voucher ${id}`, () => ctx.ledger.expire(id));
    return 1;
  }
  if (!args.city) throw new UserError("--all needs --city <code>");
  const city = parseCity(args.city);
  const latest = await ctx.provider.getBlock("latest");
  const now = BigInt(latest?.timestamp ?? 0);
  const { ledger } = ctx;
  const ids = new Set<bigint>();
  for (const e of await ledger.queryFilter(ledger.filters.VoucherIssued(undefined, city), ctx.fromBlock, "latest")) {
    ids.add(e.args.id);
  }
  for (const e of await ledger.queryFilter(ledger.filters.VoucherReissued(undefined, undefined, city), ctx.fromBlock)) {
    ids.add(e.args.newId);
  }
  const due: bigint[] = [];
  for (const id of ids) {
    const v = await ledger.getVoucher(id);
    if (Number(v.status) === 1 && v.expiresAt <= now) due.push(id);
  }
  if (due.length === 0) {
    ctx.log(`No voucher of city ${city} is due to expire.`);
    return 0;
  }
  const size = args.chunkSize ?? 100;
  for (let i = 0; i < due.length; i += size) {
    const slice = due.slice(i, i + size);
    await send(ctx, `Expire ${slice.length} voucher(s) of city ${city}`, () => ledger.expireBatch(slice));
  }
  return due.length;
}
