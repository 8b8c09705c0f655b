/**
 * Mirror benchmark, as the log grows. One local chain (anvil on 127.0.0.1) starts with SPARSE_BLOCKS sparse blocks
 * (a voucher every tenth: the adaptive `eth_getLogs` range widens over them) and is then grown by `issueBatch`, in
 * dense blocks, to 10,000, 100,000 and 1,000,000 ledger events (10,000 only with --quick or BENCH_QUICK=1;
 * `--sizes 10000,100000` picks sizes). At each size:
 *
 * - cold backfills of the whole log into PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test,
 *   a fresh schema each run) and into PGlite (a fresh folder; up to 100,000 events), each in its own child process
 *   that opens the store as the service does (the mirror's and the API's migrations first, so the API's indexes
 *   are kept up during the backfill): events per second and peak RSS, median of the runs (--runs N, default 3);
 * - then the process of the last run serves the audit API on what it mirrored, and this process loads it: voucher
 *   by id with 16 requests in flight, and at a fixed 1,000 requests per second (p50, p99), and reads the server's
 *   RSS afterwards.
 *
 * Writes bench-results/mirror.json (the runner's row format) and prints a Markdown table.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface as Lines } from "node:readline";

import { Wallet } from "ethers";
import pg from "pg";

import { chainGrower } from "./lib/chain.js";
import { closedLoop, fixedRate, medianByP99, medianByRate, type Sample } from "./lib/load.js";

const args = process.argv.slice(2);
const ROOT = join(import.meta.dirname, "..", "..");

interface Backfill {
  events: number;
  seconds: number;
  peakRssMiB: number;
}

/** The child: one cold backfill; with `serve`, then the audit API on it, until stdin ends. */
async function worker(): Promise<void> {
  const { loadConfig } = await import("../../service/internal/config.js");
  const { createLogger } = await import("../../service/internal/logger.js");
  const { openMirror } = await import("../../service/mirror.js");
  const { createApi, migrateApi, startHttpServer } = await import("../../service/api/index.js");
  const input = JSON.parse(args[1]!) as { env: Record<string, string>; serve: boolean; auditor: string };
  const { mirror: config, api: apiConfig } = loadConfig(input.env);
  const logger = createLogger({ level: "warn" });
  const mirror = await openMirror({ config, logger });
  await migrateApi(mirror.store.db);
  const started = process.hrtime.bigint();
  await mirror.syncer!.syncToHead();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const events = await mirror.store.eventCount();
  const result: Backfill = { events, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
  if (!input.serve) {
    await mirror.close();
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  }
  const api = await createApi({ config, api: apiConfig, mirror, logger });
  const server = await startHttpServer(api, { host: "127.0.0.1", port: 0 });
  const ids = await mirror.store.db.query<{ id: string }>("SELECT id::text AS id FROM vouchers ORDER BY random() LIMIT 2000");
  process.stdout.write(`${JSON.stringify({ ...result, api: server.url, token: api.services.auth.tokens.issue(input.auditor).token, ids: ids.map((r) => r.id) })}\n`);
  // "rss" asks for the resident set now; the end of stdin stops the server.
  createInterface({ input: process.stdin }).on("line", (line) => {
    if (line === "rss") process.stdout.write(`${JSON.stringify({ rssMiB: process.memoryUsage().rss / 2 ** 20 })}\n`);
  });
  process.stdin.on("end", () => process.exit(0));
}

/** Starts a worker and resolves with its first JSON line (log lines may come first). */
function startWorker(input: object): { child: ChildProcess; lines: Lines; first: Promise<string> } {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/bench/mirror.ts", "--worker", JSON.stringify(input)], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const first = new Promise<string>((resolve, reject) => {
    lines.on("line", (text) => {
      if (text.startsWith('{"events":')) resolve(text);
      else if (!text.startsWith('{"rssMiB":')) process.stderr.write(`worker: ${text}\n`);
    });
    child.once("exit", (code) => reject(new Error(`the benchmark worker exited with ${code}`)));
  });
  return { child, lines, first };
}

