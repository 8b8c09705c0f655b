import type { ContractTransactionResponse } from "ethers";

import { ROLE, roleId, roleName } from "../../../service/domain/roles-v1.js";
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
  parseDays,
  parsePercent,
  readCode,
  reasonCode,
  referenceCode,
} from "./format.js";

/** Sends a transaction, waits for it, and says what was done; failures come back in words. */
export async function send(
  ctx: AdminContext,
  what: string,
  transaction: () => Promise<ContractTransactionResponse>,
): Promise<string> {
  return inWords(what, async () => {
    const tx = await transaction();
    const receipt = await tx.wait();
    ctx.log(`${what}: done in transaction ${tx.hash} (block ${receipt?.blockNumber}).`);
    return tx.hash;
  });
}

/** An amount, or "0" / "none" for no cap. */
function parseCap(text: string, decimals: number): bigint {
  return ["0", "none"].includes(text.trim().toLowerCase()) ? 0n : parseAmount(text, decimals);
}

function managedRole(name: string): bigint {
  let id: bigint;
  try {
    id = roleId(name);
  } catch (error) {
    throw new UserError(`--role: ${(error as Error).message}`);
  }
  if (id === ROLE.ADMIN) throw new UserError("--role must be GOVERNOR, ISSUER or AUDITOR (ADMIN is the multisig's)");
  return id;
}

// ---------------------------------------------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------------------------------------------

export async function grantRole(ctx: AdminContext, args: { role: string; account: string; delay?: number }) {
  const role = managedRole(args.role);
  const account = parseAddress(args.account);
  const delay = args.delay ?? 0;
  if (!Number.isInteger(delay) || delay < 0) throw new UserError("--delay must be a whole number of seconds");
  await send(ctx, `Grant ${roleName(role)} to ${account}`, () => ctx.manager.grantRole(role, account, delay));
}

export async function revokeRole(ctx: AdminContext, args: { role: string; account: string }) {
  const role = managedRole(args.role);
  const account = parseAddress(args.account);
  const [isMember] = await ctx.manager.hasRole(role, account);
  if (!isMember) throw new UserError(`${account} does not have the ${roleName(role)} role`);
  await send(ctx, `Revoke ${roleName(role)} from ${account}`, () => ctx.manager.revokeRole(role, account));
}

// ---------------------------------------------------------------------------------------------------------------
// Cities
// ---------------------------------------------------------------------------------------------------------------

export interface RegisterCityArgs {
  city: string;
  name: string;
  budget: string;
  appropriation: string;
  ratio: string;
  cap: string;
  validityDays: string;
}

export async function registerCity(ctx: AdminContext, args: RegisterCityArgs) {
  const city = parseCity(args.city);
  if (args.name.trim() === "") throw new UserError("--name is empty");
  const params = {
    name: args.name.trim(),
    budget: parseAmount(args.budget, ctx.decimals),
    appropriation: referenceCode(args.appropriation, "--appropriation"),
    ratioBps: parsePercent(args.ratio),
    holderCap: parseCap(args.cap, ctx.decimals),
    defaultValidity: parseDays(args.validityDays),
  };
  await send(ctx, `Register city ${city} (${params.name})`, () => ctx.ledger.registerCity(city, params));
}

export async function setCityBudget(ctx: AdminContext, args: { city: string; budget: string; appropriation: string }) {
  const city = parseCity(args.city);
  const budget = parseAmount(args.budget, ctx.decimals);
  const appropriation = referenceCode(args.appropriation, "--appropriation");
  await send(ctx, `Set the budget of city ${city} to ${formatAmount(budget, ctx.decimals)} ${ctx.currency}`, () =>
    ctx.ledger.setCityBudget(city, budget, appropriation),
  );
}

export async function setCityRatio(ctx: AdminContext, args: { city: string; ratio: string }) {
  const city = parseCity(args.city);
  const bps = parsePercent(args.ratio);
  await send(ctx, `Set the ratio of city ${city} to ${bps / 100}%`, () => ctx.ledger.setCityRatio(city, bps));
}

