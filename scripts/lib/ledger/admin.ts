import { Contract, type Interface } from "ethers";

import { ROLE, ROLE_ADMIN, type RoleName } from "../../../service/domain/roles.js";
import { UserError, parseAddress } from "../admin/format.js";
import { checkGovernance, formatDelays } from "../governance/check.js";
import type { LedgerContext } from "./context.js";
import { parseProgramme } from "./format.js";
import { submitCall } from "./submit.js";

/** The ledger as a whole: pause, roles, issuers' programmes, and its status. */

/** Pauses the ledger (GUARDIAN) or lifts the pause (GOVERNOR). */
export async function setPaused(ctx: LedgerContext, paused: boolean): Promise<void> {
  await submitCall(ctx, {
    target: await ctx.ledger.getAddress(),
    data: (ctx.ledger.interface as Interface).encodeFunctionData(paused ? "pause" : "unpause", []),
    label: paused ? "pause the ledger" : "lift the ledger's pause",
  });
  ctx.log(paused ? "The ledger is paused: no issue, redemption, claim or move until the governor lifts it." : "The ledger is no longer paused.");
}

function parseRole(text: string): Exclude<RoleName, "ADMIN"> {
  const role = text.trim().toUpperCase();
  if (!(role in ROLE_ADMIN)) throw new UserError(`--role ${text}: use ${Object.keys(ROLE_ADMIN).join(", ")}`);
  return role as Exclude<RoleName, "ADMIN">;
}

/** Grants a role in the ledger's AccessManager: GOVERNOR, GUARDIAN, FINANCE by ADMIN; ISSUER, AUDITOR by GOVERNOR. */
export async function grantRole(ctx: LedgerContext, input: { role: string; account: string; delay?: string }): Promise<void> {
  const role = parseRole(input.role);
  const account = parseAddress(input.account);
  const delay = input.delay === undefined || input.delay === "" ? 0 : Number(input.delay);
  if (!Number.isInteger(delay) || delay < 0) throw new UserError("--delay must be a whole number of seconds");
  await submitCall(ctx, {
    target: await ctx.manager.getAddress(),
    data: ctx.manager.interface.encodeFunctionData("grantRole", [ROLE[role], account, delay]),
    label: `grant ${role} to ${account}`,
  });
  ctx.log(`Granted ${role} to ${account}${delay > 0 ? ` with an execution delay of ${delay} s` : ""}.`);
}

/** Revokes a role. */
export async function revokeRole(ctx: LedgerContext, input: { role: string; account: string }): Promise<void> {
  const role = parseRole(input.role);
  const account = parseAddress(input.account);
  await submitCall(ctx, {
    target: await ctx.manager.getAddress(),
    data: ctx.manager.interface.encodeFunctionData("revokeRole", [ROLE[role], account]),
    label: `revoke ${role} from ${account}`,
  });
  ctx.log(`Revoked ${role} from ${account}.`);
}

/** Binds an issuer to a programme, or unbinds it (GOVERNOR). */
export async function bindIssuer(ctx: LedgerContext, input: { issuer: string; programme: string }, bound: boolean): Promise<void> {
  const issuer = parseAddress(input.issuer);
  const programme = parseProgramme(input.programme);
  await submitCall(ctx, {
    target: await ctx.registry.getAddress(),
    data: (ctx.registry.interface as Interface).encodeFunctionData(bound ? "bindIssuer" : "unbindIssuer", [issuer, programme]),
    label: `${bound ? "bind" : "unbind"} issuer ${issuer} ${bound ? "to" : "from"} programme ${programme}`,
  });
  ctx.log(`Issuer ${issuer} ${bound ? "may now issue under" : "may no longer issue under"} programme ${programme}.`);
}

/** Prints the ledger's addresses, pause, role members (from the AccessManager's events) and counts. */
export async function showStatus(ctx: LedgerContext): Promise<void> {
  ctx.log(`Ledger v2      ${await ctx.ledger.getAddress()} (${ctx.currency}, ${ctx.decimals} decimals)`);
  ctx.log(`Registry       ${await ctx.registry.getAddress()}`);
  ctx.log(`Payments       ${ctx.payments === undefined ? "none found" : await ctx.payments.getAddress()}`);
  ctx.log(`AccessManager  ${await ctx.manager.getAddress()}`);
  // Pausable's own view, run by the extension behind the core's fallback (IVoucherLedger does not declare it).
  const pausable = new Contract(await ctx.ledger.getAddress(), ["function paused() view returns (bool)"], ctx.provider);
  const paused = (await pausable.getFunction("paused")().catch(() => undefined)) as boolean | undefined;
  if (paused !== undefined) ctx.log(`Paused         ${paused ? "yes" : "no"}`);
  for (const [name, id] of Object.entries(ROLE)) {
    const granted = await ctx.manager.queryFilter(ctx.manager.filters.RoleGranted(id), ctx.fromBlock);
    const members: string[] = [];
    for (const account of new Set(granted.map((e) => e.args.account))) if ((await ctx.manager.hasRole(id, account))[0]) members.push(account);
    ctx.log(`${name.padEnd(14)} ${members.length === 0 ? "—" : members.join(", ")}`);
  }
  if (ctx.payments !== undefined) {
    const report = await checkGovernance(ctx.provider, {
      manager: await ctx.manager.getAddress(), ledger: await ctx.ledger.getAddress(), registry: await ctx.registry.getAddress(),
      payments: await ctx.payments.getAddress(),
    });
    for (const line of formatDelays(report)) ctx.log(line);
  }
  ctx.log(`Programmes     ${await ctx.registry.programmeCount()}`);
  ctx.log(`Companies      ${await ctx.registry.entityCount()}`);
  ctx.log(`Claims         ${await ctx.ledger.claimCount()}`);
  if (ctx.payments !== undefined) ctx.log(`Payment entries ${await ctx.payments.entryCount()}`);
}
