import { ZeroHash } from "ethers";

import { readCode, reasonCode } from "../admin/format.js";
import type { LedgerContext } from "./context.js";
import { resolveCompany } from "./entities.js";
import { submitCall } from "./submit.js";

/** Related parties: a recorded relation between a beneficiary and a supplier blocks every subsidy between them. */

interface Pair {
  beneficiary: string;
  supplier: string;
}

async function pair(ctx: LedgerContext, input: Pair): Promise<[number, number]> {
  return [await resolveCompany(ctx, input.beneficiary, "--beneficiary"), await resolveCompany(ctx, input.supplier, "--supplier")];
}

/** Records a relation, with its reason (GOVERNOR). */
export async function recordRelation(ctx: LedgerContext, input: Pair & { reason: string }): Promise<void> {
  const [b, s] = await pair(ctx, input);
  await submitCall(ctx, {
    target: await ctx.registry.getAddress(),
    data: ctx.registry.interface.encodeFunctionData("recordRelation", [b, s, reasonCode(input.reason)]),
    label: `record a relation between beneficiary ${b} and supplier ${s}`,
  });
  ctx.log(`Recorded a relation between beneficiary ${b} and supplier ${s} (${input.reason}): no subsidy between them from now on.`);
}

/** Clears a recorded relation, with its reason (GOVERNOR). */
export async function clearRelation(ctx: LedgerContext, input: Pair & { reason: string }): Promise<void> {
  const [b, s] = await pair(ctx, input);
  await submitCall(ctx, {
    target: await ctx.registry.getAddress(),
    data: ctx.registry.interface.encodeFunctionData("clearRelation", [b, s, reasonCode(input.reason)]),
    label: `clear the relation between beneficiary ${b} and supplier ${s}`,
  });
  ctx.log(`Cleared the relation between beneficiary ${b} and supplier ${s} (${input.reason}).`);
}

/** Prints whether a relation is on record; returns its reason, or undefined. */
export async function showRelation(ctx: LedgerContext, input: Pair): Promise<string | undefined> {
  const [b, s] = await pair(ctx, input);
  const reason = await ctx.registry.relationOf(b, s);
  if (reason === ZeroHash) {
    ctx.log(`No relation is recorded between beneficiary ${b} and supplier ${s}.`);
    return undefined;
  }
  ctx.log(`A relation is recorded between beneficiary ${b} and supplier ${s}: ${readCode(reason)}.`);
  return readCode(reason);
}
