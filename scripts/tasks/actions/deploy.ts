import { rm } from "node:fs/promises";
import { join } from "node:path";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";
import type { TaskArguments } from "hardhat/types/tasks";

import { openLedger } from "../../lib/admin/context.js";
import { httpSend, probeChain, refusal } from "../../../service/chain/probe.js";
import { UserError, parseAddress } from "../../lib/admin/format.js";
import { grantRole } from "../../lib/admin/governance.js";
import type { Deployment } from "../../../service/domain/deployment.js";
import { type IgnitionDeployOptions, deployWithIgnition, journalDir } from "../../lib/ignition-deploy.js";
import { deployLedgerV2 } from "../../lib/ledger/deployment.js";
import { ROLE } from "../../../service/domain/roles-v1.js";
import { optional } from "../run.js";

const LOCAL_CHAIN_ID = 31337;

function deployOptions(args: TaskArguments, hre: HardhatRuntimeEnvironment): IgnitionDeployOptions {
  const delay = Number(args.governorDelay);
  if (!Number.isInteger(delay) || delay < 0) throw new UserError("--governor-delay must be a whole number of seconds");
  const governor = optional(args.governor);
  return {
    governor: governor === undefined ? undefined : parseAddress(governor),
    governorDelay: delay,
    currency: optional(args.currency),
    decimals: args.decimals === undefined ? undefined : Number(args.decimals),
    baseURI: optional(args.baseUri),
    deploymentId: optional(args.deploymentId),
    deploymentsDir: optional(args.deploymentsDir),
    journalsDir: join(hre.config.paths.ignition, "deployments"),
    log: (line) => console.log(line),
  };
}

/**
 * Deploys to the connection and, on a local node, sets up the default accounts the tasks use there: #0 ADMIN,
 * #1 GOVERNOR, #2 ISSUER, #3 AUDITOR. Safe to run again.
 */
export async function deployTo(connection: NetworkConnection, options: IgnitionDeployOptions): Promise<Deployment> {
  const chainId = Number((await connection.ethers.provider.getNetwork()).chainId);
  const signers = await connection.ethers.getSigners();
  const local = chainId === LOCAL_CHAIN_ID && signers.length >= 4;
  const governor = options.governor ?? (local ? signers[1]!.address : undefined);
  const deployment = await deployWithIgnition(connection, { ...options, governor });
  if (local && options.governor === undefined) {
    const ctx = await openLedger({ signer: signers[1]!, ledgerAddress: deployment.ledger, log: options.log });
    for (const [role, index] of [
      ["ISSUER", 2],
      ["AUDITOR", 3],
    ] as const) {
      const [member] = await ctx.manager.hasRole(ROLE[role], signers[index]!.address);
      if (!member) await grantRole(ctx, { role, account: signers[index]!.address });
    }
  }
  return deployment;
}

export async function ledgerDeploy(args: TaskArguments, hre: HardhatRuntimeEnvironment): Promise<void> {
  const connection = await hre.network.create();
  try {
    const options = deployOptions(args, hre);
    if (connection.networkConfig.type === "http") {
      // A chain the ledger cannot run on (README, "Chains") is refused before anything is sent.
      const probe = await probeChain(httpSend(await connection.networkConfig.url.get()));
      const refused = refusal(probe, `--network ${connection.networkName}`);
      if (refused !== undefined) throw new UserError(refused);
    }
    if (args.reset === true && connection.networkConfig.type === "http") {
      const chainId = Number((await connection.ethers.provider.getNetwork()).chainId);
      const dir = journalDir(chainId, args.v2 === true ? { ...options, deploymentId: options.deploymentId ?? `ledger-v2-chain-${chainId}` } : options);
      await rm(dir, { recursive: true, force: true });
      console.log(`--reset: removed the Ignition journal ${dir}; deploying afresh.`);
    }
    if (args.v2 === true) {
      const guardian = optional(args.guardian);
      const safe = optional(args.safe);
      const owners = optional(args.safeOwners);
      if (safe !== undefined && owners !== undefined) throw new UserError("give --safe or --safe-owners, not both");
      await deployLedgerV2(connection, {
        ...options,
        // --governor-delay's default, 0, is v1's; v2's default is the module's, the deploy check's minimum (1 day).
        governorDelay: Number(args.governorDelay) === 0 ? undefined : options.governorDelay,
        guardian: guardian === undefined ? undefined : parseAddress(guardian),
        safe:
          safe !== undefined
            ? parseAddress(safe)
            : owners === undefined
              ? undefined
              : { owners: owners.split(",").map((owner) => parseAddress(owner.trim())), threshold: Number(args.safeThreshold) },
      });
      return;
    }
    await deployTo(connection, options);
  } catch (error) {
    console.error(`Error: ${(error as Error).message}`);
    process.exitCode = 1;
  } finally {
    await connection.close();
  }
}

/** `npm run chain`: Hardhat's node on --hostname:--port with the ledger deployed to it, until Ctrl-C or SIGTERM. */
export async function chain(args: TaskArguments, hre: HardhatRuntimeEnvironment): Promise<void> {
  const hostname = String(args.hostname);
  const server = await hre.network.createServer("default", hostname, Number(args.port));
  const { address, port } = await server.listen();
  const url = `http://${address}:${port}`;
  const stop = () => void server.close();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const options = deployOptions(args, hre);
  const deploymentId = options.deploymentId ?? `chain-${LOCAL_CHAIN_ID}`;
  // The node starts empty every time, so an Ignition journal left by an earlier run describes a chain that is gone.
  await rm(journalDir(LOCAL_CHAIN_ID, { ...options, deploymentId }), { recursive: true, force: true });
  const connection = await hre.network.create({ network: "localhost", override: { url } });
  try {
    await deployTo(connection, { ...options, deploymentId });
    const signers = await connection.ethers.getSigners();
    console.log(`Hardhat node on ${url} (chain ${LOCAL_CHAIN_ID}); the ledger is deployed. Accounts:`);
    ["ADMIN", "GOVERNOR", "ISSUER", "AUDITOR"].forEach((role, i) =>
      console.log(`  #${i} ${role.padEnd(8)} ${signers[i]?.address}`),
    );
    console.log("Ctrl-C stops it.");
  } catch (error) {
    console.error(`Error: the deployment failed: ${(error as Error).message}`);
    await server.close();
    process.exitCode = 1;
    return;
  } finally {
    await connection.close();
  }
  await server.afterClosed();
}
