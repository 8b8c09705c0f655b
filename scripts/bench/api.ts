/**
 * API benchmark: a local chain (anvil on 127.0.0.1) with at least 100,000 ledger events (10,000 with --quick or
 * BENCH_QUICK=1), mirrored into PGlite; the audit API and a bare Express handler served by one child process;
 * this process is the load generator (keep-alive HTTP, bounded request counts, 127.0.0.1 only).
 *
 * For each request kind: requests per second with 16 requests in flight, p50 and p99 latency, median of the runs
 * (--runs N, default 3, 2 with --quick); then voucher by id at a fixed 1,000 requests per second, and voucher by id and the overview's
 * aggregates at a fixed 200 (a regulator's office on the embedded default), p50/p99. Then ledger v2's overview: a v2
 * chain (issue batches and rounds of everything else v2 records, about 100,000 events; 6,000 with --quick) mirrored
 * into PGlite, and `GET /v2/aggregates` (30 days by day, read from the daily roll-up) at 200 requests/s, p50/p99
 * (`--v2-only`: that part alone). Writes bench-results/api.json (the runner's row format) and prints a Markdown table.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { Wallet } from "ethers";

import { chainGrower } from "./lib/chain.js";
import { closedLoop, fixedRate, medianByP99, medianByRate as median, type Sample } from "./lib/load.js";
import { nodeArgs } from "./lib/service.js";

const args = process.argv.slice(2);
/** The load of a regulator's office (issue 19): p99 ≤ 20 ms at this rate on the embedded default. */
const OFFICE_RATE = 200;

interface ServerInfo { api: string; bare: string; token: string; ids: string[]; events: number; syncSeconds: number; head: number }

