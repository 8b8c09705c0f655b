import type { NetworkConnection } from "hardhat/types/network";

import VoucherLedgerModule, { VoucherLedgerOnExistingSafeModule } from "../../ignition/modules/VoucherLedger.js";
import { assertGovernance, type CheckOptions, type GovernanceReport, type GovernedContracts } from "./check.js";
import { DELAY_PARAMETERS, type GovernanceDelays } from "./policy.js";

export interface LedgerV2DeployOptions {
  /** An existing Safe to hold ADMIN (a production chain), or the owners and threshold of a new one. */
  safe: string | { owners: string[]; threshold: number };
  governor?: string;
  guardian?: string;
  delays?: Partial<GovernanceDelays>;
  currency?: string;
  decimals?: number;
  baseURI?: string;
  deploymentId?: string;
  /** What the check holds the result to (minimums, Safe threshold). */
  check?: CheckOptions;
}

export interface LedgerV2Deployment {
  contracts: GovernedContracts;
  safe: string;
  forwarder: string;
  report: GovernanceReport;
}

/**
 * Deploys ledger v2 with the Ignition module (scripts/ignition/modules/VoucherLedger.ts) and reports success only if
 * the governance check passes: otherwise it throws GovernanceCheckError with every problem. Safe to run again with
 * the same deployment id (Ignition resumes; the check runs again).
 */
export async function deployLedgerV2(connection: NetworkConnection, options: LedgerV2DeployOptions): Promise<LedgerV2Deployment> {
  const ledgerParameters: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(options.delays ?? {}) as [keyof GovernanceDelays, number][]) {
    ledgerParameters[DELAY_PARAMETERS[name]] = value;
  }
  for (const key of ["governor", "guardian", "currency", "decimals", "baseURI"] as const) {
    const value = options[key];
    if (value !== undefined) ledgerParameters[key] = value;
  }
  const existing = typeof options.safe === "string";
  if (typeof options.safe === "string") ledgerParameters.safe = options.safe;
  const parameters: Record<string, Record<string, string | number | string[]>> =
    typeof options.safe === "string"
      ? { VoucherLedger: ledgerParameters }
      : { VoucherLedger: ledgerParameters, GovernanceSafe: { owners: options.safe.owners, threshold: options.safe.threshold } };
  const deployOptions = { parameters, displayUi: false, ...(options.deploymentId === undefined ? {} : { deploymentId: options.deploymentId }) };
  const deployed = existing
    ? await connection.ignition.deploy(VoucherLedgerOnExistingSafeModule, deployOptions)
    : await connection.ignition.deploy(VoucherLedgerModule, deployOptions);
  const contracts: GovernedContracts = {
    manager: await deployed.manager.getAddress(),
    ledger: await deployed.ledger.getAddress(),
    registry: await deployed.registry.getAddress(),
    payments: await deployed.payments.getAddress(),
  };
  const [signer] = await connection.ethers.getSigners();
  const runner = signer ?? connection.ethers.provider;
  const report = await assertGovernance(runner, contracts, options.check);
  return { contracts, safe: await deployed.safe.getAddress(), forwarder: await deployed.forwarder.getAddress(), report };
}
