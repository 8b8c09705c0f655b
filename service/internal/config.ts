import { getAddress, HDNodeWallet, isAddress, Wallet } from "ethers";
import { z } from "zod";

import { ConfigError } from "./errors.js";

/**
 * The service's configuration: one zod schema of every environment variable the service reads (the README's
 * configuration table is this schema), parsed once by each entry point (`service/main.ts`, `service/verify/cli.ts`)
 * before anything is opened, and handed down as typed sections: `mirror`, `api`, `relay` (and verify's own view).
 * Nothing else in the server reads `process.env` (`client/`, the SDK, has its own CLI).
 */

const address = z
  .string()
  .refine((value) => isAddress(value), { error: "not an address" })
  .transform((value) => getAddress(value));

const boolean = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((value) => value === "true" || value === "1" || value === "yes");

const int = (min: number) => z.coerce.number().int().min(min);

/** The mnemonic of Hardhat's and anvil's development accounts. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";
/** The local development chain, where the relay has a default relayer account. */
export const DEV_CHAIN_ID = 31337;
/** On a development chain the relayer defaults to its account #19 (0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199). */
export const DEV_RELAYER_INDEX = 19;

/** Hardhat's development private key #`index` (tests and the benchmark use other relayer accounts). */
export function devAccountKey(index: number): string {
  return HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`).privateKey;
}

/** Comma-separated private keys, each valid, their accounts distinct. */
const relayerKeys = z.string().transform((value, ctx) => {
  const keys = value.split(",").map((k) => k.trim()).filter((k) => k !== "");
  const addresses: string[] = [];
  for (const [i, key] of keys.entries()) {
    try {
      addresses.push(new Wallet(key).address);
    } catch {
      ctx.addIssue({ code: "custom", message: `entry ${i + 1} is not a private key` });
      return z.NEVER;
    }
  }
  if (keys.length === 0 || new Set(addresses).size !== addresses.length) {
    ctx.addIssue({ code: "custom", message: "give one or more distinct private keys" });
    return z.NEVER;
  }
  return keys;
});

/** The mirror's keys (chain, ledger, database, sync) and the process's (port, log level, read-only). */
const mirrorKeys = {
  /** Required by the service; `npm run verify` without it verifies the local stack. */
  RPC_URL: z.url({ protocol: /^https?$/ }).optional(),
  LEDGER_ADDRESS: address.optional(),
  ACCESS_MANAGER_ADDRESS: address.optional(),
  DEPLOYMENT_BLOCK: int(0).optional(),
  DEPLOYMENT_FILE: z.string().min(1).optional(),
  /**
   * Which ledger the mirror follows. 1: ComputeVoucher and its AccessManager (LEDGER_ADDRESS, or the deployment file
   * chain-<id>.json). 2: ledger v2, its scheme registry, payment ledger and AccessManager, from its deployment record
   * (DEPLOYMENT_FILE, or ledger-v2-chain-<id>.json).
   */
  LEDGER_VERSION: z.enum(["1", "2"]).default("1"),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "lower-case SQL identifier")
    .default("public"),
  DATA_DIR: z.string().min(1).default(".data"),
  FINALITY_DEPTH: int(0).max(10_000).default(12),
  POLL_INTERVAL_MS: int(10).default(1000),
  GETLOGS_INITIAL_RANGE: int(1).default(2000),
  GETLOGS_MAX_RANGE: int(1).default(100_000),
  GETLOGS_TARGET_LOGS: int(1).default(5000),
  RPC_TIMEOUT_MS: int(100).default(30_000),
  PORT: int(0).max(65_535).default(8080),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  READ_ONLY: boolean.default(false),
};

/** The audit API's keys. */
const apiKeys = {
  API_HOST: z.string().min(1).default("127.0.0.1"),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    // zod runs this check even when the one above failed: it must not throw on a non-URL.
    .refine((value) => !URL.canParse(value) || (new URL(value).username === "" && new URL(value).password === ""), "must not contain user info (user@)")
    .optional(),
  AUTH_SECRET: z.string().min(32, "at least 32 characters").optional(),
  AUTH_TOKEN_TTL_SECONDS: int(10).max(86_400).default(900),
  AUTH_NONCE_TTL_SECONDS: int(10).max(3600).default(300),
  /** Longest a SIWE message may be valid for (expirationTime - issuedAt). */
  AUTH_MESSAGE_MAX_AGE_SECONDS: int(10).max(86_400).default(600),
  API_RATE_LIMIT_PER_ADDRESS: int(1).default(1200),
  API_RATE_LIMIT_PER_TOKEN: int(1).default(1200),
  API_RATE_LIMIT_AUTH_PER_IP: int(1).default(60),
  API_RATE_LIMIT_PUBLIC_PER_IP: int(1).default(300),
  API_RATE_LIMIT_WINDOW_MS: int(1000).default(60_000),
  API_REQUEST_TIMEOUT_MS: int(100).default(10_000),
  API_STATEMENT_TIMEOUT_MS: int(100).default(5_000),
  API_BODY_LIMIT_BYTES: int(256).max(1_048_576).default(16_384),
  API_READY_MAX_LAG: int(0).default(2),
  /** Check every response against its schema before sending (tests). */
  API_VALIDATE_RESPONSES: boolean.default(false),
};

/** The redemption relay's keys. */
const relayKeys = {
  /** Comma-separated private keys of the relayer accounts (each pays gas; one submitter each). */
  RELAYER_KEYS: relayerKeys.optional(),
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
};

/** The chain profile's keys (service/chain/profile.ts): detected from the node at start-up; these override it. */
const chainKeys = {
  /** The chain id where the node answers 0 (FISCO BCOS without web3_chain_id); any other answer must equal it. */
  CHAIN_ID: int(1).optional(),
  /** Whether `eth_call` at a past block reads that block's state (auto: tested at start-up). */
  CHAIN_HISTORICAL_CALLS: z.enum(["auto", "yes", "no"]).default("auto"),
  /** EIP-1559 fees or a legacy gas price (auto: EIP-1559 where eth_feeHistory answers and blocks have a base fee). */
  CHAIN_FEES: z.enum(["auto", "eip1559", "legacy"]).default("auto"),
};

/** Every environment variable the service reads, with its default. A new group of keys is one more spread here. */
export const envSchema = z
  .object({ ...mirrorKeys, ...apiKeys, ...relayKeys, ...chainKeys })
  .superRefine((env, ctx) => {
    if (env.LEDGER_ADDRESS !== undefined && env.DEPLOYMENT_BLOCK === undefined) {
      ctx.addIssue({ code: "custom", path: ["DEPLOYMENT_BLOCK"], message: "required with LEDGER_ADDRESS" });
    }
    if (env.GETLOGS_INITIAL_RANGE > env.GETLOGS_MAX_RANGE) {
      ctx.addIssue({ code: "custom", path: ["GETLOGS_INITIAL_RANGE"], message: "above GETLOGS_MAX_RANGE" });
    }
  });

export type Env = z.infer<typeof envSchema>;
/** Every key of the schema. */
export const ENV_KEYS = Object.keys(envSchema.shape) as (keyof Env)[];
/** Keys whose value an error message never shows: secrets, and URLs (which may carry credentials or API keys). */
const UNSHOWN_KEYS: ReadonlySet<string> = new Set(["RELAYER_KEYS", "AUTH_SECRET", "RPC_URL", "DATABASE_URL", "PUBLIC_URL"]);

/** The mirror's section (and the process's: port, log level, read-only). */
export interface Config {
  rpcUrl: string;
  /** Where the ledger is: given directly, or read from a deployment file (path, or the default for the chain). */
  ledger:
    | { kind: "address"; ledger: string; accessManager: string | undefined; deploymentBlock: number }
    | { kind: "file"; path: string | undefined };
  /** Which ledger the mirror follows (LEDGER_VERSION). */
  ledgerVersion: 1 | 2;
  database: { kind: "postgres"; url: string; schema: string } | { kind: "pglite"; dataDir: string };
  finalityDepth: number;
  pollIntervalMs: number;
  getLogs: { initialRange: number; maxRange: number; targetLogs: number };
  rpcTimeoutMs: number;
  port: number;
  logLevel: Env["LOG_LEVEL"];
  readOnly: boolean;
  chain: { chainId: number | undefined; historicalCalls: Env["CHAIN_HISTORICAL_CALLS"]; fees: Env["CHAIN_FEES"] };
}
export type MirrorConfig = Config;

/** The audit API's section. */
export interface ApiConfig {
  host: string;
  port: number;
  /** The origin of PUBLIC_URL (scheme, host, port): a SIWE message's `uri` must be on it. */
  publicUrl: string;
  /** The SIWE `domain` expected: the authority (host[:port]) of the public URL. */
  domain: string;
  authSecret: string | undefined;
  tokenTtlSeconds: number;
  nonceTtlSeconds: number;
  messageMaxAgeSeconds: number;
  rateLimit: { perAddress: number; perToken: number; authPerIp: number; publicPerIp: number; windowMs: number };
  requestTimeoutMs: number;
  statementTimeoutMs: number;
  bodyLimitBytes: number;
  readyMaxLag: number;
  /** Check every response against its schema before sending (tests). */
  validateResponses: boolean;
}

/** The relay's section as configured; which accounts it uses depends on the chain ({@link relayConfigFor}). */
export interface RelaySettings {
  /** Absent when RELAYER_KEYS is unset. */
  relayerKeys: string[] | undefined;
  batchSize: number;
  maxInFlight: number;
  pollMs: number;
  resendAfterMs: number;
  maxAttempts: number;
}

/** The relay's configuration on a chain: its relayer accounts resolved. */
export interface RelayConfig extends RelaySettings {
  relayerKeys: string[];
}

/** What `service/main.ts` runs on. */
export interface ServiceConfig {
  mirror: Config;
  api: ApiConfig;
  relay: RelaySettings;
}

/** What `npm run verify` runs on: the mirror's section when RPC_URL is set, else the local stack in `dataDir`. */
export interface VerifyConfig {
  logLevel: Env["LOG_LEVEL"];
  dataDir: string;
  mirror: Config | undefined;
}

/**
 * Parses every key of `source` with the one schema; throws a {@link ConfigError} naming the first bad key. Empty
 * strings count as unset; `defaults` fill keys left unset (an entry point's own defaults).
 */
export function parseEnv(source: Record<string, string | undefined>, defaults: Partial<Record<keyof Env, string>> = {}): Env {
  const input: Record<string, string> = {};
  for (const key of ENV_KEYS) {
    const value = source[key] ?? "";
    const fallback = defaults[key];
    if (value !== "") input[key] = value;
    else if (fallback !== undefined) input[key] = fallback;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0] === undefined ? "environment" : String(issue.path[0]);
    throw new ConfigError(`configuration: ${key} is invalid${shown(key, input[key])}: ${issue?.message ?? "bad value"}`);
  }
  return parsed.data;
}

function shown(key: string, value: string | undefined): string {
  if (value === undefined) return " (unset)";
  return UNSHOWN_KEYS.has(key) ? "" : ` (${JSON.stringify(value)})`;
}

function mirrorSection(env: Env, rpcUrl: string): Config {
  return {
    rpcUrl,
    ledger:
      env.LEDGER_ADDRESS !== undefined
        ? {
            kind: "address",
            ledger: env.LEDGER_ADDRESS,
            accessManager: env.ACCESS_MANAGER_ADDRESS,
            deploymentBlock: env.DEPLOYMENT_BLOCK ?? 0,
          }
        : { kind: "file", path: env.DEPLOYMENT_FILE },
    ledgerVersion: env.LEDGER_VERSION === "2" ? 2 : 1,
    database:
      env.DATABASE_URL !== undefined
        ? { kind: "postgres", url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA }
        : { kind: "pglite", dataDir: env.DATA_DIR },
    finalityDepth: env.FINALITY_DEPTH,
    pollIntervalMs: env.POLL_INTERVAL_MS,
    getLogs: {
      initialRange: env.GETLOGS_INITIAL_RANGE,
      maxRange: env.GETLOGS_MAX_RANGE,
      targetLogs: env.GETLOGS_TARGET_LOGS,
    },
    rpcTimeoutMs: env.RPC_TIMEOUT_MS,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    readOnly: env.READ_ONLY,
    chain: { chainId: env.CHAIN_ID, historicalCalls: env.CHAIN_HISTORICAL_CALLS, fees: env.CHAIN_FEES },
  };
}

function apiSection(env: Env): ApiConfig {
  const publicUrl = new URL(env.PUBLIC_URL ?? `http://127.0.0.1:${env.PORT}`);
  return {
    host: env.API_HOST,
    port: env.PORT,
    publicUrl: publicUrl.origin,
    domain: publicUrl.host,
    authSecret: env.AUTH_SECRET,
    tokenTtlSeconds: env.AUTH_TOKEN_TTL_SECONDS,
    nonceTtlSeconds: env.AUTH_NONCE_TTL_SECONDS,
    messageMaxAgeSeconds: env.AUTH_MESSAGE_MAX_AGE_SECONDS,
    rateLimit: {
      perAddress: env.API_RATE_LIMIT_PER_ADDRESS,
      perToken: env.API_RATE_LIMIT_PER_TOKEN,
      authPerIp: env.API_RATE_LIMIT_AUTH_PER_IP,
      publicPerIp: env.API_RATE_LIMIT_PUBLIC_PER_IP,
      windowMs: env.API_RATE_LIMIT_WINDOW_MS,
    },
    requestTimeoutMs: env.API_REQUEST_TIMEOUT_MS,
    statementTimeoutMs: env.API_STATEMENT_TIMEOUT_MS,
    bodyLimitBytes: env.API_BODY_LIMIT_BYTES,
    readyMaxLag: env.API_READY_MAX_LAG,
    validateResponses: env.API_VALIDATE_RESPONSES,
  };
}

