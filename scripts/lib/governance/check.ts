import { Contract, type ContractRunner, type EventLog, getAddress, type Provider } from "ethers";

import { ROLE, ROLE_ADMIN, roleIdOf, roleName, type RoleName } from "../../../service/domain/roles.js";
import { AccessManager__factory, type AccessManager } from "../../../types/ethers-contracts/index.js";
import { wiringOf } from "../ledger-deploy.js";
import {
  EXECUTION_DELAYS,
  GRANT_DELAYS,
  type GovernanceDelays,
  INSTANT_ROLES,
  MINIMUM_DELAYS,
  MINIMUM_SAFE_THRESHOLD,
} from "./policy.js";
import { safeInfo } from "./safe.js";
import { formatDuration, shanghaiTime } from "./time.js";

/** The contracts of a ledger v2 deployment that the AccessManager governs. */
export interface GovernedContracts {
  manager: string;
  ledger: string;
  registry: string;
  payments: string;
}

export type TargetName = "ledger" | "registry" | "payments";

export interface CheckOptions {
  /** The least each delay may be (default: scripts/lib/governance/policy.ts). */
  minimums?: GovernanceDelays;
  /** The fewest signatures a Safe holding ADMIN may need (default 2). */
  minimumSafeThreshold?: number;
  /** First block to read the AccessManager's events from (its deployment block; 0 by default). */
  fromBlock?: number;
}

/** A holder of a role: current, or granted and not yet effective. */
export interface Member {
  /** The role's name (or its id, for a role this project does not define). */
  role: string;
  account: string;
  /** The member's execution delay, seconds (the pending one when it is being changed). */
  executionDelay: number;
  /** When the grant takes effect (unix seconds); in the past for a current member. */
  since: number;
  kind: "eoa" | "safe" | "contract";
  safe?: { owners: string[]; threshold: number; version: string };
}

/** One delay as the chain holds it: the value in force now and the one scheduled, with when it takes effect. */
export interface DelayReading {
  name: keyof GovernanceDelays;
  /** What it is the delay of: "GOVERNOR", "ledger 0x…". */
  of: string;
  current: number;
  scheduled: number;
  effectiveAt: number;
  minimum: number;
}

export interface GovernanceReport {
  ok: boolean;
  /** Every reason the deployment is not as intended, in words; empty when ok. */
  problems: string[];
  members: Member[];
  delays: DelayReading[];
  contracts: GovernedContracts;
  /** The chain's time when read. */
  readAt: number;
}

/**
 * Reads what the AccessManager holds and compares it with what ledger v2 intends: no externally owned account holds
 * ADMIN (or is being granted it), every Safe that does needs more than one owner, every restricted function of the
 * ledger, the registry and the payment ledger is wired to its role from service/domain/roles.ts (and nothing else is
 * wired to a role there), the three contracts answer to this AccessManager and are open, the role admins are as
 * intended, and every delay is at least its minimum (a scheduled delay counts, with when it takes effect), while
 * GUARDIAN's members act without delay. Members are found from the RoleGranted events and confirmed with getAccess.
 */
