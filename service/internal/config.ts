import { getAddress, isAddress } from "ethers";
import { z } from "zod";

import { ConfigError } from "./errors.js";

const address = z
  .string()
  .refine((value) => isAddress(value), { error: "not an address" })
  .transform((value) => getAddress(value));

const boolean = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((value) => value === "true" || value === "1" || value === "yes");

const int = (min: number) => z.coerce.number().int().min(min);

/** Every environment variable the service reads, with its default. The README's table is this schema. */
export const envSchema = z
  .object({
    RPC_URL: z.url({ protocol: /^https?$/ }),
    LEDGER_ADDRESS: address.optional(),
    ACCESS_MANAGER_ADDRESS: address.optional(),
    DEPLOYMENT_BLOCK: int(0).optional(),
    DEPLOYMENT_FILE: z.string().min(1).optional(),
    // Which ledger the mirror follows. 1: ComputeVoucher and its AccessManager (LEDGER_ADDRESS, or the deployment file
    // chain-<id>.json). 2: ledger v2, its scheme registry, payment ledger and AccessManager, from its deployment record
    // (DEPLOYMENT_FILE, or ledger-v2-chain-<id>.json).
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
  })
  .superRefine((env, ctx) => {
    if (env.LEDGER_ADDRESS !== undefined && env.DEPLOYMENT_BLOCK === undefined) {
      ctx.addIssue({ code: "custom", path: ["DEPLOYMENT_BLOCK"], message: "required with LEDGER_ADDRESS" });
    }
    if (env.GETLOGS_INITIAL_RANGE > env.GETLOGS_MAX_RANGE) {
      ctx.addIssue({ code: "custom", path: ["GETLOGS_INITIAL_RANGE"], message: "above GETLOGS_MAX_RANGE" });
    }
  });

export type Env = z.infer<typeof envSchema>;

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
}

/** Parses the environment; throws a {@link ConfigError} naming the first bad key. Empty strings count as unset. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const keys = Object.keys(envSchema.shape) as (keyof Env)[];
  const input: Record<string, string> = {};
  for (const key of keys) {
    const value = source[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0] === undefined ? "environment" : String(issue.path[0]);
    const shown = input[key] === undefined ? "unset" : JSON.stringify(input[key]);
    throw new ConfigError(`configuration: ${key} is invalid (${shown}): ${issue?.message ?? "bad value"}`);
  }
  const env = parsed.data;
  return {
    rpcUrl: env.RPC_URL,
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
  };
}
