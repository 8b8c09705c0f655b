import { type ContractTransactionResponse, getAddress, type Interface, type Provider, type Signer } from "ethers";

import { UserError, formatAmount } from "../admin/format.js";
import {
  AccessManager__factory,
  IVoucherLedger__factory,
  PaymentLedger__factory,
  SchemeRegistry__factory,
} from "../../../types/ethers-contracts/index.js";
import { formatDuration, shanghaiTime } from "./time.js";

/** The contracts a call may go to, by name: what `--contract` takes and what a pending operation's target is shown as. */
export interface KnownContracts {
  manager: string;
  ledger?: string;
  registry?: string;
  payments?: string;
}

export type ContractName = keyof KnownContracts;

/** The ABI of each known contract. */
export const INTERFACES: Record<ContractName, () => Interface> = {
  manager: () => AccessManager__factory.createInterface(),
  ledger: () => IVoucherLedger__factory.createInterface(),
  registry: () => SchemeRegistry__factory.createInterface(),
  payments: () => PaymentLedger__factory.createInterface(),
};

/** Parameters holding an amount in the currency's minor units: shown as CNY decimals. */
const AMOUNT_PARAMETERS = /^(amount|budget|cap|faceValue|value|annualCap|perCompanyCap)$/i;

function show(value: unknown, name: string, decimals: number): string {
  if (typeof value === "bigint" && AMOUNT_PARAMETERS.test(name)) return `¥${formatAmount(value, decimals)}`;
  if (Array.isArray(value)) return `[${value.map((v) => show(v, "", decimals)).join(", ")}]`;
  return String(value);
}

/** A call in words: "registry.bindIssuer(issuer=0x…, programme=1)", or the selector when no known ABI has it. */
export function describeCall(known: KnownContracts, target: string, data: string, decimals = 2): string {
  const entry = (Object.entries(known) as [ContractName, string | undefined][]).find(
    ([, address]) => address !== undefined && getAddress(address) === getAddress(target),
  );
  if (entry === undefined) return `${target}: ${data.slice(0, 10)}`;
  const [name] = entry;
  const parsed = INTERFACES[name]().parseTransaction({ data });
  if (parsed === null) return `${name}: ${data.slice(0, 10)}`;
  const args = parsed.fragment.inputs.map((input, i) => `${input.name}=${show(parsed.args[i], input.name, decimals)}`);
  return `${name}.${parsed.name}(${args.join(", ")})`;
}

/** Encodes `fn(args)` of a known contract: what the tasks' raw call is made of. */
export function encodeCall(contract: ContractName, fn: string, args: readonly unknown[]): string {
  const iface = INTERFACES[contract]();
  const fragment = iface.getFunction(fn);
  if (fragment === null) throw new UserError(`the ${contract} has no function ${fn}`);
  try {
    return iface.encodeFunctionData(fragment, args);
  } catch (error) {
    throw new UserError(`${contract}.${fn}: the arguments do not fit ${fragment.format()}: ${(error as Error).message.split(" (")[0]}`);
  }
}

/** An operation scheduled in the AccessManager. */
export interface ScheduledOperation {
  id: string;
  nonce: number;
  /** Who scheduled it (and who alone may execute it). */
  caller: string;
  target: string;
  data: string;
  /** Earliest execution, unix seconds. */
  schedule: number;
  /** After this it can no longer be executed (schedule + the manager's expiration). */
  expiresAt: number;
  /** Block it was scheduled in. */
  blockNumber: number;
}

/**
 * Schedules `data` on `target` through the AccessManager, as `signer`, for its earliest time (or `when`, unix
 * seconds, if later). Refuses a call the signer may not make at all, or may make at once (nothing to schedule).
 */
export async function scheduleCall(
  signer: Signer,
  managerAddress: string,
  call: { target: string; data: string; when?: number },
): Promise<ScheduledOperation> {
  const manager = AccessManager__factory.connect(managerAddress, signer);
  const caller = await signer.getAddress();
  const [immediate, delay] = await manager.canCall(caller, call.target, call.data.slice(0, 10));
  const self = getAddress(call.target) === getAddress(managerAddress);
  if (!self && immediate) throw new UserError(`${caller} may make this call at once: send it directly, there is nothing to schedule`);
  if (!self && delay === 0n) throw new UserError(`${caller} may not make this call, delayed or not`);
  const sent = await manager.schedule(call.target, call.data, call.when ?? 0);
  const receipt = await sent.wait();
  for (const log of receipt?.logs ?? []) {
    const parsed = manager.interface.parseLog(log);
    if (parsed?.name === "OperationScheduled") {
      const schedule = Number(parsed.args.getValue("schedule"));
      return {
        id: String(parsed.args.getValue("operationId")),
        nonce: Number(parsed.args.getValue("nonce")),
        caller: getAddress(String(parsed.args.getValue("caller"))),
        target: getAddress(String(parsed.args.getValue("target"))),
        data: String(parsed.args.getValue("data")),
        schedule,
        expiresAt: schedule + Number(await manager.expiration()),
        blockNumber: receipt?.blockNumber ?? 0,
      };
    }
  }
  throw new Error("the AccessManager did not report the operation it scheduled");
}

