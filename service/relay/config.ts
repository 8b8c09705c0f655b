import { HDNodeWallet, Wallet } from "ethers";
import { z } from "zod";

import { ConfigError } from "../internal/errors.js";

/** The mnemonic of Hardhat's and anvil's development accounts. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
/** On a development chain (31337) the relayer defaults to its account #19 (0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199). */
export const DEV_RELAYER_INDEX = 19;

const int = (min: number) => z.coerce.number().int().min(min);

/** The relay's environment variables, with their defaults. */
export const relayEnvSchema = z.object({
  /** Comma-separated private keys of the relayer accounts (each pays gas; one submitter each). */
  RELAYER_KEYS: z.string().optional(),
  /** Forward requests per `executeBatch` transaction. */
  RELAY_BATCH_SIZE: int(1).max(100).default(20),
  /** Transactions one relayer keeps in flight (sent, not yet mined). */
  RELAY_MAX_IN_FLIGHT: int(1).max(1000).default(32),
  /** How often the submitter and tracker look at the queue and the chain, in milliseconds. */
  RELAY_POLL_MS: int(10).default(200),
  /** After how long a pending transaction the node no longer knows is sent again, in milliseconds. */
  RELAY_RESEND_AFTER_MS: int(100).default(15_000),
  /** How often a request skipped by the forwarder is tried again before it fails. */
  RELAY_MAX_ATTEMPTS: int(1).default(5),
});

export interface RelayConfig {
  relayerKeys: string[];
  batchSize: number;
  maxInFlight: number;
  pollMs: number;
  resendAfterMs: number;
  maxAttempts: number;
}

function devKey(index: number): string {
  return HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).privateKey;
}

/**
 * Parses the relay's configuration; throws a {@link ConfigError} naming the key. Without RELAYER_KEYS, a development
 * chain (id 31337) uses Hardhat's account #19; any other chain requires the key.
 */
export function loadRelayConfig(source: Record<string, string | undefined>, chainId: number): RelayConfig {
  const input: Record<string, string> = {};
  for (const key of Object.keys(relayEnvSchema.shape)) {
    const value = source[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const parsed = relayEnvSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`configuration: ${String(issue?.path[0] ?? "relay")} is invalid: ${issue?.message ?? "bad value"}`);
  }
  const env = parsed.data;
  let keys: string[];
  if (env.RELAYER_KEYS === undefined) {
    if (chainId !== 31337) throw new ConfigError("configuration: RELAYER_KEYS is required on chain " + chainId);
    keys = [devKey(DEV_RELAYER_INDEX)];
  } else {
    keys = env.RELAYER_KEYS.split(",").map((k) => k.trim()).filter((k) => k !== "");
    keys.forEach((key, i) => {
      try {
        new Wallet(key);
      } catch {
        throw new ConfigError(`configuration: RELAYER_KEYS is invalid: entry ${i + 1} is not a private key`);
      }
    });
    const addresses = keys.map((k) => new Wallet(k).address);
    if (keys.length === 0 || new Set(addresses).size !== addresses.length) {
      throw new ConfigError("configuration: RELAYER_KEYS is invalid: give one or more distinct private keys");
    }
  }
  return {
    relayerKeys: keys,
    batchSize: env.RELAY_BATCH_SIZE,
    maxInFlight: env.RELAY_MAX_IN_FLIGHT,
    pollMs: env.RELAY_POLL_MS,
    resendAfterMs: env.RELAY_RESEND_AFTER_MS,
    maxAttempts: env.RELAY_MAX_ATTEMPTS,
  };
}

/** Hardhat's development private key #`index` (tests and the benchmark use other relayer accounts). */
export function devAccountKey(index: number): string {
  return devKey(index);
}
