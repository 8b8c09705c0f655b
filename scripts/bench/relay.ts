/**
 * Relay benchmark, on ledger v2: redemptions per second through `POST /v2/redemptions` to confirmation, next to the
 * same number of redemptions sent straight to the ledger by the suppliers' own accounts, in the same run on the same
 * node (Hardhat's node on 127.0.0.1, interval mining, one block a second). Ten accredited supplier companies; each
 * posts its requests in forwarder-nonce order, all ten at once: one request a post, then (a third path)
 * 20 a post through `POST /v2/redemptions/batch` (5 with --quick). Beside each rate, the time from a request's send to
 * its confirmation as its sender sees it (polling every 100 ms): median and p99. Median of the runs (3, 2 with --quick, or --runs N);
 * 800 redemptions a path and run, 100 with --quick (BENCH_QUICK=1). Writes bench-results/relay.json (the runner's
 * row format) and prints a Markdown table, and where the relay's time went (admitted → sent → confirmed) from its
 * own records. Goal: relay ≥ 80% of direct.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { Wallet } from "ethers";

import { domainOf, type RedemptionBodyV2, signConsentV2, signRedemptionV2 } from "../../service/client/index.js";
import { DEFAULT_REQUEST_GAS } from "../../service/domain/signing-v1.js";
import { devAccountKey } from "../../service/internal/config.js";
import { addEntity, CNY, creditCode, DAY, issueVoucher, makeConsent, now, ROLES, YEAR } from "../../test/helpers/scheme-fixture.js";
import { deployTestLedgerV2, mirrorEnvV2 } from "../../test/service/helpers/ledger-v2.js";
import { newDatabase } from "../../test/service/helpers/mirror.js";
import { rpcCall, startNode } from "../../test/service/helpers/node.js";
import { readOut, startServiceWith } from "../../test/service/relay/helpers/scenario.js";

const args = process.argv.slice(2);
const quick = process.env.BENCH_QUICK === "1" || args.includes("--quick");
const runsIndex = args.indexOf("--runs");
const RUNS = runsIndex >= 0 ? Math.max(1, Number(args[runsIndex + 1])) : quick ? 2 : 3;
const SUPPLIERS = 10;
const PER_SUPPLIER = quick ? 10 : 80;
const N = SUPPLIERS * PER_SUPPLIER;
const BLOCK_MS = 1000;
/** Requests a supplier address sends in one POST /v2/redemptions/batch on the batch path. */
const BATCH = quick ? 5 : 20;
/** What each redemption pays: CNY 1.00. */
const AMOUNT = 100n;
const POLL_MS = 100;
/**
 * The gas limit of a direct redemption: the gas a supplier's forward request grants the ledger's call through the
 * relay (DEFAULT_REQUEST_GAS), with the intrinsic and calldata gas of a transaction of its own on top.
 */
const DIRECT_GAS = DEFAULT_REQUEST_GAS + 45_000n;

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
const median = (xs: number[]) => quantile(xs, 0.5);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A relay request as the test service's read-out gives it, with its times (ms since 1970). */
interface RequestTimes {
  id: string;
  status: string;
  reason: string | null;
  transaction_hash: string;
  block_number: string;
  created_ms: number;
  sent_ms: number;
  updated_ms: number;
}

/** One path's run: its rate, and each redemption's time from send to seen confirmed. */
interface Run {
  rate: number;
  latencies: number[];
}

