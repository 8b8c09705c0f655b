import { createRpc } from "../chain/rpc.js";
import { loadConfig } from "../internal/config.js";
import { ServiceError } from "../internal/errors.js";
import { createLogger } from "../internal/logger.js";
import { resolveTarget } from "../mirror.js";
import { openDatabase } from "../store/database.js";
import { verifyLedger, type VerifyReport } from "./verify.js";

/**
 * `npm run verify`: rebuilds the ledger from the chain's logs alone, compares it with the contract's counters and
 * records and with the mirror, and prints every difference. Exit code 0: all equal; 1: differences; 2: could not
 * verify. Flags: `--chain-only` (no database), `--json` (the report as JSON on stdout), `--at-block N`.
 * The configuration is the service's (RPC_URL, DATABASE_URL or DATA_DIR, …). With PGlite the data folder is one
 * process's: stop the service first, or use GET /v1/verify.
 */
export function printReport(report: VerifyReport, write: (line: string) => void): void {
  write(`verified ledger ${report.ledger} on chain ${report.chainId} at block ${report.atBlock}: ${report.events} events`);
  const c = report.checked;
  write(`  compared ${c.cities} cities, ${c.vouchers} vouchers, ${c.redemptions} redemptions, ${c.accreditations} accreditations, ` +
    `${c.issuers} issuers, ${c.roles} role memberships with the contract${report.mirrorCompared ? " and the mirror" : ""}`);
  if (report.ok) {
    write("  no differences");
    return;
  }
  write(`  ${report.differences.length} difference(s):`);
  for (const d of report.differences) {
    write(`  - ${d.against}: ${d.entity} ${d.key} ${d.field}: chain says ${d.expected}, ${d.against} says ${d.actual}` +
      (d.block === null ? "" : ` (last changed in block ${d.block})`));
  }
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  const chainOnly = argv.includes("--chain-only");
  const atIndex = argv.indexOf("--at-block");
  const atBlock = atIndex >= 0 ? Number(argv[atIndex + 1]) : undefined;
  if (atBlock !== undefined && !Number.isSafeInteger(atBlock)) {
    process.stderr.write("--at-block needs a block number\n");
    return 2;
  }
  const unknown = argv.filter((a, i) => a.startsWith("--") && !["--json", "--chain-only", "--at-block"].includes(a) && i !== atIndex + 1);
  if (unknown.length > 0) {
    process.stderr.write(`unknown flag ${unknown[0]}: expected --json, --chain-only, --at-block N\n`);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? "warn", name: "verify" });
  try {
    const rpc = createRpc({ url: config.rpcUrl, timeoutMs: config.rpcTimeoutMs });
    const target = await resolveTarget(config, rpc);
    const db = chainOnly ? undefined : await openDatabase(config.database, { logger, writer: false });
    try {
      const report = await verifyLedger({ rpc, target, logger, db, ...(atBlock === undefined ? {} : { atBlock }) });
      if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printReport(report, (line) => process.stdout.write(`${line}\n`));
      return report.ok ? 0 : 1;
    } finally {
      await db?.close();
    }
  } catch (error) {
    const code = error instanceof ServiceError ? error.code : "UNEXPECTED";
    process.stderr.write(`verify failed (${code}): ${(error as Error).message}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
