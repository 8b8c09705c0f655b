/**
 * Gas benchmark of the ledger against a bare OpenZeppelin ERC-1155 (contracts/mocks/BareERC1155.sol), on the
 * in-process Hardhat network:
 *
 *   npx hardhat run scripts/bench/gas.ts                 # or: npm run bench
 *   BENCH_QUICK=1 npx hardhat run scripts/bench/gas.ts   # fewer repetitions and smaller batches (a smoke run)
 *
 * Every number is a transaction receipt's gasUsed (intrinsic 21,000 and calldata included, for the baseline as
 * for the ledger), measured several times on fresh ids and fresh holders so that the storage each measurement
 * touches is in the same state (every "first write to a counter" is taken by an unmeasured warm-up first).
 * Issue-like operations are compared with a bare mint (fresh id to a fresh holder), redeem-like ones and
 * revoke/expire with a bare partial burn. Writes bench-results/gas.json and prints a Markdown table.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import {
  type ContractTransactionResponse,
  type HDNodeWallet,
  Wallet,
  encodeBytes32String,
  id as keccakText,
} from "ethers";
import hre, { network } from "hardhat";

import { type Consent, consentDomain, signConsent } from "../../test/helpers/consent.js";
import { CNY, DAY, SHANGHAI, SHANGHAI_PARAMS, YEAR } from "../../test/helpers/fixture.js";
import { signForwardRequest } from "../../test/helpers/forwarder.js";
import { deployLedger } from "../lib/deploy.js";

const QUICK = process.env.BENCH_QUICK === "1" || process.argv.includes("--quick");
/** Measurements of each single operation. */
const REPEATS = QUICK ? 3 : 7;
/** Batches measured per batch operation. */
const BATCHES = 3;
const ISSUE_BATCH_SIZE = QUICK ? 10 : 50;
const REDEEM_BATCH_SIZE = QUICK ? 5 : 20;
const GOALS = { issueVsMint: 2.0, redeemVsBurn: 2.5 };

const FACE_VALUE = 1_000_000n * CNY;
const REDEEM_AMOUNT = 1_000n * CNY;
const FORWARDED_GAS = 1_000_000n;

type Baseline = "bareMint" | "bareBurn";

interface Row {
  operation: string;
  unit: string;
  baseline?: Baseline;
  samples: bigint[];
}

const { ethers, networkHelpers } = await network.create();

// ------------------------------------------------------------------------------------------------------------------
// Set-up: the ledger as the test fixture sets it up (Shanghai, its bound issuer, an accredited data center), and
// the bare ERC-1155
// ------------------------------------------------------------------------------------------------------------------

const signers = await ethers.getSigners();
const [admin, governor, issuer, dataCenter, relayer, bareCaller] = signers as [
  HardhatEthersSigner,
  HardhatEthersSigner,
  HardhatEthersSigner,
  HardhatEthersSigner,
  HardhatEthersSigner,
  HardhatEthersSigner,
];
const { forwarder, ledger } = await deployLedger(ethers, {
  admin,
  governors: [governor.address],
  issuers: [issuer.address],
});
await (await ledger.connect(governor).registerCity(SHANGHAI, SHANGHAI_PARAMS)).wait();
await (await ledger.connect(governor).bindIssuer(issuer.address, SHANGHAI)).wait();
const start = BigInt(await networkHelpers.time.latest());
await (await ledger.connect(governor).accredit(dataCenter.address, SHANGHAI, start, start + YEAR)).wait();
const bare = await ethers.deployContract("BareERC1155", [], bareCaller);

const domain = await consentDomain(ledger);
const forwarderDomain = await forwarder.eip712Domain();
if (forwarderDomain.name !== "ComputeVoucherForwarder" || forwarderDomain.version !== "1") {
  throw new Error(`unexpected forwarder domain ${forwarderDomain.name} ${forwarderDomain.version}`);
}

// ------------------------------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------------------------------

let counter = 0;
const fresh = (prefix: string): string => `${prefix}-${++counter}`;
const freshWallet = (): HDNodeWallet => Wallet.createRandom();

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("benchmark transaction failed");
  return receipt.gasUsed;
}

interface IssueRequest {
  holder: string;
  applicationRef: string;
  faceValue: bigint;
  expiresAt: bigint;
}

