/**
 * Batch-issue benchmark: the wall time and peak memory (RSS) of `npx hardhat v1 batch-issue --dry-run` on a file
 * of 100,000 rows (BENCH_QUICK=1: 10,000), run as a clerk runs it, against anvil on 127.0.0.1 with the city's holder
 * cap in force (so every holder's tally is read). Next to it, in the same run, the same command on a file of one row:
 * what starting Hardhat and connecting costs. `--runs N` repeats each (default 1: a full run is about a minute).
 * Writes bench-results/batch.json in the runner's row format. Bounded: each command is killed after 10 minutes.
 *
 * `npm run bench -- --only batch` runs it alone.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import { getAddress, hexlify, randomBytes } from "ethers";

import { SHANGHAI, deployTestLedger } from "../../test/service/helpers/ledger.js";
import { ROOT, startNode } from "../../test/service/helpers/node.js";

const args = process.argv.slice(2);
const quick = process.env.BENCH_QUICK === "1" || args.includes("--quick");
const runsIndex = args.indexOf("--runs");
const RUNS = runsIndex >= 0 ? Math.max(1, Number(args[runsIndex + 1])) : 1;
const ROWS = quick ? 10_000 : 100_000;
const LIMIT_MS = 10 * 60_000;
const CLI = join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = await mkdtemp(join(tmpdir(), "bench-batch-"));
// Loaded into the measured process: writes its own peak RSS (getrusage) when it exits.
const probe = join(dir, "rss-probe.mjs");
await writeFile(
  probe,
  'import { appendFileSync } from "node:fs";\n' +
    'process.on("exit", () => appendFileSync(process.env.BENCH_RSS_FILE, `${process.resourceUsage().maxRSS}\\n`));\n',
);

/** Runs the dry run on `file` in its own process; returns its wall time (s) and peak RSS (MiB). */
async function dryRun(file: string, ledger: string, url: string): Promise<{ seconds: number; mib: number }> {
  const rssFile = join(dir, `rss-${Date.now()}.txt`);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      CLI,
      "v1",
      "batch-issue",
      "--city",
      String(SHANGHAI),
      "--file",
      file,
      "--dry-run",
      "--ledger",
      ledger,
      "--network",
      "localhost",
    ],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        LOCALHOST_RPC_URL: url,
        BENCH_RSS_FILE: rssFile,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${pathToFileURL(probe).href}`.trim(),
      },
    },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0 || !output.includes("Nothing was sent.")) {
    throw new Error(`the dry run of ${file} failed (exit ${code}):\n${output}`);
  }
  const peaks = (await readFile(rssFile, "utf8")).trim().split("\n").map(Number);
  return { seconds, mib: Math.max(...peaks) / 1024 };
}

const node = await startNode("anvil");
try {
  const t = await deployTestLedger(node.url);
  // Shanghai with a per-holder cap, as real schemes have: the check then reads every holder's tally too.
  await (await t.ledger.connect(t.signers.governor).setCityHolderCap(SHANGHAI, 10n ** 12n)).wait();
  const ledger = await t.ledger.getAddress();
  const header = "application_ref,holder,face_value,expires_on";
  const row = (i: number) => `SH-BENCH-${i},${getAddress(hexlify(randomBytes(20)))},${1000 + (i % 1000)}.00,`;
  const large = join(dir, "large.csv");
  const one = join(dir, "one.csv");
  await writeFile(large, `${[header, ...Array.from({ length: ROWS }, (_, i) => row(i))].join("\n")}\n`);
  await writeFile(one, `${header}\n${row(0)}\n`);

  const small: { seconds: number; mib: number }[] = [];
  const big: { seconds: number; mib: number }[] = [];
  for (let run = 0; run < RUNS; run++) {
    small.push(await dryRun(one, ledger, node.url));
    big.push(await dryRun(large, ledger, node.url));
    console.log(
      `run ${run + 1}/${RUNS}: ${ROWS} rows ${big.at(-1)!.seconds.toFixed(1)} s, peak ${big.at(-1)!.mib.toFixed(0)} MiB; ` +
        `1 row ${small.at(-1)!.seconds.toFixed(1)} s, peak ${small.at(-1)!.mib.toFixed(0)} MiB`,
    );
  }
  const round = (x: number) => Math.round(x * 10) / 10;
  const stat = (xs: number[]) => ({
    value: round(median(xs)),
    min: round(Math.min(...xs)),
    max: round(Math.max(...xs)),
    runs: RUNS,
  });
  const seconds = median(big.map((r) => r.seconds));
  const label = ROWS.toLocaleString("en-US");
  const result = {
    part: "batch",
    title: `Batch issue: dry run of ${label} rows (anvil, holder cap in force), as the task runs`,
    rows: [
      {
        name: `dry run, ${label} rows: wall time`,
        unit: "s",
        ...stat(big.map((r) => r.seconds)),
        baseline: round(median(small.map((r) => r.seconds))),
        ratio: Math.round((seconds / median(small.map((r) => r.seconds))) * 100) / 100,
      },
      {
        name: `dry run, ${label} rows: peak RSS`,
        unit: "MiB",
        ...stat(big.map((r) => r.mib)),
        baseline: round(median(small.map((r) => r.mib))),
        ratio: Math.round((median(big.map((r) => r.mib)) / median(small.map((r) => r.mib))) * 100) / 100,
      },
      { name: `dry run, ${label} rows: rows checked per second`, unit: "rows/s", value: Math.round(ROWS / seconds) },
    ],
    notes: [
      "Baseline: the same command on a file of one row (starting Hardhat, connecting, one check) in the same run.",
      "The check reads every row's voucher and every holder's tally (16 calls in flight) and estimates the gas of " +
        "100 of the batch's transactions spread over it; the file is parsed in slices, handing the event loop back.",
    ],
  };
  await mkdir(join(process.cwd(), "bench-results"), { recursive: true });
  await writeFile(join(process.cwd(), "bench-results", "batch.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n### ${result.title}\n`);
  for (const r of result.rows)
    console.log(`- ${r.name}: ${r.value} ${r.unit}${"baseline" in r ? ` (1 row: ${r.baseline})` : ""}`);
} finally {
  await node.stop();
  await rm(dir, { recursive: true, force: true });
}
