import type { Database } from "../store/database.js";
import { applyMigrations, type Migration } from "../store/migrations.js";
import { REPORTS_MIGRATION } from "./migrations-reports.js";

/**
 * The API's additions to the schema (versions from 100, after the mirror's own, in the same schema_migrations
 * table): indexes for the keyset orders and filters the audit API serves, and for the event trail's lookups by
 * voucher and city (the voucher history reads the raw log; its voucher and city columns since 101).
 */
export const API_MIGRATIONS: readonly Migration[] = [
  {
    version: 100,
    name: "audit API indexes",
    statements: [
      "CREATE INDEX IF NOT EXISTS api_vouchers_order ON vouchers (issued_block, id)",
      "CREATE INDEX IF NOT EXISTS api_vouchers_city_order ON vouchers (city, issued_block, id)",
      "CREATE INDEX IF NOT EXISTS api_vouchers_holder_order ON vouchers (holder, issued_block, id)",
      "CREATE INDEX IF NOT EXISTS api_redemptions_order ON redemptions (block_number, log_index)",
      "CREATE INDEX IF NOT EXISTS api_redemptions_city_order ON redemptions (city, block_number, log_index)",
      "CREATE INDEX IF NOT EXISTS api_redemptions_dc_order ON redemptions (data_center, block_number, log_index)",
      "CREATE INDEX IF NOT EXISTS api_redemptions_holder_order ON redemptions (holder, block_number, log_index)",
      "CREATE INDEX IF NOT EXISTS api_redemptions_voucher_order ON redemptions (voucher_id, block_number, log_index)",
      "CREATE INDEX IF NOT EXISTS api_accreditation_history_order ON accreditation_history (data_center, block_number, log_index)",
      "CREATE INDEX IF NOT EXISTS api_role_members_account ON role_members (account)",
      "CREATE INDEX IF NOT EXISTS api_events_voucher ON events ((args->>'id'), block_number, log_index)",
      "CREATE INDEX IF NOT EXISTS api_events_new_voucher ON events ((args->>'newId'), block_number, log_index)",
      "CREATE INDEX IF NOT EXISTS api_events_city ON events ((args->>'city'), block_number, log_index)",
    ],
  },
  REPORTS_MIGRATION,
  {
    version: 102,
    name: "the event trail's lookups by the raw log's columns",
    // The API reads the events' voucher and city columns now (the mirror's migration 11 indexes them).
    statements: [
      "DROP INDEX IF EXISTS api_events_voucher", "DROP INDEX IF EXISTS api_events_new_voucher", "DROP INDEX IF EXISTS api_events_city",
    ],
  },
];

/** Applies the API's migrations the database has not seen; run by the writer after the mirror's `migrate`. */
export function migrateApi(db: Database): Promise<number[]> {
  return applyMigrations(db, API_MIGRATIONS);
}
