/**
 * Gas of ledger v2 (VoucherLedger and its SchemeRegistry) against a bare OpenZeppelin ERC-1155
 * (contracts/mocks/BareERC1155.sol), in the same run, on the in-process Hardhat network:
 *
 *   npx hardhat run scripts/bench/gas-ledger.ts                 # or: npm run bench -- --only ledger
 *   BENCH_QUICK=1 npx hardhat run scripts/bench/gas-ledger.ts   # fewer repetitions and smaller batches
 *
 * Every number is a receipt's gasUsed (the 21,000 intrinsic gas and calldata included, for the baseline as for the
 * ledger). Each single operation is measured on a fresh company and a fresh holder address (registered in the
 * registry first, unmeasured), so that the storage it touches is in the same state every time; an unmeasured warm-up
 * takes every first write to a shared word (a year's counters, a supplier's accrual). Issue-like operations are
 * compared with a bare mint of a fresh id to a fresh holder, redeem-like ones, revoke and expire with a bare partial
 * burn. The reference ratios are the issue's: MAS's Purpose Bound Money pilot, measured the same way, is at 2.29× for
 * a mint and 3.20× for a redemption; ledger v1 was at 3.06× and 2.73×. Writes bench-results/ledger.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { type ContractTransactionResponse, encodeBytes32String, type HDNodeWallet, id as keccakText, Wallet, ZeroHash } from "ethers";
import { network } from "hardhat";

import { ATTESTATION_TYPES, type ClaimRequest, type Consent, CONSENT_TYPES } from "../../service/domain/consent.js";
import { creditCodeCheckCharacter, creditCodeHash, dayOfInstant, invoiceNumberHash } from "../../service/domain/identity.js";
import { deployScheme } from "../lib/ledger-deploy.js";
import { signForwardRequest } from "../../test/helpers/forwarder.js";
import { CATEGORY, CLASS, CNY, DAY, FIXTURE_RATIOS, fiscalYear, programmeRules, YEAR } from "../../test/helpers/scheme-fixture.js";

const QUICK = process.env.BENCH_QUICK === "1" || process.argv.includes("--quick");
const REPEATS = QUICK ? 3 : 7;
const BATCHES = 3;
const ISSUE_BATCH_SIZE = QUICK ? 10 : 50;
const REDEEM_BATCH_SIZE = QUICK ? 5 : 20;
const FACE_VALUE = 1_000_000n * CNY;
const REDEEM_AMOUNT = 1_000n * CNY;
/** PBM's ratios and v1's, the issue's references; and the goals it sets. */
const REFERENCE = { pbmMint: 2.29, pbmRedeem: 3.2, v1Issue: 3.06, v1Redeem: 2.73 } as const;

const { ethers, networkHelpers } = await network.create();
const [admin, governor, issuer, supplier, relayer, bareCaller, finance] = (await ethers.getSigners()) as [
  HardhatEthersSigner,
  HardhatEthersSigner,
  HardhatEthersSigner,
  HardhatEthersSigner,
  HardhatEthersSigner,
  HardhatEthersSigner,
  HardhatEthersSigner,
];
const { ledger, registry, forwarder, payments } = await deployScheme(ethers, {
  admin,
  keepDeployerAsAdmin: true,
  governors: [governor.address],
  issuers: [issuer.address],
  finance: [finance.address],
});
const r = registry.connect(governor);
await (await r.defineClass(CLASS.DOMESTIC, "国产算力")).wait();
await (await r.defineClass(CLASS.OTHER, "其他算力")).wait();
await (await r.defineCategory(CATEGORY.STARTUP, "初创企业")).wait();
await (await r.defineCategory(CATEGORY.OTHER, "其他企业")).wait();
const start = BigInt(await networkHelpers.time.latest());
const year = fiscalYear(start);
// Two programmes that stack to 100% (a city's 30% and a district's top-up), both with a cap per company and year.
await (await r.registerProgramme(programmeRules(start, year, { maxCombinedBps: 10_000 }), FIXTURE_RATIOS)).wait();
const city = await registry.programmeCount();
await (
  await r.registerProgramme(
    programmeRules(start, year, { level: 4, region: 330106, name: "西湖区算力券", maxCombinedBps: 10_000 }),
    [{ computeClass: CLASS.DOMESTIC, category: CATEGORY.STARTUP, bps: 7000 }],
  )
).wait();
const district = await registry.programmeCount();
// A programme that reimburses buyers (Beijing's way): they claim after paying, an issuer approves.
await (
  await r.registerProgramme(
    programmeRules(start, year, { region: 110000, name: "北京市算力补贴", payees: 2, reviewWindow: Number(7n * DAY) }),
    FIXTURE_RATIOS,
  )
).wait();
const buyers = await registry.programmeCount();
for (const p of [city, district, buyers]) {
  for (let y = year; y < year + 3; y++) await (await ledger.connect(governor).setBudget(p, y, 10n ** 14n, ZeroHash)).wait();
  await (await r.bindIssuer(issuer.address, p)).wait();
}
await (await r.registerEntity(creditCodeHash(code(0)), 2, 0)).wait();
const supplierEntity = await registry.entityCount();
await (await r.addAddress(supplierEntity, supplier.address, ZeroHash)).wait();
for (const p of [city, district, buyers]) await (await r.accredit(supplierEntity, p, start, start + 3n * YEAR, 0b11)).wait();
const bare = await ethers.deployContract("BareERC1155", [], bareCaller);
const d = await ledger.eip712Domain();
const domain = { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract };

