import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { Contract, getAddress, isHexString, type Provider, type Signer, Wallet } from "ethers";
import { configVariable } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { TaskArguments } from "hardhat/types/tasks";

import { UserError, parseAddress } from "../../lib/admin/format.js";
import { checkGovernance, formatReport, type GovernedContracts, readMembers } from "../../lib/governance/check.js";
import { approvalsOf, approveOnChain, executeProposal, readProposal, signProposal, writeProposal } from "../../lib/governance/proposal.js";
import { routeCall, type Via } from "../../lib/governance/route.js";
import {
  type ContractName,
  INTERFACES,
  type KnownContracts,
  cancelScheduled,
  describeCall,
  encodeCall,
  executeScheduled,
  findPending,
  formatPending,
  pendingOperations,
} from "../../lib/governance/scheduled.js";
import { AccessManager__factory } from "../../../types/ethers-contracts/index.js";
import { shanghaiTime } from "../../lib/governance/time.js";
import type { Connection } from "../run.js";
import { optional } from "../run.js";

/** The configuration variable (keystore or environment) holding the acting key when neither --as nor --key-var is given. */
export const GOVERNANCE_KEY_VARIABLE = "GOVERNANCE_KEY";

interface Deployment {
  contracts: GovernedContracts;
  known: KnownContracts;
  fromBlock: number;
}

async function readKey(hre: HardhatRuntimeEnvironment, name: string): Promise<string> {
  return hre.hooks.runHandlerChain(
    "configurationVariables",
    "fetchValue",
    [configVariable(name, { default: "" })],
    async (_context, variable) => process.env[variable.name] ?? "",
  );
}

/** The acting signer: the node's unlocked account `--as`, or the key in `--key-var` (GOVERNANCE_KEY by default). */
async function signerOf(hre: HardhatRuntimeEnvironment, connection: Connection, args: TaskArguments): Promise<Signer> {
  const as = optional(args.as);
  if (as !== undefined) {
    const address = parseAddress(as, true);
    const signer = (await connection.ethers.getSigners()).find((s) => s.address === address);
    if (signer === undefined) throw new UserError(`--as ${as}: the node has no unlocked account with that address`);
    return signer;
  }
  const variable = optional(args.keyVar) ?? GOVERNANCE_KEY_VARIABLE;
  const key = (await readKey(hre, variable)).trim();
  if (key === "") {
    throw new UserError(
      `no key: pass --as <unlocked account>, or store the key with "npx hardhat keystore set ${variable}" or in the ` +
        `environment variable ${variable} (another variable: --key-var)`,
    );
  }
  try {
    return new Wallet(key, connection.ethers.provider);
  } catch {
    throw new UserError(`${variable} is set but is not a private key (0x and 64 hexadecimal digits)`);
  }
}

/**
 * The deployment: `--ledger` (its AccessManager and registry are read from it) and `--payments`, or the addresses
 * Ignition recorded for `--deployment-id` in scripts/ignition/deployments.
 */
async function locate(hre: HardhatRuntimeEnvironment, provider: Provider, args: TaskArguments): Promise<Deployment> {
  let ledger = optional(args.ledger);
  let payments = optional(args.payments);
  const id = optional(args.deploymentId);
  if (ledger === undefined && id !== undefined) {
    const file = join(hre.config.paths.ignition, "deployments", id, "deployed_addresses.json");
    if (!existsSync(file)) throw new UserError(`Ignition has no deployment ${id} (${file} is missing)`);
    const addresses = JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
    ledger = addresses["VoucherLedger#VoucherLedger"];
    payments ??= addresses["VoucherLedger#PaymentLedger"];
  }
  if (ledger === undefined) throw new UserError("--ledger <address> (or --deployment-id) is required");
  const ledgerAddress = parseAddress(ledger, true);
  if ((await provider.getCode(ledgerAddress)) === "0x") throw new UserError(`there is no contract at ${ledgerAddress} on this network`);
  const view = new Contract(
    ledgerAddress,
    ["function authority() view returns (address)", "function registry() view returns (address)"],
    provider,
  );
  const manager = getAddress(String(await view.getFunction("authority")()));
  const registry = getAddress(String(await view.getFunction("registry")()));
  const paymentsAddress = payments === undefined ? undefined : parseAddress(payments, true);
  return {
    contracts: { manager, ledger: ledgerAddress, registry, payments: paymentsAddress ?? "" },
    known: { manager, ledger: ledgerAddress, registry, ...(paymentsAddress === undefined ? {} : { payments: paymentsAddress }) },
    fromBlock: Number(optional(args.fromBlock) ?? 0),
  };
}

