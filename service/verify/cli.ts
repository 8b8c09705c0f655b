import { resolve } from "node:path";

import { createRpc } from "../chain/rpc.js";
import { type Config, loadConfig, loadVerifyConfig, type VerifyConfig } from "../internal/config.js";
import { ServiceError } from "../internal/errors.js";
import { localStackFiles, lockHolder, readStackState, type StackState } from "../internal/local-stack.js";
import { createLogger } from "../internal/logger.js";
import { createTokens, readSecretFile, secretKey } from "../internal/tokens.js";
import { openChain } from "../mirror.js";
import { openDatabase } from "../store/database.js";
import { type AnyVerifyReport, verifyLedger } from "./verify.js";

/**
 * `npm run verify`: rebuilds the ledger from the chain's logs alone, compares it with the contract's counters and
 * records and with the mirror, and prints every difference. Exit code 0: all equal; 1: differences; 2: could not
 * verify. Flags: `--chain-only` (no database), `--json` (the report as JSON on stdout), `--at-block N`.
 *
 * Without RPC_URL it verifies the local stack that `npm start` runs in DATA_DIR (.data): the running service holds
 * the mirror (a PGlite folder belongs to one process), so the CLI asks it (GET /v1/verify) with an auditor token
 * signed with the data folder's secret; `--chain-only` and `--at-block` read the stack's chain directly. With
 * RPC_URL the configuration is the service's (RPC_URL, DATABASE_URL or DATA_DIR, …); a PGlite folder that another
 * process holds is refused at once with a line saying what to do, never waited for. The configuration is the
 * service's one schema (service/internal/config.ts), parsed before anything is read or opened.
 */
export function printReport(report: AnyVerifyReport, write: (line: string) => void): void {
  write(`verified ledger ${report.ledger} on chain ${report.chainId} at block ${report.atBlock}: ${report.events} events`);
  const c = report.checked;
  const contract = report.contractBlock === null ? [] : ["the contract"];
  const mirror = report.mirrorTablesCompared ? ["the mirror"] : report.mirrorCompared ? ["the mirror's event log"] : [];
  const compared = [...contract, ...mirror].join(" and ") || "nothing (the logs alone)";
  if ("cities" in c) {
    write(`  compared ${c.cities} cities, ${c.vouchers} vouchers, ${c.redemptions} redemptions, ${c.accreditations} accreditations, ` +
      `${c.issuers} issuers, ${c.roles} role memberships with ${compared}`);
  } else {
    // Ledger v2 (service/verify/verify-v2.ts).
    write(`  compared ${Object.entries(c).map(([what, n]) => `${n} ${what}`).join(", ")} with ${compared}`);
  }
  if (report.mirrorCompared && !report.mirrorTablesCompared) {
    write(`  the mirror's tables were not compared: they hold the state at its checkpoint, block ${report.mirrorCheckpoint}, not at block ${report.atBlock}`);
  }
  if (report.contractBlock === null) {
    write(`  the contract was not compared: this node cannot read past state (historical eth_call unavailable), and block ${report.atBlock} is not its head`);
  } else if (report.contractBlock !== report.atBlock) {
    write(`  the contract was read at block ${report.contractBlock}, the node's head (checked not to have moved), with the logs up to it: ` +
      "this node cannot read past state (historical eth_call unavailable)");
  }
  if (report.ok) {
    write("  no differences");
    return;
  }
  write(`  ${report.differences.length} difference(s):`);
  for (const d of report.differences) {
    write(`  - ${d.against}: ${d.entity} ${d.key} ${d.field}: ${d.against === "registry" ? "must open" : "chain says"} ${d.expected}, ${d.against} says ${d.actual}` +
      (d.block === null ? "" : ` (last changed in block ${d.block})`));
  }
}

interface Options {
  json: boolean;
  chainOnly: boolean;
  atBlock: number | undefined;
}

/** Could not verify: one line on stderr, exit code 2. */
class CannotVerify extends Error {}

function output(report: AnyVerifyReport, options: Options): number {
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else printReport(report, (line) => process.stdout.write(`${line}\n`));
  return report.ok ? 0 : 1;
}