async function stopWorker(child: ChildProcess): Promise<void> {
  child.stdin?.end();
  if (child.exitCode !== null) return;
  await new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

interface Row {
  name: string;
  value: number;
  unit: string;
  min?: number;
  max?: number;
  runs?: number;
  baseline?: number;
  ratio?: number;
  goal?: string;
  met?: boolean;
}

async function main(): Promise<void> {
  const { deployTestLedger, SHANGHAI } = await import("../../test/service/helpers/ledger.js");
  const { startNode } = await import("../../test/service/helpers/node.js");
  const { ROLE } = await import("../../service/domain/roles-v1.js");
  const { mineSparse } = await import("../../test/service/helpers/shapes.js");
  const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
  const runsArg = args.indexOf("--runs");
  const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 3;
  const sizesArg = args.indexOf("--sizes");
  const sizes = sizesArg >= 0 ? args[sizesArg + 1]!.split(",").map(Number) : quick ? [10_000] : [10_000, 100_000, 1_000_000];
  /** PGlite is the single-machine store of `npm start`; beyond this size only PostgreSQL is measured. */
  const pgliteUpTo = 100_000;
  const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
  const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

  // anvil keeps a copy of the state for every block unless told otherwise: at a few hundred blocks of a million
  // events that is gigabytes, and the chain stalls. The mirror reads only logs and headers, which pruning keeps.
  // Its time per block also grows with the state, so blocks hold PER_BLOCK batches (about 8,400 events).
  const PER_BLOCK = 14;
  const SPARSE_BLOCKS = 300;
  const node = await startNode("anvil", { extraArgs: ["--prune-history", "64", "--gas-limit", String(PER_BLOCK * 30_000_000)] });
  const rows: Row[] = [];
  const table: string[] = [];
  const notes: string[] = [];
  const started = Date.now();
  try {
    const t = await deployTestLedger(node.url);
    const auditor = Wallet.createRandom();
    await (await t.manager.connect(t.signers.governor).grantRole(ROLE.AUDITOR, auditor.address, 0)).wait();
    // Sparse blocks first, then dense ones: the shape that once made one answer about 100 times the target.
    await mineSparse(t, SPARSE_BLOCKS, 10);
    const grower = await chainGrower(t, SHANGHAI, "BENCH", PER_BLOCK);
    const baseEnv = {
      RPC_URL: node.url, LEDGER_ADDRESS: await t.ledger.getAddress(), DEPLOYMENT_BLOCK: String(t.deploymentBlock),
      FINALITY_DEPTH: "12", LOG_LEVEL: "warn", PORT: "0", AUTH_SECRET: randomBytes(32).toString("hex"),
      // Blocks of this chain hold ~8,400 events: start at one block a request, as an operator would for such a
      // chain (the default, 2,000 blocks, would ask for the whole chain at once).
      GETLOGS_INITIAL_RANGE: "1",
      API_RATE_LIMIT_PER_ADDRESS: "100000000", API_RATE_LIMIT_PER_TOKEN: "100000000",
    };
    const backends = [
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
      {
        name: "PGlite",
        async make() {
          const dir = await mkdtemp(join(tmpdir(), "cvl-bench-"));
          return { env: { DATA_DIR: dir }, drop: () => rm(dir, { recursive: true, force: true }) };
        },
      },
    ];
    /** Voucher-by-id throughput at the smallest size, per store: the growth ratios' baseline. */
    const firstRate = new Map<string, number>();
    table.push("| events | store | backfill events/s (min–max) | peak RSS | by id req/s | by id p99 at 1,000 req/s | API RSS |");
    table.push("| ---: | --- | ---: | ---: | ---: | ---: | ---: |");
    for (const size of sizes) {
      const growing = Date.now();
      const made = await grower.growTo(size);
      process.stderr.write(`chain grown to ${made} issue events (+ setup) in ${((Date.now() - growing) / 1000).toFixed(1)} s\n`);
      for (const backend of backends.filter((b) => b.name === "PostgreSQL" || size <= pgliteUpTo)) {
        const samples: Backfill[] = [];
        let closed: Sample[] = [];
        let rate: Sample[] = [];
        let apiRss = 0;
        for (let run = 0; run < runs; run++) {
          const db = await backend.make();
          const serve = run === runs - 1;
          const worker = startWorker({ env: { ...baseEnv, ...db.env }, serve, auditor: auditor.address });
          try {
            const answer = JSON.parse(await worker.first) as Backfill & { api?: string; token?: string; ids?: string[] };
            samples.push({ events: answer.events, seconds: answer.seconds, peakRssMiB: answer.peakRssMiB });
            process.stderr.write(`${backend.name} ${label(size)} run ${run + 1}: ${Math.round(answer.events / answer.seconds)} events/s\n`);
            if (serve) {
              let n = 0;
              const url = () => `${answer.api}/v1/vouchers/${answer.ids![n++ % answer.ids!.length]}`;
              await closedLoop(url, answer.token, 500, 16, 1); // warm-up
              closed = [];
              rate = [];
              for (let i = 0; i < runs; i++) {
                closed.push(await closedLoop(url, answer.token, quick ? 2000 : 5000, 16, quick ? 2 : 3));
                rate.push(await fixedRate(url, answer.token!, 1000, quick ? 1000 : 1500));
              }
              const rss = new Promise<string>((resolve) => {
                worker.lines.on("line", (text) => {
                  if (text.startsWith('{"rssMiB"')) resolve(text);
                });
              });
              worker.child.stdin!.write("rss\n");
              apiRss = (JSON.parse(await rss) as { rssMiB: number }).rssMiB;
              const errors = [...closed, ...rate].reduce((sum, s) => sum + s.errors, 0);
              if (errors > 0) notes.push(`${errors} non-200 answers from the API on the ${label(size)} ${backend.name} mirror.`);
            }
          } finally {
            await stopWorker(worker.child);
            await db.drop();
          }
        }
        const rates = samples.map((s) => s.events / s.seconds);
        const sorted = [...rates].sort((a, b) => a - b);
        const med = sorted[Math.floor(sorted.length / 2)]!;
        const events = samples[0]!.events;
        const peak = Math.max(...samples.map((s) => s.peakRssMiB));
        const byId = medianByRate(closed);
        const atRate = medianByP99(rate);
        const first = firstRate.get(backend.name);
        if (first === undefined) firstRate.set(backend.name, byId.rps);
        const where = `${label(size)} events, ${backend.name}`;
        rows.push({
          name: `backfill, ${where}`, value: Math.round(med), unit: "events/s", min: Math.round(sorted[0]!),
          max: Math.round(sorted[sorted.length - 1]!), runs: samples.length,
          ...(backend.name === "PostgreSQL" && size >= 100_000 ? { goal: "≥ 10,000 events/s", met: med >= 10_000 } : {}),
        });
        rows.push({ name: `peak RSS of the backfill, ${where}`, value: Math.round(peak), unit: "MiB", runs: samples.length });
        rows.push({
          name: `voucher by id, ${where}: requests/s (16 in flight)`, value: Math.round(byId.rps), unit: "req/s",
          min: Math.round(Math.min(...closed.map((s) => s.rps))), max: Math.round(Math.max(...closed.map((s) => s.rps))), runs: closed.length,
          ...(first === undefined ? {} : { baseline: Math.round(first), ratio: round(byId.rps / first, 3) }),
        });
        rows.push({
          name: `voucher by id, ${where}: p99 at 1,000 req/s`, value: round(atRate.p99, 2), unit: "ms",
          min: round(Math.min(...rate.map((s) => s.p99)), 2), max: round(Math.max(...rate.map((s) => s.p99)), 2), runs: rate.length,
          goal: "≤ 20 ms", met: atRate.p99 <= 20,
        });
        rows.push({ name: `API process RSS after the load, ${where}`, value: Math.round(apiRss), unit: "MiB" });
        table.push(
          `| ${events.toLocaleString("en-US")} | ${backend.name} | ${Math.round(med).toLocaleString("en-US")} ` +
            `(${Math.round(sorted[0]!).toLocaleString("en-US")}–${Math.round(sorted[sorted.length - 1]!).toLocaleString("en-US")}) | ` +
            `${Math.round(peak)} MiB | ${Math.round(byId.rps)} | ${round(atRate.p99, 2)} ms | ${Math.round(apiRss)} MiB |`,
        );
      }
    }
  } finally {
    await node.stop();
  }
  notes.unshift(
    `The chain: ${SPARSE_BLOCKS} sparse blocks (a voucher every tenth), then blocks of ${PER_BLOCK} issueBatch of 200 vouchers ` +
      `(3 events a voucher: VoucherIssued, Locked, TransferSingle; ~8,400 events a block). ` +
      `Each backfill is cold, into an empty store, in its own process, with the API's indexes in place as the service ` +
      `keeps them; PGlite is measured up to ${label(pgliteUpTo)} events. The voucher-by-id ratio is to the smallest mirror ` +
      `of the same store. ${runs} runs each; the part took ${Math.round((Date.now() - started) / 1000)} s.`,
  );
  const report = {
    part: "mirror",
    title: `Mirror and API as the log grows (${sizes.map(label).join(", ")} events; median of ${runs})`,
    rows,
    notes,
    quick,
    machine: { cpus: cpus().length },
    at: new Date().toISOString(),
  };
  await mkdir(join(ROOT, "bench-results"), { recursive: true });
  await writeFile(join(ROOT, "bench-results", "mirror.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n### ${report.title}\n\n${table.join("\n")}\n`);
}

if (args[0] === "--worker") await worker();
else await main();