/** The call of `--contract`/`--function`/`--args`, or of `--to`/`--data`. */
function rawCall(known: KnownContracts, args: TaskArguments): { target: string; data: string; label: string } {
  const contract = optional(args.contract);
  if (contract !== undefined) {
    if (!(contract in INTERFACES)) throw new UserError(`--contract must be one of ${Object.keys(INTERFACES).join(", ")}`);
    const target = known[contract as ContractName];
    if (target === undefined) throw new UserError(`the ${contract}'s address is not known: pass --${contract} <address>`);
    const fn = optional(args.function);
    if (fn === undefined) throw new UserError("--function is required with --contract");
    let values: unknown;
    try {
      values = JSON.parse(optional(args.args) ?? "[]");
    } catch {
      throw new UserError(`--args must be a JSON array of the arguments, e.g. '[1, 2026, "25000000000"]'`);
    }
    if (!Array.isArray(values)) throw new UserError("--args must be a JSON array");
    const data = encodeCall(contract as ContractName, fn, values);
    return { target, data, label: optional(args.label) ?? describeCall(known, target, data) };
  }
  const to = optional(args.to);
  const data = optional(args.data);
  if (to === undefined || data === undefined || !isHexString(data)) {
    throw new UserError("give the call: --contract, --function and --args, or --to and --data (0x…)");
  }
  const target = parseAddress(to, true);
  return { target, data, label: optional(args.label) ?? describeCall(known, target, data) };
}

/** The Safe holding ADMIN: `--safe`, or the one the AccessManager's members show. */
async function safeOf(provider: Provider, d: Deployment, args: TaskArguments): Promise<string> {
  const given = optional(args.safe);
  if (given !== undefined) return parseAddress(given, true);
  const members = await readMembers(AccessManager__factory.connect(d.contracts.manager, provider), provider, d.fromBlock);
  const safes = members.filter((m) => m.role === "ADMIN" && m.kind === "safe");
  if (safes.length !== 1) throw new UserError(`${safes.length} Safes hold ADMIN: say which with --safe`);
  return safes[0]!.account;
}

/** What a failed call means, in words: the AccessManager's and the Safe's errors, or the node's own message. */
function explain(error: unknown): string {
  if (error instanceof UserError || (error as Error | undefined)?.name === "HardhatError") return (error as Error).message;
  const data = (error as { data?: string }).data;
  if (typeof data === "string" && data.length >= 10) {
    const parsed = AccessManager__factory.createInterface().parseError(data);
    if (parsed !== null) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
  }
  const shortMessage = (error as { shortMessage?: string }).shortMessage;
  return (shortMessage ?? (error as Error).message).split("\n")[0] ?? String(error);
}

/** Runs a governance task: connects, hands it what it needs, and reports failures in words (exit code 1). */
function governanceTask(
  needsSigner: boolean,
  command: (c: { hre: HardhatRuntimeEnvironment; connection: Connection; args: TaskArguments; signer?: Signer; log: (l: string) => void }) => Promise<void>,
) {
  return async (args: TaskArguments, hre: HardhatRuntimeEnvironment): Promise<void> => {
    let connection: Connection | undefined;
    try {
      connection = await hre.network.create();
      const signer = needsSigner ? await signerOf(hre, connection, args) : undefined;
      await command({ hre, connection, args, signer, log: (line) => console.log(line) });
    } catch (error) {
      console.error(`Error: ${explain(error)}`);
      process.exitCode = 1;
    } finally {
      await connection?.close();
    }
  };
}

async function chainNow(provider: Provider): Promise<number> {
  return Number((await provider.getBlock("latest"))?.timestamp ?? 0);
}

export const governanceStatus = governanceTask(false, async ({ hre, connection, args, log }) => {
  const d = await locate(hre, connection.ethers.provider, args);
  if (d.contracts.payments === "") throw new UserError("--payments <address> is required (the payment ledger is governed too)");
  const report = await checkGovernance(connection.ethers.provider, d.contracts, { fromBlock: d.fromBlock });
  for (const line of formatReport(report)) log(line);
  log(`Read at ${shanghaiTime(report.readAt)}.`);
  if (args.strict === true && !report.ok) process.exitCode = 1;
});

