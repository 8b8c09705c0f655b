import type { Database } from "./database.js";
import { GOVERNANCE_MIGRATION } from "./migrations-governance.js";
import { HISTORY_MIGRATION } from "./migrations-history.js";
import { LEDGER_V2_MIGRATION } from "./migrations-v2.js";
import { DAILY_MIGRATION } from "./migrations-v2-daily.js";

/**
 * The schema, as numbered migrations run in order at start (each in its own transaction, by the writer only).
 * PostgreSQL's dialect; PGlite runs the same text. Amounts and token ids are NUMERIC (never floating point), block
 * numbers and timestamps BIGINT, hashes and addresses text (addresses checksummed).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "raw log, checkpoint and derived tables",
    sql: `
CREATE TABLE sync_checkpoint (
  id               int PRIMARY KEY CHECK (id = 1),
  chain_id         bigint NOT NULL,
  ledger           text NOT NULL,
  access_manager   text NOT NULL,
  deployment_block bigint NOT NULL,
  block_number     bigint NOT NULL,
  block_hash       text NOT NULL
);

-- Headers of recent blocks the mirror has read: where reorgs are detected and the fork point is found.
CREATE TABLE blocks (
  number      bigint PRIMARY KEY,
  hash        text NOT NULL,
  parent_hash text NOT NULL,
  timestamp   bigint NOT NULL
);

-- The raw event log: every log of the ledger and of its AccessManager, decoded. Rows are never updated.
CREATE TABLE events (
  chain_id          bigint NOT NULL,
  block_hash        text NOT NULL,
  log_index         int NOT NULL,
  block_number      bigint NOT NULL,
  block_timestamp   bigint NOT NULL,
  transaction_hash  text NOT NULL,
  transaction_index int NOT NULL,
  address           text NOT NULL,
  contract          text NOT NULL,
  event_name        text NOT NULL,
  args              jsonb NOT NULL,
  topics            jsonb NOT NULL,
  data              text NOT NULL,
  PRIMARY KEY (chain_id, block_hash, log_index)
);
CREATE INDEX events_chain_order ON events (block_number, log_index);
CREATE INDEX events_by_name ON events (event_name, block_number);

-- Events of blocks a reorg removed from the chain, kept for the audit trail (never read by the projection).
CREATE TABLE reorged_events (LIKE events INCLUDING ALL, reorged_at_block bigint NOT NULL);

CREATE TABLE cities (
  city             int PRIMARY KEY,
  name             text NOT NULL,
  budget           numeric NOT NULL,
  appropriation    text NOT NULL,
  ratio_bps        int NOT NULL,
  holder_cap       numeric NOT NULL,
  default_validity bigint NOT NULL,
  issued           numeric NOT NULL,
  redeemed         numeric NOT NULL,
  revoked          numeric NOT NULL,
  expired          numeric NOT NULL,
  outstanding      numeric GENERATED ALWAYS AS (issued - redeemed - revoked - expired) STORED,
  voucher_count    int NOT NULL,
  registered_block bigint NOT NULL,
  updated_block    bigint NOT NULL
);

CREATE TABLE vouchers (
  id               numeric PRIMARY KEY,
  city             int NOT NULL,
  holder           text NOT NULL,
  application_ref  text NOT NULL,
  face_value       numeric NOT NULL,
  remaining        numeric NOT NULL,
  redeemed         numeric NOT NULL,
  status           text NOT NULL,
  issued_at        bigint NOT NULL,
  expires_at       bigint NOT NULL,
  reissued_from    numeric,
  reissued_to      numeric,
  issued_block     bigint NOT NULL,
  issued_tx        text NOT NULL,
  updated_block    bigint NOT NULL
);
CREATE INDEX vouchers_by_city ON vouchers (city, id);
CREATE INDEX vouchers_by_holder ON vouchers (holder, id);

CREATE TABLE redemptions (
  block_hash       text NOT NULL,
  log_index        int NOT NULL,
  block_number     bigint NOT NULL,
  block_timestamp  bigint NOT NULL,
  transaction_hash text NOT NULL,
  voucher_id       numeric NOT NULL,
  city             int NOT NULL,
  data_center      text NOT NULL,
  holder           text NOT NULL,
  invoice_hash     text NOT NULL UNIQUE,
  amount           numeric NOT NULL,
  invoice_total    numeric NOT NULL,
  remaining        numeric NOT NULL,
  PRIMARY KEY (block_hash, log_index)
);
CREATE INDEX redemptions_by_voucher ON redemptions (voucher_id, block_number);
CREATE INDEX redemptions_by_data_center ON redemptions (data_center, block_number);

CREATE TABLE accreditations (
  data_center   text NOT NULL,
  city          int NOT NULL,
  valid_from    bigint NOT NULL,
  valid_until   bigint NOT NULL,
  suspended     boolean NOT NULL,
  reason        text NOT NULL,
  updated_block bigint NOT NULL,
  PRIMARY KEY (data_center, city)
);

CREATE TABLE accreditation_history (
  block_hash       text NOT NULL,
  log_index        int NOT NULL,
  block_number     bigint NOT NULL,
  block_timestamp  bigint NOT NULL,
  transaction_hash text NOT NULL,
  data_center      text NOT NULL,
  city             int NOT NULL,
  action           text NOT NULL,
  valid_from       bigint,
  valid_until      bigint,
  reason           text,
  actor            text NOT NULL,
  PRIMARY KEY (block_hash, log_index)
);

CREATE TABLE issuers (
  issuer        text PRIMARY KEY,
  city          int NOT NULL,
  bound_block   bigint NOT NULL
);

CREATE TABLE role_members (
  role_id         numeric NOT NULL,
  account         text NOT NULL,
  role_name       text NOT NULL,
  since           bigint NOT NULL,
  execution_delay bigint NOT NULL,
  granted_block   bigint NOT NULL,
  PRIMARY KEY (role_id, account)
);
`,
  },
  {
    version: 2,
    name: "final block and halt in the checkpoint",
    statements: [
      // The highest block the writer has verified final: FINALITY_DEPTH below a head it has seen, and linked by
      // parent hash to the headers it kept. It only moves up; `blocks` keeps every header from it to the checkpoint.
      "ALTER TABLE sync_checkpoint ADD COLUMN final_number bigint",
      "ALTER TABLE sync_checkpoint ADD COLUMN final_hash text",
      // A mirror from before this migration: its oldest kept header (the anchor below the window), else the
      // checkpoint itself.
      `UPDATE sync_checkpoint SET
         final_number = coalesce((SELECT min(number) FROM blocks WHERE number <= block_number), block_number),
         final_hash = coalesce((SELECT hash FROM blocks WHERE number <= block_number ORDER BY number LIMIT 1), block_hash)`,
      "ALTER TABLE sync_checkpoint ALTER COLUMN final_number SET NOT NULL",
      "ALTER TABLE sync_checkpoint ALTER COLUMN final_hash SET NOT NULL",
      "ALTER TABLE sync_checkpoint ADD CONSTRAINT final_at_or_below_checkpoint CHECK (final_number <= block_number)",
      // Set when the chain replaced the final block: the writer stopped there, and replicas stop answering ready.
      "ALTER TABLE sync_checkpoint ADD COLUMN halted_code text",
      "ALTER TABLE sync_checkpoint ADD COLUMN halted_reason text",
      "ALTER TABLE sync_checkpoint ADD COLUMN halted_at timestamptz",
    ],
  },
  LEDGER_V2_MIGRATION,
  GOVERNANCE_MIGRATION,
  HISTORY_MIGRATION,
  {
    version: 11,
    name: "the raw log's columns the API filters and sums on",
    // The ledger's events as the API reads them: the voucher (`id`), the voucher re-issued to (`newId`), the city and
    // the amount (`faceValue` of an issue, else `amount`), written by the store with each event (eventColumns in
    // service/store/store.ts), so that no query reads the ABI's argument names out of `args`.
    statements: ["events", "reorged_events"].flatMap((table) => [
      `ALTER TABLE ${table} ADD COLUMN voucher_id numeric, ADD COLUMN new_voucher_id numeric, ADD COLUMN city int,
         ADD COLUMN amount numeric`,
      `UPDATE ${table} SET
         voucher_id = CASE WHEN args->>'id' ~ '^[0-9]{1,78}$' THEN (args->>'id')::numeric END,
         new_voucher_id = CASE WHEN args->>'newId' ~ '^[0-9]{1,78}$' THEN (args->>'newId')::numeric END,
         city = CASE WHEN args->>'city' ~ '^[0-9]{1,9}$' THEN (args->>'city')::int END,
         amount = CASE WHEN coalesce(args->>'faceValue', args->>'amount') ~ '^[0-9]{1,78}$'
                       THEN coalesce(args->>'faceValue', args->>'amount')::numeric END
       WHERE contract = 'ledger'`,
    ]).concat([
      "CREATE INDEX events_by_voucher ON events (voucher_id, block_number, log_index) WHERE voucher_id IS NOT NULL",
      "CREATE INDEX events_by_new_voucher ON events (new_voucher_id, block_number, log_index) WHERE new_voucher_id IS NOT NULL",
      "CREATE INDEX events_by_city ON events (city, block_number, log_index) WHERE city IS NOT NULL",
    ]),
  },
  {
    version: 12,
    name: "the raw log's claim and payment-entry columns",
    // Ledger v2's claim (`claimId`) and the payment ledger's entry (`entryId`), written by the store with each event
    // like migration 11's columns, for the reports' and the authorisations' lookups.
    statements: ["events", "reorged_events"].flatMap((table) => [
      `ALTER TABLE ${table} ADD COLUMN claim_id numeric, ADD COLUMN entry_id numeric`,
      `UPDATE ${table} SET
         claim_id = CASE WHEN contract = 'ledger' AND args->>'claimId' ~ '^[0-9]{1,78}$' THEN (args->>'claimId')::numeric END,
         entry_id = CASE WHEN contract = 'payments' AND args->>'entryId' ~ '^[0-9]{1,78}$' THEN (args->>'entryId')::numeric END
       WHERE contract IN ('ledger', 'payments')`,
    ]).concat([
      "CREATE INDEX events_by_claim ON events (claim_id, block_number, log_index) WHERE claim_id IS NOT NULL",
      "CREATE INDEX events_by_entry ON events (entry_id, block_number, log_index) WHERE entry_id IS NOT NULL",
    ]),
  },
  DAILY_MIGRATION,
];

/** A numbered schema change: SQL text (statements separated by ";" at line ends) or a list of statements. */
export interface Migration {
  version: number;
  name: string;
  sql?: string;
  statements?: readonly string[];
}

