import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import { getAddress, isAddress } from "ethers";
import { z } from "zod";

import { fromRoot } from "../internal/paths.js";

/**
 * Where a deployment of the ledger is recorded. v1: `chain-<id>.json`; v2: `ledger-v2-chain-<id>.json`, beside it.
 *
 * v1's record: the deployment of the ledger: one JSON file per chain in `scripts/deployments/`, written by the
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

/** Reads and validates a deployment file of either version; the error names the file and the field. */
async function readRecord<S extends z.ZodType>(schema: S, path: string): Promise<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read the deployment file ${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`the deployment file ${path} is invalid at "${issue?.path.join(".")}": ${issue?.message}`);
  }
  return parsed.data;
}

/** Writes a deployment file of either version atomically (temporary file, then rename). */
async function writeRecord<S extends z.ZodType>(schema: S, record: z.input<S>, path: string): Promise<void> {
  const valid = schema.parse(record);
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(valid, null, 2)}\n`);
  await rename(temporary, path);
}

/** Reads and validates a deployment file; the error names the file and the field. */
export function readDeployment(path: string): Promise<Deployment> {
  return readRecord(deploymentSchema, path);
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
export function writeDeployment(deployment: Deployment, path: string): Promise<void> {
  return writeRecord(deploymentSchema, deployment, path);
}

/**
 * Ledger v2's record: `scripts/deployments/ledger-v2-chain-<id>.json`, written by `ledger deploy --v2`
 * (scripts/lib/ledger/deployment.ts), read by the v2 tasks and by the mirror when it follows v2 (LEDGER_VERSION=2).
 */
export const v2DeploymentSchema = z.object({
  chainId: z.number().int().positive(),
  ledger: address,
  registry: address,
  payments: address,
  accessManager: address,
  forwarder: address,
  /**
   * The Safe that holds ADMIN: the mirror follows its events too, to name the owners who signed each of its
   * transactions. Absent in records written before the Safe was recorded (and for a deployer kept as ADMIN).
   */
  safe: address.optional(),
  /** Block of the AccessManager's deployment: the mirror follows events from here. */
  deploymentBlock: z.number().int().nonnegative(),
  deploymentBlockHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
  deployedAt: z.string(),
});

export type V2Deployment = z.infer<typeof v2DeploymentSchema>;

/** The path of the v2 deployment file for a chain id. */
export function v2DeploymentPath(chainId: number | bigint, dir: string = DEPLOYMENTS_DIR): string {
  return join(dir, `ledger-v2-chain-${chainId}.json`);
}

/** Reads and validates a v2 deployment file; the error names the file and the field. */
export function readV2Deployment(path: string): Promise<V2Deployment> {
  return readRecord(v2DeploymentSchema, path);
}

/** Writes a v2 deployment file atomically (temporary file, then rename). */
export function writeV2Deployment(deployment: V2Deployment, path: string): Promise<void> {
  return writeRecord(v2DeploymentSchema, deployment, path);
}