function issueRequest(holder: string, expiresAt = 0n): IssueRequest {
  return { holder, applicationRef: encodeBytes32String(fresh("APP")), faceValue: FACE_VALUE, expiresAt };
}

/** Issues one voucher per holder (unmeasured set-up), in batches of 50; returns their ids. */
async function setupVouchers(holders: readonly string[], expiresAt = 0n): Promise<bigint[]> {
  const ids: bigint[] = [];
  for (let i = 0; i < holders.length; i += 50) {
    const requests = holders.slice(i, i + 50).map((h) => issueRequest(h, expiresAt));
    await (await ledger.connect(issuer).issueBatch(SHANGHAI, requests)).wait();
    for (const r of requests) ids.push(await ledger.voucherId(SHANGHAI, r.applicationRef));
  }
  return ids;
}

async function consentFor(holder: HDNodeWallet, id: bigint): Promise<{ consent: Consent; signature: string }> {
  const consent: Consent = {
    voucherId: id,
    dataCenter: dataCenter.address,
    amount: REDEEM_AMOUNT,
    invoiceHash: keccakText(fresh("invoice")),
    invoiceTotal: (REDEEM_AMOUNT * 10_000n) / BigInt(SHANGHAI_PARAMS.ratioBps),
    deadline: BigInt(await networkHelpers.time.latest()) + DAY,
  };
  return { consent, signature: await signConsent(holder, ledger, consent, domain) };
}

/** The data center signs an ERC-2771 ForwardRequest for `redeem`; the relayer submits it. */
async function redeemViaForwarder(holder: HDNodeWallet, id: bigint): Promise<bigint> {
  const { consent, signature } = await consentFor(holder, id);
  const request = await signForwardRequest(
    forwarder,
    dataCenter,
    await ledger.getAddress(),
    ledger.interface.encodeFunctionData("redeem", [consent, signature]),
    BigInt(await networkHelpers.time.latest()) + DAY,
    FORWARDED_GAS,
  );
  const gas = await gasOf(forwarder.connect(relayer).execute(request));
  // The forwarder does not revert when the inner call fails (only execute() checks it); make sure it redeemed.
  if ((await ledger.balanceOf(holder.address, id)) !== FACE_VALUE - REDEEM_AMOUNT) {
    throw new Error("forwarded redemption did not redeem");
  }
  return gas;
}