// ------------------------------------------------------------------------------------------------------------------

let counter = 0;
const fresh = (prefix: string): string => `${prefix}-${++counter}`;

/** A valid unified social credit code, numbered. */
function code(n: number): string {
  const first17 = `91330100MA${String(n).padStart(7, "0")}`;
  return first17 + creditCodeCheckCharacter(first17);
}

/** A fresh start-up with `addresses` fresh addresses (unmeasured set-up). */
async function freshCompany(addresses = 1): Promise<HDNodeWallet[]> {
  await (await r.registerEntity(creditCodeHash(code(1_000 + ++counter)), 1, CATEGORY.STARTUP)).wait();
  const entity = await registry.entityCount();
  const wallets = Array.from({ length: addresses }, () => Wallet.createRandom());
  for (const w of wallets) await (await r.addAddress(entity, w.address, ZeroHash)).wait();
  return wallets;
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("benchmark transaction failed");
  return receipt.gasUsed;
}

function request(holder: string, expiresAt = 0n) {
  return { holder, applicationRef: encodeBytes32String(fresh("APP")), faceValue: FACE_VALUE, expiresAt };
}

async function issueTo(holder: string, programme = city, expiresAt = 0n): Promise<bigint> {
  const req = request(holder, expiresAt);
  await (await ledger.connect(issuer).issue(programme, req)).wait();
  return ledger.voucherId(programme, req.applicationRef);
}

async function consentFor(holder: HDNodeWallet, id: bigint, invoice?: string, total?: bigint): Promise<{ consent: Consent; signature: string }> {
  const t = BigInt(await networkHelpers.time.latest());
  const today = dayOfInstant(t);
  const consent: Consent = {
    voucherId: id,
    supplier: supplier.address,
    invoiceNumberHash: invoiceNumberHash(invoice ?? `2633${String(++counter).padStart(16, "0")}`),
    amount: REDEEM_AMOUNT,
    invoiceTotal: total ?? REDEEM_AMOUNT * 4n,
    computeClass: CLASS.DOMESTIC,
    serviceFromDay: today - 10,
    serviceToDay: today - 1,
    gpuCentihours: 72_000n,
    contractDay: today - 30,
    evidence: {
      contractCommitment: keccakText(fresh("contract")),
      invoiceCommitment: keccakText(fresh("invoice-document")),
      paymentCommitment: keccakText(fresh("payment")),
      electricityKwh: 0n,
      assessmentCommitment: ZeroHash,
    },
    unrelated: true,
    epoch: 0,
    deadline: t + DAY,
  };
  return { consent, signature: await holder.signTypedData(domain, CONSENT_TYPES, consent) };
}

interface Row {
  operation: string;
  unit: string;
  baseline?: "bareMint" | "bareBurn";
  samples: bigint[];
  goal?: { limit: number; text: string };
}
const rows: Row[] = [];

/** `n` results of `make`, one after the other (each sends transactions). */
async function times<T>(n: number, make: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await make());
  return out;
}