/**
 * Applies the migrations of `migrations` the database has not seen, in order, each in its own transaction with its
 * row in `schema_migrations`. Returns the versions applied. The mirror's, the API's (100+) and the relay's (200+)
 * migrations all run through here.
 */
export async function applyMigrations(db: Database, migrations: readonly Migration[]): Promise<number[]> {
  await db.query(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
  );
  const done = new Set(
    (await db.query<{ version: number }>("SELECT version FROM schema_migrations")).map((r) => Number(r.version)),
  );
  const applied: number[] = [];
  for (const migration of migrations) {
    if (done.has(migration.version)) continue;
    const statements =
      migration.statements ?? (migration.sql ?? "").split(/;\s*\n/).map((s) => s.trim()).filter((s) => s !== "");
    await db.transaction(async (tx) => {
      for (const statement of statements) await tx.query(statement);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
    });
    applied.push(migration.version);
  }
  return applied;
}

/** Applies the mirror's migrations the database has not seen, in order. Returns the versions applied. */
export function migrate(db: Database): Promise<number[]> {
  return applyMigrations(db, MIGRATIONS);
}

/** The schema version the database is at (for read-only replicas, which do not migrate). */
export async function schemaVersion(db: Database): Promise<number> {
  const rows = await db
    .query<{ version: number | null }>("SELECT max(version) AS version FROM schema_migrations")
    .catch(() => [{ version: null }]);
  return Number(rows[0]?.version ?? 0);
}
