import type { Migration } from "./migrations.js";

/**
 * Ledger v2's daily roll-up (migration 13): per day in Asia/Shanghai (a day number: days since 1970-01-01 in UTC+8),
 * programme and company, the sums the overview's aggregates show, written by the v2 projection with each event it
 * projects (service/store/projection-v2-daily.ts), so that `GET /v2/aggregates` reads a few rows per day instead of
 * the log. `company` 0 is the programme's whole; a row per company (ids start at 1) holds the share of what concerns
 * it, for a company's own view: a voucher's issue, revocation and expiry its holder's company; a redemption, a claim
 * and their clawbacks both the supplier's and the beneficiary's (once where they are one); a payment its payee's. A
 * month sums its days. Versioned like every derived table, so a reorg rolls it back with the rest.
 *
 * Each figure, on the day of the event that changes it: `issued` face value of vouchers issued (a re-issue is not an
 * issue), `redeemed` suppliers' redemptions, `claimed` buyers' claims on the day they were approved, `gpu_centihours`
 * the metered GPU-hours (hundredths) of both, `clawed_back` what was clawed back from either, `revoked` and `expired`
 * as the programme's counters count them (a claim rejected on a closed voucher included), and `paid` the finance
 * bureau's book on the day of each entry, repayments negative and a corrected entry taken off its own day, as if never
 * made (the reports' `book`, service/api/reports-v2.ts).
 */
export const DAILY_MIGRATION: Migration = {
  version: 13,
  name: "ledger v2's daily roll-up per programme and company, for the aggregates",
  statements: [
    `CREATE TABLE v2_daily (
       company        int NOT NULL,
       day            int NOT NULL,
       programme      int NOT NULL,
       issued         numeric NOT NULL,
       issued_count   int NOT NULL,
       redeemed       numeric NOT NULL,
       redeemed_count int NOT NULL,
       claimed        numeric NOT NULL,
       claimed_count  int NOT NULL,
       gpu_centihours numeric NOT NULL,
       paid           numeric NOT NULL,
       revoked        numeric NOT NULL,
       expired        numeric NOT NULL,
       clawed_back    numeric NOT NULL,
       updated_block  bigint NOT NULL,
       PRIMARY KEY (company, day, programme)
     )`,
    "SELECT mirror_version_table('v2_daily')",
  ],
};

/** The roll-up's tables: derived (emptied before a rebuild), versioned from migration 13 on. */
export const DAILY_TABLES = ["v2_daily"] as const;
