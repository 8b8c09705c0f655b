import type { Migration } from "../store/migrations.js";

/**
 * Indexes for ledger v2's reports, statements, alerts and disclosure (service/api/reports-v2.ts; the events of a
 * claim are found by the raw log's claim_id, the mirror's migration 12): a company's vouchers per programme and year (caps, committed per period), and
 * the write-offs and clawbacks of a programme by time (periods).
 */
export const REPORTS_MIGRATION: Migration = {
  version: 101,
  name: "ledger v2 report indexes",
  statements: [
    "CREATE INDEX IF NOT EXISTS api_v2_vouchers_caps ON v2_vouchers (programme, entity, year)",
    "CREATE INDEX IF NOT EXISTS api_v2_vouchers_year ON v2_vouchers (programme, year, issued_at)",
    "CREATE INDEX IF NOT EXISTS api_v2_redemptions_time ON v2_redemptions (programme, block_timestamp)",
    "CREATE INDEX IF NOT EXISTS api_v2_claims_approved ON v2_claims (programme, decided_at) WHERE status = 'Approved'",
    "CREATE INDEX IF NOT EXISTS api_v2_clawbacks_time ON v2_clawbacks (programme, block_timestamp)",
  ],
};
