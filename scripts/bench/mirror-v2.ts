/**
 * Mirror benchmark for ledger v2: how fast the mirror backfills a v2 deployment and how fast its projection
 * (service/store/projection-v2.ts) rebuilds the typed tables from the raw log.
 *
 *   npx hardhat run scripts/bench/mirror-v2.ts                 # or: npm run bench -- --only mirror-v2
 *   BENCH_QUICK=1 npx hardhat run scripts/bench/mirror-v2.ts   # a smaller chain
 *
 * One anvil on 127.0.0.1 gets ledger v2 (the contract tests' fixture, test/service/helpers/ledger-v2.ts), then
 * `issueBatch` of 200 vouchers (3 events each) and rounds of everything else v2 records (redemptions, claims approved,
 * rejected and pending, payments, a correction, clawbacks, revocation, freeze, re-issue, the registry's changes).
 * Each store (PostgreSQL at DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test, in a fresh schema; PGlite in
 * a fresh folder) is backfilled cold in this process, then rebuilt from its raw log: events per second, median of
 * the runs. Writes bench-results/mirror-v2.json (the runner's row format).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { encodeBytes32String } from "ethers";

import { deployTestLedgerV2, mirrorEnvV2, runV2Workload } from "../../test/service/helpers/ledger-v2.js";
import { type BackendKind, newDatabase, withMirror } from "../../test/service/helpers/mirror.js";
import { startNode } from "../../test/service/helpers/node.js";

const QUICK = process.env.BENCH_QUICK === "1" || process.argv.includes("--quick");
const ISSUE_BATCHES = QUICK ? 10 : 50;
// A round issues CNY 1,015,000 to the start-up under the programme, whose cap is CNY 8m a year. One round already
// records every kind of v2 event, so the quick run makes one (most of its time was making the chain).
const ROUNDS = QUICK ? 1 : 6;
const RUNS = QUICK ? 1 : 3;
process.env.DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/test";

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const node = await startNode("anvil", { extraArgs: ["--accounts", "20"] });
const rows: { name: string; value: number; unit: string; min: number; max: number; runs: number }[] = [];
let events = 0;
try {
  const t = await deployTestLedgerV2(node.url);
  const issuer = t.f.ledger.connect(t.f.issuer);
  for (let b = 0; b < ISSUE_BATCHES; b++) {
    const requests = Array.from({ length: 200 }, (_, i) => ({
      holder: i % 2 === 0 ? t.f.holder.address : t.f.holder2.address, applicationRef: encodeBytes32String(`BENCH-${b}-${i}`), faceValue: 100n, expiresAt: 0n,
    }));
    await (await issuer.issueBatch(t.f.programme, requests)).wait();
  }
  for (let r = 0; r < ROUNDS; r++) await runV2Workload(t);
  for (const backend of ["postgres", "pglite"] as BackendKind[]) {
    const backfill: number[] = [];
    const rebuild: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const db = await newDatabase(backend);
      const env = mirrorEnvV2(node.url, t, db, { GETLOGS_INITIAL_RANGE: "2000", GETLOGS_MAX_RANGE: "100000", GETLOGS_TARGET_LOGS: "5000" });
      await withMirror(env, async (m) => {
        let started = process.hrtime.bigint();
        await m.syncer!.syncToHead();
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        events = await m.store.eventCount();
        backfill.push(events / seconds);
        started = process.hrtime.bigint();
        await m.store.db.transaction((tx) => m.store.rebuild(tx));
        rebuild.push(events / (Number(process.hrtime.bigint() - started) / 1e9));
      });
      await db.drop();
    }
    for (const [what, values] of [["backfill", backfill], ["rebuild of the v2 tables", rebuild]] as const) {
      rows.push({ name: `${backend}: ${what}`, value: Math.round(median(values)), unit: "events/s", min: Math.round(Math.min(...values)), max: Math.round(Math.max(...values)), runs: values.length });
    }
  }
  await t.connection.close();
} finally {
  await node.stop();
}

const result = {
  part: "mirror-v2",
  title: `Mirror of ledger v2 (${events.toLocaleString("en-US")} events)`,
  rows,
  notes: [`${ISSUE_BATCHES} issueBatch of 200 vouchers and ${ROUNDS} rounds of redemptions, claims, payments and registry changes, on anvil`],
};
await mkdir(join(process.cwd(), "bench-results"), { recursive: true });
await writeFile(join(process.cwd(), "bench-results", "mirror-v2.json"), `${JSON.stringify(result, null, 2)}\n`);
for (const r of rows) console.log(`${r.name}: ${r.value} ${r.unit} (min ${r.min}, max ${r.max}, ${r.runs} runs)`);