export async function checkGovernance(
  runner: ContractRunner & { provider: Provider | null },
  contracts: GovernedContracts,
  options: CheckOptions = {},
): Promise<GovernanceReport> {
  const provider = runner.provider;
  if (provider === null) throw new Error("the governance check needs a provider");
  const minimums = options.minimums ?? MINIMUM_DELAYS;
  const minimumThreshold = options.minimumSafeThreshold ?? MINIMUM_SAFE_THRESHOLD;
  const fromBlock = options.fromBlock ?? 0;
  const manager = AccessManager__factory.connect(contracts.manager, runner);
  const problems: string[] = [];
  const readAt = Number((await provider.getBlock("latest"))?.timestamp ?? 0);

  const members = await readMembers(manager, provider, fromBlock);
  const admins = members.filter((m) => m.role === "ADMIN");
  if (admins.length === 0) problems.push("nobody holds ADMIN: the AccessManager can never be administered again");
  for (const admin of admins) {
    const pending = admin.since > readAt ? ` (granted, effective ${shanghaiTime(admin.since)})` : "";
    if (admin.kind === "eoa") problems.push(`an externally owned account holds ADMIN: ${admin.account}${pending}`);
    else if (admin.kind === "contract") problems.push(`ADMIN is held by a contract that is not a Safe: ${admin.account}${pending}`);
    else if (admin.safe !== undefined && admin.safe.threshold < minimumThreshold) {
      problems.push(
        `the Safe ${admin.account} holding ADMIN needs ${admin.safe.threshold} of ${admin.safe.owners.length} owners' ` +
          `signatures; at least ${minimumThreshold} are required`,
      );
    }
  }

  const targets: [TargetName, string][] = [
    ["ledger", contracts.ledger],
    ["registry", contracts.registry],
    ["payments", contracts.payments],
  ];
  for (const [target, address] of targets) problems.push(...(await checkTarget(manager, runner, target, address, fromBlock)));
  for (const [role, admin] of Object.entries(ROLE_ADMIN) as [Exclude<RoleName, "ADMIN">, RoleName][]) {
    const actual = await manager.getRoleAdmin(ROLE[role]);
    if (actual !== ROLE[admin]) problems.push(`${role} is administered by ${roleName(actual)}, not ${admin}`);
  }

  const delays: DelayReading[] = [];
  const grantChanges = await latestByKey(manager, manager.filters.RoleGrantDelayChanged(), fromBlock, (e) => String(e.args[0]));
  for (const [role, name] of Object.entries(GRANT_DELAYS) as [RoleName, keyof GovernanceDelays][]) {
    const current = Number(await manager.getRoleGrantDelay(ROLE[role]));
    const change = grantChanges.get(String(ROLE[role]));
    delays.push(reading(name, role, current, change, minimums[name]));
  }
  const adminChanges = await latestByKey(manager, manager.filters.TargetAdminDelayUpdated(), fromBlock, (e) =>
    getAddress(String(e.args[0])),
  );
  for (const [target, address] of targets) {
    const current = Number(await manager.getTargetAdminDelay(address));
    delays.push(reading("targetAdmin", `${target} ${address}`, current, adminChanges.get(getAddress(address)), minimums.targetAdmin));
  }
  for (const reading of delays) {
    if (reading.scheduled < reading.minimum) {
      problems.push(
        `the ${reading.name} delay of ${reading.of} is ${formatDuration(reading.scheduled)}; at least ` +
          `${formatDuration(reading.minimum)} is required`,
      );
    }
  }
  for (const [role, name] of Object.entries(EXECUTION_DELAYS) as [RoleName, keyof GovernanceDelays][]) {
    for (const member of members.filter((m) => m.role === role)) {
      if (member.executionDelay < minimums[name]) {
        problems.push(
          `${role} ${member.account} acts with an execution delay of ${formatDuration(member.executionDelay)}; at ` +
            `least ${formatDuration(minimums[name])} is required`,
        );
      }
    }
  }
  for (const role of INSTANT_ROLES) {
    for (const member of members.filter((m) => m.role === role && m.executionDelay > 0)) {
      problems.push(
        `${role} ${member.account} has an execution delay of ${formatDuration(member.executionDelay)}: ${role} must act at once`,
      );
    }
  }
  return { ok: problems.length === 0, problems, members, delays, contracts, readAt };
}

function reading(
  name: keyof GovernanceDelays,
  of: string,
  current: number,
  change: EventLog | undefined,
  minimum: number,
): DelayReading {
  if (change === undefined) return { name, of, current, scheduled: current, effectiveAt: 0, minimum };
  return { name, of, current, scheduled: Number(change.args[1]), effectiveAt: Number(change.args[2]), minimum };
}

/** The last event of each key (events come in chain order). */
async function latestByKey(
  manager: AccessManager,
  filter: Parameters<AccessManager["queryFilter"]>[0],
  fromBlock: number,
  key: (event: EventLog) => string,
): Promise<Map<string, EventLog>> {
  const latest = new Map<string, EventLog>();
  for (const event of await manager.queryFilter(filter, fromBlock)) {
    if ("args" in event) latest.set(key(event), event);
  }
  return latest;
}

