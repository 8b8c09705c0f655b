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
const SUM_COLUMNS = [
  "issued", "issued_count", "redeemed", "redeemed_count", "claimed", "claimed_count", "gpu_centihours", "paid", "revoked",
  "expired", "clawed_back",
] as const;

/**
 * Every change to the roll-up the v2 tables and the raw log record (instant, block, programme, up to two companies,
 * which figure, the amount and the GPU-hours), and from them each row's sums after each block that changed it
 * (`block`, `next`: the version's range).
 */
const BACKFILL_SQL = `
WITH flows (at, block, programme, c1, c2, kind, amount, gpu) AS (
  SELECT v.issued_at, v.issued_block, v.programme, v.entity, NULL::int, 'issued', v.face_value, 0::numeric FROM v2_vouchers v
  UNION ALL
  SELECT r.block_timestamp, r.block_number, r.programme, r.supplier_entity, r.beneficiary_entity, 'redeemed', r.amount, r.gpu_centihours
    FROM v2_redemptions r
  UNION ALL
  SELECT c.decided_at, c.decided_block, c.programme, c.beneficiary_entity, c.supplier_entity, 'claimed', c.amount, c.gpu_centihours
    FROM v2_claims c WHERE c.status = 'Approved'
  UNION ALL
  SELECT k.block_timestamp, k.block_number, k.programme, k.payee, coalesce(r.beneficiary_entity, c.supplier_entity), 'clawed_back', k.amount, 0
    FROM v2_clawbacks k
    LEFT JOIN v2_redemptions r ON k.kind = 'redemption' AND r.invoice_key = k.invoice_key AND r.programme = k.programme
    LEFT JOIN v2_claims c ON k.kind = 'claim' AND c.claim_id = k.claim_id
  UNION ALL
  SELECT b.recorded_at, b.block_number, b.programme, b.payee, NULL, 'paid', CASE b.kind WHEN 'Payment' THEN b.amount ELSE -b.amount END, 0
    FROM v2_payment_entries b
  UNION ALL
  SELECT b.recorded_at, x.block_number, b.programme, b.payee, NULL, 'paid', CASE b.kind WHEN 'Payment' THEN -b.amount ELSE b.amount END, 0
    FROM v2_payment_entries b JOIN v2_corrections x ON x.entry_id = b.entry_id
  UNION ALL
  SELECT e.block_timestamp, e.block_number, v.programme, v.entity, NULL,
         CASE e.event_name WHEN 'VoucherRevoked' THEN 'revoked' ELSE 'expired' END, e.amount, 0
    FROM events e JOIN v2_vouchers v ON v.id = e.voucher_id
   WHERE e.contract = 'ledger' AND e.event_name IN ('VoucherRevoked', 'VoucherExpired')
  UNION ALL
  -- A claim rejected after its voucher closed: its value back to the budget, counted as the closing was.
  SELECT e.block_timestamp, e.block_number, v.programme, v.entity, NULL,
         CASE x.event_name WHEN 'VoucherRevoked' THEN 'revoked' ELSE 'expired' END, e.amount, 0
    FROM events e JOIN v2_claims c ON c.claim_id = e.claim_id JOIN v2_vouchers v ON v.id = c.voucher_id
    JOIN events x ON x.contract = 'ledger' AND x.voucher_id = v.id AND x.event_name IN ('VoucherRevoked', 'VoucherExpired')
                 AND (x.block_number, x.log_index) < (e.block_number, e.log_index)
   WHERE e.contract = 'ledger' AND e.event_name = 'ClaimRejected'
),
per_block AS (
  SELECT u.company, floor((f.at + ${8 * 3600}) / 86400)::int AS day, f.programme,
         greatest(f.block, coalesce((SELECT history_from FROM sync_checkpoint WHERE id = 1), f.block)) AS block,
         coalesce(sum(f.amount) FILTER (WHERE f.kind = 'issued'), 0) AS issued, count(*) FILTER (WHERE f.kind = 'issued') AS issued_count,
         coalesce(sum(f.amount) FILTER (WHERE f.kind = 'redeemed'), 0) AS redeemed, count(*) FILTER (WHERE f.kind = 'redeemed') AS redeemed_count,
         coalesce(sum(f.amount) FILTER (WHERE f.kind = 'claimed'), 0) AS claimed, count(*) FILTER (WHERE f.kind = 'claimed') AS claimed_count,
         sum(f.gpu) AS gpu_centihours, coalesce(sum(f.amount) FILTER (WHERE f.kind = 'paid'), 0) AS paid,
         coalesce(sum(f.amount) FILTER (WHERE f.kind = 'revoked'), 0) AS revoked,
         coalesce(sum(f.amount) FILTER (WHERE f.kind = 'expired'), 0) AS expired,
         coalesce(sum(f.amount) FILTER (WHERE f.kind = 'clawed_back'), 0) AS clawed_back
    FROM flows f CROSS JOIN LATERAL (SELECT DISTINCT c AS company FROM unnest(ARRAY[0, f.c1, f.c2]) AS c WHERE c IS NOT NULL) u
   GROUP BY 1, 2, 3, 4
)
SELECT company, day, programme, block, lead(block) OVER w AS next,
       ${SUM_COLUMNS.map((c) => `sum(${c}) OVER w AS ${c}`).join(", ")}
  FROM per_block
WINDOW w AS (PARTITION BY company, day, programme ORDER BY block)`;

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
    // A mirror synced before this migration: the roll-up and its versions, block by block, from what its v2 tables and
    // raw log hold, as the projection would have written them (the versions before the history's first block in one
    // at that block, as migration 10 recorded every table's).
    `INSERT INTO derived_versions (table_name, key, row, valid_from, valid_until)
     SELECT 'v2_daily', jsonb_build_object('company', company, 'day', day, 'programme', programme),
            jsonb_build_object('company', company, 'day', day, 'programme', programme, ${SUM_COLUMNS.map((c) => `'${c}', ${c}`).join(", ")},
                               'updated_block', block),
            block, next
       FROM (${BACKFILL_SQL}) AS versions`,
    `INSERT INTO v2_daily SELECT (jsonb_populate_record(NULL::v2_daily, row)).*
       FROM derived_versions WHERE table_name = 'v2_daily' AND valid_until IS NULL`,
  ],
};

/** The roll-up's tables: derived (emptied before a rebuild), versioned from migration 13 on. */
export const DAILY_TABLES = ["v2_daily"] as const;
