import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";

import type { NetworkConnection } from "hardhat/types/network";

import { ROLE, type RoleName } from "../../../service/domain/roles.js";
import { AccessManager__factory } from "../../../types/ethers-contracts/index.js";
import VoucherLedgerModule, { VoucherLedgerOnExistingSafeModule } from "../../ignition/modules/VoucherLedger.js";
import {
  DEPLOYMENTS_DIR,
  readV2Deployment,
  type V2Deployment,
  v2DeploymentPath,
  writeV2Deployment,
} from "../../../service/domain/deployment.js";
import { JOURNALS_DIR, staleJournal } from "../ignition-deploy.js";
import { assertGovernance, checkGovernance, formatReport } from "../governance/check.js";
import { DELAY_PARAMETERS, type GovernanceDelays } from "../governance/policy.js";
import { executeProposal, proposeSafeTx, signProposal } from "../governance/proposal.js";
import { openLedgerV2 } from "./context.js";
import { submitCall } from "./submit.js";

/**
 * Where a deployment of ledger v2 is recorded: `scripts/deployments/ledger-v2-chain-<id>.json`, beside v1's file of
 * the same chain. Written by `ledger deploy --v2`, read by the v2 tasks and the service; the record's schema lives in
 * service/domain/deployment.ts, with the rest of the ledger's vocabulary.
 */
export { readV2Deployment, type V2Deployment, v2DeploymentPath, v2DeploymentSchema } from "../../../service/domain/deployment.js";

export interface V2DeployOptions {
  governor?: string;
  governorDelay?: number;
  guardian?: string;
  currency?: string;
  decimals?: number;
  baseURI?: string;
  /** Who holds ADMIN: an existing Safe's address, or the owners and threshold of a new Safe (required off the local node). */
  safe?: string | { owners: string[]; threshold: number };
  /** Governance delays over the Ignition module's defaults (the deploy check's minimums). */
  delays?: Partial<GovernanceDelays>;
  deploymentId?: string;
  deploymentsDir?: string;
  journalsDir?: string;
  log?: (line: string) => void;
}

const LOCAL_CHAIN_ID = 31337;
/** On a local node (chain 31337), the default account of each role: as the v2 tasks use them. */
export const LOCAL_V2_ACCOUNTS: Record<Exclude<RoleName, "ADMIN"> | "ADMIN", number> = {
  ADMIN: 0,
  GOVERNOR: 1,
  ISSUER: 2,
  AUDITOR: 3,
  GUARDIAN: 4,
  FINANCE: 8,
};

/** On a local node: the 2-of-3 Safe of accounts #5, #6 and #7 holds ADMIN (scripts/ignition/parameters/local.json). */
export const LOCAL_SAFE_OWNERS = [5, 6, 7] as const;
const LOCAL_SAFE_THRESHOLD = 2;

/**
 * On a local node, every delay is 0 so that the tasks act at once (a development chain, not a governed one: the
 * deploy check reports the delays below its minimums, and the deployment says so). Elsewhere the module's defaults,
 * which are the check's minimums, unless `delays` raises them.
 */
const LOCAL_DELAYS: GovernanceDelays = { governorExecution: 0, governorGrant: 0, issuerGrant: 0, financeGrant: 0, targetAdmin: 0 };

/**
 * Deploys ledger v2 with its Ignition module (scripts/ignition/modules/VoucherLedger.ts) and records it. Running it
 * again changes nothing. On a local node, without --governor: GOVERNOR #1, GUARDIAN #4, then ISSUER #2 and AUDITOR #3
 * (granted by the governor) and FINANCE #5 (by ADMIN #0); a journal left by a local node started afresh is dropped.
 */
