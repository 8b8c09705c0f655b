import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

import type { NetworkConnection } from "hardhat/types/network";

import ComputeVoucherModule from "../ignition/modules/ComputeVoucher.js";
import { AccessManager__factory } from "../../types/ethers-contracts/index.js";
import {
  type Deployment,
  DEPLOYMENTS_DIR,
  deploymentPath,
  readDeployment,
  writeDeployment,
} from "../../service/domain/deployment.js";
import { fromRoot } from "../../service/internal/paths.js";
import { ROLE } from "../../service/domain/roles-v1.js";

export interface IgnitionDeployOptions {
  /** Account to grant GOVERNOR; the deploying account by default. */
  governor?: string;
  /** Execution delay of the GOVERNOR grant, in seconds (0 on a local node). */
  governorDelay?: number;
  currency?: string;
  decimals?: number;
  baseURI?: string;
  /** Ignition's deployment id (its journal folder); `chain-<id>` by default. */
  deploymentId?: string;
  /** Folder of the deployment files; scripts/deployments by default. */
  deploymentsDir?: string;
  /** Folder of Ignition's journals (`<paths.ignition>/deployments`); scripts/ignition/deployments by default. */
  journalsDir?: string;
  log?: (line: string) => void;
}

/** Where Ignition keeps its journals, as hardhat.config.ts sets `paths.ignition`. */
export const JOURNALS_DIR = fromRoot("scripts", "ignition", "deployments");

/** The journal folder of a deployment on an HTTP network (Ignition keeps none for the in-process network). */
export function journalDir(chainId: number, options: Pick<IgnitionDeployOptions, "deploymentId" | "journalsDir">) {
  return join(options.journalsDir ?? JOURNALS_DIR, options.deploymentId ?? `chain-${chainId}`);
}

/**
 * Why Ignition's journal for this deployment describes another chain, or undefined when it does not: a contract it
 * records as deployed has no code on the connected chain. That is a local node started afresh (its chain is gone),
 * and Ignition would otherwise carry on with the journal's addresses.
 */
export async function staleJournal(connection: NetworkConnection, dir: string): Promise<string | undefined> {
  if (connection.networkConfig.type !== "http" || !existsSync(dir)) return undefined;
  let addresses: Record<string, string>;
  try {
    addresses = JSON.parse(await readFile(join(dir, "deployed_addresses.json"), "utf8")) as Record<string, string>;
  } catch {
    return undefined; // nothing deployed yet according to the journal: Ignition itself reconciles what it sent
  }
  for (const [future, address] of Object.entries(addresses)) {
    if ((await connection.ethers.provider.getCode(address)) === "0x") {
      return (
        `the Ignition journal ${dir} belongs to a chain that is gone: it records ${future} at ${address}, which ` +
        'has no code on this chain (a local node started afresh?). Delete the folder, or pass --reset to "ledger deploy"'
      );
    }
  }
  return undefined;
}

/**
 * Deploys (or, when Ignition's journal says it is done, finds) the ledger on the connection's network and records
 * it in the deployment file that the admin tasks and the service read. Running it again changes nothing.
 */
export async function deployWithIgnition(
  connection: NetworkConnection,
  options: IgnitionDeployOptions = {},
): Promise<Deployment> {
  const log = options.log ?? (() => {});
  const { ethers } = connection;
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const parameters: Record<string, string | number> = {};
  if (options.governor !== undefined) parameters.governor = options.governor;
  if (options.governorDelay !== undefined) parameters.governorDelay = options.governorDelay;
  if (options.currency !== undefined) parameters.currency = options.currency;
  if (options.decimals !== undefined) parameters.decimals = options.decimals;
  if (options.baseURI !== undefined) parameters.baseURI = options.baseURI;

  const journal = journalDir(chainId, options);
  const stale = await staleJournal(connection, journal);
  if (stale !== undefined) throw new Error(stale);
  const { manager, forwarder, ledger } = await connection.ignition.deploy(ComputeVoucherModule, {
    parameters: { ComputeVoucher: parameters },
    deploymentId: options.deploymentId,
    displayUi: false,
  });
  const addresses = {
    ledger: await ledger.getAddress(),
    accessManager: await manager.getAddress(),
    forwarder: await forwarder.getAddress(),
  };
  const path = deploymentPath(chainId, options.deploymentsDir ?? DEPLOYMENTS_DIR);
  if (existsSync(path)) {
    const existing = await readDeployment(path).catch(() => undefined);
    if (
      existing?.ledger === addresses.ledger &&
      existing.accessManager === addresses.accessManager &&
      existing.forwarder === addresses.forwarder &&
      (await ethers.provider.getBlock(existing.deploymentBlock))?.hash === existing.deploymentBlockHash
    ) {
      log(`The ledger is deployed already at ${addresses.ledger} (chain ${chainId}); nothing changed.`);
      return existing;
    }
  }
  const block = await deploymentBlockOf(connection, addresses.accessManager);
  const deployment: Deployment = {
    chainId,
    ...addresses,
    deploymentBlock: block.number,
    deploymentBlockHash: block.hash,
    currency: String(await ledger.getFunction("currency")()),
    decimals: Number(await ledger.getFunction("decimals")()),
    deployedAt: new Date(block.timestamp * 1000).toISOString(),
  };
  await writeDeployment(deployment, path);
  log(`The ledger is deployed at ${addresses.ledger} (chain ${chainId}); recorded in ${path}.`);
  return deployment;
}

/** The block the AccessManager was deployed in: the one with its constructor's grant of ADMIN. */
async function deploymentBlockOf(
  connection: NetworkConnection,
  managerAddress: string,
): Promise<{ number: number; hash: string; timestamp: number }> {
  const manager = AccessManager__factory.connect(managerAddress, connection.ethers.provider);
  const [first] = await manager.queryFilter(manager.filters.RoleGranted(ROLE.ADMIN), 0, "latest");
  const block = first === undefined ? null : await connection.ethers.provider.getBlock(first.blockNumber);
  if (block === null || block.hash === null) {
    throw new Error(
      `cannot find the deployment block of the AccessManager ${managerAddress}: the chain has no event of its ` +
        "deployment. If Ignition's journal is from a chain that is gone, delete its folder or pass --reset",
    );
  }
  return { number: block.number, hash: block.hash, timestamp: block.timestamp };
}
