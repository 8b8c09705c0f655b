/**
 * Generates the store's typed schema (`service/store/schema.ts`, the `DB` type of the query builder in
 * `service/store/query.ts`) from the migrations themselves: applies every migration of the service (the mirror's, the
 * identity registry's, the API's and the relay's) to a fresh schema of a PostgreSQL database and reads it back with
 * kysely-codegen. With `--verify`, changes nothing and fails when the committed file differs from what the migrations
 * make (a migration changed without regenerating the types). Needs PostgreSQL (`DATABASE_URL`):
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run schema:types [-- --verify]
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

import { migrateApi } from "../../service/api/migrations.js";
import { createLogger } from "../../service/internal/logger.js";
import { migrateRelay } from "../../service/relay/migrations.js";
import { openDatabase } from "../../service/store/database.js";
import { migrate } from "../../service/store/migrations.js";
import { migrateRegistry } from "../../service/store/registry.js";

const ROOT = join(import.meta.dirname, "..", "..");
export const SCHEMA_FILE = join(ROOT, "service", "store", "schema.ts");

const url = process.env.DATABASE_URL;
if (url === undefined || url === "") {
  console.error("DATABASE_URL is not set: the typed schema is read from PostgreSQL (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test)");
  process.exit(2);
}
const verify = process.argv.includes("--verify");
const schema = `schema_types_${process.pid}`;
const logger = createLogger({ level: "silent" });
const db = await openDatabase({ kind: "postgres", url, schema }, { logger, writer: false });
let code: number;
try {
  await migrate(db);
  await migrateRegistry(db);
  await migrateApi(db);
  await migrateRelay(db);
  code = await new Promise<number>((resolve) => {
    const child = spawn(
      join(ROOT, "node_modules", ".bin", "kysely-codegen"),
      [
        "--dialect", "postgres", "--url", url, "--default-schema", schema, "--include-pattern", `${schema}.*`,
        "--exclude-pattern", `${schema}.schema_migrations`,
        // Both backends answer bytea as a Uint8Array (node-postgres as a Buffer, which is one).
        "--type-mapping", JSON.stringify({ bytea: "Uint8Array" }),
        "--out-file", SCHEMA_FILE, ...(verify ? ["--verify"] : []), "--log-level", "error",
      ],
      { cwd: ROOT, stdio: "inherit" },
    );
    child.on("exit", (exit) => resolve(exit ?? 1));
  });
} finally {
  await db.query(`DROP SCHEMA "${schema}" CASCADE`).catch(() => undefined);
  await db.close();
}
if (code !== 0 && verify) console.error(`${SCHEMA_FILE} is not what the migrations make: run "npm run schema:types" and commit it`);
process.exit(code);
