import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import { getAddress, isAddress } from "ethers";
import { z } from "zod";

import { fromRoot } from "../internal/paths.js";

/**
 * Where a deployment of the ledger (v1) is recorded: one JSON file per chain in `scripts/deployments/`, written by the
 * deployment (Ignition module or `npm run chain`) and read by the admin tasks and the service. Data, not source: git
 * ignores the folder. The record's shape lives here, with the rest of the ledger's vocabulary, so that the service
 * does not import the admin scripts.
 */
export const DEPLOYMENTS_DIR = fromRoot("scripts", "deployments");

const address = z
  .string()
  .refine((value) => isAddress(value), { error: "not an address" })
  .transform((value) => getAddress(value));

export const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  ledger: address,
  accessManager: address,
  forwarder: address,
  /** Block of the AccessManager's deployment: the mirror follows events from here. */
  deploymentBlock: z.number().int().nonnegative(),
  /** Hash of that block, so a reader can tell a restarted local chain from the one that was deployed to. */
  deploymentBlockHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
  currency: z.string(),
  decimals: z.number().int().min(0).max(18),
  deployedAt: z.string(),
});

export type Deployment = z.infer<typeof deploymentSchema>;

/** The path of the deployment file for a chain id. */
export function deploymentPath(chainId: number | bigint, dir: string = DEPLOYMENTS_DIR): string {
  return join(dir, `chain-${chainId}.json`);
}

/** Reads and validates a deployment file; the error names the file and the field. */
export async function readDeployment(path: string): Promise<Deployment> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read the deployment file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = deploymentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`the deployment file ${path} is invalid at "${issue?.path.join(".")}": ${issue?.message}`);
  }
  return parsed.data;
}

/**
 * Why a deployment file does not describe the chain a node serves, in words, or undefined when it does: the chain
 * id must match, and the block the file records as the deployment's must be on the chain with the recorded hash.
 * Another chain with the same id (a local node started again, another project's node on the same port) fails the
 * second test.
 */
export async function deploymentMismatch(
  deployment: Pick<Deployment, "chainId" | "deploymentBlock" | "deploymentBlockHash">,
  chain: { chainId: number; blockHash: (block: number) => Promise<string | null | undefined> },
): Promise<string | undefined> {
  if (deployment.chainId !== chain.chainId)
    return `it is for chain ${deployment.chainId}, the node serves chain ${chain.chainId}`;
  const hash = await chain.blockHash(deployment.deploymentBlock);
  if (hash === deployment.deploymentBlockHash) return undefined;
  const short = (h: string) => `${h.slice(0, 10)}…`;
  return (
    `it records the deployment in block ${deployment.deploymentBlock} (${short(deployment.deploymentBlockHash)}), ` +
    `but ${hash ? `that block of this chain is ${short(hash)}` : "this chain has no such block"}: ` +
    `it is another chain with the same id ${chain.chainId} (a restarted local node?)`
  );
}

/** Writes a deployment file atomically (temporary file, then rename). */
export async function writeDeployment(deployment: Deployment, path: string): Promise<void> {
  const valid = deploymentSchema.parse(deployment);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(valid, null, 2)}\n`);
  await rename(temporary, path);
}
