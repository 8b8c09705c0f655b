import type { Database } from "../store/database.js";
import { applyMigrations, type Migration } from "../store/migrations.js";

/**
 * The relay's own tables, in the mirror's database and its `schema_migrations` table, numbered from 200 so they
 * never collide with the mirror's. Run by {@link migrateRelay} after the mirror's `migrate`, by the writer only.
 *
 * - `relay_transactions`: every transaction a relayer signed, with its raw bytes, written *before* it is sent, so
 *   that after a crash it can be found on chain or sent again byte for byte (same nonce, same hash).
 * - `relay_requests`: every accepted redemption request, written before the 202. At most one live (not failed)
 *   request per invoice hash and per (data center, forwarder nonce).
 * - 201: indexes over every request, failed ones too: a repeated request is found among an invoice's failed
 *   requests, and a data center's failed request at a forwarder nonce is named when it blocks the later ones.
 */
export const RELAY_MIGRATIONS: readonly Migration[] = [
  {
    version: 200,
    name: "relay: durable redemption queue and relayer transactions",
    sql: `
CREATE TABLE relay_transactions (
  hash         text PRIMARY KEY,
  relayer      text NOT NULL,
  nonce        bigint NOT NULL,
  raw          text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('batch', 'filler')),
  status       text NOT NULL CHECK (status IN ('pending', 'mined', 'dropped')),
  block_number bigint,
  block_hash   text,
  sent_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX relay_transactions_pending ON relay_transactions (relayer, status, nonce);

CREATE TABLE relay_requests (
  id               text PRIMARY KEY,
  seq              bigserial NOT NULL,
  data_center      text NOT NULL,
  invoice_hash     text NOT NULL,
  voucher_id       numeric NOT NULL,
  amount           numeric NOT NULL,
  forwarder_nonce  numeric NOT NULL,
  request_deadline bigint NOT NULL,
  body             jsonb NOT NULL,
  relayer          text NOT NULL,
  status           text NOT NULL CHECK (status IN ('queued', 'submitted', 'confirmed', 'failed')),
  attempts         int NOT NULL DEFAULT 0,
  transaction_hash text,
  block_number     bigint,
  block_hash       text,
  code             text,
  reason           text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX relay_requests_live_invoice ON relay_requests (invoice_hash) WHERE status <> 'failed';
CREATE UNIQUE INDEX relay_requests_live_nonce ON relay_requests (data_center, forwarder_nonce) WHERE status <> 'failed';
CREATE INDEX relay_requests_queue ON relay_requests (relayer, status, seq);
CREATE INDEX relay_requests_by_transaction ON relay_requests (transaction_hash);
`,
  },
  {
    version: 201,
    name: "relay: failed requests found by invoice and by (data center, forwarder nonce)",
    sql: `
CREATE INDEX relay_requests_by_invoice ON relay_requests (invoice_hash, seq);
CREATE INDEX relay_requests_by_nonce ON relay_requests (data_center, forwarder_nonce, seq);
`,
  },
];

/** Applies the relay's migrations the database has not seen (after the mirror's `migrate`). Returns them. */
export function migrateRelay(db: Database): Promise<number[]> {
  return applyMigrations(db, RELAY_MIGRATIONS);
}
