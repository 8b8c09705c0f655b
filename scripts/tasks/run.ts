import { existsSync } from "node:fs";

import { Wallet, type Signer } from "ethers";
import { configVariable } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { TaskArguments } from "hardhat/types/tasks";

import { type AdminContext, openLedger } from "../lib/admin/context.js";
import { explainError } from "../lib/admin/errors.js";
import { UserError, parseAddress } from "../lib/admin/format.js";
import { deploymentMismatch, deploymentPath, readDeployment } from "../../service/domain/deployment.js";

/** Who a task acts as; each has its key variable and, on a local node, its default account. */
export type Actor = "ADMIN" | "GOVERNOR" | "GUARDIAN" | "ISSUER" | "FINANCE" | "HOLDER" | "SUPPLIER" | "ANYONE";

/** The configuration variables (Hardhat keystore or environment) holding each actor's private key. */
export const KEY_VARIABLES: Record<Exclude<Actor, "ANYONE">, string> = {
  ADMIN: "LEDGER_ADMIN_KEY",
  GOVERNOR: "LEDGER_GOVERNOR_KEY",
  GUARDIAN: "LEDGER_GUARDIAN_KEY",
  ISSUER: "LEDGER_ISSUER_KEY",
  FINANCE: "LEDGER_FINANCE_KEY",
  HOLDER: "LEDGER_HOLDER_KEY",
  SUPPLIER: "LEDGER_SUPPLIER_KEY",
};

/**
 * On Hardhat's local node (chain 31337): the default account each actor uses (as `npm run chain` and `ledger deploy
 * --v2` set them up). A holder and a supplier have none: they name their account with --as.
 */
const LOCAL_ACCOUNT: Partial<Record<Actor, number>> = { ADMIN: 0, GOVERNOR: 1, ISSUER: 2, GUARDIAN: 4, FINANCE: 8, ANYONE: 0 };
const LOCAL_CHAIN_ID = 31337;

/**
 * Reads a configuration variable from the environment or the keystore; "" when it is not set anywhere. (With a
 * default, the keystore plugin also passes on a missing key under `hardhat test` instead of refusing it.)
 */
async function readKey(hre: HardhatRuntimeEnvironment, name: string): Promise<string> {
  return hre.hooks.runHandlerChain(
    "configurationVariables",
    "fetchValue",
    [configVariable(name, { default: "" })],
    async (_context, variable) => process.env[variable.name] ?? "",
  );
}

/** The signer a task acts as: the unlocked account of `--as`, the actor's key, or the local node's default account. */
export async function chooseSigner(
  hre: HardhatRuntimeEnvironment,
  connection: Connection,
  actor: Actor,
  chainId: number,
  as: string,
): Promise<Signer> {
  const signers = await connection.ethers.getSigners();
  if (as !== "") {
    const address = parseAddress(as, true);
    const signer = signers.find((s) => s.address === address);
    if (signer === undefined) throw new UserError(`--as ${as}: the node has no unlocked account with that address`);
    return signer;
  }
  if (actor !== "ANYONE") {
    const key = (await readKey(hre, KEY_VARIABLES[actor])).trim();
    if (key !== "") {
      try {
        return new Wallet(key, connection.ethers.provider);
      } catch {
        throw new UserError(`${KEY_VARIABLES[actor]} is set but is not a private key (0x and 64 hexadecimal digits)`);
      }
    }
  }
  const local = LOCAL_ACCOUNT[actor];
  if (chainId === LOCAL_CHAIN_ID && local !== undefined && signers[local] !== undefined) return signers[local];
  if (actor === "ANYONE" && signers[0] !== undefined) return signers[0];
  const variable = KEY_VARIABLES[actor as Exclude<Actor, "ANYONE">];
  throw new UserError(
    `no ${actor} key for this network: store it with "npx hardhat keystore set ${variable}" ` +
      `or set the environment variable ${variable}${local === undefined ? ", or pass --as <address> of an unlocked account" : ""}`,
  );
}

/**
 * Connects a task to the ledger of the selected network (`--network`), found in its deployment file or given by
 * `--ledger`, acting as `actor`.
 */
