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
 * - before them, the ceiling: a bare `eth_getLogs` sweep of the same blocks (fetch and JSON-parse, nothing else, the
 *   mirror's range sizes; lib/sweep.ts), median of the runs; each backfill's speed is reported as a ratio of it;
 * - then the process of the last run serves the audit API on what it mirrored, and this process loads it: voucher
 *   by id with 16 requests in flight, and at a fixed 1,000 requests per second (p50, p99), and reads the server's
 *   RSS afterwards;
 * - on that store, once the process has stopped: at the smallest size the service's start-up on a synced mirror,
 *   compiled against tsx (lib/launch.ts); `npm run verify` (the compiled CLI, with RPC_URL and the store's
 *   configuration; on PostgreSQL up to 100,000 events, on PGlite at the smallest size): its wall time and events per
 *   second, and that it found no difference.
 *
 * The children run the compiled service (dist/, rebuilt first if out of date), as `npm start` does.
 *
 * Writes bench-results/mirror.json (the runner's row format) and prints a Markdown table.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface as Lines } from "node:readline";

import { PGlite } from "@electric-sql/pglite";
import { Wallet } from "ethers";
import pg from "pg";

import type { Backfill } from "./workers/backfill.js";
import { chainGrower } from "./lib/chain.js";
import { compareLaunches, type Launch } from "./lib/launch.js";
import { closedLoop, fixedRate, medianByP99, medianByRate, type Sample } from "./lib/load.js";
import { compiled, nodeArgs } from "./lib/service.js";
import { bareSweep, type Sweep } from "./lib/sweep.js";

const args = process.argv.slice(2);
const ROOT = join(import.meta.dirname, "..", "..");

/** Starts a worker and resolves with its first JSON line (log lines may come first). */
function startWorker(input: object): { child: ChildProcess; lines: Lines; first: Promise<string> } {
  const child = spawn(process.execPath, nodeArgs("compiled", "scripts/bench/workers/backfill.ts", [JSON.stringify(input)]), {
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

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Verified {
  seconds: number;
  events: number;
  ok: boolean;
}

/** `npm run verify` as an auditor runs it on the mirror `env` names (RPC_URL given: the CLI reads the store itself). */
async function runVerify(env: Record<string, string>): Promise<Verified> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [compiled("service/verify/cli.ts"), "--json"], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env }, stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code === 2) throw new Error(`npm run verify could not verify the benchmark's mirror (exit 2)`);
  const report = JSON.parse(out) as { events: number; ok: boolean };
  return { seconds, events: report.events, ok: code === 0 && report.ok };
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

/** The start-up rows of one store: compiled (against tsx, when measured), launch to listening, to /health, and CPU time. */
function launchRows(launches: Partial<Record<"compiled" | "tsx", Launch[]>>, store: string, size: string): Row[] {
  const of = (list: Launch[], pick: (l: Launch) => number | undefined) => {
    const values = list.map(pick).filter((v): v is number => v !== undefined);
    return { value: Math.round(median(values)), min: Math.round(Math.min(...values)), max: Math.round(Math.max(...values)), runs: values.length };
  };
  const where = `on a synced ${size} mirror, ${store}`;
  const measures = [
    ["launch to listening", (l: Launch) => l.listeningMs],
    ["launch to the first /health answer", (l: Launch) => l.healthMs],
    ["CPU time to listening", (l: Launch) => l.cpuMs],
  ] as const;
  return measures.flatMap(([what, pick]) => {
    const tsx = launches.tsx === undefined ? undefined : of(launches.tsx, pick);
    const compiledRun = of(launches.compiled!, pick);
    return [
      {
        name: `service start-up ${where}, compiled: ${what}`, unit: "ms", ...compiledRun,
        ...(tsx === undefined ? {} : { baseline: tsx.value, ratio: Math.round((compiledRun.value / tsx.value) * 1000) / 1000 }),
        ...(what === "launch to listening" ? { goal: "≤ 1,000 ms", met: compiledRun.value <= 1000 } : {}),
      },
      ...(tsx === undefined ? [] : [{ name: `service start-up ${where}, tsx: ${what}`, unit: "ms", ...tsx }]),
    ];
  });
}

function launchLine(launches: Partial<Record<"compiled" | "tsx", Launch[]>>, store: string, events: number): string {
  const cell = (list: Launch[] | undefined) => {
    if (list === undefined) return "not measured";
    const cpu = list.map((l) => l.cpuMs).filter((v): v is number => v !== undefined);
    return `${Math.round(median(list.map((l) => l.listeningMs)))} / ${Math.round(median(list.map((l) => l.healthMs)))} / ${cpu.length === 0 ? "–" : Math.round(median(cpu))}`;
  };
  return `| ${store} | ${events.toLocaleString("en-US")} | ${cell(launches.compiled)} | ${cell(launches.tsx)} |`;
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
  /**
   * `npm run verify` reads every voucher back from the contract (one eth_call each, 8 in flight): at a million events
   * that is 333,000 calls, beyond the time limit of the whole benchmark, so it is measured up to this size on
   * PostgreSQL (an auditor's store), and on PGlite at the smallest size only (not in the quick run).
   */
  const verifyUpTo = 100_000;
  /** The bare sweep is repeated up to this size; the million-event one (about 10 s) runs once. */
  const sweepRunsUpTo = 100_000;
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
  const launchTable: string[] = [];
  const started = Date.now();
  /** An empty PGlite data folder, made once (see the PGlite backend below). */
  let pgliteTemplate: Promise<string> | undefined;
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
          // Each run starts from a copy of one empty data folder: PGlite's initdb (seconds of CPU, outside the
          // figure, which times the sync alone) runs once per benchmark, not once per run.
          pgliteTemplate ??= (async () => {
            const dir = await mkdtemp(join(tmpdir(), "cvl-bench-template-"));
            await (await PGlite.create(join(dir, "pgdata"))).close();
            return dir;
          })();
          const dir = await mkdtemp(join(tmpdir(), "cvl-bench-"));
          await cp(await pgliteTemplate, dir, { recursive: true });
          return { env: { DATA_DIR: dir }, drop: () => rm(dir, { recursive: true, force: true }) };
        },
      },
    ];
    /** Voucher-by-id throughput at the smallest size, per store: the growth ratios' baseline. */
    const firstRate = new Map<string, number>();
    table.push(
      "| events | store | backfill events/s (min–max) | bare sweep logs/s | backfill / sweep | peak RSS | by id req/s | " +
        "by id p99 at 1,000 req/s | API RSS | verify s (events/s) |",
    );
    table.push("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const size of sizes) {
      const growing = Date.now();
      const made = await grower.growTo(size);
      process.stderr.write(`chain grown to ${made} issue events (+ setup) in ${((Date.now() - growing) / 1000).toFixed(1)} s\n`);
      const sweeps: Sweep[] = [];
      const sweepTo = await t.provider.getBlockNumber();
      for (let run = 0; run < (size <= sweepRunsUpTo ? runs : 1); run++) {
        sweeps.push(await bareSweep({
          url: node.url, addresses: [baseEnv.LEDGER_ADDRESS, await t.manager.getAddress()], fromBlock: t.deploymentBlock,
          toBlock: sweepTo, initialRange: Number(baseEnv.GETLOGS_INITIAL_RANGE), targetLogs: 5000,
        }));
      }
      const sweepRates = sweeps.map((w) => w.logs / w.seconds);
      const sweepRate = median(sweepRates);
      process.stderr.write(`bare eth_getLogs sweep ${label(size)}: ${sweeps[0]!.logs} logs in ${sweeps[0]!.requests} requests, ${Math.round(sweepRate)} logs/s\n`);
      rows.push({
        name: `bare eth_getLogs sweep (fetch and parse), ${label(size)} events`, value: Math.round(sweepRate), unit: "logs/s",
        min: Math.round(Math.min(...sweepRates)), max: Math.round(Math.max(...sweepRates)), runs: sweeps.length,
      });
      for (const backend of backends.filter((b) => b.name === "PostgreSQL" || size <= pgliteUpTo)) {
        const samples: Backfill[] = [];
        let closed: Sample[] = [];
        let rate: Sample[] = [];
        let apiRss = 0;
        let verified: Verified | undefined;
        for (let run = 0; run < runs; run++) {
          const db = await backend.make();
          const serve = run === runs - 1;
          const worker = startWorker({ env: { ...baseEnv, ...db.env }, serve, auditor: auditor.address });
          try {
            const answer = JSON.parse(await worker.first) as Backfill & { api?: string; token?: string; ids?: string[] };
            samples.push({ events: answer.events, seconds: answer.seconds, peakRssMiB: answer.peakRssMiB, memory: answer.memory });
            process.stderr.write(`${backend.name} ${label(size)} run ${run + 1}: ${Math.round(answer.events / answer.seconds)} events/s\n`);
            if (serve) {
              let n = 0;
              const url = () => `${answer.api}/v1/vouchers/${answer.ids![n++ % answer.ids!.length]}`;
              await closedLoop(url, answer.token, 500, 16, 1); // warm-up
              closed = [];
              rate = [];
              for (let i = 0; i < (quick ? 2 : runs); i++) {
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
            await stopWorker(worker.child);
            if (serve && size === sizes[0] && (!quick || backend.name === "PGlite")) {
              // The quick run measures the compiled service only: tsx's figure is the comparison, not the goal.
              const launches = await compareLaunches({ ...baseEnv, ...db.env }, runs, quick ? ["compiled"] : ["compiled", "tsx"]);
              launchRows(launches, backend.name, label(size)).forEach((row) => rows.push(row));
              launchTable.push(launchLine(launches, backend.name, answer.events));
            }
            if (serve && size <= (backend.name === "PostgreSQL" ? verifyUpTo : quick ? 0 : sizes[0]!)) {
              verified = await runVerify({ ...baseEnv, ...db.env });
              process.stderr.write(`verify ${backend.name} ${label(size)}: ${verified.events} events in ${verified.seconds.toFixed(1)} s\n`);
              if (!verified.ok) notes.push(`npm run verify found differences on the ${label(size)} ${backend.name} mirror.`);
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
          baseline: Math.round(sweepRate), ratio: round(med / sweepRate, 3),
          ...(backend.name === "PostgreSQL" && size >= 100_000 ? { goal: "≥ 0.5× the bare sweep", met: med >= sweepRate / 2 } : {}),
        });
        if (sweeps[0]!.logs !== events) notes.push(`The bare sweep read ${sweeps[0]!.logs} logs where the ${label(size)} ${backend.name} mirror has ${events}.`);
        if (verified !== undefined) {
          const verifyRate = verified.events / verified.seconds;
          rows.push({ name: `npm run verify, ${where}: wall time`, value: round(verified.seconds, 1), unit: "s", runs: 1 });
          rows.push({
            name: `npm run verify, ${where}: events/s`, value: Math.round(verifyRate), unit: "events/s", runs: 1,
            baseline: Math.round(med), ratio: round(verifyRate / med, 3), goal: "≥ the backfill's speed", met: verifyRate >= med,
          });
        }
        rows.push({ name: `peak RSS of the backfill, ${where}`, value: Math.round(peak), unit: "MiB", runs: samples.length,
          ...(backend.name === "PostgreSQL" ? { goal: "≤ 250 MiB", met: peak <= 250 } : {}),
        });
        // What the peak is made of (the largest of each part of process.memoryUsage() over the runs): the JavaScript
        // heap, or memory outside it (buffers; PGlite's WebAssembly memory, an ArrayBuffer, counts as external).
        for (const [part, key] of [["heap used", "heapUsedMiB"], ["external (buffers)", "externalMiB"], ["RSS before the sync", "beforeRssMiB"]] as const) {
          const values = samples.map((s) => s.memory?.[key]).filter((v): v is number => v !== undefined);
          if (values.length > 0) rows.push({ name: `backfill memory, ${where}: peak ${part}`, value: Math.round(Math.max(...values)), unit: "MiB", runs: values.length });
        }
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
            `${Math.round(sweepRate).toLocaleString("en-US")} | ${(med / sweepRate).toFixed(2)} | ` +
            `${Math.round(peak)} MiB | ${Math.round(byId.rps)} | ${round(atRate.p99, 2)} ms | ${Math.round(apiRss)} MiB | ` +
            `${verified === undefined ? "" : `${verified.seconds.toFixed(1)} (${Math.round(verified.events / verified.seconds).toLocaleString("en-US")})`} |`,
        );
      }
    }
  } finally {
    await node.stop();
    if (pgliteTemplate !== undefined) await rm(await pgliteTemplate, { recursive: true, force: true });
  }
  notes.unshift(
    `The chain: ${SPARSE_BLOCKS} sparse blocks (a voucher every tenth), then blocks of ${PER_BLOCK} issueBatch of 200 vouchers ` +
      `(3 events a voucher: VoucherIssued, Locked, TransferSingle; ~8,400 events a block). ` +
      `Each backfill is cold, into an empty store, in its own process, with the API's indexes in place as the service ` +
      `keeps them; PGlite is measured up to ${label(pgliteUpTo)} events. The voucher-by-id ratio is to the smallest mirror ` +
      `of the same store. The bare eth_getLogs sweep (fetch and JSON-parse, one request at a time, the mirror's range ` +
      `sizes) is the ceiling of each backfill; it is run ${runs} times up to ${label(sweepRunsUpTo)} events, once above. ` +
      `npm run verify (compiled, reading the store itself) runs once, on PostgreSQL up to ${label(verifyUpTo)} events` +
      `${quick ? "" : `, on PGlite at ${label(sizes[0]!)}`}. The ` +
      `service's start-up is measured on the synced ${label(sizes[0]!)} mirror${quick ? " (PGlite only in the quick run)" : ""}, ` +
      `compiled against tsx, ${runs} launches each, alternating. ${runs} runs each; the part took ${Math.round((Date.now() - started) / 1000)} s.`,
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
  console.log(
    `### The service's start-up on a synced ${label(sizes[0]!)} mirror (median of ${runs}, ms)\n\n` +
      "| store | events | compiled: to listening / to /health / CPU | tsx: to listening / to /health / CPU |\n| --- | ---: | ---: | ---: |\n" +
      `${launchTable.join("\n")}\n`,
  );
}

await main();