export async function deployLedgerV2(connection: NetworkConnection, options: V2DeployOptions = {}): Promise<V2Deployment> {
  const log = options.log ?? (() => {});
  const { ethers } = connection;
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const signers = await ethers.getSigners();
  const local = chainId === LOCAL_CHAIN_ID && options.governor === undefined && signers.length > 8;
  const parameters: Record<string, string | number> = {};
  const safe = options.safe ?? (local ? { owners: LOCAL_SAFE_OWNERS.map((i) => signers[i]!.address), threshold: LOCAL_SAFE_THRESHOLD } : undefined);
  if (safe === undefined) {
    throw new Error("ledger v2 is governed by a Safe that holds ADMIN: give an existing Safe's address or the owners and threshold of a new one");
  }
  const delays: Partial<GovernanceDelays> = { ...(local ? LOCAL_DELAYS : {}), ...options.delays };
  for (const [name, seconds] of Object.entries(delays) as [keyof GovernanceDelays, number][]) parameters[DELAY_PARAMETERS[name]] = seconds;
  if (typeof safe === "string") parameters.safe = safe;
  const governor = options.governor ?? (local ? signers[1]!.address : undefined);
  const guardian = options.guardian ?? (local ? signers[4]!.address : undefined);
  if (governor !== undefined) parameters.governor = governor;
  if (guardian !== undefined) parameters.guardian = guardian;
  if (options.governorDelay !== undefined) parameters[DELAY_PARAMETERS.governorExecution] = options.governorDelay;
  if (options.currency !== undefined) parameters.currency = options.currency;
  if (options.decimals !== undefined) parameters.decimals = options.decimals;
  if (options.baseURI !== undefined) parameters.baseURI = options.baseURI;
  const deploymentId = options.deploymentId ?? `ledger-v2-chain-${chainId}`;
  const journal = join(options.journalsDir ?? JOURNALS_DIR, deploymentId);
  const stale = await staleJournal(connection, journal);
  if (stale !== undefined) {
    if (chainId !== LOCAL_CHAIN_ID) throw new Error(stale);
    log(`The Ignition journal ${journal} is of a local chain that is gone: removed, deploying afresh.`);
    await rm(journal, { recursive: true, force: true });
  }
  const ignition = {
    parameters: (typeof safe === "string"
        ? { VoucherLedger: parameters }
        : { VoucherLedger: parameters, GovernanceSafe: { owners: safe.owners, threshold: safe.threshold } }) as Record<string, Record<string, string | number | string[]>>,
    deploymentId: connection.networkConfig.type === "http" ? deploymentId : undefined,
    displayUi: false,
  };
  const deployed =
    typeof safe === "string"
      ? await connection.ignition.deploy(VoucherLedgerOnExistingSafeModule, ignition)
      : await connection.ignition.deploy(VoucherLedgerModule, ignition);
  const addresses = {
    ledger: await deployed.ledger.getAddress(),
    registry: await deployed.registry.getAddress(),
    payments: await deployed.payments.getAddress(),
    accessManager: await deployed.manager.getAddress(),
    forwarder: await deployed.forwarder.getAddress(),
  };
  if (local) await grantLocalRoles(connection, addresses.ledger, await deployed.safe.getAddress());
  // The deploy check (scripts/lib/governance/check.ts): no success unless no single key holds ADMIN, every function
  // has its role and every delay its minimum. A local development chain has no delays: it reports, and goes on.
  const governed = { manager: addresses.accessManager, ledger: addresses.ledger, registry: addresses.registry, payments: addresses.payments };
  if (local) {
    const report = await checkGovernance(ethers.provider, governed);
    for (const line of formatReport(report)) log(`  ${line}`);
    log("A local development deployment: every delay is 0, so the tasks act at once; a real chain keeps the minimums.");
  } else {
    await assertGovernance(ethers.provider, governed);
  }
  const path = v2DeploymentPath(chainId, options.deploymentsDir ?? DEPLOYMENTS_DIR);
  if (existsSync(path)) {
    const existing = await readV2Deployment(path).catch(() => undefined);
    // A record from before the Safe was recorded is written again, with it.
    if (existing?.ledger === addresses.ledger && existing.safe !== undefined && (await ethers.provider.getBlock(existing.deploymentBlock))?.hash === existing.deploymentBlockHash) {
      log(`Ledger v2 is deployed already at ${addresses.ledger} (chain ${chainId}); nothing changed.`);
      return existing;
    }
  }
  const manager = AccessManager__factory.connect(addresses.accessManager, ethers.provider);
  const [first] = await manager.queryFilter(manager.filters.RoleGranted(ROLE.ADMIN), 0, "latest");
  const block = first === undefined ? null : await ethers.provider.getBlock(first.blockNumber);
  if (block === null || block.hash === null) throw new Error(`cannot find the deployment block of the AccessManager ${addresses.accessManager}`);
  const deployment: V2Deployment = {
    chainId,
    ...addresses,
    safe: await deployed.safe.getAddress(),
    deploymentBlock: block.number,
    deploymentBlockHash: block.hash,
    deployedAt: new Date(block.timestamp * 1000).toISOString(),
  };
  await writeV2Deployment(deployment, path);
  log(`Ledger v2 is deployed at ${addresses.ledger} (registry ${addresses.registry}, payments ${addresses.payments}; chain ${chainId}); recorded in ${path}.`);
  return deployment;
}

/**
 * ISSUER #2 and AUDITOR #3 by the governor #1; FINANCE #8 by ADMIN, the Safe: a Safe transaction signed by two of
 * its owners (#5, #6) and executed. Each only if not held yet.
 */
async function grantLocalRoles(connection: NetworkConnection, ledger: string, safe: string): Promise<void> {
  const signers = await connection.ethers.getSigners();
  const governor = await openLedgerV2({ signer: signers[LOCAL_V2_ACCOUNTS.GOVERNOR]!, ledger, log: () => {} });
  const manager = await governor.manager.getAddress();
  for (const role of ["ISSUER", "AUDITOR", "FINANCE"] as const) {
    const account = signers[LOCAL_V2_ACCOUNTS[role]]!.address;
    if ((await governor.manager.hasRole(ROLE[role], account))[0]) continue;
    const call = { target: manager, data: governor.manager.interface.encodeFunctionData("grantRole", [ROLE[role], account, 0]), label: `grant ${role} to ${account}` };
    if (role !== "FINANCE") {
      await submitCall(governor, call);
      continue;
    }
    let proposal = await proposeSafeTx(connection.ethers.provider, { safe, to: call.target, data: call.data, label: call.label });
    for (const owner of LOCAL_SAFE_OWNERS.slice(0, LOCAL_SAFE_THRESHOLD)) proposal = await signProposal(proposal, signers[owner]!);
    await executeProposal(proposal, signers[LOCAL_SAFE_OWNERS[0]]!);
  }
}
