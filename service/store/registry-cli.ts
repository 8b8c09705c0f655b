import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

import { loadDatabaseConfig } from "../internal/config.js";
import { ConfigError } from "../internal/errors.js";
import { lockHolder } from "../internal/local-stack.js";
import { createLogger } from "../internal/logger.js";
import { openDatabase } from "./database.js";
import { exportRegistry, loadRecords, migrateRegistry, parseRegistryFile, RegistryMismatchError } from "./registry.js";

/**
 * `npm run registry -- export <file>` writes the identity registry (names, credit codes, invoice numbers, document
 * salts) to a JSON file; `npm run registry -- import <file>` checks every record of such a file against the chain as
 * the mirror holds it and writes them all, or none. The database is the service's (DATABASE_URL / DATABASE_SCHEMA, or
 * DATA_DIR). Export reads (on PGlite the folder must be free: stop the service); import writes, so it takes the
 * writer's lock: stop the writer first (it does not wait more than a few seconds).
 */

const USAGE = "usage: npm run registry -- export <file> | import <file>";

class CannotRun extends Error {}

async function run(argv: string[], env: Record<string, string | undefined>): Promise<string> {
  const [command, file] = argv;
  if ((command !== "export" && command !== "import") || file === undefined) throw new CannotRun(USAGE);
  const { database, logLevel } = loadDatabaseConfig(env);
  if (database.kind === "pglite") {
    const holder = await lockHolder(database.dataDir);
    if (holder !== undefined) throw new CannotRun(`the data folder ${resolve(database.dataDir)} is in use by process ${holder}: stop the service first`);
  }
  const logger = createLogger({ level: logLevel, name: "registry" });
  const writer = command === "import";
  const signal = AbortSignal.timeout(5000);
  let db;
  try {
    db = await openDatabase(database, { logger, writer, signal });
  } catch (error) {
    if (signal.aborted) throw new CannotRun("another process writes this database (the mirror's writer): stop it first, then import");
    throw error;
  }
  try {
    if (command === "export") {
      const registry = await exportRegistry(db);
      // Salts open private documents: the file is for the operator's eyes only.
      await writeFile(file, `${JSON.stringify(registry, null, 2)}\n`, { mode: 0o600 });
      return `exported ${registry.companies.length} companies, ${registry.invoices.length} invoice numbers and ${registry.salts.length} document salts to ${file}`;
    }
    let records;
    try {
      records = parseRegistryFile(JSON.parse(await readFile(file, "utf8")));
    } catch (error) {
      throw new CannotRun(`${file}: ${(error as Error).message}`);
    }
    const mirrored = await db.query<{ t: string | null }>("SELECT to_regclass('v2_entities')::text AS t");
    if (mirrored[0]?.t === null || mirrored[0]?.t === undefined) {
      throw new CannotRun("this database holds no mirror of ledger v2 to check the records against: start the service (LEDGER_VERSION=2) first");
    }
    await migrateRegistry(db);
    const loaded = await loadRecords(db, records, "import");
    return `imported ${loaded.companies} companies, ${loaded.invoices} invoice numbers and ${loaded.salts} document salts from ${file}`;
  } finally {
    await db.close();
  }
}

/** Runs the command; exit 0 when done, 1 when a record does not match the chain (nothing written), 2 otherwise. */
export async function main(argv = process.argv.slice(2), env: Record<string, string | undefined> = process.env): Promise<number> {
  try {
    process.stdout.write(`${await run(argv, env)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof RegistryMismatchError) {
      process.stderr.write(`nothing was imported: ${error.problems.length} record(s) do not match the chain\n`);
      for (const p of error.problems) process.stderr.write(`  - ${p.path}: ${p.message}\n`);
      return 1;
    }
    if (error instanceof CannotRun || error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main();
}
