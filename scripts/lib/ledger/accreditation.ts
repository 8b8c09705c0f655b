import { UserError, readCode, reasonCode } from "../admin/format.js";
import type { LedgerContext } from "./context.js";
import { resolveCompany } from "./entities.js";
import { parseInstant, parseProgramme, shanghaiTime } from "./format.js";
import { describeClasses, resolveClasses } from "./names.js";
import { submitCall } from "./submit.js";

/** A supplier's accreditation per programme: valid from and until, the classes it may invoice, suspension. */

interface Target {
  supplier: string;
  programme: string;
}

async function target(ctx: LedgerContext, input: Target): Promise<[number, number]> {
  return [await resolveCompany(ctx, input.supplier, "--supplier"), parseProgramme(input.programme)];
}

/** Accredits a supplier for a programme over [from, until) for the classes (GOVERNOR); lifts a suspension. */
export async function grantAccreditation(
  ctx: LedgerContext,
  input: Target & { from: string; until: string; classes: string },
): Promise<void> {
  const [supplier, programme] = await target(ctx, input);
  const from = parseInstant(input.from, "--from");
  const until = parseInstant(input.until, "--until");
  if (until <= from) throw new UserError(`--until ${input.until} is not after --from ${input.from}`);
  const classes = await resolveClasses(ctx, input.classes);
  await submitCall(ctx, {
    target: await ctx.registry.getAddress(),
    data: ctx.registry.interface.encodeFunctionData("accredit", [supplier, programme, from, until, classes]),
    label: `accredit supplier ${supplier} for programme ${programme}`,
  });
  ctx.log(
    `Accredited supplier ${supplier} for programme ${programme} from ${shanghaiTime(from)} until ${shanghaiTime(until)} ` +
      `for ${await describeClasses(ctx, classes)}.`,
  );
}

/** Suspends an accreditation with a reason (GUARDIAN). */
export async function suspendAccreditation(ctx: LedgerContext, input: Target & { reason: string }): Promise<void> {
  const [supplier, programme] = await target(ctx, input);
  await submitCall(ctx, {
    target: await ctx.registry.getAddress(),
    data: ctx.registry.interface.encodeFunctionData("suspend", [supplier, programme, reasonCode(input.reason)]),
    label: `suspend supplier ${supplier} in programme ${programme}`,
  });
  ctx.log(`Suspended supplier ${supplier} in programme ${programme} (${input.reason}).`);
}

/** Lifts a suspension with a reason (GOVERNOR). */
export async function reinstateAccreditation(ctx: LedgerContext, input: Target & { reason: string }): Promise<void> {
  const [supplier, programme] = await target(ctx, input);
  await submitCall(ctx, {
    target: await ctx.registry.getAddress(),
    data: ctx.registry.interface.encodeFunctionData("reinstate", [supplier, programme, reasonCode(input.reason)]),
    label: `reinstate supplier ${supplier} in programme ${programme}`,
  });
  ctx.log(`Reinstated supplier ${supplier} in programme ${programme} (${input.reason}).`);
}

/** Prints an accreditation. */
export async function showAccreditation(ctx: LedgerContext, input: Target): Promise<void> {
  const [supplier, programme] = await target(ctx, input);
  const a = await ctx.registry.getAccreditation(supplier, programme);
  if (a.validUntil === 0n) {
    ctx.log(`Supplier ${supplier} was never accredited for programme ${programme}.`);
    return;
  }
  const now = BigInt((await ctx.provider.getBlock("latest"))!.timestamp);
  const inForce = !a.suspended && a.validFrom <= now && now < a.validUntil;
  ctx.log(`Supplier ${supplier} in programme ${programme}: ${inForce ? "in force" : a.suspended ? "suspended" : "not in force now"}`);
  ctx.log(`  valid from    ${shanghaiTime(a.validFrom)}`);
  ctx.log(`  valid until   ${shanghaiTime(a.validUntil)} (exclusive)`);
  ctx.log(`  classes       ${await describeClasses(ctx, Number(a.classes))}`);
  if (a.suspended) ctx.log(`  suspended     ${readCode(a.reason)}`);
}