const node = await startNode("hardhat");
const db = await newDatabase("pglite");
let service: Awaited<ReturnType<typeof startServiceWith>> | undefined;
try {
  const t = await deployTestLedgerV2(node.url);
  const { f } = t;
  const provider = f.ethers.provider;
  // Ten accredited supplier companies of one address each (Hardhat's dev accounts 30–39), with gas for the direct path.
  const suppliers = Array.from({ length: SUPPLIERS }, (_, i) => new Wallet(devAccountKey(30 + i), provider));
  const registry = f.registry.connect(f.governor);
  const t0 = await now(f.ethers);
  for (const [i, w] of suppliers.entries()) {
    const entity = await addEntity(f, creditCode(900 + i), ROLES.SUPPLIER, 0, [w.address]);
    await (await registry.accredit(entity, f.programme, t0, t0 + 3n * YEAR, 0b11)).wait();
    await (await f.admin.sendTransaction({ to: w.address, value: 10n ** 20n })).wait();
  }
  const vouchers: bigint[] = [];
  for (let i = 0; i < SUPPLIERS; i++) vouchers.push(await issueVoucher(f, `BENCH-RELAY-${i}`, 100_000n * CNY));
  service = await startServiceWith(mirrorEnvV2(node.url, t, db), {
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn", RELAY_POLL_MS: "50", RELAY_BATCH_SIZE: "20", RELAY_MAX_IN_FLIGHT: "64",
  });
  const client = service.clientV2;
  const info = await client.signingInfo();
  const consentDomain = domainOf(info.consentDomain);
  const forwarderDomain = domainOf(info.forwarderDomain);
  await rpcCall(node.url, "evm_setAutomine", [false]);
  await rpcCall(node.url, "evm_setIntervalMining", [BLOCK_MS]);
  let invoice = 0;
  const forwarderNonces = suppliers.map(() => 0n);
  const accountNonces = await Promise.all(suppliers.map((w) => provider.getTransactionCount(w.address, "pending")));

  /** Each supplier address's consents, signed by the holder (not timed). */
  async function consents() {
    return Promise.all(
      suppliers.map(async (w, i) => {
        const list = [];
        for (let k = 0; k < PER_SUPPLIER; k++) {
          const consent = await makeConsent(f, vouchers[i]!, AMOUNT, ++invoice, { supplier: w.address });
          list.push(await signConsentV2(f.holder, consentDomain, consent));
        }
        return list;
      }),
    );
  }

  async function direct(): Promise<Run> {
    const signed = await consents();
    const fee = await provider.getFeeData();
    const sentAt = new Map<string, number>();
    const started = Date.now();
    await Promise.all(
      suppliers.map(async (w, i) => {
        const ledger = f.ledger.connect(w);
        for (const { consent, signature } of signed[i]!) {
          const at = Date.now();
          const tx = await ledger.redeem(consent, signature, {
            nonce: accountNonces[i]!++, gasLimit: DIRECT_GAS, maxFeePerGas: fee.maxFeePerGas! * 4n, maxPriorityFeePerGas: fee.maxPriorityFeePerGas!,
          });
          sentAt.set(tx.hash, at);
        }
      }),
    );
    const latencies: number[] = [];
    let pending = [...sentAt.keys()];
    while (pending.length > 0) {
      const receipts = await Promise.all(pending.map((h) => provider.getTransactionReceipt(h)));
      if (receipts.some((r) => r !== null && r.status !== 1)) throw new Error("a direct redemption reverted");
      const seen = Date.now();
      for (const [i, r] of receipts.entries()) if (r !== null) latencies.push(seen - sentAt.get(pending[i]!)!);
      pending = pending.filter((_, i) => receipts[i] === null);
      if (pending.length > 0) await sleep(POLL_MS);
    }
    const rate = N / ((Date.now() - started) / 1000);
    const receipts = await Promise.all([...sentAt.keys()].map((h) => provider.getTransactionReceipt(h)));
    const blocks = await Promise.all([...new Set(receipts.map((r) => r!.blockNumber))].map((n) => provider.getBlock(n)));
    const gas = receipts.map((r) => Number(r!.gasUsed));
    console.log(`  direct: ${blocks.length} blocks, gas used/limit median ${median(blocks.map((b) => Number(b!.gasUsed) / Number(b!.gasLimit))).toFixed(2)}, a redemption's gas median ${median(gas)}`);
    return { rate, latencies };
  }

  /** Through the relay: each supplier address posts its requests in nonce order, one at a time or `batch` at a time. */
  async function relayed(batch: number): Promise<Run> {
    const signed = await consents();
    const deadline = (await now(f.ethers)) + DAY;
    const bodies: RedemptionBodyV2[][] = await Promise.all(
      suppliers.map(async (w, i) => {
        const list = [];
        for (const c of signed[i]!) list.push(await signRedemptionV2(w, c, { ledger: info.ledger, forwarderDomain, nonce: forwarderNonces[i]!++, deadline }));
        return list;
      }),
    );
    const sentAt = new Map<string, number>();
    const started = Date.now();
    await Promise.all(
      bodies.map(async (list) => {
        if (batch === 1) {
          for (const b of list) {
            const at = Date.now();
            const accepted = await client.submit(b);
            if (accepted.existing) throw new Error("an invoice was already there");
            sentAt.set(accepted.id, at);
          }
          return;
        }
        for (let k = 0; k < list.length; k += batch) {
          const at = Date.now();
          const results = await client.submitBatch(list.slice(k, k + batch));
          const refused = results.find((r) => r.status !== 202);
          if (refused !== undefined) throw new Error(`a batched redemption was not accepted: ${JSON.stringify(refused)}`);
          for (const r of results) sentAt.set(r.accepted!.id, at);
        }
      }),
    );
    const latencies: number[] = [];
    const seenAt = new Map<string, number>();
    const open = new Set(sentAt.keys());
    let rows: RequestTimes[] = [];
    while (open.size > 0) {
      rows = await readOut<RequestTimes[]>(service!, "/test/relay/requests");
      const seen = Date.now();
      for (const r of rows) {
        if (!open.has(r.id)) continue;
        if (r.status === "failed") throw new Error(`a relayed redemption failed: ${r.reason}`);
        if (r.status === "confirmed") {
          latencies.push(seen - sentAt.get(r.id)!);
          seenAt.set(r.id, seen);
          open.delete(r.id);
        }
      }
      if (open.size > 0) await sleep(POLL_MS);
    }
    const rate = N / ((Date.now() - started) / 1000);
    await splitTimes(rows.filter((r) => sentAt.has(r.id)), sentAt, seenAt);
    return { rate, latencies };
  }

  /** Where a relayed request's time went, from the relay's own records, and how full the blocks were. */
  async function splitTimes(rows: RequestTimes[], postedAt: Map<string, number>, seenAt: Map<string, number>): Promise<void> {
    const part = (f: (r: RequestTimes) => number) => {
      const xs = rows.map(f);
      return `${Math.round(median(xs))}/${Math.round(quantile(xs, 0.99))}`;
    };
    const txs = new Set(rows.map((r) => r.transaction_hash));
    const blocks = await Promise.all([...new Set(rows.map((r) => Number(r.block_number)))].map((n) => provider.getBlock(n)));
    const full = blocks.map((b) => Number(b!.gasUsed) / Number(b!.gasLimit));
    console.log(
      `  relay split, ms median/p99: post → admitted ${part((r) => r.created_ms - postedAt.get(r.id)!)}, admitted → sent ${part((r) => r.sent_ms - r.created_ms)}, ` +
        `sent → settled ${part((r) => r.updated_ms - r.sent_ms)}, settled → seen ${part((r) => seenAt.get(r.id)! - r.updated_ms)}; ` +
        `${txs.size} transactions (${(rows.length / txs.size).toFixed(1)} requests each) in ${blocks.length} blocks, gas used/limit median ${median(full).toFixed(2)}`,
    );
  }

  const paths = [
    { name: "direct: suppliers call the ledger", run: direct, runs: [] as Run[] },
    { name: "relay: POST /v2/redemptions → confirmed", run: () => relayed(1), runs: [] as Run[] },
    { name: `relay: POST /v2/redemptions/batch (${BATCH} a post) → confirmed`, run: () => relayed(BATCH), runs: [] as Run[] },
  ];
  for (let run = 0; run < RUNS; run++) {
    for (const p of paths) p.runs.push(await p.run());
    console.log(`run ${run + 1}/${RUNS}: ${paths.map((p) => `${p.name.split(":")[0]} ${p.runs.at(-1)!.rate.toFixed(1)}/s`).join(", ")}`);
  }
  const round = (x: number) => Math.round(x * 10) / 10;
  const d = median(paths[0]!.runs.map((r) => r.rate));
  interface Row {
    name: string;
    value: number;
    unit: string;
    runs: number;
    min?: number;
    max?: number;
    baseline?: number;
    ratio?: number;
    goal?: string;
    met?: boolean;
  }
  const rows = paths.flatMap((p, i): Row[] => {
    const rates = p.runs.map((r) => r.rate);
    const rate = median(rates);
    const ratio = i === 0 ? {} : { baseline: round(d), ratio: Math.round((rate / d) * 100) / 100, goal: "≥ 0.8 × direct", met: rate >= 0.8 * d };
    return [
      { name: p.name, value: round(rate), unit: "redemptions/s", ...ratio, min: round(Math.min(...rates)), max: round(Math.max(...rates)), runs: RUNS },
      { name: `${p.name}: send → confirmed, median`, value: median(p.runs.map((r) => median(r.latencies))), unit: "ms", runs: RUNS },
      { name: `${p.name}: send → confirmed, p99`, value: median(p.runs.map((r) => quantile(r.latencies, 0.99))), unit: "ms", runs: RUNS },
    ];
  });
  const load = (await import("node:os")).loadavg().map((x) => x.toFixed(2)).join(" ");
  const result = {
    part: "relay",
    title: `Relay throughput, ledger v2 (${N} redemptions per path and run, ${SUPPLIERS} suppliers, one block per ${BLOCK_MS} ms, Hardhat node)`,
    rows,
    notes: [
      "Every path starts with consents already signed by the holder; the relay paths' time includes the suppliers' HTTP posts, the service's checks and simulation, the durable queue, and confirmation.",
      `Send → confirmed is as the sender sees it, polling every ${POLL_MS} ms (receipts for direct, the relay's records for the relay). Load average at the end: ${load}.`,
    ],
  };
  await mkdir(join(process.cwd(), "bench-results"), { recursive: true });
  await writeFile(join(process.cwd(), "bench-results", "relay.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n### ${result.title}\n\n| path | redemptions/s (median) | min | max | vs direct | send → confirmed median / p99 (ms) |`);
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (let i = 0; i < rows.length; i += 3) {
    const [row, med, p99] = [rows[i]!, rows[i + 1]!, rows[i + 2]!];
    const vs = row.ratio !== undefined ? `${String(row.ratio)} (goal ≥ 0.8: ${row.met ? "met" : "not met"})` : "—";
    console.log(`| ${row.name} | ${row.value} | ${String(row.min)} | ${String(row.max)} | ${vs} | ${med.value} / ${p99.value} |`);
  }
  console.log(`\nload average: ${load}`);
} finally {
  await service?.stop();
  await node.stop();
  await db.drop();
}
