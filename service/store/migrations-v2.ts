import { DERIVED_TABLES_GOVERNANCE } from "./migrations-governance.js";
import { DAILY_TABLES } from "./migrations-v2-daily.js";
import type { Migration } from "./migrations.js";

/**
 * Ledger v2's tables (migration 3): typed rows, one column per value the API filters or sums on, projected from the
 * raw log of the ledger (core, extension and claims module at one address), the scheme registry and the payment
 * ledger (service/store/projection-v2.ts). Empty in a mirror of ledger v1. Amounts in minor units (NUMERIC), days as
 * day numbers (days since 1970-01-01 in UTC+8), instants in unix seconds, hashes and reason codes as 0x hex.
 */
export const LEDGER_V2_MIGRATION: Migration = {
  version: 3,
  name: "ledger v2: programmes, companies, accreditations, vouchers, invoices, redemptions, claims, payments",
  sql: `
CREATE TABLE v2_classes (
  id            int PRIMARY KEY,
  name          text NOT NULL,
  updated_block bigint NOT NULL
);

CREATE TABLE v2_categories (
  id            int PRIMARY KEY,
  name          text NOT NULL,
  updated_block bigint NOT NULL
);

CREATE TABLE v2_programmes (
  id                    int PRIMARY KEY,
  level                 text NOT NULL,
  region                int NOT NULL,
  kind                  text NOT NULL,
  name                  text NOT NULL,
  first_year            int NOT NULL,
  year_count            int NOT NULL,
  redeem_from           bigint NOT NULL,
  redeem_until          bigint NOT NULL,
  earliest_contract_day int NOT NULL,
  default_validity      bigint NOT NULL,
  max_validity          bigint NOT NULL,
  cap_per_company       numeric NOT NULL,
  cap_lifetime          boolean NOT NULL,
  cap_group             bigint NOT NULL,
  exclusive             boolean NOT NULL,
  max_combined_bps      int NOT NULL,
  entity_window_days    int NOT NULL,
  needs_electricity     boolean NOT NULL,
  needs_assessment      boolean NOT NULL,
  reissue_delay         bigint NOT NULL,
  payees                int NOT NULL,
  supplier_first_days   int NOT NULL,
  review_window         bigint NOT NULL,
  lapse_approves        boolean NOT NULL,
  paused                boolean NOT NULL,
  pause_reason          text,
  issued                numeric NOT NULL,
  redeemed_by_suppliers numeric NOT NULL,
  claimed_by_buyers     numeric NOT NULL,
  held                  numeric NOT NULL,
  revoked               numeric NOT NULL,
  expired               numeric NOT NULL,
  clawed_back           numeric NOT NULL,
  outstanding           numeric GENERATED ALWAYS AS
                          (issued - redeemed_by_suppliers - claimed_by_buyers - held - revoked - expired) STORED,
  voucher_count         int NOT NULL,
  registered_block      bigint NOT NULL,
  updated_block         bigint NOT NULL
);
CREATE INDEX v2_programmes_by_region ON v2_programmes (region, id);

-- A programme's fiscal years: budget and counters (what it committed: issued - revoked - expired - clawed back).
CREATE TABLE v2_periods (
  programme     int NOT NULL,
  year          int NOT NULL,
  budget        numeric NOT NULL,
  appropriation text NOT NULL,
  issued        numeric NOT NULL,
  revoked       numeric NOT NULL,
  expired       numeric NOT NULL,
  clawed_back   numeric NOT NULL,
  committed     numeric GENERATED ALWAYS AS (issued - revoked - expired - clawed_back) STORED,
  updated_block bigint NOT NULL,
  PRIMARY KEY (programme, year)
);

-- A programme's ratio table: basis points of the invoice total per compute class and beneficiary category.
CREATE TABLE v2_ratios (
  programme     int NOT NULL,
  compute_class int NOT NULL,
  category      int NOT NULL,
  bps           int NOT NULL,
  PRIMARY KEY (programme, compute_class, category)
);

-- Companies, known on chain by the hash of their unified social credit code.
CREATE TABLE v2_entities (
  id               int PRIMARY KEY,
  credit_code_hash text NOT NULL UNIQUE,
  roles            int NOT NULL,
  is_beneficiary   boolean GENERATED ALWAYS AS ((roles & 1) <> 0) STORED,
  is_supplier      boolean GENERATED ALWAYS AS ((roles & 2) <> 0) STORED,
  category         int NOT NULL,
  relations        int NOT NULL,
  registered_block bigint NOT NULL,
  updated_block    bigint NOT NULL
);

-- The addresses that act (or acted) for a company: an address belongs to one company at most, for good.
CREATE TABLE v2_entity_addresses (
  account       text PRIMARY KEY,
  entity        int NOT NULL,
  active        boolean NOT NULL,
  reason        text NOT NULL,
  added_block   bigint NOT NULL,
  updated_block bigint NOT NULL
);
CREATE INDEX v2_entity_addresses_by_entity ON v2_entity_addresses (entity, account);

-- Recorded relations between a beneficiary and a supplier (no subsidy between them while recorded).
CREATE TABLE v2_relations (
  beneficiary    int NOT NULL,
  supplier       int NOT NULL,
  reason         text NOT NULL,
  recorded_block bigint NOT NULL,
  PRIMARY KEY (beneficiary, supplier)
);

-- A supplier company's accreditation for a programme, with the compute classes it may invoice (bit c - 1: class c).
CREATE TABLE v2_accreditations (
  supplier      int NOT NULL,
  programme     int NOT NULL,
  valid_from    bigint NOT NULL,
  valid_until   bigint NOT NULL,
  classes_mask  bigint NOT NULL,
  classes       int[] NOT NULL,
  suspended     boolean NOT NULL,
  reason        text NOT NULL,
  updated_block bigint NOT NULL,
  PRIMARY KEY (supplier, programme)
);
CREATE INDEX v2_accreditations_by_programme ON v2_accreditations (programme, supplier);

CREATE TABLE v2_issuers (
  issuer      text NOT NULL,
  programme   int NOT NULL,
  bound_block bigint NOT NULL,
  PRIMARY KEY (issuer, programme)
);

CREATE TABLE v2_vouchers (
  id               numeric PRIMARY KEY,
  programme        int NOT NULL,
  holder           text NOT NULL,
  entity           int NOT NULL,
  application_ref  text NOT NULL,
  face_value       numeric NOT NULL,
  remaining        numeric NOT NULL,
  held             numeric NOT NULL,
  redeemed         numeric NOT NULL,
  claimed          numeric NOT NULL,
  status           text NOT NULL,
  frozen           boolean NOT NULL,
  reissue_to       text,
  reissue_at       bigint,
  year             int NOT NULL,
  issued_at        bigint NOT NULL,
  expires_at       bigint NOT NULL,
  issuer           text NOT NULL,
  issued_block     bigint NOT NULL,
  issued_tx        text NOT NULL,
  updated_block    bigint NOT NULL
);
CREATE INDEX v2_vouchers_by_programme ON v2_vouchers (programme, id);
CREATE INDEX v2_vouchers_by_holder ON v2_vouchers (holder, id);
CREATE INDEX v2_vouchers_by_entity ON v2_vouchers (entity, id);
CREATE INDEX v2_vouchers_by_expiry ON v2_vouchers (status, expires_at);

-- Invoices by key (the supplier's company and the invoice number's hash), as their first redemption or claim
-- recorded them; gone again when the last claim on one is released.
CREATE TABLE v2_invoices (
  invoice_key         text PRIMARY KEY,
  supplier_entity     int NOT NULL,
  invoice_number_hash text NOT NULL,
  beneficiary_entity  int NOT NULL,
  total               numeric NOT NULL,
  subsidised          numeric NOT NULL,
  programme_count     int NOT NULL,
  first_programme     int NOT NULL,
  compute_class       int NOT NULL,
  service_from_day    int NOT NULL,
  service_to_day      int NOT NULL,
  gpu_centihours      numeric NOT NULL,
  paid_to_buyer       boolean NOT NULL,
  pending             boolean NOT NULL,
  first_block         bigint NOT NULL,
  updated_block       bigint NOT NULL
);
CREATE INDEX v2_invoices_by_supplier ON v2_invoices (supplier_entity, invoice_key);

-- Suppliers' redemptions, with the evidence of the holder's consent.
CREATE TABLE v2_redemptions (
  block_hash            text NOT NULL,
  log_index             int NOT NULL,
  block_number          bigint NOT NULL,
  block_timestamp       bigint NOT NULL,
  transaction_hash      text NOT NULL,
  voucher_id            numeric NOT NULL,
  programme             int NOT NULL,
  supplier_entity       int NOT NULL,
  supplier              text NOT NULL,
  holder                text NOT NULL,
  beneficiary_entity    int NOT NULL,
  consent_digest        text NOT NULL,
  invoice_key           text NOT NULL,
  invoice_number_hash   text NOT NULL,
  amount                numeric NOT NULL,
  invoice_total         numeric NOT NULL,
  compute_class         int NOT NULL,
  service_from_day      int NOT NULL,
  service_to_day        int NOT NULL,
  gpu_centihours        numeric NOT NULL,
  contract_day          int NOT NULL,
  contract_commitment   text NOT NULL,
  invoice_commitment    text NOT NULL,
  payment_commitment    text NOT NULL,
  electricity_kwh       numeric NOT NULL,
  assessment_commitment text NOT NULL,
  remaining             numeric NOT NULL,
  clawed_back           numeric NOT NULL,
  PRIMARY KEY (block_hash, log_index),
  UNIQUE (invoice_key, programme)
);
CREATE INDEX v2_redemptions_by_programme ON v2_redemptions (programme, block_number, log_index);
CREATE INDEX v2_redemptions_by_supplier ON v2_redemptions (supplier_entity, block_number, log_index);
CREATE INDEX v2_redemptions_by_beneficiary ON v2_redemptions (beneficiary_entity, block_number, log_index);
CREATE INDEX v2_redemptions_by_voucher ON v2_redemptions (voucher_id, block_number);

-- Buyers' claims, with the supplier's attestation and their review.
CREATE TABLE v2_claims (
  claim_id              numeric PRIMARY KEY,
  voucher_id            numeric NOT NULL,
  programme             int NOT NULL,
  holder                text NOT NULL,
  beneficiary_entity    int NOT NULL,
  supplier_entity       int NOT NULL,
  supplier              text NOT NULL,
  attestation_digest    text NOT NULL,
  invoice_key           text NOT NULL,
  invoice_number_hash   text NOT NULL,
  invoice_total         numeric NOT NULL,
  amount_paid           numeric NOT NULL,
  compute_class         int NOT NULL,
  service_from_day      int NOT NULL,
  service_to_day        int NOT NULL,
  gpu_centihours        numeric NOT NULL,
  amount                numeric NOT NULL,
  contract_day          int NOT NULL,
  contract_commitment   text NOT NULL,
  invoice_commitment    text NOT NULL,
  payment_commitment    text NOT NULL,
  electricity_kwh       numeric NOT NULL,
  assessment_commitment text NOT NULL,
  status                text NOT NULL,
  review_until          bigint NOT NULL,
  by_rule               boolean,
  decision_reason       text,
  decided_by            text,
  decided_at            bigint,
  decided_block         bigint,
  clawed_back           numeric NOT NULL,
  submitted_at          bigint NOT NULL,
  submitted_block       bigint NOT NULL,
  submitted_tx          text NOT NULL,
  updated_block         bigint NOT NULL
);
CREATE INDEX v2_claims_by_programme ON v2_claims (programme, claim_id);
CREATE INDEX v2_claims_by_beneficiary ON v2_claims (beneficiary_entity, claim_id);
CREATE INDEX v2_claims_by_supplier ON v2_claims (supplier_entity, claim_id);
CREATE INDEX v2_claims_by_status ON v2_claims (status, review_until);

-- Reversed subsidies: of a supplier's redemption or of an approved claim.
CREATE TABLE v2_clawbacks (
  block_hash       text NOT NULL,
  log_index        int NOT NULL,
  block_number     bigint NOT NULL,
  block_timestamp  bigint NOT NULL,
  transaction_hash text NOT NULL,
  kind             text NOT NULL,
  voucher_id       numeric NOT NULL,
  claim_id         numeric,
  programme        int NOT NULL,
  payee            int NOT NULL,
  invoice_key      text NOT NULL,
  amount           numeric NOT NULL,
  year             int NOT NULL,
  reason           text NOT NULL,
  actor            text NOT NULL,
  PRIMARY KEY (block_hash, log_index)
);
CREATE INDEX v2_clawbacks_by_payee ON v2_clawbacks (programme, payee);

-- The finance bureau's book: payments and repayments (never edited; a correction marks one corrected).
CREATE TABLE v2_payment_entries (
  entry_id             numeric PRIMARY KEY,
  kind                 text NOT NULL,
  programme            int NOT NULL,
  payee                int NOT NULL,
  year                 int NOT NULL,
  amount               numeric NOT NULL,
  reference_commitment text NOT NULL,
  recorded_at          bigint NOT NULL,
  actor                text NOT NULL,
  corrected            boolean NOT NULL,
  block_number         bigint NOT NULL,
  transaction_hash     text NOT NULL,
  updated_block        bigint NOT NULL
);
CREATE INDEX v2_payment_entries_by_payee ON v2_payment_entries (programme, payee, entry_id);
CREATE INDEX v2_payment_entries_by_payee_only ON v2_payment_entries (payee, entry_id);

CREATE TABLE v2_corrections (
  block_hash       text NOT NULL,
  log_index        int NOT NULL,
  block_number     bigint NOT NULL,
  block_timestamp  bigint NOT NULL,
  transaction_hash text NOT NULL,
  entry_id         numeric NOT NULL,
  programme        int NOT NULL,
  payee            int NOT NULL,
  kind             text NOT NULL,
  amount           numeric NOT NULL,
  reason           text NOT NULL,
  actor            text NOT NULL,
  PRIMARY KEY (block_hash, log_index)
);
CREATE INDEX v2_corrections_by_entry ON v2_corrections (entry_id);
`,
};

/** Ledger v2's derived tables, emptied before a rebuild. */
export const DERIVED_TABLES_V2 = [
  "v2_classes", "v2_categories", "v2_programmes", "v2_periods", "v2_ratios", "v2_entities", "v2_entity_addresses",
  "v2_relations", "v2_accreditations", "v2_issuers", "v2_vouchers", "v2_invoices", "v2_redemptions", "v2_claims",
  "v2_clawbacks", "v2_payment_entries", "v2_corrections", ...DERIVED_TABLES_GOVERNANCE, ...DAILY_TABLES,
] as const;