const median = (xs: readonly bigint[]): number => {
  const s = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(Number);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const min = (xs: readonly bigint[]): number => Math.min(...xs.map(Number));
const max = (xs: readonly bigint[]): number => Math.max(...xs.map(Number));

// ------------------------------------------------------------------------------------------------------------------
// Measurements
// ------------------------------------------------------------------------------------------------------------------

const rows: Row[] = [];

// Bare ERC-1155: mint a fresh id to a fresh holder; burn part of a balance.
{
  const mints: bigint[] = [];
  const burns: bigint[] = [];
  const burnFull: bigint[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    const holder = freshWallet().address;
    const tokenId = BigInt(keccakText(fresh("bare")));
    const gas = await gasOf(bare.mint(holder, tokenId, FACE_VALUE));
    const burnGas = await gasOf(bare.burn(holder, tokenId, REDEEM_AMOUNT));
    const fullGas = await gasOf(bare.burn(holder, tokenId, FACE_VALUE - REDEEM_AMOUNT));
    if (i === 0) continue; // warm-up: first transactions to the contract
    mints.push(gas);
    burns.push(burnGas);
    burnFull.push(fullGas);
  }
  rows.push({ operation: "bare ERC-1155 mint (fresh id, fresh holder)", unit: "per mint", samples: mints });
  rows.push({ operation: "bare ERC-1155 burn (partial)", unit: "per burn", samples: burns });
  rows.push({ operation: "bare ERC-1155 burn (all that is left)", unit: "per burn", samples: burnFull });
}

// Issue, single. The warm-up takes the city's first write to `issued`.
{
  const samples: bigint[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    const gas = await gasOf(ledger.connect(issuer).issue(SHANGHAI, issueRequest(freshWallet().address)));
    if (i > 0) samples.push(gas);
  }
  rows.push({ operation: "issue (single)", unit: "per voucher", baseline: "bareMint", samples });
}

// Issue, batch: gas per voucher.
{
  const samples: bigint[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const requests = Array.from({ length: ISSUE_BATCH_SIZE }, () => issueRequest(freshWallet().address));
    const gas = await gasOf(ledger.connect(issuer).issueBatch(SHANGHAI, requests));
    samples.push(gas / BigInt(ISSUE_BATCH_SIZE));
  }
  rows.push({
    operation: `issueBatch (batch of ${ISSUE_BATCH_SIZE})`,
    unit: "per voucher",
    baseline: "bareMint",
    samples,
  });
}

// Redeem, direct: a partial redemption of a fresh voucher, fresh invoice. The warm-up takes the city's first write
// to `redeemed`.
{
  const holders = Array.from({ length: REPEATS + 1 }, freshWallet);
  const ids = await setupVouchers(holders.map((h) => h.address));
  const samples: bigint[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    const { consent, signature } = await consentFor(holders[i]!, ids[i]!);
    const gas = await gasOf(ledger.connect(dataCenter).redeem(consent, signature));
    if (i > 0) samples.push(gas);
  }
  rows.push({ operation: "redeem, direct (partial)", unit: "per redemption", baseline: "bareBurn", samples });
}

// Redeem through the ERC2771Forwarder, submitted by a relayer. The warm-up takes the data center's first nonce.
{
  const holders = Array.from({ length: REPEATS + 1 }, freshWallet);
  const ids = await setupVouchers(holders.map((h) => h.address));
  const samples: bigint[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    const gas = await redeemViaForwarder(holders[i]!, ids[i]!);
    if (i > 0) samples.push(gas);
  }
  rows.push({
    operation: "redeem, via ERC2771Forwarder (partial)",
    unit: "per redemption",
    baseline: "bareBurn",
    samples,
  });
}

// Redeem, batch: one partial redemption of each of REDEEM_BATCH_SIZE vouchers; gas per redemption.
{
  const samples: bigint[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const holders = Array.from({ length: REDEEM_BATCH_SIZE }, freshWallet);
    const ids = await setupVouchers(holders.map((h) => h.address));
    const signed = await Promise.all(holders.map((h, i) => consentFor(h, ids[i]!)));
    const gas = await gasOf(
      ledger.connect(dataCenter).redeemBatch(
        signed.map((s) => s.consent),
        signed.map((s) => s.signature),
      ),
    );
    samples.push(gas / BigInt(REDEEM_BATCH_SIZE));
  }
  rows.push({
    operation: `redeemBatch (batch of ${REDEEM_BATCH_SIZE})`,
    unit: "per redemption",
    baseline: "bareBurn",
    samples,
  });
}

// Revoke (by the city's issuer): burns all that is left. The warm-up takes the city's first write to `revoked`.
{
  const holders = Array.from({ length: REPEATS + 1 }, () => freshWallet().address);
  const ids = await setupVouchers(holders);
  const samples: bigint[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    const gas = await gasOf(ledger.connect(issuer).revoke(ids[i]!, encodeBytes32String("FRAUD")));
    if (i > 0) samples.push(gas);
  }
  rows.push({ operation: "revoke (all that is left)", unit: "per voucher", baseline: "bareBurn", samples });
}

// Expire (by anyone, after expiry): burns all that is left. The warm-up takes the city's first write to `expired`.
{
  const holders = Array.from({ length: REPEATS + 1 }, () => freshWallet().address);
  const expiresAt = BigInt(await networkHelpers.time.latest()) + 3_600n;
  const ids = await setupVouchers(holders, expiresAt);
  await networkHelpers.time.increaseTo(expiresAt);
  const samples: bigint[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    const gas = await gasOf(ledger.connect(relayer).expire(ids[i]!));
    if (i > 0) samples.push(gas);
  }
  rows.push({ operation: "expire (all that is left)", unit: "per voucher", baseline: "bareBurn", samples });
}

// ------------------------------------------------------------------------------------------------------------------
// Report
// ------------------------------------------------------------------------------------------------------------------

const baselineMedian: Record<Baseline, number> = {
  bareMint: median(rows.find((r) => r.operation.startsWith("bare ERC-1155 mint"))!.samples),
  bareBurn: median(rows.find((r) => r.operation === "bare ERC-1155 burn (partial)")!.samples),
};
const results = rows.map((r) => {
  const m = median(r.samples);
  return {
    operation: r.operation,
    unit: r.unit,
    runs: r.samples.length,
    median: m,
    min: min(r.samples),
    max: max(r.samples),
    baseline: r.baseline ?? null,
    ratio: r.baseline === undefined ? null : Number((m / baselineMedian[r.baseline]).toFixed(2)),
  };
});
const ratioOf = (operation: string): number => results.find((r) => r.operation === operation)!.ratio!;
const goals = [
  {
    goal: `issue (single) <= ${GOALS.issueVsMint.toFixed(1)}x bare mint`,
    ratio: ratioOf("issue (single)"),
    limit: GOALS.issueVsMint,
  },
  {
    goal: `redeem, direct <= ${GOALS.redeemVsBurn.toFixed(1)}x bare burn`,
    ratio: ratioOf("redeem, direct (partial)"),
    limit: GOALS.redeemVsBurn,
  },
].map((g) => ({ ...g, met: g.ratio <= g.limit }));

const cpus = os.cpus();
const compiler = hre.config.solidity.profiles["default"]?.compilers[0];
const report = {
  generatedAt: new Date().toISOString(),
  quick: QUICK,
  network: "hardhat in-process (edr-simulated, l1)",
  compiler: {
    solc: compiler?.version ?? "unknown",
    optimizer: (compiler?.settings as { optimizer?: unknown } | undefined)?.optimizer ?? null,
    evmVersion: (compiler?.settings as { evmVersion?: unknown } | undefined)?.evmVersion ?? null,
  },
  machine: {
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    totalMemoryBytes: os.totalmem(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  },
  parameters: {
    repeats: REPEATS,
    batches: BATCHES,
    issueBatchSize: ISSUE_BATCH_SIZE,
    redeemBatchSize: REDEEM_BATCH_SIZE,
    faceValue: FACE_VALUE.toString(),
    redeemAmount: REDEEM_AMOUNT.toString(),
  },
  notes: [
    "gasUsed from receipts: intrinsic gas (21000) and calldata are included for the ledger and the baseline alike.",
    "Each single-operation figure is measured on a fresh voucher id and a fresh holder, after an unmeasured warm-up that takes every first write to a counter or nonce.",
    "Batch figures are the batch transaction's gasUsed divided by the batch size.",
    "Ratios are medians over the bare mint (issue-like) or the bare partial burn (redeem-like, revoke, expire); revoke and expire burn everything left, compare them also with the bare full burn row.",
  ],
  baselines: baselineMedian,
  results,
  goals,
  // The common shape scripts/bench/run.ts merges into the report.
  part: "gas",
  title: "Gas per operation (receipt gasUsed) vs a bare OpenZeppelin ERC-1155",
  rows: results.map((r) => {
    const goal = goals.find((g) => g.goal.startsWith(r.operation.replace(" (partial)", "")));
    return {
      name: `${r.operation}, ${r.unit}`,
      value: r.median,
      unit: "gas",
      min: r.min,
      max: r.max,
      runs: r.runs,
      ...(r.baseline === undefined || r.baseline === null ? {} : { baseline: baselineMedian[r.baseline] }),
      ...(r.ratio === null ? {} : { ratio: r.ratio }),
      ...(goal === undefined ? {} : { goal: `≤ ${goal.limit.toFixed(1)}×`, met: goal.met }),
    };
  }),
};

const outDir = fileURLToPath(new URL("../../bench-results/", import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(`${outDir}gas.json`, `${JSON.stringify(report, null, 2)}\n`);

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
const lines = [
  `Gas, ${report.machine.cpu} (${report.machine.cores} cores), Node ${report.machine.node}${QUICK ? ", quick run" : ""}`,
  "",
  "| Operation | Unit | Runs | Median | Min | Max | vs. baseline |",
  "| --- | --- | ---: | ---: | ---: | ---: | --- |",
  ...results.map(
    (r) =>
      `| ${r.operation} | ${r.unit} | ${r.runs} | ${fmt(r.median)} | ${fmt(r.min)} | ${fmt(r.max)} | ${
        r.ratio === null ? "baseline" : `${r.ratio.toFixed(2)}x ${r.baseline === "bareMint" ? "mint" : "burn"}`
      } |`,
  ),
  "",
  "| Goal | Measured | Met |",
  "| --- | ---: | --- |",
  ...goals.map((g) => `| ${g.goal} | ${g.ratio.toFixed(2)}x | ${g.met ? "yes" : "no"} |`),
  "",
  `Written to ${outDir}gas.json`,
];
console.log(lines.join("\n"));
