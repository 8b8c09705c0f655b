import { setFlagsFromString } from "node:v8";

import { getAddress } from "ethers";

import { deploymentMismatch, deploymentPath, readDeployment, readV2Deployment, v2DeploymentPath } from "./domain/deployment.js";
import { createDecoder, loadAbis, loadAbisV2 } from "./chain/abi.js";
import { createLogFetcher } from "./chain/logs.js";
import { type ChainProfile, confirmHistoricalCalls, describeProfile, detectChainProfile } from "./chain/profile.js";
import { createRpc, type Rpc } from "./chain/rpc.js";
import type { Config } from "./internal/config.js";
import { ConfigError, FatalError, WrongChainError } from "./internal/errors.js";
import type { Logger } from "./internal/logger.js";
import { withRetry } from "./internal/retry.js";
import { openDatabase, openingChangesNothing } from "./store/database.js";
import { migrate, schemaVersion } from "./store/migrations.js";
import { migrateRegistry, REGISTRY_MIGRATIONS } from "./store/registry.js";
import { createMirrorStore, type MirrorStore } from "./store/store.js";
import { createSyncer, NO_HASH, type Syncer } from "./sync/syncer.js";

export interface Target {
  chainId: number;
  ledger: string;
  accessManager: string;
  deploymentBlock: number;
  /** Set when the mirror follows ledger v2: its scheme registry and payment ledger, whose logs it follows too. */
  v2?: { registry: string; payments: string; safe?: string };
}

export interface Mirror {
  target: Target;
  /** What the chain's node can answer (service/chain/profile.ts), read at start-up. */
  profile: ChainProfile;
  store: MirrorStore;
  /** Absent in read-only mode. */
  syncer: Syncer | undefined;
  close(): Promise<void>;
}

export interface MirrorDeps {
  config: Config;
  logger: Logger;
  signal?: AbortSignal;
  /** Called if the single-writer lock is lost: the process must stop writing at once. */
  onLockLost?: (error: Error) => void;
}

/**
 * How far past what the last full collection kept V8 lets the heap grow before it collects again, in percent. Left
 * to itself, V8 lets it grow up to four times (300%) in a process with this much memory: during a backfill the live
 * heap is about 40 MiB (the modules and one slice in flight), and the garbage of the slices before it then made the
 * peak RSS grow with the length of the backfill (326 MiB at 100,000 events against 213 at 10,000). At 50% it stays
 * flat, for a few percent more CPU time in the collector.
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Bounds the heap's growth for a long-running process of the service (the writer, a replica), once it has started,
 * unless `node` was started with its own `--heap-growing-percent` (NODE_OPTIONS cannot carry it).
 */