/** The operations scheduled and neither executed, cancelled nor expired, oldest first. */
export async function pendingOperations(provider: Provider, managerAddress: string, fromBlock = 0): Promise<ScheduledOperation[]> {
  const manager = AccessManager__factory.connect(managerAddress, provider);
  const expiration = Number(await manager.expiration());
  const latest = new Map<string, ScheduledOperation>();
  for (const event of await manager.queryFilter(manager.filters.OperationScheduled(), fromBlock)) {
    const [id, nonce, schedule, caller, target, data] = event.args;
    latest.set(id, {
      id,
      nonce: Number(nonce),
      caller: getAddress(caller),
      target: getAddress(target),
      data,
      schedule: Number(schedule),
      expiresAt: Number(schedule) + expiration,
      blockNumber: event.blockNumber,
    });
  }
  const pending: ScheduledOperation[] = [];
  for (const op of latest.values()) {
    // getSchedule is 0 once executed, cancelled or expired; the nonce tells a re-scheduled operation from this one.
    if ((await manager.getSchedule(op.id)) !== 0n && Number(await manager.getNonce(op.id)) === op.nonce) pending.push(op);
  }
  return pending.sort((a, b) => a.schedule - b.schedule || a.blockNumber - b.blockNumber);
}

/** Finds a pending operation by its id, or by the start of it (at least 10 characters). */
export async function findPending(provider: Provider, managerAddress: string, id: string, fromBlock = 0): Promise<ScheduledOperation> {
  const wanted = id.toLowerCase();
  if (wanted.length < 10) throw new UserError("give the operation id, or at least its first 10 characters (0x and 8 digits)");
  const matches = (await pendingOperations(provider, managerAddress, fromBlock)).filter((op) => op.id.startsWith(wanted));
  if (matches.length === 0) throw new UserError(`no pending operation ${id}: executed, cancelled, expired, or never scheduled`);
  if (matches.length > 1) throw new UserError(`${id} is the start of ${matches.length} pending operations: give more of it`);
  return matches[0]!;
}

/** Executes a scheduled operation as `signer`, who must be the one who scheduled it; refuses it before its time. */
export async function executeScheduled(signer: Signer, managerAddress: string, op: ScheduledOperation): Promise<string> {
  const manager = AccessManager__factory.connect(managerAddress, signer);
  const caller = getAddress(await signer.getAddress());
  if (caller !== op.caller) throw new UserError(`only ${op.caller}, who scheduled it, may execute operation ${op.id}`);
  const now = Number((await signer.provider!.getBlock("latest"))?.timestamp ?? 0);
  if (now < op.schedule) {
    throw new UserError(`operation ${op.id} may be executed from ${shanghaiTime(op.schedule)} (in ${formatDuration(op.schedule - now)})`);
  }
  const sent: ContractTransactionResponse = await manager.execute(op.target, op.data);
  await sent.wait();
  return sent.hash;
}

/**
 * Cancels a scheduled operation: its scheduler may, and so may a guardian of the target function's role or ADMIN
 * (the AccessManager decides).
 */
export async function cancelScheduled(signer: Signer, managerAddress: string, op: ScheduledOperation): Promise<string> {
  const manager = AccessManager__factory.connect(managerAddress, signer);
  const sent: ContractTransactionResponse = await manager.cancel(op.caller, op.target, op.data);
  await sent.wait();
  return sent.hash;
}

/** One line per pending operation, for people. */
export function formatPending(ops: readonly ScheduledOperation[], known: KnownContracts, now: number, decimals = 2): string[] {
  if (ops.length === 0) return ["No operations pending."];
  return ops.map((op) => {
    const when = op.schedule <= now ? "executable now" : `in ${formatDuration(op.schedule - now)}`;
    return (
      `${op.id}  ${describeCall(known, op.target, op.data, decimals)}  scheduled by ${op.caller}; earliest ` +
      `${shanghaiTime(op.schedule)} (${when}), expires ${shanghaiTime(op.expiresAt)}`
    );
  });
}