function relaySection(env: Env): RelaySettings {
  return {
    relayerKeys: env.RELAYER_KEYS,
    batchSize: env.RELAY_BATCH_SIZE,
    maxInFlight: env.RELAY_MAX_IN_FLIGHT,
    pollMs: env.RELAY_POLL_MS,
    resendAfterMs: env.RELAY_RESEND_AFTER_MS,
    maxAttempts: env.RELAY_MAX_ATTEMPTS,
  };
}

/** The service's configuration from `source`, every section checked; throws a {@link ConfigError} naming the key. */
export function loadConfig(source: Record<string, string | undefined> = process.env): ServiceConfig {
  const env = parseEnv(source);
  if (env.RPC_URL === undefined) throw new ConfigError("configuration: RPC_URL is invalid (unset): required");
  return { mirror: mirrorSection(env, env.RPC_URL), api: apiSection(env), relay: relaySection(env) };
}

/** `npm run verify`'s configuration: the same schema, with LOG_LEVEL defaulting to `warn`. */
export function loadVerifyConfig(source: Record<string, string | undefined> = process.env): VerifyConfig {
  const env = parseEnv(source, { LOG_LEVEL: "warn" });
  return {
    logLevel: env.LOG_LEVEL,
    dataDir: env.DATA_DIR,
    mirror: env.RPC_URL === undefined ? undefined : mirrorSection(env, env.RPC_URL),
  };
}

/**
 * The relay's accounts on chain `chainId`: RELAYER_KEYS, or without it on a development chain (31337) Hardhat's
 * account #19; any other chain requires the key (throws a {@link ConfigError}).
 */
export function relayConfigFor(settings: RelaySettings, chainId: number): RelayConfig {
  if (settings.relayerKeys !== undefined) return { ...settings, relayerKeys: settings.relayerKeys };
  if (chainId !== DEV_CHAIN_ID) throw new ConfigError(`configuration: RELAYER_KEYS is required on chain ${chainId}`);
  return { ...settings, relayerKeys: [devAccountKey(DEV_RELAYER_INDEX)] };
}