/** Every account granted a role (RoleGranted) that still has it, current or pending, with what it is. */
export async function readMembers(manager: AccessManager, provider: Provider, fromBlock = 0): Promise<Member[]> {
  const seen = new Set<string>();
  const members: Member[] = [];
  for (const event of await manager.queryFilter(manager.filters.RoleGranted(), fromBlock)) {
    const roleId = BigInt(event.args[0]);
    const account = getAddress(event.args[1]);
    const key = `${roleId}:${account}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const [since, currentDelay, pendingDelay, effect] = await manager.getAccess(roleId, account);
    if (since === 0n) continue; // revoked or renounced
    const executionDelay = Number(effect > 0n && pendingDelay > currentDelay ? pendingDelay : currentDelay);
    const code = await provider.getCode(account);
    const safe = code === "0x" ? undefined : await safeInfo(account, provider);
    members.push({
      role: roleName(roleId),
      account,
      executionDelay,
      since: Number(since),
      kind: code === "0x" ? "eoa" : safe === undefined ? "contract" : "safe",
      ...(safe === undefined ? {} : { safe: { owners: safe.owners, threshold: safe.threshold, version: safe.version } }),
    });
  }
  return members;
}

/** One target's problems: its authority, whether it is closed, and its wiring against service/domain/roles.ts. */
async function checkTarget(
  manager: AccessManager,
  runner: ContractRunner,
  target: TargetName,
  address: string,
  fromBlock: number,
): Promise<string[]> {
  const problems: string[] = [];
  const managed = new Contract(address, ["function authority() view returns (address)"], runner);
  let authority: string;
  try {
    authority = String(await managed.getFunction("authority")());
  } catch {
    return [`the ${target} at ${address} does not answer authority(): not an AccessManaged contract`];
  }
  const managerAddress = await manager.getAddress();
  if (getAddress(String(authority)) !== getAddress(managerAddress)) {
    problems.push(`the ${target} answers to the authority ${authority}, not to the AccessManager ${managerAddress}`);
  }
  if (await manager.isTargetClosed(address)) problems.push(`the ${target} is closed in the AccessManager`);
  const intended = new Map<string, RoleName | "PUBLIC">();
  for (const { role, selectors } of wiringOf(target)) for (const selector of selectors) intended.set(selector, role);
  for (const [selector, role] of intended) {
    const actual = await manager.getTargetFunctionRole(address, selector);
    if (actual !== roleIdOf(role)) {
      problems.push(`the ${target}'s function ${selector} is wired to ${roleName(actual)}, not ${role}`);
    }
  }
  // A selector wired by an event that roles.ts does not name is an extra door (ADMIN, the default, is none).
  const wiredSelectors = new Set<string>();
  for (const event of await manager.queryFilter(manager.filters.TargetFunctionRoleUpdated(address), fromBlock)) {
    wiredSelectors.add(String(event.args[1]));
  }
  for (const selector of wiredSelectors) {
    if (intended.has(selector)) continue;
    const actual = await manager.getTargetFunctionRole(address, selector);
    if (actual !== ROLE.ADMIN) problems.push(`the ${target}'s function ${selector} is wired to ${roleName(actual)}, which roles.ts does not name`);
  }
  return problems;
}

/** The report for people: members, delays, and the verdict. */
export function formatReport(report: GovernanceReport): string[] {
  const lines = [
    `AccessManager ${report.contracts.manager}; ledger ${report.contracts.ledger}; registry ${report.contracts.registry}; ` +
      `payments ${report.contracts.payments}`,
    "Members:",
  ];
  for (const m of report.members) {
    const what =
      m.kind === "safe" && m.safe !== undefined
        ? `Safe ${m.safe.version}, ${m.safe.threshold} of ${m.safe.owners.length}: ${m.safe.owners.join(", ")}`
        : m.kind === "eoa"
          ? "externally owned account"
          : "contract";
    const since = m.since > report.readAt ? `, effective ${shanghaiTime(m.since)}` : "";
    lines.push(`  ${String(m.role).padEnd(8)} ${m.account}  execution delay ${formatDuration(m.executionDelay)}${since}  (${what})`);
  }
  lines.push(...formatDelays(report));
  if (report.ok) lines.push("Governance check: passed.");
  else lines.push("Governance check: FAILED", ...report.problems.map((p) => `  - ${p}`));
  return lines;
}

/** The report's delays, one line each, with a pending change and its time (what `ledger status` shows too). */
export function formatDelays(report: GovernanceReport): string[] {
  const lines = ["Delays:"];
  for (const d of report.delays) {
    const pending =
      d.scheduled !== d.current || d.effectiveAt > report.readAt
        ? ` -> ${formatDuration(d.scheduled)} from ${shanghaiTime(d.effectiveAt)}`
        : "";
    lines.push(`  ${d.name.padEnd(12)} ${d.of}: ${formatDuration(d.current)}${pending} (minimum ${formatDuration(d.minimum)})`);
  }
  return lines;
}

/** Thrown by {@link assertGovernance}: the deployment is not as intended. */
export class GovernanceCheckError extends Error {
  override readonly name = "GovernanceCheckError";
  constructor(readonly report: GovernanceReport) {
    super(`the governance check failed:\n${report.problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Runs the check and throws {@link GovernanceCheckError} unless it passes: what the deploy path calls last. */
export async function assertGovernance(
  runner: ContractRunner & { provider: Provider | null },
  contracts: GovernedContracts,
  options: CheckOptions = {},
): Promise<GovernanceReport> {
  const report = await checkGovernance(runner, contracts, options);
  if (!report.ok) throw new GovernanceCheckError(report);
  return report;
}
