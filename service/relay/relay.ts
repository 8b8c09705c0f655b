import { Wallet } from "ethers";

import { createRelayChain, type RelayChain } from "./chain.js";
import type { LedgerVersion } from "./ledger.js";
import type { ChainProfile } from "../chain/profile.js";
import { createRpc } from "../chain/rpc.js";
import { lockRelayer, type RelayerLock } from "./lock.js";
import { migrateRelay } from "./migrations.js";
import { createRelayQueue, type RelayQueue } from "./queue.js";
import { createRelayWorker, type RelayWorker } from "./worker.js";
import { isRetryable } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";
import { withRetry } from "../internal/retry.js";
import { type Config, type RelayConfig, relayConfigFor, type RelaySettings } from "../internal/config.js";
import type { Database, DatabaseConfig } from "../store/database.js";

export interface RelayDeps {
  rpcUrl: string;
  /** The bound on each JSON-RPC request (RPC_TIMEOUT_MS, as the mirror's). */
  rpcTimeoutMs: number;
  chainId: number;
  ledger: string;
  /** The ledger's version (LEDGER_VERSION, from the deployment): which redemptions the relay takes. Default 1. */
  ledgerVersion?: LedgerVersion;
  /** What the chain's node can answer: how the relay reads state and prices gas. */
  profile: ChainProfile;
  /** The mirror's database (the relay's tables live next to the mirror's). */
  db: Database;
  /** How that database was opened: on PostgreSQL each relayer account takes an advisory lock. */
  database: DatabaseConfig;
  config: RelayConfig;
  logger: Logger;
  /** Confirmations after which a redemption is reported final (the mirror's FINALITY_DEPTH). */
  finalityDepth: number;
  /** Called if a relayer lock is lost: the process must stop. */
  onLockLost?: (error: Error) => void;
}

/**
 * The relay's dependencies in a service process: the mirror's chain, ledger and database, and the relay's section
 * of the configuration, its accounts resolved for the mirror's chain.
 */
export function relayDepsFor(
  config: Config,
  relay: RelaySettings,
  mirror: { target: { chainId: number; ledger: string; v2?: unknown }; profile: ChainProfile; store: { db: Database } },
  logger: Logger,
): RelayDeps {
  return {
    rpcUrl: config.rpcUrl,
    rpcTimeoutMs: config.rpcTimeoutMs,
    chainId: mirror.target.chainId,
    ledger: mirror.target.ledger,
    ledgerVersion: mirror.target.v2 === undefined ? 1 : 2,
    profile: mirror.profile,
    db: mirror.store.db,
    database: config.database,
    config: relayConfigFor(relay, mirror.target.chainId),
    logger,
    finalityDepth: config.finalityDepth,
  };
}

export interface Relay {
  /** The ledger the relay submits to: v1's endpoints (`/v1/redemptions…`) or v2's (`/v2/redemptions…`). */
  version: LedgerVersion;
  chain: RelayChain;
  queue: RelayQueue;
  /** Addresses of the relayer accounts. */
  relayers: string[];
  finalityDepth: number;
  /** Wakes the submitters (a request was queued). */
  notify(): void;
  /** Stops the submitters and trackers after their current step and releases the locks. */
  stop(): Promise<void>;
}

/**
 * Starts the relay: migrates its tables, locks each relayer account, reconciles every stored request and
 * transaction with the chain, then runs one submitter-and-tracker loop per relayer account.
 */
export async function createRelay(deps: RelayDeps): Promise<Relay> {
  const { logger } = deps;
  const applied = await migrateRelay(deps.db);
  if (applied.length > 0) logger.info({ applied }, "relay migrations applied");
  const rpc = createRpc({ url: deps.rpcUrl, timeoutMs: deps.rpcTimeoutMs });
  const version = deps.ledgerVersion ?? 1;
  const chain = await createRelayChain({ rpc, ledger: deps.ledger, chainId: deps.chainId, profile: deps.profile, version });
  const queue = createRelayQueue(deps.db);
  // The wallets only sign (every field of a transaction is given); the chain is asked through `rpc`.
  const wallets = deps.config.relayerKeys.map((key) => new Wallet(key));
  const relayers = wallets.map((w) => w.address);
  const adopted = await queue.adoptOrphans(relayers);
  if (adopted > 0) logger.warn({ adopted }, "queued requests of relayer accounts no longer configured were reassigned");
  const controller = new AbortController();
  const locks: RelayerLock[] = [];
  const wakers = new Set<() => void>();
  const notify = () => {
    for (const wake of [...wakers]) wake();
  };

  async function loop(worker: RelayWorker): Promise<void> {
    let reconciled = false;
    const step = async () => {
      if (!reconciled) {
        await worker.reconcile();
        reconciled = true;
      }
      return worker.tick();
    };
    while (!controller.signal.aborted) {
      let busy: boolean;
      try {
        // Every failure is tried again; one that is not retryable is logged as an error.
        busy = await withRetry(step, {
          initialMs: 400,
          maxMs: 5000,
          signal: controller.signal,
          retryable: () => true,
          onRetry: (error, attempt) => {
            const level = isRetryable(error) ? "warn" : "error";
            logger[level]({ relayer: worker.relayer, err: (error as Error).message, attempt, event: "relay.retry" }, "relay step failed; trying again");
          },
        });
      } catch {
        break; // thrown only once stopped
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          wakers.delete(wake);
          controller.signal.removeEventListener("abort", wake);
          resolve();
        };
        const timer = setTimeout(wake, busy ? Math.min(deps.config.pollMs, 50) : deps.config.pollMs);
        wakers.add(wake);
        controller.signal.addEventListener("abort", wake, { once: true });
      });
    }
  }

  const loops: Promise<void>[] = [];
  try {
    for (const wallet of wallets) {
      locks.push(await lockRelayer(deps.database, wallet.address, { logger, signal: controller.signal, onLost: deps.onLockLost }));
      const worker = createRelayWorker({
        chain,
        queue,
        logger,
        wallet,
        batchSize: deps.config.batchSize,
        maxInFlight: deps.config.maxInFlight,
        resendAfterMs: deps.config.resendAfterMs,
        maxAttempts: deps.config.maxAttempts,
      });
      loops.push(loop(worker));
    }
  } catch (error) {
    controller.abort();
    await Promise.all(locks.map((l) => l.release()));
    throw error;
  }
  logger.info({ relayers, forwarder: chain.forwarder, ledgerVersion: version }, "relay started");
  return {
    version,
    chain,
    queue,
    relayers,
    finalityDepth: deps.finalityDepth,
    notify,
    async stop() {
      controller.abort();
      await Promise.all(loops);
      await Promise.all(locks.map((l) => l.release()));
    },
  };
}