export async function setCityHolderCap(ctx: AdminContext, args: { city: string; cap: string }) {
  const city = parseCity(args.city);
  const cap = parseCap(args.cap, ctx.decimals);
  const shown = cap === 0n ? "no cap" : `${formatAmount(cap, ctx.decimals)} ${ctx.currency}`;
  await send(ctx, `Set the holder cap of city ${city} to ${shown}`, () => ctx.ledger.setCityHolderCap(city, cap));
}

export async function setCityValidity(ctx: AdminContext, args: { city: string; validityDays: string }) {
  const city = parseCity(args.city);
  const seconds = parseDays(args.validityDays);
  await send(ctx, `Set the default validity of city ${city} to ${args.validityDays.trim()} days`, () =>
    ctx.ledger.setCityDefaultValidity(city, seconds),
  );
}

export async function showCity(ctx: AdminContext, args: { city: string }) {
  const city = parseCity(args.city);
  const [c, n] = await inWords(`Read city ${city}`, () =>
    Promise.all([ctx.ledger.getCity(city), ctx.ledger.getCityCounters(city)]),
  );
  const amount = (value: bigint) => `${formatAmount(value, ctx.decimals)} ${ctx.currency}`;
  const available = c.budget - (n.redeemed + n.outstanding);
  ctx.log(
    [
      `City ${city}: ${c.name}`,
      `  budget          ${amount(c.budget)} (appropriation ${readCode(c.appropriation)})`,
      `  available       ${amount(available)}`,
      `  ratio           ${Number(c.ratioBps) / 100}%`,
      `  holder cap      ${c.holderCap === 0n ? "none" : amount(c.holderCap)}`,
      `  default validity ${Number(c.defaultValidity) / 86_400} days`,
      `  issued ${amount(n.issued)}, redeemed ${amount(n.redeemed)}, revoked ${amount(n.revoked)}, ` +
        `expired ${amount(n.expired)}, outstanding ${amount(n.outstanding)}`,
    ].join("\n"),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Issuers
// ---------------------------------------------------------------------------------------------------------------

export async function bindIssuer(ctx: AdminContext, args: { issuer: string; city: string }) {
  const issuer = parseAddress(args.issuer);
  const city = parseCity(args.city);
  const [hasRole] = await ctx.manager.hasRole(ROLE.ISSUER, issuer);
  if (!hasRole) ctx.log(`Note: ${issuer} does not have the ISSUER role yet; grant it with "role grant".`);
  await send(ctx, `Bind issuer ${issuer} to city ${city}`, () => ctx.ledger.bindIssuer(issuer, city));
}

export async function unbindIssuer(ctx: AdminContext, args: { issuer: string }) {
  const issuer = parseAddress(args.issuer);
  await send(ctx, `Unbind issuer ${issuer}`, () => ctx.ledger.unbindIssuer(issuer));
}

// ---------------------------------------------------------------------------------------------------------------
// Data centers
// ---------------------------------------------------------------------------------------------------------------

export async function accredit(
  ctx: AdminContext,
  args: { dataCenter: string; city: string; from: string; until: string },
) {
  const dataCenter = parseAddress(args.dataCenter);
  const city = parseCity(args.city);
  const from = parseDate(args.from);
  const until = parseDate(args.until);
  if (from >= until) throw new UserError(`--until (${args.until}) must be after --from (${args.from})`);
  await send(ctx, `Accredit ${dataCenter} in city ${city} from ${formatDate(from)} until ${formatDate(until)}`, () =>
    ctx.ledger.accredit(dataCenter, city, from, until),
  );
}

export async function suspend(ctx: AdminContext, args: { dataCenter: string; city: string; reason: string }) {
  const dataCenter = parseAddress(args.dataCenter);
  const city = parseCity(args.city);
  const reason = reasonCode(args.reason);
  await send(ctx, `Suspend ${dataCenter} in city ${city} (${args.reason})`, () =>
    ctx.ledger.suspend(dataCenter, city, reason),
  );
}

export async function reinstate(ctx: AdminContext, args: { dataCenter: string; city: string }) {
  const dataCenter = parseAddress(args.dataCenter);
  const city = parseCity(args.city);
  await send(ctx, `Reinstate ${dataCenter} in city ${city}`, () => ctx.ledger.reinstate(dataCenter, city));
}

export async function showDataCenter(ctx: AdminContext, args: { dataCenter: string; city: string }) {
  const dataCenter = parseAddress(args.dataCenter);
  const city = parseCity(args.city);
  const a = await ctx.ledger.getAccreditation(dataCenter, city);
  if (a.validUntil === 0n) {
    ctx.log(`Data center ${dataCenter} was never accredited in city ${city}.`);
    return;
  }
  const inForce = await ctx.ledger.isAccredited(dataCenter, city);
  ctx.log(
    `Data center ${dataCenter} in city ${city}: accredited from ${formatDate(a.validFrom)} until ` +
      `${formatDate(a.validUntil)}; ${a.suspended ? `suspended (${readCode(a.reason)})` : "not suspended"}; ` +
      `${inForce ? "in force now" : "not in force now"}.`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Ledger
// ---------------------------------------------------------------------------------------------------------------

export async function pause(ctx: AdminContext) {
  if (await ctx.ledger.paused()) throw new UserError("the ledger is paused already");
  await send(ctx, "Pause the ledger", () => ctx.ledger.pause());
}

export async function unpause(ctx: AdminContext) {
  if (!(await ctx.ledger.paused())) throw new UserError("the ledger is not paused");
  await send(ctx, "Unpause the ledger", () => ctx.ledger.unpause());
}

/** Prints the addresses, the members of every role (from the AccessManager's events) and each city's counters. */
export async function status(ctx: AdminContext, forwarder?: string) {
  const { ledger, manager } = ctx;
  const lines = [
    `Ledger         ${await ledger.getAddress()} (${ctx.currency}, ${ctx.decimals} decimals)`,
    `AccessManager  ${await manager.getAddress()}`,
    ...(forwarder === undefined ? [] : [`Forwarder      ${forwarder}`]),
    `Paused         ${(await ledger.paused()) ? "yes" : "no"}`,
    "Roles:",
  ];
  const members = new Map<bigint, Set<string>>();
  const events = [
    ...(await manager.queryFilter(manager.filters.RoleGranted(), ctx.fromBlock, "latest")),
    ...(await manager.queryFilter(manager.filters.RoleRevoked(), ctx.fromBlock, "latest")),
  ].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  for (const event of events) {
    const set = members.get(event.args.roleId) ?? new Set<string>();
    if (event.eventName === "RoleGranted") set.add(event.args.account);
    else set.delete(event.args.account);
    members.set(event.args.roleId, set);
  }
  for (const [name, id] of Object.entries(ROLE)) {
    const accounts = [...(members.get(id) ?? [])];
    const described = await Promise.all(
      accounts.map(async (account) => {
        const city = id === ROLE.ISSUER ? Number(await ledger.issuerCity(account)) : 0;
        return city === 0 ? account : `${account} (city ${city})`;
      }),
    );
    lines.push(`  ${name.padEnd(9)} ${described.length === 0 ? "-" : described.join(", ")}`);
  }
  lines.push("Cities:");
  const amount = (value: bigint) => formatAmount(value, ctx.decimals);
  for (const code of await ledger.cityCodes()) {
    const [c, n] = await Promise.all([ledger.getCity(code), ledger.getCityCounters(code)]);
    lines.push(
      `  ${code} ${c.name}: budget ${amount(c.budget)}, issued ${amount(n.issued)}, redeemed ${amount(n.redeemed)}, ` +
        `revoked ${amount(n.revoked)}, expired ${amount(n.expired)}, outstanding ${amount(n.outstanding)}`,
    );
  }
  ctx.log(lines.join("\n"));
}