export async function connectTask(
  hre: HardhatRuntimeEnvironment,
  actor: Actor,
  args: TaskArguments,
): Promise<{ ctx: AdminContext; forwarder?: string; close: () => Promise<void> }> {
  let connection: Connection;
  try {
    connection = await hre.network.create();
  } catch (error) {
    // A bad configuration value (LOCALHOST_RPC_URL that is not a URL, a missing BESU_RPC_URL) names itself here.
    throw new UserError(`cannot connect: ${(error as Error).message.split("\n")[0]}`);
  }
  try {
    const { ctx, forwarder } = await openTaskLedger(hre, connection, actor, args);
    return { ctx, forwarder, close: () => connection.close() };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

export type Connection = Awaited<ReturnType<HardhatRuntimeEnvironment["network"]["create"]>>;

async function openTaskLedger(
  hre: HardhatRuntimeEnvironment,
  connection: Connection,
  actor: Actor,
  args: TaskArguments,
): Promise<{ ctx: AdminContext; forwarder?: string }> {
  const network = connection.networkName;
  const node = connection.networkConfig.type === "http" ? await connection.networkConfig.url.get() : "";
  const at = node === "" ? "" : ` at ${node}`;
  let chainId: number;
  try {
    chainId = Number((await connection.ethers.provider.getNetwork()).chainId);
  } catch (error) {
    const reason = ((error as { shortMessage?: string }).shortMessage ?? (error as Error).message).split("\n")[0];
    throw new UserError(
      `cannot reach the node of --network ${network}${at} (${reason}): is it running? ` +
        (network === "localhost"
          ? 'Start it ("npm run chain"), or point LOCALHOST_RPC_URL (or CHAIN_PORT) at one that is'
          : "Check the network's URL in hardhat.config.ts and its configuration variable"),
    );
  }
  const { ledgerAddress, fromBlock, forwarder } = await locateLedger(connection, args, chainId);
  const signer = await chooseSigner(hre, connection, actor, chainId, typeof args.as === "string" ? args.as : "");
  const ctx = await openLedger({ signer, ledgerAddress, fromBlock });
  return { ctx, forwarder };
}

/**
 * The ledger a task acts on: `--ledger`, or the one the deployment file of the chain records, refused when the file
 * is not for the connected chain (its chain id, or its deployment block's hash).
 */
export async function locateLedger(
  connection: Connection,
  args: TaskArguments,
  chainId: number,
): Promise<{ ledgerAddress: string; fromBlock: number; forwarder?: string }> {
  if (typeof args.ledger === "string" && args.ledger !== "") return { ledgerAddress: parseAddress(args.ledger, true), fromBlock: 0 };
  const network = connection.networkName;
  const node = connection.networkConfig.type === "http" ? await connection.networkConfig.url.get() : "";
  const at = node === "" ? "" : ` at ${node}`;
  const variable = network === "localhost" ? " (LOCALHOST_RPC_URL, or CHAIN_PORT for the local node)" : "";
  const path = deploymentPath(chainId);
  if (!existsSync(path)) {
    throw new UserError(
      `no ledger is recorded for chain ${chainId} (${path} is missing): deploy it with ` +
        `"npx hardhat ledger deploy --network ${network}", or pass --ledger <address>`,
    );
  }
  const deployment = await readDeployment(path);
  const mismatch = await deploymentMismatch(deployment, {
    chainId,
    blockHash: async (block) => (await connection.ethers.provider.getBlock(block))?.hash,
  });
  if (mismatch !== undefined) {
    throw new UserError(
      `the deployment file ${path} is not for the chain of --network ${network}${at}: ${mismatch}. Deploy again ` +
        `("npx hardhat ledger deploy --network ${network}"), or point the network at the chain it was deployed to${variable}`,
    );
  }
  return { ledgerAddress: deployment.ledger, fromBlock: deployment.deploymentBlock, forwarder: deployment.forwarder };
}

/** Turns a command into a task action: connects as `actor`, runs, and reports failures in words (exit code 1). */
export function action(
  actor: Actor,
  command: (ctx: AdminContext, args: TaskArguments, extra: { forwarder?: string }) => Promise<unknown>,
) {
  return async (args: TaskArguments, hre: HardhatRuntimeEnvironment): Promise<void> => {
    let close: (() => Promise<void>) | undefined;
    try {
      const connected = await connectTask(hre, actor, args);
      close = connected.close;
      await command(connected.ctx, args, { forwarder: connected.forwarder });
    } catch (error) {
      // Hardhat's own errors (a keystore, a configuration variable) say what is wrong; the rest came from the node.
      const hardhat = (error as Error | undefined)?.name === "HardhatError";
      console.error(
        `Error: ${error instanceof UserError ? error.message : hardhat ? (error as Error).message : explainError(error)}`,
      );
      process.exitCode = 1;
    } finally {
      await close?.();
    }
  };
}

/** A string option that must be given. */
export function need(args: TaskArguments, key: string): string {
  const value: unknown = args[key];
  if (typeof value !== "string" || value.trim() === "") {
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UserError(`${flag} is required (see --help)`);
  }
  return value;
}

/** A string option, or undefined when it was not given. */
export function optional(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
