import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import pg from "pg";

import { loadConfig } from "../../../service/internal/config.js";
import { createLogger } from "../../../service/internal/logger.js";
import { type Mirror, openMirror } from "../../../service/mirror.js";
import type { TestLedger } from "./ledger.js";

export type BackendKind = "pglite" | "postgres";

/** PGlite always; PostgreSQL too when DATABASE_URL is set (as CI does). */
export function backends(): BackendKind[] {
  return process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

export interface TestDatabase {
  env: Record<string, string>;
  drop(): Promise<void>;
}

/** A fresh, empty database: a temporary PGlite data folder, or a schema of its own on PostgreSQL. */
export async function newDatabase(kind: BackendKind): Promise<TestDatabase> {
  if (kind === "pglite") {
    const dir = await mkdtemp(join(tmpdir(), "cvl-mirror-"));
    return { env: { DATA_DIR: dir }, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const url = process.env.DATABASE_URL!;
  const schema = `mirror_test_${randomBytes(6).toString("hex")}`;
  return {
    env: { DATABASE_URL: url, DATABASE_SCHEMA: schema },
    async drop() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

/** Fresh databases for a suite (`fresh`), all dropped at its end (`dropAll`). */
export function testDatabases(): { fresh: (kind: BackendKind) => Promise<TestDatabase>; dropAll: () => Promise<void> } {
  const made: TestDatabase[] = [];
  return {
    async fresh(kind) {
      const db = await newDatabase(kind);
      made.push(db);
      return db;
    },
    async dropAll() {
      for (const db of made.splice(0)) await db.drop().catch(() => undefined);
    },
  };
}

/** The service's environment for a test ledger on a node, with small ranges so that tests exercise them. */
export async function mirrorEnv(
  url: string,
  t: TestLedger,
  db: TestDatabase,
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  return {
    ...mirrorTestEnv(url, db),
    LEDGER_ADDRESS: await t.ledger.getAddress(),
    DEPLOYMENT_BLOCK: String(t.deploymentBlock),
    ...extra,
  };
}

/** The settings every mirror test shares: the node, the database, small log ranges, a short poll, no logs. */
export function mirrorTestEnv(url: string, db: TestDatabase): Record<string, string> {
  return {
    RPC_URL: url,
    FINALITY_DEPTH: "16",
    POLL_INTERVAL_MS: "50",
    GETLOGS_INITIAL_RANGE: "4",
    GETLOGS_MAX_RANGE: "64",
    GETLOGS_TARGET_LOGS: "40",
    RPC_TIMEOUT_MS: "10000",
    LOG_LEVEL: process.env.MIRROR_TEST_LOG_LEVEL ?? "silent",
    ...db.env,
  };
}

/** Opens the mirror in this process, runs `fn` with it, and closes it (also when `fn` throws). */
export async function withMirror<T>(env: Record<string, string>, fn: (mirror: Mirror) => Promise<T>): Promise<T> {
  const config = loadConfig(env).mirror;
  const mirror = await openMirror({ config, logger: createLogger({ level: config.logLevel }) });
  try {
    return await fn(mirror);
  } finally {
    await mirror.close();
  }
}

/** Syncs to the head in this process; returns what `fn` makes of the synced mirror. */
export async function syncAndRead<T>(env: Record<string, string>, fn: (mirror: Mirror) => Promise<T>): Promise<T> {
  return withMirror(env, async (mirror) => {
    await mirror.syncer!.syncToHead();
    return fn(mirror);
  });
}
