import { type Interface, hexlify, isHexString, randomBytes, solidityPackedKeccak256 } from "ethers";

import { UserError, parseAmount, reasonCode } from "../admin/format.js";
import { paymentsOf, type LedgerContext } from "./context.js";
import { eventOf, resolveCompany } from "./entities.js";
import { money, parseProgramme, parseWhole } from "./format.js";
import { submitCall } from "./submit.js";

/**
 * The finance bureau's book (FINANCE): payments and repayments against what a payee earned under a programme, and
 * corrections with a reason (an entry is never edited).
 */

/**
 * The salted commitment to a payment's reference (the bank transfer record): `keccak256(salt ‖ utf8(reference))`
 * (solidityPacked bytes32, string). The salt keeps the reference private; whoever holds both can open it.
 */
export function referenceCommitment(reference: string, salt: string): string {
  return solidityPackedKeccak256(["bytes32", "string"], [salt, reference]);
}

export interface PaymentInput {
  programme: string;
  payee: string;
  year: string;
  amount: string;
  /** The transfer record's reference (text); committed with `salt`, a fresh random one when not given. */
  reference: string;
  salt?: string;
  /** Record money the payee paid back (after a clawback) instead of a payment. */
  repayment?: boolean;
}

/** Records a payment (or a repayment); returns the entry's id. */
export async function recordPayment(ctx: LedgerContext, input: PaymentInput): Promise<bigint> {
  const payments = paymentsOf(ctx);
  const programme = parseProgramme(input.programme);
  const payee = await resolveCompany(ctx, input.payee, "--payee");
  const year = parseWhole(input.year, "--year", 2000, 2255);
  const amount = parseAmount(input.amount, ctx.decimals);
  if (input.reference.trim() === "") throw new UserError("--reference is empty: give the transfer record's reference");
  const salt = input.salt !== undefined && input.salt !== "" ? input.salt.trim() : hexlify(randomBytes(32));
  if (!isHexString(salt, 32)) throw new UserError(`--salt "${salt}" is not 0x and 64 hexadecimal digits`);
  const commitment = referenceCommitment(input.reference.trim(), salt);
  const fn = input.repayment === true ? "recordRepayment" : "recordPayment";
  const what = input.repayment === true ? "repayment" : "payment";
  const receipt = await submitCall(ctx, {
    target: await payments.getAddress(),
    data: (payments.interface as Interface).encodeFunctionData(fn, [programme, payee, year, amount, commitment]),
    label: `record a ${what} of ${money(amount, ctx.decimals, ctx.currency)} to company ${payee} in programme ${programme}`,
  });
  const e = eventOf(payments, receipt, input.repayment === true ? "RepaymentRecorded" : "PaymentRecorded");
  ctx.log(
    `Recorded ${what} ${e.entryId}: ${money(amount, ctx.decimals, ctx.currency)} ${input.repayment === true ? "from" : "to"} ` +
      `company ${payee}, programme ${programme}, fiscal year ${year}; reference commitment ${commitment}.`,
  );
  if (input.salt === undefined || input.salt === "") ctx.log(`Salt ${salt}: keep it with the transfer record, it opens the commitment.`);
  const [payable, receivable] = [await payments.payableTo(programme, payee), await payments.receivable(programme, payee)];
  ctx.log(`Now payable to company ${payee}: ${money(payable, ctx.decimals, ctx.currency)}; receivable: ${money(receivable, ctx.decimals, ctx.currency)}.`);
  return e.entryId as bigint;
}

/** Reverses an entry by a correction with a reason. */
export async function correctEntry(ctx: LedgerContext, input: { entry: string; reason: string }): Promise<void> {
  const payments = paymentsOf(ctx);
  const id = BigInt(parseWhole(input.entry, "--entry", 1, Number.MAX_SAFE_INTEGER));
  await submitCall(ctx, {
    target: await payments.getAddress(),
    data: payments.interface.encodeFunctionData("correctEntry", [id, reasonCode(input.reason)]),
    label: `correct entry ${id}`,
  });
  const e = await payments.getEntry(id);
  ctx.log(
    `Corrected entry ${id} (${input.reason}): its ${money(e.amount, ctx.decimals, ctx.currency)} no longer counts; now payable ` +
      `to company ${e.payee}: ${money(await payments.payableTo(e.programme, e.payee), ctx.decimals, ctx.currency)}.`,
  );
}