/** Verifies with this process's own reads: the chain through RPC, the mirror's database unless `--chain-only`. */
async function verifyDirectly(config: Config, logLevel: VerifyConfig["logLevel"], options: Options): Promise<number> {
  const logger = createLogger({ level: logLevel, name: "verify" });
  let db;
  if (!options.chainOnly) {
    const { database } = config;
    const busy = (pid: number | undefined) =>
      new CannotVerify(
        `the data folder ${resolve(database.kind === "pglite" ? database.dataDir : "")} is in use by ` +
          `${pid === undefined ? "another process" : `process ${pid}`} (a running service, or "npm start"), and a PGlite folder ` +
          `belongs to one process: ask that service (GET /v1/verify, or "npm run verify" without RPC_URL for the local ` +
          `stack), stop it first, or add --chain-only`,
      );
    if (database.kind === "pglite") {
      const holder = await lockHolder(database.dataDir);
      if (holder !== undefined) throw busy(holder);
    }
    // A folder taken between that look and the opening is not waited for either.
    const signal = AbortSignal.timeout(2000);
    try {
      db = await openDatabase(database, { logger, writer: false, signal });
    } catch (error) {
      if (signal.aborted) throw busy(database.kind === "pglite" ? await lockHolder(database.dataDir) : undefined);
      throw error;
    }
  }
  try {
    const rpc = createRpc({ url: config.rpcUrl, timeoutMs: config.rpcTimeoutMs });
    const { profile, target } = await openChain(config, rpc, logger);
    const atBlock = options.atBlock === undefined ? {} : { atBlock: options.atBlock };
    return output(await verifyLedger({ rpc, target, logger, db, historicalCalls: profile.historicalCalls, ...atBlock }), options);
  } finally {
    await db?.close();
  }
}

/** Asks the local stack's running service for its report, signed in as the demo auditor with the folder's secret. */
async function askLocalStack(state: StackState, dataDir: string, options: Options): Promise<number> {
  const secret = await readSecretFile(localStackFiles(dataDir).secret).catch((error: unknown) => {
    throw new CannotVerify((error as Error).message);
  });
  const token = createTokens({ secret: secretKey(secret), ttlSeconds: 600 }).issue(state.auditor).token;
  let response;
  try {
    response = await fetch(`${state.serviceUrl}/v1/verify`, { headers: { authorization: `Bearer ${token}`, accept: "application/json" } });
  } catch (error) {
    throw new CannotVerify(`the local stack's service at ${state.serviceUrl} does not answer (${(error as Error).message}): is "npm start" still running?`);
  }
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string; title?: string };
    throw new CannotVerify(`the local stack's service refused (${response.status} ${problem.code ?? ""}): ${problem.detail ?? problem.title ?? ""}`);
  }
  return output((await response.json()) as AnyVerifyReport, options);
}

async function verifyLocalStack(verify: VerifyConfig, options: Options): Promise<number> {
  const dataDir = resolve(verify.dataDir);
  const state = await readStackState(dataDir);
  if (state === undefined) {
    throw new CannotVerify(
      `no local stack is running in ${dataDir}: start it with "npm start" and run this again, or set RPC_URL ` +
        `(and DATABASE_URL or DATA_DIR) to verify another deployment`,
    );
  }
  if (!state.ready) throw new CannotVerify(`the local stack in ${dataDir} is still starting: run this again once "npm start" says it is running`);
  if (!options.chainOnly && options.atBlock === undefined) return askLocalStack(state, dataDir, options);
  if (!options.chainOnly) {
    process.stderr.write("--at-block: the running service holds the mirror, so the chain's logs are compared with the contract only\n");
  }
  // The stack's own chain and deployment, checked by the same schema.
  const { mirror } = loadConfig({
    RPC_URL: state.rpcUrl, DEPLOYMENT_FILE: state.deploymentFile, DATA_DIR: dataDir, LEDGER_VERSION: String(state.ledgerVersion ?? 1),
  });
  return verifyDirectly(mirror, verify.logLevel, { ...options, chainOnly: true });
}

async function main(argv: string[]): Promise<number> {
  const atIndex = argv.indexOf("--at-block");
  const atBlock = atIndex >= 0 ? Number(argv[atIndex + 1]) : undefined;
  if (atBlock !== undefined && (!Number.isSafeInteger(atBlock) || atBlock < 0)) {
    process.stderr.write("--at-block needs a block number\n");
    return 2;
  }
  const unknown = argv.filter((a, i) => !["--json", "--chain-only", "--at-block"].includes(a) && !(atIndex >= 0 && i === atIndex + 1));
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument ${unknown[0]}: expected --json, --chain-only, --at-block N\n`);
    return 2;
  }
  const options: Options = { json: argv.includes("--json"), chainOnly: argv.includes("--chain-only"), atBlock };
  try {
    let verify;
    try {
      verify = loadVerifyConfig();
    } catch (error) {
      throw new CannotVerify((error as Error).message);
    }
    if (verify.mirror === undefined) return await verifyLocalStack(verify, options);
    return await verifyDirectly(verify.mirror, verify.logLevel, options);
  } catch (error) {
    if (error instanceof CannotVerify) {
      process.stderr.write(`npm run verify: ${error.message}\n`);
      return 2;
    }
    const code = error instanceof ServiceError ? error.code : "UNEXPECTED";
    process.stderr.write(`verify failed (${code}): ${(error as Error).message}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