export function boundHeapGrowth(): void {
  const given = process.execArgv.some((arg) => arg.includes("heap-growing-percent"));
  if (!given) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/** `authority()` of an AccessManaged contract. */
const AUTHORITY_SELECTOR = "0xbf7e214f";

/** Ledger v2's contracts, from its deployment record (DEPLOYMENT_FILE, or the default file for the node's chain). */
async function resolveV2Target(config: Config, rpc: Rpc, chainId: number): Promise<Target> {
  if (config.ledger.kind === "address") {
    throw new ConfigError("LEDGER_VERSION=2 follows ledger v2 from its deployment record: set DEPLOYMENT_FILE instead of LEDGER_ADDRESS");
  }
  const path = config.ledger.path ?? v2DeploymentPath(chainId);
  let deployment;
  try {
    deployment = await readV2Deployment(path);
  } catch (error) {
    throw new ConfigError(`DEPLOYMENT_FILE: ${(error as Error).message} (deploy ledger v2 with \`npx hardhat ledger deploy --v2\`)`);
  }
  const mismatch = await deploymentMismatch(deployment, { chainId, blockHash: async (n) => (await rpc.header(n))?.hash });
  if (mismatch !== undefined) throw new WrongChainError(`the deployment file ${path} does not describe this chain: ${mismatch}`);
  return {
    chainId,
    ledger: deployment.ledger,
    accessManager: deployment.accessManager,
    deploymentBlock: deployment.deploymentBlock,
    v2: { registry: deployment.registry, payments: deployment.payments, ...(deployment.safe === undefined ? {} : { safe: deployment.safe }) },
  };
}

/** The contracts the mirror follows besides the ledger and its AccessManager: v2's registry, payments and Safe. */
export function v2Addresses(target: Target): string[] {
  if (target.v2 === undefined) return [];
  return [target.v2.registry, target.v2.payments, ...(target.v2.safe === undefined ? [] : [target.v2.safe])];
}

/** Finds the ledger on chain `chainId` (the profile's): from the configuration, or from the chain's deployment file. */
export async function resolveTarget(config: Config, rpc: Rpc, chainId: number): Promise<Target> {
  if (config.ledgerVersion === 2) return resolveV2Target(config, rpc, chainId);
  if (config.ledger.kind === "address") {
    let accessManager = config.ledger.accessManager;
    if (accessManager === undefined) {
      const word = String(await rpc.call("eth_call", [{ to: config.ledger.ledger, data: AUTHORITY_SELECTOR }, "latest"]));
      if (word.length < 66) throw new ConfigError(`LEDGER_ADDRESS ${config.ledger.ledger} has no authority(): is it the ledger?`);
      accessManager = getAddress(`0x${word.slice(-40)}`);
    }
    return { chainId, ledger: config.ledger.ledger, accessManager, deploymentBlock: config.ledger.deploymentBlock };
  }
  const path = config.ledger.path ?? deploymentPath(chainId);
  let deployment;
  try {
    deployment = await readDeployment(path);
  } catch (error) {
    throw new ConfigError(`DEPLOYMENT_FILE: ${(error as Error).message} (or set LEDGER_ADDRESS and DEPLOYMENT_BLOCK)`);
  }
  if (deployment.chainId !== chainId) {
    throw new WrongChainError(`the deployment file ${path} is for chain ${deployment.chainId}, the node is chain ${chainId}`);
  }
  const block = await rpc.header(deployment.deploymentBlock);
  if (block?.hash !== deployment.deploymentBlockHash) {
    throw new WrongChainError(
      `block ${deployment.deploymentBlock} of the node is not the one the deployment file ${path} records ` +
        `(a restarted local chain?): deploy again, or point RPC_URL at the chain it was deployed to`,
    );
  }
  return {
    chainId,
    ledger: deployment.ledger,
    accessManager: deployment.accessManager,
    deploymentBlock: deployment.deploymentBlock,
  };
}

/**
 * Reads the node's chain profile (refusing a chain the service cannot run on), finds the ledger, and logs the profile:
 * what every process that reads the chain (the mirror, verify) starts with. Retries while the node does not answer.
 */
export async function openChain(
  config: Config,
  rpc: Rpc,
  logger: Logger,
  signal?: AbortSignal,
): Promise<{ profile: ChainProfile; target: Target }> {
  const { profile, target } = await withRetry(
    async () => {
      const detected = await detectChainProfile(rpc, config.chain);
      const found = await resolveTarget(config, rpc, detected.chainId);
      const probe = { address: found.ledger, deploymentBlock: found.deploymentBlock, probe: AUTHORITY_SELECTOR };
      return { profile: await confirmHistoricalCalls(rpc, detected, probe), target: found };
    },
    {
      attempts: 10,
      initialMs: 200,
      maxMs: 5000,
      signal,
      onRetry: (error) => logger.warn({ err: (error as Error).message }, "cannot reach the RPC node yet; retrying"),
    },
  );
  const entry = { event: "chain.profile", ...profile };
  if (profile.historicalCalls) logger.info(entry, describeProfile(profile));
  else logger.warn(entry, describeProfile(profile));
  return { profile, target };
}

/**
 * Opens everything the mirror needs: the RPC client, the target contracts, the store (taking the writer lock and
 * migrating, unless read-only), and the sync loop. Initialises the checkpoint on a fresh database, and refuses a
 * database that mirrors another chain or ledger.
 */
export async function openMirror({ config, logger, signal, onLockLost }: MirrorDeps): Promise<Mirror> {
  const rpc = createRpc({ url: config.rpcUrl, timeoutMs: config.rpcTimeoutMs });
  // A PGlite store made before opens while the chain is probed: PGlite's start is mostly its own computing, the probe
  // mostly waits on the node's answers, so the one hides the other. When the chain is refused, the store is closed
  // again (a wait for the writer lock cut short) before the refusal goes up. A store not yet made is opened after.
  const opening = new AbortController();
  const open = () =>
    openDatabase(config.database, {
      logger, writer: !config.readOnly, signal: signal === undefined ? opening.signal : AbortSignal.any([signal, opening.signal]), onLockLost,
    });
  const early = (await openingChangesNothing(config.database)) ? open() : undefined;
  early?.catch(() => undefined); // awaited below, once the chain is known
  let chain: Awaited<ReturnType<typeof openChain>>;
  let abis: Awaited<ReturnType<typeof loadAbis>>;
  try {
    chain = await openChain(config, rpc, logger, signal);
    logger.info({ ...chain.target, event: "mirror.target" }, "mirroring ledger");
    abis = chain.target.v2 === undefined ? await loadAbis() : await loadAbisV2();
  } catch (error) {
    opening.abort();
    await early?.then((db) => db.close(), () => undefined);
    throw error;
  }
  const { profile, target } = chain;
  const db = await (early ?? open());
  try {
    const store = createMirrorStore(db, { ledgerVersion: target.v2 === undefined ? 1 : 2 });
    if (config.readOnly) {
      const version = await schemaVersion(db);
      // The identity registry's migrations (300+) come after every other: a replica needs them for names too.
      const latest = REGISTRY_MIGRATIONS[REGISTRY_MIGRATIONS.length - 1]!.version;
      if (version < latest) throw new FatalError("SCHEMA_BEHIND", `the database schema is at ${version}, this service needs ${latest}: start the writer first`);
      return { target, profile, store, syncer: undefined, close: () => db.close() };
    }
    const applied = [...(await migrate(db)), ...(await migrateRegistry(db))];
    if (applied.length > 0) logger.info({ applied }, "migrations applied");
    const existing = await store.checkpoint();
    if (existing === undefined) {
      const before = target.deploymentBlock - 1;
      const header = before >= 0 ? await withRetry(() => rpc.header(before), { attempts: 10, initialMs: 200, maxMs: 5000, signal }) : undefined;
      await store.initCheckpoint({ ...target, number: before, hash: header?.hash ?? NO_HASH });
    } else if (
      existing.chainId !== target.chainId ||
      existing.ledger !== target.ledger ||
      existing.accessManager !== target.accessManager
    ) {
      throw new WrongChainError(
        `the database mirrors ledger ${existing.ledger} on chain ${existing.chainId}, not ${target.ledger} on chain ` +
          `${target.chainId}: use another database (DATABASE_URL / DATABASE_SCHEMA / DATA_DIR)`,
      );
    } else {
      logger.info({ block: existing.number, hash: existing.hash }, "resuming from the checkpoint");
    }
    const decoder = createDecoder(abis, { ...target, ...target.v2 });
    const fetcher = createLogFetcher({
      rpc,
      addresses: [target.ledger, target.accessManager, ...v2Addresses(target)],
      ...config.getLogs,
      logger,
      signal,
    });
    const syncer = createSyncer({
      rpc,
      store,
      decoder,
      fetcher,
      logger,
      chainId: target.chainId,
      finalityDepth: config.finalityDepth,
      pollIntervalMs: config.pollIntervalMs,
    });
    return { target, profile, store, syncer, close: () => db.close() };
  } catch (error) {
    await db.close();
    throw error;
  }
}
