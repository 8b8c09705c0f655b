import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { createLogger } from "../../../service/internal/logger.js";
import { type Database, type DatabaseConfig, openDatabase } from "../../../service/store/database.js";
import { migrate } from "../../../service/store/migrations.js";
import { qb, rows, run } from "../../../service/store/query.js";
import { backends } from "../helpers/mirror.js";
import { ROOT } from "../helpers/node.js";

/** A fresh database of `backend`, migrated, and how to drop it. */
async function migrated(backend: "pglite" | "postgres"): Promise<{ db: Database; drop: () => Promise<void> }> {
  const logger = createLogger({ level: "silent" });
  let config: DatabaseConfig;
  let remove: () => Promise<void>;
  if (backend === "pglite") {
    const dir = await mkdtemp(join(tmpdir(), "cvl-query-"));
    config = { kind: "pglite", dataDir: dir };
    remove = () => rm(dir, { recursive: true, force: true });
  } else {
    const schema = `query_test_${process.pid}_${Date.now()}`;
    config = { kind: "postgres", url: process.env.DATABASE_URL!, schema };
    remove = async () => undefined;
  }
  const db = await openDatabase(config, { logger, writer: false });
  await migrate(db);
  return {
    db,
    drop: async () => {
      if (config.kind === "postgres") await db.query(`DROP SCHEMA "${config.schema}" CASCADE`);
      await db.close();
      await remove();
    },
  };
}

describe("the store's typed queries (service/store/query.ts)", function () {
  for (const backend of backends()) {
    it(`answers with the schema's types on ${backend}: int8 as exact decimal text above 2^53, int4 as a number`, async function () {
      const { db, drop } = await migrated(backend);
      try {
        const big = "9007199254740993"; // 2^53 + 1: a JavaScript number would round it to ...992
        await run(db, qb.insertInto("blocks").values({ number: big, hash: "0x01", parent_hash: "0x00", timestamp: "1764547200" }));
        const [block] = await rows(db, qb.selectFrom("blocks").selectAll().where("number", "=", big));
        expect(block).to.deep.equal({ number: big, hash: "0x01", parent_hash: "0x00", timestamp: "1764547200" });
        const [count] = await rows(db, qb.selectFrom("blocks").select((eb) => eb.fn.countAll<string>().as("n")));
        expect(count!.n).to.equal("1");
        // The raw Queryable answers the same types: the normalisation is the database layer's, not the builder's.
        const raw = await db.query<{ number: unknown; n4: unknown }>("SELECT number, 7::int4 AS n4 FROM blocks");
        expect(raw).to.deep.equal([{ number: big, n4: 7 }]);
      } finally {
        await drop();
      }
    });

    it(`runs a built query inside one of the store's transactions on ${backend}, and rolls it back with it`, async function () {
      const { db, drop } = await migrated(backend);
      try {
        const failed = await db
          .transaction(async (tx) => {
            await run(tx, qb.insertInto("blocks").values({ number: "5", hash: "0x05", parent_hash: "0x04", timestamp: "1" }));
            expect(await rows(tx, qb.selectFrom("blocks").select("number"))).to.deep.equal([{ number: "5" }]);
            throw new Error("abort");
          })
          .then(() => false, () => true);
        expect(failed).to.equal(true);
        expect(await rows(db, qb.selectFrom("blocks").select("number"))).to.deep.equal([]);
      } finally {
        await drop();
      }
    });
  }

  if (backends().includes("postgres")) {
    it("has a typed schema (service/store/schema.ts) equal to what the migrations make (npm run schema:types -- --verify)", async function () {
      this.timeout(120_000);
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", "scripts/check/schema-types.ts", "--verify"], { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
        child.on("exit", resolve);
      });
      expect(code, "the committed schema types differ from the migrations: run npm run schema:types").to.equal(0);
    });
  }
});
