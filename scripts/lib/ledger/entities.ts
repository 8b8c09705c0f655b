import type { TransactionReceipt } from "ethers";

import { creditCodeHash } from "../../../service/domain/identity.js";
import { UserError, parseAddress, reasonCode } from "../admin/format.js";
import type { LedgerContext } from "./context.js";
import { parseCreditCode } from "./format.js";
import { describeCategory, resolveCategory } from "./names.js";
import { submitCall } from "./submit.js";

/** Companies (beneficiaries and suppliers), registered by their unified social credit code, and their addresses. */

export const ENTITY_ROLE = { beneficiary: 1, supplier: 2, both: 3 } as const;
export type EntityRoleName = keyof typeof ENTITY_ROLE;

function roleNames(roles: number): string {
  return [roles & 1 ? "beneficiary" : "", roles & 2 ? "supplier" : ""].filter((r) => r !== "").join(" and ") || "none";
}

/** The event of `name` that `receipt` holds from `contract`, parsed. */
export function eventOf(
  contract: { interface: { parseLog: (log: { topics: readonly string[]; data: string }) => { name: string; args: unknown } | null } },
  receipt: TransactionReceipt,
  name: string,
): Record<string, unknown> {
  for (const log of receipt.logs) {
    const parsed = (() => {
      try {
        return contract.interface.parseLog(log);
      } catch {
        return null;
      }
    })();
    if (parsed?.name === name) return (parsed.args as { toObject: () => Record<string, unknown> }).toObject();
  }
  throw new Error(`the transaction ${receipt.hash} emitted no ${name}`);
}

/**
 * A company given as its credit code (checked with its check character) or as its number in the registry; refused
 * when no such company is registered.
 */
export async function resolveCompany(ctx: LedgerContext, text: string, what = "the company"): Promise<number> {
  const value = text.trim();
  if (/^\d{1,10}$/.test(value)) {
    const id = Number(value);
    if (id < 1 || id > Number(await ctx.registry.entityCount())) throw new UserError(`${what}: there is no company number ${id}`);
    return id;
  }
  const code = parseCreditCode(value, what);
  const id = Number(await ctx.registry.entityByCreditCode(creditCodeHash(code)));
  if (id === 0) throw new UserError(`${what}: no company with the credit code ${code} is registered`);
  return id;
}

export interface RegisterEntity {
  creditCode: string;
  role: string;
  /** A beneficiary's category (id, on-chain name, or vocabulary name). */
  category?: string;
}

/** Registers a company (GOVERNOR); returns its number. */
export async function registerEntity(ctx: LedgerContext, input: RegisterEntity): Promise<number> {
  const code = parseCreditCode(input.creditCode);
  const roles = ENTITY_ROLE[input.role.trim().toLowerCase() as EntityRoleName];
  if (roles === undefined) throw new UserError(`--role ${input.role}: use beneficiary, supplier or both`);
  const hasCategory = input.category !== undefined && input.category !== "";
  if ((roles & 1) !== 0 && !hasCategory) throw new UserError("a beneficiary needs its --category (start-up, other-company, …)");
  if ((roles & 1) === 0 && hasCategory) throw new UserError("a supplier only has no category: leave --category out");
  const category = hasCategory ? await resolveCategory(ctx, input.category!) : 0;
  const hash = creditCodeHash(code);
  const existing = Number(await ctx.registry.entityByCreditCode(hash));
  if (existing !== 0) throw new UserError(`the company ${code} is registered already, as number ${existing}`);
  const receipt = await submitCall(ctx, {
    target: await ctx.registry.getAddress(),
    data: ctx.registry.interface.encodeFunctionData("registerEntity", [hash, roles, category]),
    label: `register company ${code}`,
  });
  const id = Number(eventOf(ctx.registry, receipt, "EntityRegistered").id);
  ctx.log(`Registered company ${code} as number ${id}: ${roleNames(roles)}${category ? `, category ${await describeCategory(ctx, category)}` : ""}.`);
  return id;
}

/** Lets an address act for a company (GOVERNOR). */
export async function addAddress(ctx: LedgerContext, input: { company: string; address: string; reason: string }): Promise<void> {
  const entity = await resolveCompany(ctx, input.company);
  const account = parseAddress(input.address);
  await submitCall(ctx, {
    target: await ctx.registry.getAddress(),
    data: ctx.registry.interface.encodeFunctionData("addAddress", [entity, account, reasonCode(input.reason)]),
    label: `add address ${account} to company ${entity}`,
  });
  ctx.log(`Address ${account} now acts for company ${entity} (${input.reason}).`);
}

/** Stops an address acting for its company (GOVERNOR); it stays the company's. */
export async function removeAddress(ctx: LedgerContext, input: { address: string; reason: string }): Promise<void> {
  const account = parseAddress(input.address);
  const [entity] = await ctx.registry.entityOf(account);
  await submitCall(ctx, {
    target: await ctx.registry.getAddress(),
    data: ctx.registry.interface.encodeFunctionData("removeAddress", [account, reasonCode(input.reason)]),
    label: `remove address ${account}`,
  });
  ctx.log(`Address ${account} no longer acts for company ${entity} (${input.reason}).`);
}

/** Prints a company: roles, category, addresses, relations, accreditations. */
export async function showEntity(ctx: LedgerContext, input: { company?: string; address?: string }): Promise<number> {
  let entity: number;
  if (input.address !== undefined && input.address !== "") {
    const [id] = await ctx.registry.entityOf(parseAddress(input.address, true));
    if (id === 0n) throw new UserError(`the address ${input.address} acts for no company`);
    entity = Number(id);
  } else if (input.company !== undefined && input.company !== "") {
    entity = await resolveCompany(ctx, input.company);
  } else {
    throw new UserError("give --company (credit code or number) or --address");
  }
  const e = await ctx.registry.getEntity(entity);
  const addresses = await ctx.registry.addressesOf(entity);
  ctx.log(`Company ${entity}`);
  ctx.log(`  credit code hash   ${e.creditCodeHash}`);
  ctx.log(`  roles              ${roleNames(Number(e.roles))}`);
  if ((Number(e.roles) & 1) !== 0) ctx.log(`  category           ${await describeCategory(ctx, Number(e.category))}`);
  ctx.log(`  addresses          ${addresses.length === 0 ? "none" : addresses.join(", ")}`);
  if ((Number(e.roles) & 1) !== 0) ctx.log(`  relations          ${e.relations} recorded with suppliers`);
  if ((Number(e.roles) & 2) !== 0) {
    const programmes = await ctx.registry.programmesOf(entity);
    ctx.log(`  accredited for     ${programmes.length === 0 ? "no programme" : programmes.map((p) => `programme ${p}`).join(", ")}`);
  }
  return entity;
}

/** The company's credit-code hash for a code (checked). */
export function companyHash(code: string): string {
  return creditCodeHash(parseCreditCode(code));
}
