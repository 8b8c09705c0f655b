/**
 * Mirror benchmark: makes a local chain (anvil on 127.0.0.1) with at least 100,000 ledger events (10,000 with
 * --quick), issued in batches, then measures cold backfills into PGlite and into PostgreSQL (DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test), each in a fresh child process: events per second and peak RSS, median
 * of the runs (--runs N, default 3). Writes bench-results/mirror.json and prints a Markdown table.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { encodeBytes32String } from "ethers";
import pg from "pg";

import { deployTestLedger, SHANGHAI } from "../../test/service/helpers/ledger.js";
import { ROOT, startNode } from "../../test/service/helpers/node.js";

const args = process.argv.slice(2);

if (args[0] === "--worker") {
  // One cold backfill, in its own process so that its peak RSS is its own.
  const { loadConfig } = await import("../../service/internal/config.js");
  const { createLogger } = await import("../../service/internal/logger.js");
  const { openMirror } = await import("../../service/mirror.js");
  const config = loadConfig(JSON.parse(args[1]!) as Record<string, string>);
  const mirror = await openMirror({ config, logger: createLogger({ level: "warn" }) });
  const started = process.hrtime.bigint();
  await mirror.syncer!.syncToHead();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const events = await mirror.store.eventCount();
  await mirror.close();
  process.stdout.write(`${JSON.stringify({ events, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
  process.exit(0);
}

const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
const runsArg = args.indexOf("--runs");
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 3;
const target = quick ? 10_000 : 100_000;
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const BATCH = 200; // vouchers per issueBatch: 3 events each (VoucherIssued, Locked, TransferSingle)

const node = await startNode("anvil");
try {
  const t = await deployTestLedger(node.url);
  const holders = await Promise.all(t.signers.holders.map((h) => h.getAddress()));
  const issuer = t.ledger.connect(t.signers.shanghaiIssuer);
  const generating = Date.now();
  let pending: Promise<unknown>[] = [];
  const txs = Math.ceil(target / (3 * BATCH));
  for (let i = 0; i < txs; i++) {
    const requests = [...Array(BATCH).keys()].map((j) => ({
      holder: holders[(i + j) % holders.length]!,
      applicationRef: encodeBytes32String(`BENCH-${i}-${j}`),
      faceValue: 1000n + BigInt(j),
      expiresAt: 0n,
    }));
    const tx = await issuer.issueBatch(SHANGHAI, requests, { gasLimit: 29_000_000n });
    pending.push(tx.wait());
    if (pending.length >= 20) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
  const head = await t.provider.getBlockNumber();
  process.stderr.write(`chain ready: ${txs} batches up to block ${head} in ${((Date.now() - generating) / 1000).toFixed(1)} s\n`);

  const baseEnv = {
    RPC_URL: node.url,
    LEDGER_ADDRESS: await t.ledger.getAddress(),
    DEPLOYMENT_BLOCK: String(t.deploymentBlock),
    FINALITY_DEPTH: "12",
    LOG_LEVEL: "warn",
  };
  const backends: { name: string; make(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> }[] = [
    {
      name: "PGlite",
      async make() {
        const dir = await mkdtemp(join(tmpdir(), "cvl-bench-"));
        return { env: { DATA_DIR: dir }, drop: () => rm(dir, { recursive: true, force: true }) };
      },
    },
    {
      name: "PostgreSQL",
      async make() {
        const schema = `mirror_bench_${randomBytes(4).toString("hex")}`;
        return {
          env: { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema },
          async drop() {
            const client = new pg.Client({ connectionString: databaseUrl });
            await client.connect();
            await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
            await client.end();
          },
        };
      },
    },
  ];
  const results: {
    backend: string;
    events: number;
    seconds: number;
    eventsPerSecond: number;
    peakRssMiB: number;
    runs: { events: number; seconds: number; peakRssMiB: number }[];
  }[] = [];
  for (const backend of backends) {
    const samples: { events: number; seconds: number; peakRssMiB: number }[] = [];
    for (let run = 0; run < runs; run++) {
      const db = await backend.make();
      try {
        const out = execFileSync(
          process.execPath,
          ["--import", "tsx", "scripts/bench/mirror.ts", "--worker", JSON.stringify({ ...baseEnv, ...db.env })],
          { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 20 },
        );
        samples.push(JSON.parse(out.trim().split("\n").pop()!));
      } finally {
        await db.drop();
      }
      process.stderr.write(`${backend.name} run ${run + 1}: ${JSON.stringify(samples[samples.length - 1])}\n`);
    }
    const sorted = [...samples].sort((a, b) => a.seconds - b.seconds);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    results.push({
      backend: backend.name,
      events: median.events,
      seconds: Number(median.seconds.toFixed(2)),
      eventsPerSecond: Math.round(median.events / median.seconds),
      peakRssMiB: Math.round(Math.max(...samples.map((s) => s.peakRssMiB))),
      runs: samples,
    });
  }
  const rates = (r: (typeof results)[number]) => r.runs.map((s) => s.events / s.seconds);
  const report = {
    quick,
    blocks: head - t.deploymentBlock + 1,
    machine: { cpus: (await import("node:os")).cpus().length },
    results,
    at: new Date().toISOString(),
    // The common shape scripts/bench/run.ts merges into the report.
    part: "mirror",
    title: `Mirror: cold backfill of ${results[0]?.events ?? 0} ledger events from anvil (median of ${runs})`,
    rows: results.flatMap((r) => [
      {
        name: `backfill into ${r.backend}`,
        value: r.eventsPerSecond,
        unit: "events/s",
        min: Math.round(Math.min(...rates(r))),
        max: Math.round(Math.max(...rates(r))),
        runs: r.runs.length,
        ...(r.backend === "PostgreSQL" ? { goal: "≥ 10,000 events/s", met: r.eventsPerSecond >= 10_000 } : {}),
      },
      { name: `peak RSS, ${r.backend} backfill`, value: r.peakRssMiB, unit: "MiB", runs: r.runs.length },
    ]),
    notes: [
      "Events made by issueBatch (3 events per voucher: VoucherIssued, Locked, TransferSingle); each run is a cold " +
        "backfill in its own process into an empty database.",
    ],
  };
  await mkdir(join(ROOT, "bench-results"), { recursive: true });
  await writeFile(join(ROOT, "bench-results", "mirror.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n### Mirror: cold backfill (${quick ? "quick" : "full"}, median of ${runs})\n`);
  console.log("| store | events | seconds | events/s | peak RSS (MiB) |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const r of results) console.log(`| ${r.backend} | ${r.events} | ${r.seconds} | ${r.eventsPerSecond} | ${r.peakRssMiB} |`);
} finally {
  await node.stop();
}