export const safePropose = governanceTask(true, async ({ hre, connection, args, signer, log }) => {
  const d = await locate(hre, connection.ethers.provider, args);
  const call = rawCall(d.known, args);
  const via: Via = args.schedule === true ? "safe-schedule" : args.executeScheduled === true ? "safe-execute" : "safe";
  if (args.schedule === true && args.executeScheduled === true) throw new UserError("--schedule and --execute-scheduled exclude each other");
  const safe = await safeOf(connection.ethers.provider, d, args);
  const out = optional(args.out);
  if (out === undefined) throw new UserError("--out <file> is required: where the proposal is written for the other owners");
  await routeCall(
    { signer: signer!, manager: d.contracts.manager, safe, proposalFile: out, signProposal: args.noSign !== true, log },
    call,
    via,
  );
});

export const safeSign = governanceTask(true, async ({ connection, args, signer, log }) => {
  const file = optional(args.file);
  if (file === undefined) throw new UserError("--file <proposal.json> is required");
  const proposal = await readProposal(file);
  if (args.onchain === true) {
    const hash = await approveOnChain(proposal, signer!);
    log(`${await signer!.getAddress()} approved ${proposal.safeTxHash} on chain (${hash}).`);
  } else {
    const signed = await signProposal(proposal, signer!);
    await writeProposal(file, signed);
    log(`${await signer!.getAddress()} signed ${proposal.safeTxHash}; ${file} now holds ${signed.signatures.length} signature(s).`);
  }
  const { threshold, approvals } = await approvalsOf(await readProposal(file), connection.ethers.provider);
  log(`Approvals: ${approvals.length} of ${threshold} needed.`);
});

export const safeShow = governanceTask(false, async ({ connection, args, log }) => {
  const file = optional(args.file);
  if (file === undefined) throw new UserError("--file <proposal.json> is required");
  const proposal = await readProposal(file);
  const { threshold, nonce, approvals, owners } = await approvalsOf(proposal, connection.ethers.provider);
  log(`${proposal.label}`);
  log(`Safe ${proposal.safe} (chain ${proposal.chainId}), nonce ${proposal.tx.nonce} (the Safe is at ${nonce}); hash ${proposal.safeTxHash}`);
  log(`Call: ${proposal.tx.to} ${proposal.tx.data}`);
  log(`Approvals: ${approvals.length} of ${threshold} needed, of ${owners.length} owners`);
  for (const a of approvals) log(`  ${a.signer} (${a.how})`);
});

export const safeExecute = governanceTask(true, async ({ args, signer, log }) => {
  const file = optional(args.file);
  if (file === undefined) throw new UserError("--file <proposal.json> is required");
  const proposal = await readProposal(file);
  const result = await executeProposal(proposal, signer!);
  log(`Executed ${proposal.label} from the Safe ${proposal.safe} in block ${result.blockNumber} (${result.hash}); signed by ${result.signers.join(", ")}.`);
});

export const delayedSchedule = governanceTask(true, async ({ hre, connection, args, signer, log }) => {
  const d = await locate(hre, connection.ethers.provider, args);
  const call = rawCall(d.known, args);
  const result = await routeCall({ signer: signer!, manager: d.contracts.manager, log }, call, "schedule");
  if (result.via === "schedule") {
    log(`Earliest execution ${shanghaiTime(result.operation.schedule)}; expires ${shanghaiTime(result.operation.expiresAt)}.`);
  }
});

export const delayedPending = governanceTask(false, async ({ hre, connection, args, log }) => {
  const provider = connection.ethers.provider;
  const d = await locate(hre, provider, args);
  const ops = await pendingOperations(provider, d.contracts.manager, d.fromBlock);
  for (const line of formatPending(ops, d.known, await chainNow(provider))) log(line);
});

export const delayedExecute = governanceTask(true, async ({ hre, connection, args, signer, log }) => {
  const provider = connection.ethers.provider;
  const d = await locate(hre, provider, args);
  const op = await findPending(provider, d.contracts.manager, optional(args.id) ?? "", d.fromBlock);
  const hash = await executeScheduled(signer!, d.contracts.manager, op);
  log(`Executed ${describeCall(d.known, op.target, op.data)} (${hash}), scheduled by ${op.caller}.`);
});

export const delayedCancel = governanceTask(true, async ({ hre, connection, args, signer, log }) => {
  const provider = connection.ethers.provider;
  const d = await locate(hre, provider, args);
  const op = await findPending(provider, d.contracts.manager, optional(args.id) ?? "", d.fromBlock);
  const hash = await cancelScheduled(signer!, d.contracts.manager, op);
  log(`Cancelled ${describeCall(d.known, op.target, op.data)} (${hash}), scheduled by ${op.caller}.`);
});