/** Measures `op` REPEATS times after one unmeasured warm-up. */
async function measure(op: (i: number) => Promise<bigint>): Promise<bigint[]> {
  const samples: bigint[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    const gas = await op(i);
    if (i > 0) samples.push(gas);
  }
  return samples;
}

// Bare ERC-1155.
{
  const mints: bigint[] = [];
  const burns: bigint[] = [];
  for (let i = 0; i <= REPEATS; i++) {
    const holder = Wallet.createRandom().address;
    const id = BigInt(keccakText(fresh("bare")));
    const mint = await gasOf(bare.mint(holder, id, FACE_VALUE));
    const burn = await gasOf(bare.burn(holder, id, REDEEM_AMOUNT));
    if (i === 0) continue;
    mints.push(mint);
    burns.push(burn);
  }
  rows.push({ operation: "bare ERC-1155 mint (fresh id, fresh holder)", unit: "per mint", samples: mints });
  rows.push({ operation: "bare ERC-1155 burn (partial)", unit: "per burn", samples: burns });
}

// Issue: a company's first voucher of the fiscal year (its tally is written fresh).
{
  const companies = await times(REPEATS + 1, () => freshCompany(1));
  const samples = await measure(async (i) => gasOf(ledger.connect(issuer).issue(city, request(companies[i]![0]!.address))));
  rows.push({
    operation: "issue, the company's first voucher of the year",
    unit: "per voucher",
    baseline: "bareMint",
    samples,
    goal: { limit: REFERENCE.pbmMint, text: `≤ ${REFERENCE.pbmMint}× (PBM)` },
  });
}

// Issue: the company's tally for the year exists (a second voucher, to its other, fresh address).
{
  const companies = await times(REPEATS + 1, () => freshCompany(2));
  for (const c of companies) await issueTo(c[0]!.address);
  const samples = await measure(async (i) => gasOf(ledger.connect(issuer).issue(city, request(companies[i]![1]!.address))));
  rows.push({
    operation: "issue, the company's tally for the year exists",
    unit: "per voucher",
    baseline: "bareMint",
    samples,
    goal: { limit: 2.0, text: "≤ 2.0×" },
  });
}

// Issue in batches (each to a fresh company).
{
  const samples: bigint[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const holders: string[] = [];
    for (let i = 0; i < ISSUE_BATCH_SIZE; i++) holders.push((await freshCompany(1))[0]!.address);
    const gas = await gasOf(ledger.connect(issuer).issueBatch(city, holders.map((h) => request(h))));
    samples.push(gas / BigInt(ISSUE_BATCH_SIZE));
  }
  rows.push({ operation: `issueBatch of ${ISSUE_BATCH_SIZE}, fresh companies`, unit: "per voucher", baseline: "bareMint", samples });
}

// Redeem, direct: part of a fresh company's voucher against a fresh invoice.
{
  const holders = await times(REPEATS + 1, async () => (await freshCompany(1))[0]!);
  const ids: bigint[] = [];
  for (const h of holders) ids.push(await issueTo(h.address));
  const samples = await measure(async (i) => {
    const { consent, signature } = await consentFor(holders[i]!, ids[i]!);
    return gasOf(ledger.connect(supplier).redeem(consent, signature));
  });
  rows.push({
    operation: "redeem, direct (partial, fresh invoice)",
    unit: "per redemption",
    baseline: "bareBurn",
    samples,
    goal: { limit: REFERENCE.v1Redeem, text: `≤ ${REFERENCE.v1Redeem}× (v1), < ${REFERENCE.pbmRedeem}× (PBM)` },
  });
}

// Redeem, a second programme on the same invoice (the district's top-up on the city's 30%).
{
  const holders = await times(REPEATS + 1, async () => (await freshCompany(1))[0]!);
  const samples = await measure(async (i) => {
    const h = holders[i]!;
    const first = await issueTo(h.address, city);
    const second = await issueTo(h.address, district);
    const invoice = `2633${String(++counter).padStart(16, "0")}`;
    const a = await consentFor(h, first, invoice);
    await (await ledger.connect(supplier).redeem(a.consent, a.signature)).wait();
    const b = await consentFor(h, second, invoice);
    b.consent.evidence = a.consent.evidence;
    b.signature = await h.signTypedData(domain, CONSENT_TYPES, b.consent);
    return gasOf(ledger.connect(supplier).redeem(b.consent, b.signature));
  });
  rows.push({ operation: "redeem, second programme on one invoice (stacking)", unit: "per redemption", baseline: "bareBurn", samples });
}

