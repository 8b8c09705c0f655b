import { expect } from "chai";

import { loadConfig } from "../../../service/internal/config.js";
import { createLogger } from "../../../service/internal/logger.js";
import { openDatabase } from "../../../service/store/database.js";
import { applyMigrations, migrate, MIGRATIONS } from "../../../service/store/migrations.js";
import { tableAtSql } from "../../../service/store/history.js";
import { createMirrorStore } from "../../../service/store/store.js";
import { backends, testDatabases } from "../helpers/mirror.js";

const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

describe("the mirror's schema migrations", function () {
  const { fresh, dropAll } = testDatabases();

  after(async function () {
    await dropAll();
  });

  for (const backend of backends()) {
    it(`give a mirror from before the final block its oldest kept header as final block, and refuse moving the checkpoint below it (${backend})`, async function () {
      const test = await fresh(backend);
      const config = loadConfig({ RPC_URL: "http://127.0.0.1:1", LEDGER_ADDRESS: `0x${"1".repeat(40)}`, DEPLOYMENT_BLOCK: "1", ...test.env }).mirror;
      const db = await openDatabase(config.database, { logger: createLogger({ level: "silent" }), writer: true });
      try {
        // The schema and rows a mirror had before: a checkpoint at 40, the anchor 28 and the window 30..40.
        await applyMigrations(db, MIGRATIONS.filter((m) => m.version === 1));
        await db.query(
          `INSERT INTO sync_checkpoint (id, chain_id, ledger, access_manager, deployment_block, block_number, block_hash)
           VALUES (1, 31337, $1, $1, 1, 40, $2)`,
          [`0x${"1".repeat(40)}`, hash(40)],
        );
        for (const n of [28, ...Array.from({ length: 11 }, (_, i) => 30 + i)]) {
          await db.query("INSERT INTO blocks (number, hash, parent_hash, timestamp) VALUES ($1, $2, $3, $1)", [n, hash(n), hash(n - 1)]);
        }
        expect(await migrate(db)).to.deep.equal(MIGRATIONS.filter((m) => m.version > 1).map((m) => m.version));
        const store = createMirrorStore(db);
        expect(await store.checkpoint()).to.deep.include({ number: 40, final: { number: 28, hash: hash(28) }, halted: undefined });
        const error = await store.rollback({ number: 27, hash: hash(27) }).then(() => undefined, (e: unknown) => e);
        expect((error as Error).message).to.match(/final_at_or_below_checkpoint/);
        expect((await store.checkpoint())!.number).to.equal(40);
      } finally {
        await db.close();
      }
    });

    it(`give a mirror from before the history its rows as versions at its checkpoint, and rebuild it whole on a rollback below that (${backend})`, async function () {
      const test = await fresh(backend);
      const config = loadConfig({ RPC_URL: "http://127.0.0.1:1", LEDGER_ADDRESS: `0x${"1".repeat(40)}`, DEPLOYMENT_BLOCK: "1", ...test.env }).mirror;
      const db = await openDatabase(config.database, { logger: createLogger({ level: "silent" }), writer: true });
      try {
        // A mirror of the migrations before the history: a city registered in block 35, the checkpoint at 40.
        await applyMigrations(db, MIGRATIONS.filter((m) => m.version < 10));
        await db.query(
          `INSERT INTO sync_checkpoint (id, chain_id, ledger, access_manager, deployment_block, block_number, block_hash, final_number, final_hash)
           VALUES (1, 31337, $1, $1, 1, 40, $2, 30, $3)`,
          [`0x${"1".repeat(40)}`, hash(40), hash(30)],
        );
        const args = { city: "310000", name: "Shanghai", budget: "1000", appropriation: hash(7), ratioBps: "3000", holderCap: "0", defaultValidity: "86400" };
        await db.query(
          `INSERT INTO events (chain_id, block_hash, log_index, block_number, block_timestamp, transaction_hash, transaction_index, address, contract, event_name, args, topics, data)
           VALUES (31337, $1, 0, 35, 35, $1, 0, $2, 'ledger', 'CityRegistered', $3, '[]', '0x')`,
          [hash(35), `0x${"1".repeat(40)}`, JSON.stringify(args)],
        );
        await db.query(
          `INSERT INTO cities (city, name, budget, appropriation, ratio_bps, holder_cap, default_validity, issued, redeemed, revoked, expired, voucher_count, registered_block, updated_block)
           VALUES (310000, 'Shanghai', 1000, $1, 3000, 0, 86400, 0, 0, 0, 0, 0, 35, 35)`,
          [hash(7)],
        );
        for (let n = 30; n <= 40; n++) {
          await db.query("INSERT INTO blocks (number, hash, parent_hash, timestamp) VALUES ($1, $2, $3, $1)", [n, hash(n), hash(n - 1)]);
        }
        await migrate(db);
        // Migration 11: the raw log's columns the API filters on, from the events' arguments.
        const [event] = await db.query<{ city: number; voucher_id: string | null; amount: string | null }>(
          "SELECT city, voucher_id::text AS voucher_id, amount::text AS amount FROM events",
        );
        expect(event).to.deep.equal({ city: 310000, voucher_id: null, amount: null });
        const store = createMirrorStore(db);
        const cityAt = async (block: number) =>
          (await db.query<{ name: string }>(`SELECT name FROM ${tableAtSql("cities", "$1::bigint")} c`, [block])).map((r) => r.name);
        expect((await store.checkpoint())!.historyFrom).to.equal(40);
        expect(await cityAt(40)).to.deep.equal(["Shanghai"]);
        expect(await cityAt(39), "before the history: no version").to.deep.equal([]);

        // A fork below the history's first block: the derived tables are rebuilt from the log, with their history.
        expect(await store.rollback({ number: 38, hash: hash(38) })).to.deep.include({ removed: 0 });
        expect((await store.checkpoint())!).to.deep.include({ number: 38, historyFrom: 0 });
        expect(await cityAt(35)).to.deep.equal(["Shanghai"]);
        expect(await cityAt(34)).to.deep.equal([]);
      } finally {
        await db.close();
      }
    });
  }
});
