/**
 * `npm run bench [-- --quick] [-- --only gas,mirror]`: runs every benchmark part, each in its own process, then
 * merges their results into bench-results/report.json and bench-results/report.md and prints the table.
 *
 * Each part writes bench-results/<part>.json with `{ part, title, rows: [...], notes?: [...] }` where a row is
 * `{ name, value, unit, baseline?, ratio?, goal?, met?, min?, max?, runs? }`. Parts run against 127.0.0.1 only, with
 * bounded counts; `--quick` (BENCH_QUICK=1) shrinks them.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";

interface Row {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  goal?: string;
  met?: boolean;
  min?: number;
  max?: number;
  runs?: number;
}

interface PartResult {
  part: string;
  title: string;
  rows: Row[];
  notes?: string[];
}

const PARTS: { part: string; file: string; runner: "hardhat" | "tsx" }[] = [
  { part: "gas", file: "scripts/bench/gas.ts", runner: "hardhat" },
  { part: "ledger", file: "scripts/bench/gas-ledger.ts", runner: "hardhat" },
  { part: "mirror", file: "scripts/bench/mirror.ts", runner: "tsx" },
  { part: "mirror-v2", file: "scripts/bench/mirror-v2.ts", runner: "hardhat" },
  { part: "api", file: "scripts/bench/api.ts", runner: "tsx" },
  { part: "relay", file: "scripts/bench/relay.ts", runner: "tsx" },
  { part: "batch", file: "scripts/bench/batch.ts", runner: "tsx" },
];

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyIndex = args.indexOf("--only");
const only = onlyIndex >= 0 ? new Set((args[onlyIndex + 1] ?? "").split(",")) : undefined;
const outDir = join(process.cwd(), "bench-results");
await mkdir(outDir, { recursive: true });

const started = Date.now();
const parts: (PartResult & { seconds: number; status: string })[] = [];
for (const { part, file, runner } of PARTS) {
  if (only !== undefined && !only.has(part)) continue;
  if (!existsSync(file)) {
    console.log(`\n== ${part}: skipped (${file} does not exist yet)`);
    continue;
  }
  console.log(`\n== ${part}: ${file}${quick ? " (quick)" : ""}`);
  const partStarted = Date.now();
  // `npm run bench` builds the contracts once before this runner: each part need not check them again (about 1.4 s
  // of CPU per part run through Hardhat).
  const command = runner === "hardhat" ? ["hardhat", "run", "--no-compile", file] : ["tsx", file];
  const child = spawnSync("npx", command, {
    stdio: "inherit",
    env: { ...process.env, BENCH_QUICK: quick ? "1" : (process.env.BENCH_QUICK ?? "") },
  });
  const seconds = Math.round((Date.now() - partStarted) / 1000);
  const resultFile = join(outDir, `${part}.json`);
  if (child.status !== 0 || !existsSync(resultFile)) {
    console.error(`== ${part}: FAILED (exit ${child.status ?? child.signal})`);
    parts.push({ part, title: part, rows: [], seconds, status: `failed (exit ${child.status ?? child.signal})` });
    continue;
  }
  const result = JSON.parse(await readFile(resultFile, "utf8")) as PartResult;
  parts.push({ ...result, part, seconds, status: "ok" });
}

const machine = {
  cpu: os.cpus()[0]?.model ?? "unknown",
  cores: os.cpus().length,
  memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
};
const report = { date: new Date().toISOString(), quick, seconds: Math.round((Date.now() - started) / 1000), machine, parts };
await writeFile(join(outDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);

const fmt = (n: number | undefined, digits = 2): string =>
  n === undefined ? "" : Number.isInteger(n) ? n.toLocaleString("en-US") : n.toFixed(digits);
const lines: string[] = [
  `# Benchmark report${quick ? " (quick)" : ""}`,
  "",
  `${report.date} · ${machine.cpu} · ${machine.cores} cores · ${machine.memoryGiB} GiB · Node ${machine.node} · ` +
    `${report.seconds} s in all`,
  "",
];
for (const p of parts) {
  lines.push(`## ${p.title} (${p.status}, ${p.seconds} s)`, "");
  if (p.rows.length > 0) {
    lines.push("| measure | median | unit | min | max | baseline | ratio | goal | met |");
    lines.push("| --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |");
    for (const r of p.rows) {
      const met = r.met === undefined ? "" : r.met ? "yes" : "**no**";
      lines.push(
        `| ${r.name} | ${fmt(r.value)} | ${r.unit} | ${fmt(r.min)} | ${fmt(r.max)} | ${fmt(r.baseline)} | ` +
          `${r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`} | ${r.goal ?? ""} | ${met} |`,
      );
    }
    lines.push("");
  }
  for (const note of p.notes ?? []) lines.push(`- ${note}`);
  if ((p.notes ?? []).length > 0) lines.push("");
}
const markdown = lines.join("\n");
await writeFile(join(outDir, "report.md"), `${markdown}\n`);
console.log(`\n${markdown}`);
console.log(`written: ${join(outDir, "report.json")}, ${join(outDir, "report.md")}`);
if (parts.some((p) => p.status !== "ok")) process.exit(1);