// Redeem through the ERC2771Forwarder, submitted by a relayer.
{
  const holders = await times(REPEATS + 1, async () => (await freshCompany(1))[0]!);
  const ids: bigint[] = [];
  for (const h of holders) ids.push(await issueTo(h.address));
  const samples = await measure(async (i) => {
    const { consent, signature } = await consentFor(holders[i]!, ids[i]!);
    const t = BigInt(await networkHelpers.time.latest());
    const forward = await signForwardRequest(
      forwarder,
      supplier,
      await ledger.getAddress(),
      ledger.interface.encodeFunctionData("redeem", [consent, signature]),
      t + DAY,
      1_000_000n,
    );
    const gas = await gasOf(forwarder.connect(relayer).execute(forward));
    if ((await ledger.balanceOf(holders[i]!.address, ids[i]!)) !== FACE_VALUE - REDEEM_AMOUNT) throw new Error("forwarded redemption did not redeem");
    return gas;
  });
  rows.push({ operation: "redeem, via ERC2771Forwarder", unit: "per redemption", baseline: "bareBurn", samples });
}

// Redeem in batches.
{
  const samples: bigint[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const signed = [];
    for (let i = 0; i < REDEEM_BATCH_SIZE; i++) {
      const h = (await freshCompany(1))[0]!;
      signed.push(await consentFor(h, await issueTo(h.address)));
    }
    const gas = await gasOf(ledger.connect(supplier).redeemBatch(signed.map((s) => s.consent), signed.map((s) => s.signature)));
    samples.push(gas / BigInt(REDEEM_BATCH_SIZE));
  }
  rows.push({ operation: `redeemBatch of ${REDEEM_BATCH_SIZE}`, unit: "per redemption", baseline: "bareBurn", samples });
}

// Buyers' claims: submit (the holder, with the supplier's attestation), approve (an issuer), and the finance bureau's
// payment of what the buyer earned.
{
  const holders = await times(REPEATS + 1, async () => (await freshCompany(1))[0]!.connect(ethers.provider));
  const ids: bigint[] = [];
  for (const h of holders) {
    ids.push(await issueTo(h.address, buyers));
    await networkHelpers.setBalance(h.address, 10n ** 18n);
  }
  const claimIds: bigint[] = [];
  const submits = await measure(async (i) => {
    const h = holders[i]!;
    const t = BigInt(await networkHelpers.time.latest());
    const today = dayOfInstant(t);
    const attestation = {
      supplier: supplier.address,
      invoiceNumberHash: invoiceNumberHash(`2633${String(++counter).padStart(16, "0")}`),
      invoiceTotal: REDEEM_AMOUNT * 4n,
      computeClass: CLASS.DOMESTIC,
      serviceFromDay: today - 10,
      serviceToDay: today - 1,
      gpuCentihours: 72_000n,
      amountPaid: REDEEM_AMOUNT * 4n,
      buyer: h.address,
    };
    const claim: ClaimRequest = {
      voucherId: ids[i]!,
      amount: REDEEM_AMOUNT,
      contractDay: today - 30,
      unrelated: true,
      evidence: {
        contractCommitment: keccakText(fresh("contract")),
        invoiceCommitment: keccakText(fresh("invoice-document")),
        paymentCommitment: keccakText(fresh("payment")),
        electricityKwh: 0n,
        assessmentCommitment: ZeroHash,
      },
      attestation,
    };
    const signature = await supplier.signTypedData(domain, ATTESTATION_TYPES, attestation);
    const gas = await gasOf(ledger.connect(h).submitClaim(claim, signature));
    claimIds.push(await ledger.claimCount());
    return gas;
  });
  rows.push({ operation: "claim submit (the holder, with the supplier's attestation)", unit: "per claim", baseline: "bareBurn", samples: submits });
  const approves = await measure(async (i) => gasOf(ledger.connect(issuer).approveClaim(claimIds[i]!)));
  rows.push({ operation: "claim approve (an issuer)", unit: "per claim", baseline: "bareBurn", samples: approves });
  const entities: number[] = [];
  for (const h of holders) entities.push(Number((await registry.entityOf(h.address)).entity));
  const paid = await measure(async (i) =>
    gasOf(payments.connect(finance).recordPayment(buyers, entities[i]!, year, REDEEM_AMOUNT, keccakText(fresh("transfer")))),
  );
  rows.push({ operation: "payment record (the finance bureau, one payee)", unit: "per payment", baseline: "bareBurn", samples: paid });
}

