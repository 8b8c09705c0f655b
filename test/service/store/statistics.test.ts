import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { createLogger } from "../../../service/internal/logger.js";
import { type Database, openDatabase } from "../../../service/store/database.js";
import { migrate } from "../../../service/store/migrations.js";
import { createMirrorStore, type NewEvent } from "../../../service/store/store.js";

const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;

/** `count` events of one block, of a kind the derived tables ignore (the raw log keeps it). */
function lockedEvents(block: number, count: number): NewEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    chainId: 31337, blockNumber: block, blockHash: hash(block), logIndex: i, blockTimestamp: 1_700_000_000 + block,
    transactionHash: hash(1_000_000 + block), transactionIndex: 0, address: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    topics: [hash(7)], data: hash(i), contract: "ledger", eventName: "Locked", args: { id: String(i + 1) },
  }));
}

describe("planner statistics of the PGlite mirror", function () {
  let dir: string;
  let db: Database;
  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), "cvl-stats-"));
    db = await openDatabase({ kind: "pglite", dataDir: dir }, { logger: createLogger({ level: "silent" }), writer: true });
    await migrate(db);
  });
  afterEach(async function () {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  // PGlite has no autovacuum: without these refreshes its planner never learns the log's size and reads a whole
  // index for one voucher, slower with every event (seen in `npm run bench`).
  it("are refreshed as the raw log grows, not on every commit", async function () {
    const store = createMirrorStore(db);
    const tuples = async () => Number((await db.query<{ n: string }>("SELECT reltuples::text AS n FROM pg_class WHERE relname = 'events'"))[0]!.n);
    await store.initCheckpoint({ chainId: 31337, ledger: "0x5FbDB2315678afecb367f032d93F642f64180aa3", accessManager: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", deploymentBlock: 1, number: 0, hash: hash(0) });
    const header = (n: number) => ({ number: n, hash: hash(n), parentHash: hash(n - 1), timestamp: 1_700_000_000 + n });
    await store.commit({ events: lockedEvents(1, 4000), headers: [header(1)], to: header(1), final: 0 });
    expect(await tuples()).to.be.at.most(0, "no refresh after 4,000 events");
    await store.commit({ events: lockedEvents(2, 7000), headers: [header(2)], to: header(2), final: 0 });
    expect(await tuples()).to.equal(11_000);
    // The next refresh waits for another 10,000 events (or half the log, once that is more).
    await store.commit({ events: lockedEvents(3, 5000), headers: [header(3)], to: header(3), final: 0 });
    expect(await tuples()).to.equal(11_000);
  });
});
