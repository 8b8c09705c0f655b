import { existsSync } from "node:fs";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { TaskArguments } from "hardhat/types/tasks";

import { UserError, parseAddress } from "../lib/admin/format.js";
import { deploymentMismatch } from "../../service/domain/deployment.js";
import { type LedgerContext, openLedgerV2 } from "../lib/ledger/context.js";
import { readV2Deployment, v2DeploymentPath } from "../lib/ledger/deployment.js";
import { explainRefusal } from "../lib/ledger/errors.js";
import { CallRouted } from "../lib/ledger/submit.js";
import { VIAS, type Via } from "../lib/governance/route.js";
import { type Actor, type Connection, chooseSigner, optional } from "./run.js";

/**
 * How a ledger v2 task runs: it connects to `--network`, finds the ledger (`--ledger`, or the v2 deployment file of
 * the chain, refused when the file is of another chain), picks the signer of `actor` (`--as`, the actor's key, or on
 * a local node its default account), runs the command, and reports a refusal in words with exit code 1.
 */

/** " at <url>" of an HTTP network's node, "" for the in-process one. */
async function nodeAt(connection: Connection): Promise<string> {
  return connection.networkConfig.type === "http" ? ` at ${await connection.networkConfig.url.get()}` : "";
}

/** The v2 ledger a task acts on: `--ledger`, or the one the chain's v2 deployment file records. */
export async function locateV2(
  connection: Connection,
  args: TaskArguments,
  chainId: number,
): Promise<{ ledger: string; payments?: string; fromBlock: number }> {
  const given = optional(args.ledger);
  if (given !== undefined) return { ledger: parseAddress(given, true), payments: optional(args.payments), fromBlock: 0 };
  const network = connection.networkName;
  const at = await nodeAt(connection);
  const path = v2DeploymentPath(chainId);
  if (!existsSync(path)) {
    throw new UserError(
      `no ledger v2 is recorded for chain ${chainId} (${path} is missing): deploy it with ` +
        `"npx hardhat ledger deploy --v2 --network ${network}", or pass --ledger <address>`,
    );
  }
  const deployment = await readV2Deployment(path);
  const mismatch = await deploymentMismatch(deployment, {
    chainId,
    blockHash: async (block) => (await connection.ethers.provider.getBlock(block))?.hash,
  });
  if (mismatch !== undefined) {
    throw new UserError(
      `the deployment file ${path} is not for the chain of --network ${network}${at}: ${mismatch}. Deploy again ` +
        `("npx hardhat ledger deploy --v2 --network ${network}")`,
    );
  }
  return { ledger: deployment.ledger, payments: deployment.payments, fromBlock: deployment.deploymentBlock };
}

/** Connects a v2 task as `actor`; the caller closes the connection. */
export async function connectV2(
  hre: HardhatRuntimeEnvironment,
  actor: Actor,
  args: TaskArguments,
): Promise<{ ctx: LedgerContext; close: () => Promise<void> }> {
  let connection: Connection;
  try {
    connection = await hre.network.create();
  } catch (error) {
    throw new UserError(`cannot connect: ${(error as Error).message.split("\n")[0]}`);
  }
  try {
    let chainId: number;
    try {
      chainId = Number((await connection.ethers.provider.getNetwork()).chainId);
    } catch (error) {
      const reason = ((error as { shortMessage?: string }).shortMessage ?? (error as Error).message).split("\n")[0];
      throw new UserError(`cannot reach the node of --network ${connection.networkName}${await nodeAt(connection)} (${reason}): is it running?`);
    }
    const where = await locateV2(connection, args, chainId);
    const signer = await chooseSigner(hre, connection, actor, chainId, optional(args.as) ?? "");
    const ctx = await openLedgerV2({ signer, ...where });
    const via = optional(args.via) ?? "direct";
    if (!VIAS.includes(via as Via)) throw new UserError(`--via ${via}: expected one of ${VIAS.join(", ")}`);
    if (via.startsWith("safe") && (optional(args.safe) === undefined || optional(args.out) === undefined)) {
      throw new UserError(`--via ${via} needs --safe <the Safe holding ADMIN> and --out <proposal file>`);
    }
    if (via !== "direct") {
      const safe = optional(args.safe);
      ctx.route = { via: via as Via, safe: safe === undefined ? undefined : parseAddress(safe), proposalFile: optional(args.out) };
    }
    return { ctx, close: () => connection.close() };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/** Turns a command into a v2 task action acting as `actor` (or as the actor `args` choose). */
export function v2action(
  actor: Actor | ((args: TaskArguments) => Actor),
  command: (ctx: LedgerContext, args: TaskArguments) => Promise<unknown>,
) {
  return async (args: TaskArguments, hre: HardhatRuntimeEnvironment): Promise<void> => {
    let close: (() => Promise<void>) | undefined;
    try {
      const connected = await connectV2(hre, typeof actor === "function" ? actor(args) : actor, args);
      close = connected.close;
      await command(connected.ctx, args);
    } catch (error) {
      if (error instanceof CallRouted) {
        console.log(error.message);
        return;
      }
      const hardhat = (error as Error | undefined)?.name === "HardhatError";
      console.error(`Error: ${hardhat ? (error as Error).message : explainRefusal(error)}`);
      process.exitCode = 1;
    } finally {
      await close?.();
    }
  };
}