/** The server process (scripts/bench/workers/api.ts) on `env`, once its mirror is synced and it serves. */
async function startServer(env: Record<string, string>, auditor: string, root: string): Promise<{ child: ChildProcess; server: ServerInfo }> {
  const child = spawn(process.execPath, nodeArgs("compiled", "scripts/bench/workers/api.ts", [JSON.stringify({ env, auditor })]), {
    cwd: root, stdio: ["pipe", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    // The first line that is the server's answer (log lines go to stdout too).
    createInterface({ input: child.stdout }).on("line", (text) => {
      if (text.startsWith('{"api":')) resolve(text);
    });
    child.once("exit", (code) => reject(new Error(`the server process exited with ${code}`)));
  });
  return { child, server: JSON.parse(line) as ServerInfo };
}

async function stopServer(child: ChildProcess | undefined): Promise<void> {
  child?.stdin?.end();
  if (child === undefined || child.exitCode !== null) return;
  await new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

/**
 * Ledger v2's overview on the embedded default: a v2 chain of about `target` events on its own anvil, mirrored into
 * PGlite by a server process, and its aggregates call (30 days by day, as the page makes it) at 200 requests/s.
 */
async function benchV2Overview(quick: boolean, runs: number): Promise<{ events: number; syncSeconds: number; samples: Sample[]; bare: Sample[]; capacity: Sample }> {
  const { deployTestLedgerV2, mirrorEnvV2, runV2Workload } = await import("../../test/service/helpers/ledger-v2.js");
  const { newDatabase } = await import("../../test/service/helpers/mirror.js");
  const { ROOT, startNode } = await import("../../test/service/helpers/node.js");
  const { encodeBytes32String } = await import("ethers");
  const target = quick ? 6_000 : 100_000;
  const node = await startNode("anvil", { extraArgs: ["--accounts", "20"] });
  const db = await newDatabase("pglite");
  let child: ChildProcess | undefined;
  try {
    const t = await deployTestLedgerV2(node.url);
    // Rounds of redemptions, claims, payments, corrections, clawbacks and revocations, then issue batches (3 events
    // a voucher) up to the size.
    for (let r = 0; r < 3; r++) await runV2Workload(t);
    const issuer = t.f.ledger.connect(t.f.issuer);
    for (let b = 0; b < Math.ceil(target / 600); b++) {
      const requests = Array.from({ length: 200 }, (_, i) => ({
        holder: i % 2 === 0 ? t.f.holder.address : t.f.holder2.address, applicationRef: encodeBytes32String(`AGG-${b}-${i}`), faceValue: 100n, expiresAt: 0n,
      }));
      await (await issuer.issueBatch(t.f.programme, requests)).wait();
    }
    const env = {
      ...mirrorEnvV2(node.url, t, db), LOG_LEVEL: "warn", PORT: "0", FINALITY_DEPTH: "12",
      GETLOGS_INITIAL_RANGE: "2000", GETLOGS_MAX_RANGE: "100000", GETLOGS_TARGET_LOGS: "5000",
      AUTH_SECRET: randomBytes(32).toString("hex"), API_RATE_LIMIT_PER_ADDRESS: "100000000", API_RATE_LIMIT_PER_TOKEN: "100000000",
    };
    // The finance bureau reads every programme.
    const started = await startServer(env, t.f.finance.address, ROOT);
    child = started.child;
    const { server } = started;
    process.stderr.write(`v2 mirror of ${server.events} events ready (synced in ${server.syncSeconds.toFixed(1)} s)\n`);
    const url = () => `${server.api}/v2/aggregates?interval=day`;
    await closedLoop(url, server.token, 200, 4, 1); // warm-up
    const samples: Sample[] = [];
    // The same server's bare Express handler at the same rate: what the machine's load alone costs.
    const bare: Sample[] = [];
    for (let run = 0; run < runs; run++) {
      samples.push(await fixedRate(url, server.token, OFFICE_RATE, quick ? 600 : 1200, 5_000));
      bare.push(await fixedRate(() => `${server.bare}/bare`, server.token, OFFICE_RATE, quick ? 600 : 1200, 5_000));
    }
    const capacity = await closedLoop(url, server.token, quick ? 500 : 2000, 16, 4);
    await t.connection.close();
    return { events: server.events, syncSeconds: server.syncSeconds, samples, bare, capacity };
  } finally {
    await stopServer(child);
    await node.stop();
    await db.drop();
  }
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** The v2 overview's rows (the runner's format) and its line of the Markdown table. */
function v2Report(v2: Awaited<ReturnType<typeof benchV2Overview>>): { rows: Record<string, unknown>[]; line: string; note: string } {
  const at = medianByP99(v2.samples);
  const bare = medianByP99(v2.bare);
  const name = `v2 overview's aggregates (30 days, from the roll-up) at ${OFFICE_RATE} req/s`;
  return {
    rows: [
      { name: `${name}: p50 latency`, value: round(at.p50), unit: "ms", runs: v2.samples.length },
      {
        name: `${name}: p99 latency`, value: round(at.p99), unit: "ms", goal: "≤ 20 ms", met: at.p99 <= 20,
        min: round(Math.min(...v2.samples.map((s) => s.p99))), max: round(Math.max(...v2.samples.map((s) => s.p99))), runs: v2.samples.length,
      },
      { name: `bare Express handler beside it at ${OFFICE_RATE} req/s: p50 latency`, value: round(bare.p50), unit: "ms", runs: v2.bare.length },
      { name: `bare Express handler beside it at ${OFFICE_RATE} req/s: p99 latency`, value: round(bare.p99), unit: "ms", runs: v2.bare.length },
      { name: "v2 overview's aggregates: requests/s (16 in flight)", value: Math.round(v2.capacity.rps), unit: "req/s", runs: 1 },
    ],
    line: `| ${name} (v2 mirror of ${v2.events} events) | ${Math.round(at.rps)} | — | ${round(at.p50)} | ${round(at.p99)} |\n` +
      `| bare Express handler beside it at ${OFFICE_RATE} req/s | ${Math.round(bare.rps)} | — | ${round(bare.p50)} | ${round(bare.p99)} |\n` +
      `| v2 overview's aggregates, 16 in flight | ${Math.round(v2.capacity.rps)} | — | ${round(v2.capacity.p50)} | ${round(v2.capacity.p99)} |`,
    note: `Ledger v2's overview: a v2 mirror of ${v2.events} events (PGlite, synced in ${round(v2.syncSeconds, 1)} s), ` +
      `${v2.samples.reduce((n, x) => n + x.errors, 0)} non-200 answers (abandoned after 5 s), load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} at the end; p99 ≤ 20 ms at ${OFFICE_RATE} req/s: ${round(at.p99)} ms (${at.p99 <= 20 ? "met" : "not met"}).`,
  };
}

async function main(): Promise<void> {
  const { deployTestLedger, runWorkload, SHANGHAI } = await import("../../test/service/helpers/ledger.js");
  const { ROOT, startNode } = await import("../../test/service/helpers/node.js");
  const { ROLE } = await import("../../service/domain/roles-v1.js");
  const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
  const runsArg = args.indexOf("--runs");
  // The quick run takes two samples of each figure (the median of two is their mean), the full run three.
  const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : quick ? 2 : 3;
  const target = quick ? 10_000 : 100_000;
  const requests = quick ? 2_000 : 10_000;
  /** Each measured run stops after this long even if its requests are not all done. */
  const maxSeconds = quick ? 2 : 4;
  const warmUpSeconds = 1;
  if (args.includes("--v2-only")) {
    const { ROOT } = await import("../../test/service/helpers/node.js");
    const v2 = v2Report(await benchV2Overview(quick, runs));
    await mkdir(join(ROOT, "bench-results"), { recursive: true });
    await writeFile(join(ROOT, "bench-results", "api.json"), `${JSON.stringify({ part: "api", title: "Audit API (ledger v2's overview only)", rows: v2.rows, notes: [v2.note], quick, at: new Date().toISOString() }, null, 2)}\n`);
    console.log(`\n| request | req/s | vs bare | p50 ms | p99 ms |\n| --- | ---: | ---: | ---: | ---: |\n${v2.line}\n\n${v2.note}`);
    return;
  }

  const node = await startNode("anvil");
  let child: ChildProcess | undefined;
  const dir = await mkdtemp(join(tmpdir(), "cvl-bench-api-"));
  try {
    const t = await deployTestLedger(node.url);
    const auditor = Wallet.createRandom();
    await (await t.manager.connect(t.signers.governor).grantRole(ROLE.AUDITOR, auditor.address, 0)).wait();
    await runWorkload(t, 60, 3);
    await (await chainGrower(t, SHANGHAI, "API-BENCH")).growTo(target);
    const env = {
      RPC_URL: node.url, LEDGER_ADDRESS: await t.ledger.getAddress(), DEPLOYMENT_BLOCK: String(t.deploymentBlock),
      FINALITY_DEPTH: "12", LOG_LEVEL: "warn", DATA_DIR: dir, PORT: "0",
      AUTH_SECRET: randomBytes(32).toString("hex"), API_RATE_LIMIT_PER_ADDRESS: "100000000", API_RATE_LIMIT_PER_TOKEN: "100000000",
    };
    const started = await startServer(env, auditor.address, ROOT);
    child = started.child;
    const { server } = started;
    process.stderr.write(`mirror of ${server.events} events ready (synced in ${server.syncSeconds.toFixed(1)} s)\n`);
    let n = 0;
    const pick = () => server.ids[n++ % server.ids.length]!;
    const kinds: { name: string; url: () => string; auth: boolean }[] = [
      { name: "bare Express handler", url: () => `${server.bare}/bare`, auth: false },
      { name: "voucher by id", url: () => `${server.api}/v1/vouchers/${pick()}`, auth: true },
      { name: "filtered voucher list (city, status, 50)", url: () => `${server.api}/v1/vouchers?city=${SHANGHAI}&status=Active&limit=50`, auth: true },
      { name: "city", url: () => `${server.api}/v1/cities/${SHANGHAI}`, auth: true },
      { name: "events trail (50 from a block)", url: () => `${server.api}/v1/events?fromBlock=${t.deploymentBlock + (n++ % 100) * 3}&limit=50`, auth: true },
    ];
    const results: Record<string, Sample & { runs: Sample[] }> = {};
    for (const kind of kinds) {
      await closedLoop(kind.url, kind.auth ? server.token : undefined, Math.min(500, requests), 16, warmUpSeconds); // warm-up
      const samples: Sample[] = [];
      for (let run = 0; run < runs; run++) {
        samples.push(await closedLoop(kind.url, kind.auth ? server.token : undefined, requests, 16, maxSeconds));
      }
      results[kind.name] = { ...median(samples), runs: samples };
      process.stderr.write(`${kind.name}: ${JSON.stringify(median(samples))}\n`);
    }
    const rateSamples: Sample[] = [];
    for (let run = 0; run < runs; run++) rateSamples.push(await fixedRate(kinds[1]!.url, server.token, 1000, quick ? 2000 : 4000));
    const atRate = medianByP99(rateSamples);
    // A regulator's office: a dozen dashboards open make a few hundred requests a second; on the embedded default the
    // database shares the API's thread. Voucher by id and the overview's chart (its aggregates call, as the page makes
    // it) at 200 requests/s.
    const office: { name: string; url: () => string; samples: Sample[] }[] = [
      { name: "voucher by id", url: kinds[1]!.url, samples: [] },
      { name: "overview's aggregates (30 days)", url: () => `${server.api}/v1/aggregates?interval=day`, samples: [] },
    ];
    for (const kind of office) {
      for (let run = 0; run < runs; run++) kind.samples.push(await fixedRate(kind.url, server.token, OFFICE_RATE, quick ? 600 : 1200, 5_000));
    }

    // The v1 server's work is done: ledger v2's overview on its own chain and mirror.
    await stopServer(child);
    child = undefined;
    const v2 = v2Report(await benchV2Overview(quick, runs));

    const bare = results["bare Express handler"]!;
    const byId = results["voucher by id"]!;
    const rows = [];
    for (const [name, r] of Object.entries(results)) {
      const ratio = round(r.rps / bare.rps, 3);
      rows.push({
        name: `${name}: requests/s (16 in flight)`, value: Math.round(r.rps), unit: "req/s",
        ...(name === "bare Express handler" ? {} : { baseline: Math.round(bare.rps), ratio }),
        ...(name === "voucher by id" ? { goal: "≥ 25% of the bare handler", met: ratio >= 0.25 } : {}),
        min: Math.round(Math.min(...r.runs.map((s) => s.rps))), max: Math.round(Math.max(...r.runs.map((s) => s.rps))), runs: r.runs.length,
      });
      rows.push({ name: `${name}: p50 latency`, value: round(r.p50), unit: "ms", runs: r.runs.length });
      rows.push({ name: `${name}: p99 latency`, value: round(r.p99), unit: "ms", runs: r.runs.length });
    }
    rows.push({ name: "voucher by id at 1,000 req/s: p50 latency", value: round(atRate.p50), unit: "ms", runs: rateSamples.length });
    rows.push({
      name: "voucher by id at 1,000 req/s: p99 latency", value: round(atRate.p99), unit: "ms", goal: "≤ 20 ms", met: atRate.p99 <= 20,
      min: round(Math.min(...rateSamples.map((s) => s.p99))), max: round(Math.max(...rateSamples.map((s) => s.p99))), runs: rateSamples.length,
    });
    for (const kind of office) {
      const at = medianByP99(kind.samples);
      rows.push({ name: `${kind.name} at ${OFFICE_RATE} req/s: p50 latency`, value: round(at.p50), unit: "ms", runs: kind.samples.length });
      rows.push({
        name: `${kind.name} at ${OFFICE_RATE} req/s: p99 latency`, value: round(at.p99), unit: "ms", goal: "≤ 20 ms", met: at.p99 <= 20,
        min: round(Math.min(...kind.samples.map((s) => s.p99))), max: round(Math.max(...kind.samples.map((s) => s.p99))), runs: kind.samples.length,
      });
    }
    const errors =
      Object.values(results).reduce((sum, r) => sum + r.runs.reduce((s, x) => s + x.errors, 0), 0) +
      [...rateSamples, ...office.flatMap((k) => k.samples)].reduce((s, x) => s + x.errors, 0);
    const notes = [
      `Mirror of ${server.events} events (PGlite), anvil on 127.0.0.1; server and load generator in separate processes on the same machine.`,
      `Up to ${requests} requests or ${maxSeconds} s per run (whichever first) after a warm-up, median of ${runs} runs; ` +
        `${errors} non-200 answers in all.`,
      "Each API request verifies the bearer token and reads the caller's roles from the database (a revoked role applies at once).",
      v2.note,
    ];
    rows.push(...v2.rows);
    await mkdir(join(ROOT, "bench-results"), { recursive: true });
    await writeFile(join(ROOT, "bench-results", "api.json"), `${JSON.stringify({ part: "api", title: "Audit API", rows, notes, quick, events: server.events, at: new Date().toISOString() }, null, 2)}\n`);
    console.log(`\n### Audit API (${quick ? "quick" : "full"}, mirror of ${server.events} events, median of ${runs})\n`);
    console.log("| request | req/s (16 in flight) | vs bare | p50 ms | p99 ms |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    for (const [name, r] of Object.entries(results)) {
      console.log(`| ${name} | ${Math.round(r.rps)} | ${name === "bare Express handler" ? "—" : `${round((100 * r.rps) / bare.rps, 1)}%`} | ${round(r.p50)} | ${round(r.p99)} |`);
    }
    console.log(`| voucher by id at 1,000 req/s | ${Math.round(atRate.rps)} | — | ${round(atRate.p50)} | ${round(atRate.p99)} |`);
    for (const kind of office) {
      const at = medianByP99(kind.samples);
      console.log(`| ${kind.name} at ${OFFICE_RATE} req/s | ${Math.round(at.rps)} | — | ${round(at.p50)} | ${round(at.p99)} |`);
    }
    console.log(v2.line);
    console.log(`\nGoals: voucher by id ≥ 25% of the bare handler: ${round((100 * byId.rps) / bare.rps, 1)}% (${byId.rps / bare.rps >= 0.25 ? "met" : "not met"}); p99 ≤ 20 ms at 1,000 req/s: ${round(atRate.p99)} ms (${atRate.p99 <= 20 ? "met" : "not met"}); ` +
      office.map((k) => `${k.name} p99 ≤ 20 ms at ${OFFICE_RATE} req/s: ${round(medianByP99(k.samples).p99)} ms (${medianByP99(k.samples).p99 <= 20 ? "met" : "not met"})`).join("; ") + ".");
  } finally {
    await stopServer(child);
    await node.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
