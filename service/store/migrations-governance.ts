import type { Migration } from "./migrations.js";

/**
 * Who acted in ledger v2's governance (migration 4): the AccessManager's scheduled operations, the transactions of
 * the Safe that holds ADMIN with the owners who signed them, and the link from each event emitted inside an executed
 * operation or a Safe transaction to it. When a delayed call is executed the ledger's events name the AccessManager
 * as their sender: these tables name the role holder who scheduled it and the owners who signed. Projected from the
 * raw log like the other v2 tables (service/store/projection-governance.ts); empty in a mirror of ledger v1.
 */
export const GOVERNANCE_MIGRATION: Migration = {
  version: 4,
  name: "ledger v2 governance: scheduled operations, Safe transactions and their signers, who acted for each event",
  sql: `
-- An operation scheduled in the AccessManager (one row per scheduling: an operation id scheduled again after it was
-- executed or cancelled has the next nonce).
CREATE TABLE v2_operations (
  operation_id          text NOT NULL,
  nonce                 bigint NOT NULL,
  caller                text NOT NULL,
  target                text NOT NULL,
  selector              text NOT NULL,
  data                  text NOT NULL,
  executable_from       bigint NOT NULL,
  status                text NOT NULL,
  scheduled_at          bigint NOT NULL,
  scheduled_block       bigint NOT NULL,
  scheduled_block_hash  text NOT NULL,
  scheduled_log_index   int NOT NULL,
  scheduled_tx          text NOT NULL,
  closed_at             bigint,
  closed_block          bigint,
  closed_block_hash     text,
  closed_log_index      int,
  closed_tx             text,
  PRIMARY KEY (operation_id, nonce)
);
CREATE INDEX v2_operations_by_schedule ON v2_operations (scheduled_block, scheduled_log_index);
CREATE INDEX v2_operations_by_closing ON v2_operations (closed_tx);

-- Transactions of the Safe that holds ADMIN (SafeL2's SafeMultiSigTransaction), with the owners whose approvals they
-- carried, and whether the call succeeded (ExecutionSuccess / ExecutionFailure, which name the Safe transaction hash).
CREATE TABLE v2_safe_transactions (
  block_hash       text NOT NULL,
  log_index        int NOT NULL,
  block_number     bigint NOT NULL,
  block_timestamp  bigint NOT NULL,
  transaction_hash text NOT NULL,
  safe             text NOT NULL,
  safe_nonce       numeric NOT NULL,
  sender           text NOT NULL,
  threshold        int NOT NULL,
  target           text NOT NULL,
  value            numeric NOT NULL,
  operation        int NOT NULL,
  selector         text NOT NULL,
  data             text NOT NULL,
  signatures       text NOT NULL,
  safe_tx_hash     text,
  signers          text[],
  signer_kinds     text[],
  success          boolean,
  end_log_index    int,
  PRIMARY KEY (block_hash, log_index)
);
CREATE INDEX v2_safe_transactions_by_block ON v2_safe_transactions (block_number, log_index);

-- Each event emitted inside an executed operation (after its OperationExecuted in the same transaction) or inside a
-- Safe transaction (between its SafeMultiSigTransaction and its ExecutionSuccess): what authorised it.
CREATE TABLE v2_acts (
  block_hash       text NOT NULL,
  log_index        int NOT NULL,
  block_number     bigint NOT NULL,
  transaction_hash text NOT NULL,
  contract         text NOT NULL,
  event_name       text NOT NULL,
  operation_id     text,
  operation_nonce  bigint,
  safe_log_index   int,
  PRIMARY KEY (block_hash, log_index)
);
CREATE INDEX v2_acts_by_operation ON v2_acts (operation_id, operation_nonce);
`,
};

/** The governance tables, emptied before a rebuild with ledger v2's other derived tables. */
export const DERIVED_TABLES_GOVERNANCE = ["v2_operations", "v2_safe_transactions", "v2_acts"] as const;