// Revoke and expire: all that is left goes back to the budget and the company's tally.
{
  const holders = await times(REPEATS + 1, async () => (await freshCompany(1))[0]!.address);
  const ids: bigint[] = [];
  for (const h of holders) ids.push(await issueTo(h));
  const samples = await measure(async (i) => gasOf(ledger.connect(issuer).revoke(ids[i]!, encodeBytes32String("fraud"))));
  rows.push({ operation: "revoke", unit: "per voucher", baseline: "bareBurn", samples });
}
{
  const holders = await times(REPEATS + 1, async () => (await freshCompany(1))[0]!.address);
  const expiresAt = BigInt(await networkHelpers.time.latest()) + 3_600n;
  const ids: bigint[] = [];
  for (const h of holders) ids.push(await issueTo(h, city, expiresAt));
  await networkHelpers.time.increaseTo(expiresAt);
  const samples = await measure(async (i) => gasOf(ledger.connect(relayer).expire(ids[i]!)));
  rows.push({ operation: "expire", unit: "per voucher", baseline: "bareBurn", samples });
}

// ------------------------------------------------------------------------------------------------------------------

const median = (xs: readonly bigint[]): number => {
  const s = [...xs].map(Number).sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const baselines = {
  bareMint: median(rows.find((x) => x.operation.startsWith("bare ERC-1155 mint"))!.samples),
  bareBurn: median(rows.find((x) => x.operation.startsWith("bare ERC-1155 burn"))!.samples),
};
const results = rows.map((x) => {
  const m = median(x.samples);
  const ratio = x.baseline === undefined ? undefined : Number((m / baselines[x.baseline]).toFixed(2));
  return {
    name: `${x.operation}, ${x.unit}`,
    value: m,
    unit: "gas",
    min: Math.min(...x.samples.map(Number)),
    max: Math.max(...x.samples.map(Number)),
    runs: x.samples.length,
    ...(x.baseline === undefined ? {} : { baseline: baselines[x.baseline], ratio }),
    ...(x.goal === undefined || ratio === undefined ? {} : { goal: x.goal.text, met: ratio <= x.goal.limit }),
  };
});
const cpus = os.cpus();
const report = {
  part: "ledger",
  title: "Gas of ledger v2 per operation (receipt gasUsed) vs a bare OpenZeppelin ERC-1155, same run",
  generatedAt: new Date().toISOString(),
  quick: QUICK,
  machine: { cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, node: process.version },
  reference: REFERENCE,
  rows: results,
  notes: [
    "gasUsed from receipts: intrinsic gas and calldata included for the ledger and the baseline alike.",
    "Single operations on a fresh company and a fresh holder address each time, after an unmeasured warm-up.",
    "References from the issue: PBM (MAS pilot) 2.29x mint, 3.20x redemption; ledger v1 3.06x issue, 2.73x redemption.",
  ],
};
const outDir = fileURLToPath(new URL("../../bench-results/", import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(`${outDir}ledger.json`, `${JSON.stringify(report, null, 2)}\n`);
const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
console.log(
  [
    `Ledger v2 gas, ${report.machine.cpu} (${report.machine.cores} cores), Node ${report.machine.node}${QUICK ? ", quick" : ""}`,
    "",
    "| operation | median | min | max | runs | ratio | goal | met |",
    "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ...results.map(
      (x) =>
        `| ${x.name} | ${fmt(x.value)} | ${fmt(x.min)} | ${fmt(x.max)} | ${x.runs} | ${"ratio" in x && x.ratio !== undefined ? `${x.ratio.toFixed(2)}×` : ""} | ${"goal" in x ? x.goal : ""} | ${"met" in x ? (x.met ? "yes" : "**no**") : ""} |`,
    ),
    "",
    `Written to ${outDir}ledger.json`,
  ].join("\n"),
);
