import { existsSync } from "node:fs";

import { Wallet, type Signer } from "ethers";
import { configVariable } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { TaskArguments } from "hardhat/types/tasks";

import { type AdminContext, openLedger } from "../lib/admin/context.js";
import { explainError } from "../lib/admin/errors.js";
import { UserError, parseAddress } from "../lib/admin/format.js";
import { deploymentPath, readDeployment } from "../lib/deployment-file.js";

/** Who a task acts as; each has its key variable and, on a local node, its default account. */
export type Actor = "ADMIN" | "GOVERNOR" | "ISSUER" | "ANYONE";

/** The configuration variables (Hardhat keystore or environment) holding each actor's private key. */
export const KEY_VARIABLES: Record<Exclude<Actor, "ANYONE">, string> = {
  ADMIN: "LEDGER_ADMIN_KEY",
  GOVERNOR: "LEDGER_GOVERNOR_KEY",
  ISSUER: "LEDGER_ISSUER_KEY",
};

/** On Hardhat's local node (chain 31337): the default account each actor uses (as `npm run chain` sets up). */
const LOCAL_ACCOUNT: Record<Actor, number> = { ADMIN: 0, GOVERNOR: 1, ISSUER: 2, ANYONE: 0 };
const LOCAL_CHAIN_ID = 31337;

/** Reads a configuration variable from the keystore or the environment; "" when it is not set anywhere. */
async function readKey(hre: HardhatRuntimeEnvironment, name: string): Promise<string> {
  return hre.hooks.runHandlerChain(
    "configurationVariables",
    "fetchValue",
    [configVariable(name)],
    async (_context, variable) => process.env[variable.name] ?? "",
  );
}

/** The signer a task acts as: the unlocked account of `--as`, the actor's key, or the local node's default account. */
export async function chooseSigner(
  hre: HardhatRuntimeEnvironment,
  connection: Awaited<ReturnType<HardhatRuntimeEnvironment["network"]["create"]>>,
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
  if (chainId === LOCAL_CHAIN_ID && signers[LOCAL_ACCOUNT[actor]] !== undefined) return signers[LOCAL_ACCOUNT[actor]]!;
  if (actor === "ANYONE" && signers[0] !== undefined) return signers[0];
  const variable = KEY_VARIABLES[actor as Exclude<Actor, "ANYONE">];
  throw new UserError(
    `no ${actor} key for this network: store it with "npx hardhat keystore set ${variable}" ` +
      `or set the environment variable ${variable}`,
  );
}

/** The ledger a task acts on: `--ledger`, or the one the deployment file of the chain records. */
export async function locateLedger(
  args: TaskArguments,
  chainId: number,
  networkName: string,
): Promise<{ ledgerAddress: string; fromBlock: number; forwarder?: string }> {
  if (typeof args.ledger === "string" && args.ledger !== "") return { ledgerAddress: parseAddress(args.ledger, true), fromBlock: 0 };
  const path = deploymentPath(chainId);
  if (!existsSync(path)) {
    throw new UserError(
      `no ledger is recorded for chain ${chainId} (${path} is missing): deploy it with ` +
        `"npx hardhat ledger deploy --network ${networkName}", or pass --ledger <address>`,
    );
  }
  const deployment = await readDeployment(path);
  return { ledgerAddress: deployment.ledger, fromBlock: deployment.deploymentBlock, forwarder: deployment.forwarder };
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
  const connection = await hre.network.create();
  const chainId = Number((await connection.ethers.provider.getNetwork()).chainId);
  const { ledgerAddress, fromBlock, forwarder } = await locateLedger(args, chainId, connection.networkName);
  const signer = await chooseSigner(hre, connection, actor, chainId, typeof args.as === "string" ? args.as : "");
  const ctx = await openLedger({ signer, ledgerAddress, fromBlock });
  return { ctx, forwarder, close: () => connection.close() };
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
      console.error(`Error: ${error instanceof UserError ? error.message : explainError(error)}`);
      process.exitCode = 1;
    } finally {
      await close?.();
    }
  };
}

/** A string option, or undefined when it was not given. */
export function optional(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
