/**
 * API benchmark: a local chain (anvil on 127.0.0.1) with at least 100,000 ledger events (10,000 with --quick or
 * BENCH_QUICK=1), mirrored into PGlite; the audit API and a bare Express handler served by one child process;
 * this process is the load generator (keep-alive HTTP, bounded request counts, 127.0.0.1 only).
 *
 * For each request kind: requests per second with 16 requests in flight, p50 and p99 latency, median of the runs
 * (--runs N, default 3); then voucher by id at a fixed 1,000 requests per second, and voucher by id and the overview's
 * aggregates at a fixed 200 (a regulator's office on the embedded default), p50/p99. Writes
 * bench-results/api.json (the runner's row format) and prints a Markdown table.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { Wallet } from "ethers";

import { chainGrower } from "./lib/chain.js";
import { closedLoop, fixedRate, medianByP99, medianByRate as median, type Sample } from "./lib/load.js";
import { nodeArgs } from "./lib/service.js";

const args = process.argv.slice(2);
/** The load of a regulator's office (issue 19): p99 ≤ 20 ms at this rate on the embedded default. */
const OFFICE_RATE = 200;

async function main(): Promise<void> {
  const { deployTestLedger, runWorkload, SHANGHAI } = await import("../../test/service/helpers/ledger.js");
  const { ROOT, startNode } = await import("../../test/service/helpers/node.js");
  const { ROLE } = await import("../../service/domain/roles-v1.js");
  const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
  const runsArg = args.indexOf("--runs");
  const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 3;
  const target = quick ? 10_000 : 100_000;
  const requests = quick ? 2_000 : 10_000;
  /** Each measured run stops after this long even if its requests are not all done. */
  const maxSeconds = quick ? 3 : 4;
  const warmUpSeconds = 1;

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
    child = spawn(process.execPath, nodeArgs("compiled", "scripts/bench/workers/api.ts", [JSON.stringify({ env, auditor: auditor.address })]), {
      cwd: ROOT, stdio: ["pipe", "pipe", "inherit"],
    });
    const line = await new Promise<string>((resolve, reject) => {
      // The first line that is the server's answer (log lines go to stdout too).
      createInterface({ input: child!.stdout! }).on("line", (text) => {
        if (text.startsWith('{"api":')) resolve(text);
      });
      child!.once("exit", (code) => reject(new Error(`the server process exited with ${code}`)));
    });
    const server = JSON.parse(line) as { api: string; bare: string; token: string; ids: string[]; events: number; syncSeconds: number; head: number };
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

    const bare = results["bare Express handler"]!;
    const byId = results["voucher by id"]!;
    const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
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
    ];
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
    console.log(`\nGoals: voucher by id ≥ 25% of the bare handler: ${round((100 * byId.rps) / bare.rps, 1)}% (${byId.rps / bare.rps >= 0.25 ? "met" : "not met"}); p99 ≤ 20 ms at 1,000 req/s: ${round(atRate.p99)} ms (${atRate.p99 <= 20 ? "met" : "not met"}); ` +
      office.map((k) => `${k.name} p99 ≤ 20 ms at ${OFFICE_RATE} req/s: ${round(medianByP99(k.samples).p99)} ms (${medianByP99(k.samples).p99 <= 20 ? "met" : "not met"})`).join("; ") + ".");
  } finally {
    child?.stdin?.end();
    if (child !== undefined && child.exitCode === null) {
      await new Promise((resolve) => {
        const timer = setTimeout(() => child!.kill("SIGKILL"), 5000);
        child!.once("exit", () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
    await node.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
