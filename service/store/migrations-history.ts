import type { Migration } from "./migrations.js";
import { DERIVED_TABLES_V2 } from "./migrations-v2.js";
import { DAILY_TABLES } from "./migrations-v2-daily.js";

/** The derived tables whose every version the mirror keeps (v1's and v2's; `role_members` is both's). */
export const VERSIONED_TABLES = [
  "cities", "vouchers", "redemptions", "accreditations", "accreditation_history", "issuers", "role_members",
  ...DERIVED_TABLES_V2,
] as const;

const V1_ONLY = new Set(["cities", "vouchers", "redemptions", "accreditations", "accreditation_history", "issuers"]);
/** Versioned by their own later migration (with `mirror_version_table`), not by this one: they do not exist yet here. */
const LATER = new Set<string>(DAILY_TABLES);
const AT_THIS_MIGRATION = VERSIONED_TABLES.filter((table) => !LATER.has(table));

/**
 * The derived tables' history, the way graph-node keeps block ranges: every version of every row of a derived table,
 * with the blocks it was current in, `[valid_from, valid_until)` (the state at the end of `valid_from` up to that of
 * `valid_until - 1`; `valid_until` NULL while current). Ledger v2's projection writes row by row, and a trigger on
 * each of its tables records the versions while the store projects the events of one block (`mirror.block` set for
 * the transaction); writes with it unset (a rollback putting rows back, v1's projection) leave the history alone.
 * Ledger v1's projection folds a batch of blocks in memory and records each row's version per block itself
 * (`writeVersions`, service/store/history.ts).
 *
 * It serves two readers: a reorg rolls back to the fork block by deleting the versions born above it, reopening
 * those closed above it and putting the rows of the keys they name back from the versions current there, without
 * replaying the log; and `atBlock` reads the versions whose range holds the block asked for. The history is kept
 * since the mirror's start (`sync_checkpoint.history_from`; for a mirror older than this migration, the checkpoint
 * at the migration, its rows then recorded as versions from that block); nothing is compacted.
 *
 * A derived table added later gets its trigger with `SELECT mirror_version_table('<table>')` in its migration.
 */
export const HISTORY_MIGRATION: Migration = {
  version: 10,
  name: "derived-table versions (block ranges) for rollbacks and atBlock",
  statements: [
    `CREATE TABLE derived_versions (
       table_name  text NOT NULL,
       key         jsonb NOT NULL,
       row         jsonb NOT NULL,
       valid_from  bigint NOT NULL,
       valid_until bigint,
       CHECK (valid_until IS NULL OR valid_until > valid_from)
     )`,
    // One version current per row; lookups of a row's versions (atBlock, the trigger); what a rollback touches.
    "CREATE UNIQUE INDEX derived_versions_current ON derived_versions (table_name, key) WHERE valid_until IS NULL",
    "CREATE INDEX derived_versions_by_key ON derived_versions (table_name, key, valid_from)",
    "CREATE INDEX derived_versions_by_from ON derived_versions (valid_from)",
    "CREATE INDEX derived_versions_by_until ON derived_versions (valid_until) WHERE valid_until IS NOT NULL",
    `CREATE FUNCTION mirror_record_version() RETURNS trigger LANGUAGE plpgsql AS $fn$
     DECLARE
       block bigint := nullif(current_setting('mirror.block', true), '')::bigint;
       k jsonb;
     BEGIN
       IF block IS NULL THEN RETURN NULL; END IF;
       IF TG_OP <> 'INSERT' THEN
         SELECT jsonb_object_agg(c, to_jsonb(OLD) -> c) INTO k FROM unnest(TG_ARGV) AS c;
         -- A version born in this block is replaced; an older one is closed at this block.
         DELETE FROM derived_versions
          WHERE table_name = TG_TABLE_NAME AND key = k AND valid_until IS NULL AND valid_from = block;
         IF NOT FOUND THEN
           UPDATE derived_versions SET valid_until = block
            WHERE table_name = TG_TABLE_NAME AND key = k AND valid_until IS NULL;
         END IF;
       END IF;
       IF TG_OP <> 'DELETE' THEN
         SELECT jsonb_object_agg(c, to_jsonb(NEW) -> c) INTO k FROM unnest(TG_ARGV) AS c;
         INSERT INTO derived_versions (table_name, key, row, valid_from) VALUES (TG_TABLE_NAME, k, to_jsonb(NEW), block);
       END IF;
       RETURN NULL;
     END
     $fn$`,
    // Puts the trigger on a table, keyed by its primary key's columns.
    `CREATE FUNCTION mirror_version_table(t regclass) RETURNS void LANGUAGE plpgsql AS $fn$
     DECLARE
       cols text;
     BEGIN
       SELECT string_agg(quote_literal(a.attname), ', ' ORDER BY array_position(i.indkey::int2[], a.attnum)) INTO cols
         FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
        WHERE i.indrelid = t AND i.indisprimary;
       IF cols IS NULL THEN RAISE EXCEPTION 'table % has no primary key', t; END IF;
       EXECUTE format('CREATE TRIGGER mirror_versions AFTER INSERT OR UPDATE OR DELETE ON %s
                         FOR EACH ROW EXECUTE FUNCTION mirror_record_version(%s)', t, cols);
     END
     $fn$`,
    // v1's projection folds several blocks at once and records its versions itself (writeVersions); v2's writes
    // each event's rows with statements, and the triggers record them (role_members is both's: v1 projects with
    // mirror.block unset, so its trigger records nothing then).
    ...AT_THIS_MIGRATION.filter((table) => !V1_ONLY.has(table)).map((table) => `SELECT mirror_version_table('${table}')`),
    // The first block whose state the history answers: the mirror's start, or (a mirror older than this migration)
    // its checkpoint now, with the rows it holds recorded as versions from there.
    "ALTER TABLE sync_checkpoint ADD COLUMN history_from bigint",
    "UPDATE sync_checkpoint SET history_from = block_number",
    ...AT_THIS_MIGRATION.map(
      (table) => `INSERT INTO derived_versions (table_name, key, row, valid_from)
         SELECT '${table}', (SELECT jsonb_object_agg(c, to_jsonb(t) -> c) FROM unnest(
                  (SELECT array_agg(a.attname::text) FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
                      AND a.attnum = ANY (i.indkey) WHERE i.indrelid = '${table}'::regclass AND i.indisprimary)) AS c),
                to_jsonb(t), (SELECT block_number FROM sync_checkpoint WHERE id = 1)
           FROM ${table} t`,
    ),
  ],
};
