/**
 * Relay benchmark: redemptions per second through `POST /v1/redemptions` to confirmation, next to the same number
 * of redemptions sent straight to the ledger by the data centers' own accounts, in the same run on the same node
 * (Hardhat's node on 127.0.0.1, interval mining, one block a second). Ten data centers; each posts its requests in
 * forwarder-nonce order, all ten at once: one request a post, then (a third path) 20 a post through
 * `POST /v1/redemptions/batch`. Median of the runs (3, or --runs N); BENCH_QUICK=1 shrinks the counts.
 * Writes bench-results/relay.json (the runner's row format) and prints a Markdown table. Goal: relay ≥ 80% of direct.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { Wallet } from "ethers";

import { rpcCall } from "../../test/service/helpers/node.js";
import { body, readOut, setUp, startService } from "../../test/service/relay/helpers/scenario.js";

const args = process.argv.slice(2);
const quick = process.env.BENCH_QUICK === "1" || args.includes("--quick");
const runsIndex = args.indexOf("--runs");
const RUNS = runsIndex >= 0 ? Math.max(3, Number(args[runsIndex + 1])) : 3;
const DCS = 10;
const PER_DC = quick ? 10 : 80;
const N = DCS * PER_DC;
const BLOCK_MS = 1000;
/** Requests a data center sends in one POST /v1/redemptions/batch on the batch path. */
const BATCH = quick ? 5 : 20;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const s = await setUp({ vouchers: DCS, dataCenters: DCS });
let service: Awaited<ReturnType<typeof startService>> | undefined;
try {
  // The data centers' own accounts need gas for the direct path (the relay path never uses it).
  const admin = s.t.signers.admin;
  for (const dc of s.dataCenters) await (await admin.sendTransaction({ to: dc.address, value: 10n ** 20n })).wait();
  service = await startService(s, { LOG_LEVEL: "warn", RELAY_POLL_MS: "50", RELAY_BATCH_SIZE: "20", RELAY_MAX_IN_FLIGHT: "64" });
  await rpcCall(s.node.url, "evm_setAutomine", [false]);
  await rpcCall(s.node.url, "evm_setIntervalMining", [BLOCK_MS]);
  const provider = s.t.provider;
  const wallets = s.dataCenters.map((dc) => new Wallet(dc.privateKey, provider));
  const accountNonces = await Promise.all(wallets.map((w) => provider.getTransactionCount(w.address, "pending")));

  async function direct(): Promise<number> {
    const consents = await Promise.all(
      s.dataCenters.map(async (dc, i) => {
        const list = [];
        for (let k = 0; k < PER_DC; k++) list.push(await body(s, service!.client, i, dc, { amount: 1n, nonce: 0n }));
        return list;
      }),
    );
    const fee = await provider.getFeeData();
    const started = Date.now();
    const hashes = (
      await Promise.all(
        wallets.map(async (w, i) => {
          const ledger = s.t.ledger.connect(w);
          const sent: string[] = [];
          for (const b of consents[i]!) {
            const { signature, ...consent } = b.consent;
            const tx = await ledger.redeem(consent, signature, {
              nonce: accountNonces[i]!++, gasLimit: 200_000n, maxFeePerGas: fee.maxFeePerGas! * 4n, maxPriorityFeePerGas: fee.maxPriorityFeePerGas!,
            });
            sent.push(tx.hash);
          }
          return sent;
        }),
      )
    ).flat();
    let pending = hashes;
    while (pending.length > 0) {
      const receipts = await Promise.all(pending.map((h) => provider.getTransactionReceipt(h)));
      if (receipts.some((r) => r !== null && r.status !== 1)) throw new Error("a direct redemption reverted");
      pending = pending.filter((_, i) => receipts[i] === null);
      if (pending.length > 0) await sleep(100);
    }
    return N / ((Date.now() - started) / 1000);
  }

  /** Through the relay: each data center posts its requests in nonce order, one at a time or `batch` at a time. */
  async function relayed(batch: number): Promise<number> {
    const bodies = await Promise.all(
      s.dataCenters.map(async (dc, i) => {
        const list = [];
        for (let k = 0; k < PER_DC; k++) list.push(await body(s, service!.client, i, dc, { amount: 1n }));
        return list;
      }),
    );
    const invoices = new Set(bodies.flat().map((b) => b.consent.invoiceHash));
    const started = Date.now();
    await Promise.all(
      bodies.map(async (list) => {
        if (batch === 1) {
          for (const b of list) {
            const accepted = await service!.client.submit(b);
            if (accepted.existing) throw new Error("an invoice was already there");
          }
          return;
        }
        for (let k = 0; k < list.length; k += batch) {
          const results = await service!.client.submitBatch(list.slice(k, k + batch));
          const refused = results.find((r) => r.status !== 202);
          if (refused !== undefined) throw new Error(`a batched redemption was not accepted: ${JSON.stringify(refused)}`);
        }
      }),
    );
    for (;;) {
      const rows = await readOut<{ invoice_hash: string; status: string; reason: string | null }[]>(service!, "/test/relay/requests");
      const mine = rows.filter((r) => invoices.has(r.invoice_hash));
      const failed = mine.find((r) => r.status === "failed");
      if (failed !== undefined) throw new Error(`a relayed redemption failed: ${failed.reason}`);
      if (mine.length === N && mine.every((r) => r.status === "confirmed")) break;
      await sleep(100);
    }
    return N / ((Date.now() - started) / 1000);
  }

  const directRates: number[] = [];
  const relayRates: number[] = [];
  const batchRates: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    directRates.push(await direct());
    relayRates.push(await relayed(1));
    batchRates.push(await relayed(BATCH));
    console.log(
      `run ${run + 1}/${RUNS}: direct ${directRates.at(-1)!.toFixed(1)}/s, relay ${relayRates.at(-1)!.toFixed(1)}/s, ` +
        `relay in batches ${batchRates.at(-1)!.toFixed(1)}/s`,
    );
  }
  const d = median(directRates);
  const r = median(relayRates);
  const rb = median(batchRates);
  const round = (x: number) => Math.round(x * 10) / 10;
  const result = {
    part: "relay",
    title: `Relay throughput (${N} redemptions per run, ${DCS} data centers, one block per ${BLOCK_MS} ms, Hardhat node)`,
    rows: [
      { name: "direct: data centers call the ledger", value: round(d), unit: "redemptions/s", min: round(Math.min(...directRates)), max: round(Math.max(...directRates)), runs: RUNS },
      {
        name: "relay: POST /v1/redemptions → confirmed", value: round(r), unit: "redemptions/s", baseline: round(d), ratio: Math.round((r / d) * 100) / 100,
        goal: "≥ 0.8 × direct", met: r >= 0.8 * d, min: round(Math.min(...relayRates)), max: round(Math.max(...relayRates)), runs: RUNS,
      },
      {
        name: `relay: POST /v1/redemptions/batch (${BATCH} a post) → confirmed`, value: round(rb), unit: "redemptions/s", baseline: round(d),
        ratio: Math.round((rb / d) * 100) / 100, goal: "≥ 0.8 × direct", met: rb >= 0.8 * d, min: round(Math.min(...batchRates)),
        max: round(Math.max(...batchRates)), runs: RUNS,
      },
    ],
    notes: [
      "Both paths start with consents already signed by the holders; the relay path's time includes the data centers' HTTP posts, the service's checks and simulation, the durable queue, and confirmation.",
    ],
  };
  await mkdir(join(process.cwd(), "bench-results"), { recursive: true });
  await writeFile(join(process.cwd(), "bench-results", "relay.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n### ${result.title}\n\n| path | redemptions/s (median) | min | max | vs direct |\n| --- | ---: | ---: | ---: | ---: |`);
  for (const row of result.rows) {
    console.log(`| ${row.name} | ${row.value} | ${row.min} | ${row.max} | ${"ratio" in row ? `${row.ratio} (goal ≥ 0.8: ${row.met ? "met" : "not met"})` : "—"} |`);
  }
} finally {
  await service?.stop();
  await s.stop();
}
