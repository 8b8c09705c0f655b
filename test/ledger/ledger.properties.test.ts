import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";
import { type ContractTransactionReceipt, type ContractTransactionResponse, encodeBytes32String, id as keccakText, type Log, type TypedDataDomain, ZeroAddress, ZeroHash } from "ethers";
import fc from "fast-check";
import { network } from "hardhat";

import { itRunsSequences } from "../helpers/sequences.js";

import { type Consent, CONSENT_TYPES } from "../../service/domain/consent.js";
import { creditCodeHash, dayOfInstant, invoiceNumberHash } from "../../service/domain/identity.js";
import { signForwardRequest } from "../helpers/forwarder.js";
import {
  type HolderSpec,
  type InvoiceTerms,
  LedgerModel,
  type ProgrammeSpec,
  type RedemptionAsk,
  Refusal,
  type SupplierSpec,
  VStatus,
} from "../helpers/ledger-model.js";
import {
  CATEGORY,
  CLASS,
  DAY,
  FIXTURE_RATIOS,
  ROLES,
  YEAR,
  addProgramme,
  appRef,
  consentDomain,
  creditCode,
  deploySchemeFixture,
  fiscalYear,
  invoiceNumber,
  now,
  type RatioInput,
  type SchemeFixture,
  updateProgramme,
} from "../helpers/scheme-fixture.js";

/*
 * Property-based tests of ledger v2's part-1 rules (issue 14, "Rules that always hold"). Random sequences of issues
 * (single and batch, to several addresses of one company), supplier redemptions (direct, through the forwarder, in
 * batches, on invoices shared across programmes), revocations, expiries (single, and batches that skip what is not
 * active), re-issues (requested, approved by the governor or carried out after the delay, cancelled), freezes,
 * supplier suspensions, related-party records, address removals, consent cancellations, budget changes and time jumps
 * (across the fiscal year's end in UTC+8) run against the in-process Hardhat network and the model in
 * test/helpers/ledger-model.ts. Each operation the model says must fail must revert with that custom error and those
 * arguments; after every step, on chain:
 *
 * - per programme and fiscal year: issued - revoked - expired ≤ budget (getPeriod), as the model has it;
 * - per company and cap period: what its vouchers committed (face value less what revocation and expiry returned,
 *   from the ledger's events, over every address of the company) ≤ the programme's cap; the ledger's tally as the
 *   model has it;
 * - per company and exclusive cap group: vouchers of one programme of the group at most;
 * - per invoice (from the redemption events): each programme within its ratio for the invoice's class and the
 *   buyer's category, all together within the smallest combined share of the programmes that paid, more than one
 *   programme only if all are stackable, one buyer; the invoice's record as the events add it up;
 * - every redemption of the step: no relation on record between buyer and supplier, the supplier accredited and the
 *   voucher not frozen (just after it);
 * - balances: every ERC-1155 transfer is a mint or a burn, a re-issue's burn and mint move the voucher between two
 *   addresses of one company, with the governor's approval or after the programme's delay; every voucher's balance
 *   is its holder's (as the model has it) and no one else's, and each programme's outstanding is the sum of its
 *   balances.
 *
 * Four programmes: P0 (Hangzhou-like, 30%/20%, stackable to 100%, yearly cap), P1 (a district top-up paying only
 * start-ups, 70% domestic, stackable to 80%), P2 and P3 (an exclusive cap group: P2 not stackable with a lifetime
 * cap, P3 stackable to 50% with a yearly cap). Budgets and caps are small, so that they bind. Every transaction is
 * mined at an explicit timestamp (the latest block's + 1). FC_RUNS (default 5) sequences of LEDGER_STEPS (default 40)
 * steps; FC_SEED=<seed> (and FC_PATH) replays a failure, FC_SEED=random draws a new seed; by default the seed comes from
 * the commit (test/helpers/seed.ts). LEDGER_LONG_RUN=1 runs the long run instead (test/helpers/sequences.ts): at least 10,000
 * steps (LEDGER_LONG_STEPS) in sequences of 100, and prints seed, steps and time.
 */

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const STEPS = Number(process.env.LEDGER_STEPS ?? 40);
const RUNS = Number(process.env.FC_RUNS ?? 5);

const INVOICES = 6;
const HOUR = 3600n;
const VOUCHER_FROZEN = 1n;

// ---------------------------------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------------------------------

/** A share of a maximum: 1-4 an eighth, a quarter, a half or all of it, or 5: one more than it. */
type Share = number;
/** A choice among the things the model holds: mostly a likely one (see the runner's picks), once in eight an odd one. */
type Pick = { n: number; odd: boolean };
interface RedeemItem {
  voucher: Pick;
  supplier: number;
  invoice: number;
  share: Share;
  /** Half the time: an invoice of the supplier that the voucher's company has had paid by another programme. */
  reuse: boolean;
  /** Rarely: another total than the invoice's (a mismatch, or a new invoice with it), another signer, a stale epoch. */
  skew: boolean;
  wrongSigner: boolean;
  staleEpoch: boolean;
}
type Op =
  | { kind: "issue"; p: number; holder: number; face: number; validityDays: number; badExpiry: boolean }
  | { kind: "issueBatch"; p: number; items: { holder: number; face: number }[]; repeatRef: boolean }
  | { kind: "redeem"; mode: "direct" | "forwarder" | "batch"; items: RedeemItem[]; wrongCaller: boolean }
  | { kind: "revoke" | "expire" | "freeze" | "unfreeze" | "executeReissue" | "approveReissue" | "cancelReissue"; voucher: Pick }
  | { kind: "expireBatch"; vouchers: Pick[] }
  | { kind: "requestReissue"; voucher: Pick; to: Pick }
  // undoing ones (reinstate, unrelate, addAddress) mostly pick something done, unless `odd`
  | { kind: "suspend" | "reinstate"; supplier: number; p: number; odd: boolean }
  | { kind: "relate" | "unrelate"; beneficiary: number; supplier: number; odd: boolean }
  | { kind: "removeAddress" | "addAddress"; holder: number; odd: boolean }
  | { kind: "cancelConsents"; holder: number }
  | { kind: "setBudget"; p: number; yearOffset: number; delta: number }
  | { kind: "wait"; hours: number }
  | { kind: "waitFor"; target: "yearEnd" | "expiry" | "reissue"; pick: number; offset: number };

// without fast-check's bias towards the bounds, which would make the rare cases common
const rarely = fc.noBias(fc.integer({ min: 0, max: 7 })).map((x) => x === 0);
const seldom = fc.noBias(fc.integer({ min: 0, max: 19 })).map((x) => x === 0);
const pick: fc.Arbitrary<Pick> = fc.record({ n: fc.nat({ max: 1_000 }), odd: rarely });
const share = fc.integer({ min: 1, max: 5 });
const programme = fc.integer({ min: 0, max: 3 });
const holderIndex = fc.integer({ min: 0, max: 5 });
const voucherOp = <K extends string>(kind: K) => fc.record({ kind: fc.constant(kind), voucher: pick });
const redeemItem: fc.Arbitrary<RedeemItem> = fc.record({
  voucher: pick,
  // mostly the supplier accredited everywhere
  supplier: fc.constantFrom(0, 0, 0, 1),
  invoice: fc.integer({ min: 1, max: INVOICES }),
  share,
  reuse: fc.boolean(),
  skew: seldom,
  wrongSigner: seldom,
  staleEpoch: seldom,
});
const opArb = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant("issue" as const), p: programme, holder: holderIndex, face: fc.integer({ min: 20_000, max: 300_000 }), validityDays: fc.integer({ min: 3, max: 40 }), badExpiry: seldom }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("issueBatch" as const), p: programme, items: fc.array(fc.record({ holder: holderIndex, face: fc.integer({ min: 20_000, max: 200_000 }) }), { minLength: 2, maxLength: 3 }), repeatRef: seldom }) },
  { weight: 16, arbitrary: fc.record({ kind: fc.constant("redeem" as const), mode: fc.constantFrom("direct" as const, "direct" as const, "forwarder" as const, "batch" as const), items: fc.array(redeemItem, { minLength: 1, maxLength: 3 }), wrongCaller: seldom }) },
  { weight: 2, arbitrary: voucherOp("revoke" as const) },
  { weight: 2, arbitrary: voucherOp("expire" as const) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("expireBatch" as const), vouchers: fc.array(pick, { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: voucherOp("freeze" as const) },
  { weight: 2, arbitrary: voucherOp("unfreeze" as const) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("requestReissue" as const), voucher: pick, to: pick }) },
  { weight: 2, arbitrary: voucherOp("executeReissue" as const) },
  { weight: 2, arbitrary: voucherOp("approveReissue" as const) },
  { weight: 1, arbitrary: voucherOp("cancelReissue" as const) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("suspend" as const), supplier: fc.integer({ min: 0, max: 1 }), p: programme, odd: rarely }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("reinstate" as const), supplier: fc.integer({ min: 0, max: 1 }), p: programme, odd: rarely }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("relate" as const), beneficiary: fc.integer({ min: 0, max: 2 }), supplier: fc.integer({ min: 0, max: 1 }), odd: rarely }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("unrelate" as const), beneficiary: fc.integer({ min: 0, max: 2 }), supplier: fc.integer({ min: 0, max: 1 }), odd: rarely }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("removeAddress" as const), holder: holderIndex, odd: rarely }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("addAddress" as const), holder: holderIndex, odd: rarely }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancelConsents" as const), holder: holderIndex }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("setBudget" as const), p: programme, yearOffset: fc.integer({ min: 0, max: 2 }), delta: fc.integer({ min: -1, max: 600_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("wait" as const), hours: fc.integer({ min: 1, max: 96 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("waitFor" as const), target: fc.constantFrom("yearEnd" as const, "expiry" as const, "reissue" as const), pick: fc.nat({ max: 1_000 }), offset: fc.integer({ min: -1, max: 1 }) }) },
);

/** `max` split by a share: an eighth, a quarter, a half or all of it (at least 1 where max > 0), or max + 1. */
function amountOf(max: bigint, s: Share): bigint {
  if (s === 5) return max + 1n;
  const a = (max * [1n, 2n, 4n, 8n][s - 1]!) / 8n;
  return a === 0n && max > 0n ? 1n : a;
}

// ---------------------------------------------------------------------------------------------------------------------
// The scenario
// ---------------------------------------------------------------------------------------------------------------------

/** The programmes' rules beyond the fixture's (see the header). */
const P1_RATIOS: RatioInput[] = [
  { computeClass: CLASS.DOMESTIC, category: CATEGORY.STARTUP, bps: 7000 },
  { computeClass: CLASS.OTHER, category: CATEGORY.STARTUP, bps: 3000 },
];
const P2_RATIOS: RatioInput[] = [
  { computeClass: CLASS.DOMESTIC, category: CATEGORY.STARTUP, bps: 4000 },
  { computeClass: CLASS.DOMESTIC, category: CATEGORY.OTHER, bps: 4000 },
];
const EXCLUSIVE_GROUP = 1100001;

interface Scenario extends SchemeFixture {
  specs: ProgrammeSpec[];
  holderSigners: HardhatEthersSigner[];
  holderSpecs: HolderSpec[];
  supplierSigners: HardhatEthersSigner[];
  supplierSpecs: SupplierSpec[];
  beneficiaryEntities: bigint[];
  accreditations: { supplier: number; p: number; validFrom: bigint; validUntil: bigint; classes: number }[];
  budgets: { p: number; year: number; budget: bigint }[];
  startDay: number;
  domain: TypedDataDomain;
  ledgerAddress: string;
  forwarderAddress: string;
  /** invoiceKeys[supplier][n]: the key of the supplier's invoice number n. */
  invoiceKeys: string[][];
}

async function scenario(): Promise<Scenario> {
  const f = await deploySchemeFixture(ethers);
  const signers = await ethers.getSigners();
  const [h3, h5, h6] = [signers[12]!, signers[13]!, signers[14]!];
  const r = f.registry.connect(f.governor);
  // P0: the fixture's programme, stackable to 100%, with a smaller cap
  await updateProgramme(f, f.programme, { maxCombinedBps: 10_000, capPerCompany: 450_000n });
  const p1 = await addProgramme(f, { name: "徐汇区算力券", region: 310104, level: 4, maxCombinedBps: 8000, capPerCompany: 300_000n, yearCount: 2 }, { ratios: P1_RATIOS, budget: 1_000_000n });
  const p2 = await addProgramme(f, { name: "北京市算力券", region: 110000, exclusive: true, capGroup: EXCLUSIVE_GROUP, capLifetime: true, capPerCompany: 350_000n, yearCount: 2 }, { ratios: P2_RATIOS, budget: 1_000_000n });
  const p3 = await addProgramme(f, { name: "北京市模型券", region: 110000, exclusive: true, capGroup: EXCLUSIVE_GROUP, maxCombinedBps: 5000, capPerCompany: 250_000n, yearCount: 2 }, { ratios: FIXTURE_RATIOS, budget: 800_000n });
  const ids = [f.programme, p1, p2, p3];
  const budgets: Scenario["budgets"] = [];
  for (let y = f.year; y < f.year + 3; y++) {
    await (await f.ledger.connect(f.governor).setBudget(f.programme, y, 1_500_000n, encodeBytes32String(`HZ-${y}`))).wait();
    budgets.push({ p: 0, year: y, budget: 1_500_000n });
  }
  for (const [p, budget] of [[1, 1_000_000n], [2, 1_000_000n], [3, 800_000n]] as const) {
    for (let y = f.year; y < f.year + 2; y++) budgets.push({ p, year: y, budget });
  }
  // a third company (a start-up), a third address of the start-up, a second address of the other company
  await (await r.addAddress(f.entities.startup, h3.address, encodeBytes32String("registered"))).wait();
  await (await r.addAddress(f.entities.company, h5.address, encodeBytes32String("registered"))).wait();
  await (await r.registerEntity(creditCodeHash(creditCode(1)), ROLES.BENEFICIARY, CATEGORY.STARTUP)).wait();
  const third = BigInt(await f.registry.entityCount());
  await (await r.addAddress(third, h6.address, encodeBytes32String("registered"))).wait();
  // the fixture's supplier is accredited for every programme (both classes, from when it was accredited for three
  // years); the other supplier for P0 (domestic compute only) and P1 (both), not for the exclusive group
  const t = await now(ethers);
  const accreditations: Scenario["accreditations"] = [];
  for (const [p, id] of ids.entries()) {
    const a = await f.registry.getAccreditation(f.entities.supplier, id);
    accreditations.push({ supplier: 0, p, validFrom: a.validFrom, validUntil: a.validUntil, classes: Number(a.classes) });
  }
  for (const [p, classes] of [[0, 0b01], [1, 0b11]] as const) {
    await (await r.accredit(f.entities.otherSupplier, ids[p]!, t, t + 3n * YEAR, classes)).wait();
    accreditations.push({ supplier: 1, p, validFrom: t, validUntil: t + 3n * YEAR, classes });
  }
  const ratiosOf = (rows: RatioInput[]) => {
    const m = new Map<number, Map<number, number>>();
    for (const row of rows) {
      const c = Number(row.computeClass);
      if (!m.has(c)) m.set(c, new Map());
      m.get(c)!.set(Number(row.category), Number(row.bps));
    }
    return m;
  };
  const specs: ProgrammeSpec[] = [];
  for (const [p, rows] of [FIXTURE_RATIOS, P1_RATIOS, P2_RATIOS, FIXTURE_RATIOS].entries()) {
    const [terms, reissueDelay] = await f.ledger.getIssueTerms(ids[p]!);
    const redemption = await f.ledger.getRedemptionTerms(ids[p]!, CLASS.DOMESTIC);
    specs.push({
      id: ids[p]!,
      ratios: ratiosOf(rows),
      maxCombinedBps: Number(redemption.maxCombinedBps),
      exclusive: (Number(terms.flags) & 4) !== 0,
      capGroup: Number(terms.capGroup),
      capPerCompany: terms.capPerCompany,
      capLifetime: (Number(terms.flags) & 2) !== 0,
      firstYear: Number(terms.firstYear),
      yearCount: Number(terms.yearCount),
      maxValidity: terms.maxValidity,
      redeemUntil: terms.redeemUntil,
      reissueDelay,
    });
  }
  const holderSigners = [f.holder, f.holder2, h3, f.otherHolder, h5, h6];
  const entityOfHolder = [f.entities.startup, f.entities.startup, f.entities.startup, f.entities.company, f.entities.company, third];
  const categoryOfHolder = [CATEGORY.STARTUP, CATEGORY.STARTUP, CATEGORY.STARTUP, CATEGORY.OTHER, CATEGORY.OTHER, CATEGORY.STARTUP];
  return {
    ...f,
    specs,
    holderSigners,
    holderSpecs: holderSigners.map((s, i) => ({ address: s.address, entity: entityOfHolder[i]!, category: categoryOfHolder[i]! })),
    supplierSigners: [f.supplier, f.otherSupplier],
    supplierSpecs: [
      { address: f.supplier.address, entity: f.entities.supplier },
      { address: f.otherSupplier.address, entity: f.entities.otherSupplier },
    ],
    beneficiaryEntities: [f.entities.startup, f.entities.company, third],
    accreditations,
    budgets,
    startDay: dayOfInstant(await now(ethers)),
    domain: await consentDomain(f),
    ledgerAddress: await f.ledger.getAddress(),
    forwarderAddress: await f.forwarder.getAddress(),
    invoiceKeys: await Promise.all(
      [f.entities.supplier, f.entities.otherSupplier].map((e) =>
        Promise.all(Array.from({ length: INVOICES + 1 }, (_, n) => f.ledger.invoiceKey(e, invoiceNumberHash(invoiceNumber(n))))),
      ),
    ),
  };
}

/** The terms of invoice `n` of a supplier (the same for every programme, so that stacking can match). */
function invoiceTerms(supplier: number, n: number, startDay: number): InvoiceTerms {
  return {
    total: 100_000n * BigInt(n) + 7n * BigInt(supplier),
    computeClass: n % 3 === 0 ? CLASS.OTHER : CLASS.DOMESTIC,
    serviceFromDay: startDay - 20,
    serviceToDay: startDay - 1 - (n % 3),
    gpuCentihours: 1_000n,
  };
}

function evidenceOf(invoice: number) {
  return {
    contractCommitment: keccakText(`salt:contract:${invoice}`),
    invoiceCommitment: keccakText(`salt:invoice:${invoice}`),
    paymentCommitment: keccakText(`salt:payment:${invoice}`),
    electricityKwh: 0n,
    assessmentCommitment: ZeroHash,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// The runner
// ---------------------------------------------------------------------------------------------------------------------

/** What one step sends, and what it does to the model (throwing a {@link Refusal} when it must fail). */
interface Step {
  description: string;
  send: () => Promise<ContractTransactionResponse>;
  apply: (m: LedgerModel, ts: bigint) => void;
  /** A relayed call: the forwarder refuses with FailedCall, and the ledger's reason shows when simulated as it. */
  relayed?: { data: string; from: string };
}

const STATS = new Map<string, number>();

/** The ledger's record of the rules, kept from its events alone. */
interface Issued {
  programme: bigint;
  entity: bigint;
  face: bigint;
  year: number;
  returned: bigint;
}
interface RedeemedInvoice {
  total: bigint;
  computeClass: number;
  buyer: bigint;
  shares: Map<bigint, bigint>;
}

class Runner {
  model: LedgerModel;
  issued = new Map<bigint, Issued>();
  redeemed = new Map<string, RedeemedInvoice>();
  /** The redemptions of the last step: voucher, programme, supplier address and entity, buyer entity. */
  lastRedemptions: { id: bigint; programme: bigint; supplier: string; supplierEntity: bigint; buyer: bigint }[] = [];
  /** Per voucher with a re-issue requested, when an issuer may carry it out (from ReissueRequested). */
  reissueAt = new Map<bigint, bigint>();

  constructor(
    readonly s: Scenario,
    start: bigint,
  ) {
    const m = new LedgerModel(s.specs, s.holderSpecs, s.supplierSpecs, start);
    for (const a of s.accreditations) m.setAccreditation(a.supplier, a.p, { validFrom: a.validFrom, validUntil: a.validUntil, classes: a.classes, suspended: false });
    for (const b of s.budgets) m.period(b.p, b.year).budget = b.budget;
    this.model = m;
  }

  /** A voucher's index: mostly an active one not expired at `ts` (matching `want`, when given), else any. */
  private voucherPick(pk: Pick, ts: bigint, want?: (i: number) => boolean): number | undefined {
    const vouchers = this.model.vouchers;
    if (vouchers.length === 0) return undefined;
    const live = vouchers.flatMap((v, i) => (v.status === VStatus.Active && v.expiresAt > ts && (want === undefined || want(i)) ? [i] : []));
    return !pk.odd && live.length > 0 ? live[pk.n % live.length]! : pk.n % vouchers.length;
  }

  /** The next application reference (unique, so that a repeated one is only ever a test of the refusal). */
  private nextRef(): string {
    this.model.refs += 1;
    return appRef(`A-${this.model.refs}`);
  }

  private async consent(r: RedemptionAsk, n: number, ts: bigint): Promise<{ consent: Consent; signature: string }> {
    const v = this.model.vouchers[r.voucher]!;
    const consent: Consent = {
      voucherId: v.id,
      supplier: this.s.supplierSpecs[r.supplier]!.address,
      invoiceNumberHash: invoiceNumberHash(invoiceNumber(n)),
      amount: r.amount,
      invoiceTotal: r.terms.total,
      computeClass: r.terms.computeClass,
      serviceFromDay: r.terms.serviceFromDay,
      serviceToDay: r.terms.serviceToDay,
      gpuCentihours: r.terms.gpuCentihours,
      contractDay: this.s.startDay - 30,
      evidence: evidenceOf(n),
      unrelated: true,
      epoch: r.epoch,
      deadline: ts + DAY,
    };
    return { consent, signature: await this.s.holderSigners[r.signer]!.signTypedData(this.s.domain, CONSENT_TYPES, consent) };
  }

  /** A redemption request from an item, with what the model and the chain need. */
  private async redemption(item: RedeemItem, ts: bigint, caller: number): Promise<{ ask: RedemptionAsk; consent: Consent; signature: string } | undefined> {
    const m = this.model;
    // mostly a voucher that can pay: not frozen, not moving, its holder's address active
    const payable = (i: number) => !m.vouchers[i]!.frozen && m.vouchers[i]!.reissue === undefined && m.active[m.vouchers[i]!.holder]!;
    let vi = this.voucherPick(item.voucher, ts, payable);
    if (vi === undefined) return undefined;
    let n = item.invoice;
    if (item.reuse && !item.voucher.odd) {
      // an invoice of the supplier paid by another programme, and a voucher of its buyer under one that did not pay it
      const keys = this.s.invoiceKeys[item.supplier]!;
      const pairs = keys.flatMap((k, i) => {
        const inv = m.invoices.get(k);
        if (inv === undefined) return [];
        return m.vouchers.flatMap((w, j) =>
          w.status === VStatus.Active && w.expiresAt > ts && payable(j) && m.holders[w.holder]!.entity === inv.buyer && !inv.shares.has(w.p) ? [[j, i] as const] : [],
        );
      });
      if (pairs.length > 0) [vi, n] = pairs[item.voucher.n % pairs.length]!;
    }
    const v = m.vouchers[vi]!;
    const spec = m.programmes[v.p]!;
    const terms = invoiceTerms(item.supplier, n, this.s.startDay);
    if (item.skew) terms.total += 1n;
    const category = m.holders[v.holder]!.category;
    // where the programme pays nothing for the class and category, amounts as if it paid 30%
    const bps = BigInt(spec.ratios.get(terms.computeClass)?.get(category) ?? 3000);
    const ratioMax = (terms.total * bps) / 10_000n;
    // a share of what the ratio, the voucher and (on a shared invoice) the combined share allow, or one more than it
    let max = ratioMax < v.remaining ? ratioMax : v.remaining;
    const key = this.s.invoiceKeys[item.supplier]![n]!;
    const inv = m.invoices.get(key);
    if (inv !== undefined && item.share !== 5) {
      const room = (inv.total * BigInt(Math.min(inv.minShareBps, spec.maxCombinedBps))) / 10_000n - inv.subsidised;
      if (room >= 0n && room < max && item.voucher.n % 2 === 0) max = room;
    }
    // on a shared invoice, every other time all that the ratio and the voucher allow, beyond the combined share or not
    const amount = amountOf(max, n !== item.invoice && item.voucher.n % 2 === 1 && item.share !== 5 ? 4 : item.share);
    const epoch = item.staleEpoch && m.epochs[v.holder]! > 0 ? m.epochs[v.holder]! - 1 : item.staleEpoch ? 1 : m.epochs[v.holder]!;
    const signer = item.wrongSigner ? (v.holder + 1) % m.holders.length : v.holder;
    const ask: RedemptionAsk = { voucher: vi, supplier: item.supplier, caller, invoice: n, key, terms, amount, epoch, signer };
    return { ask, ...(await this.consent(ask, n, ts)) };
  }

  /** The step for an operation, or undefined when it has nothing to act on (no voucher yet, a time already past). */
  private async step(op: Op, ts: bigint): Promise<Step | undefined> {
    const { s, model: m } = this;
    const ledger = s.ledger;
    const reason = encodeBytes32String(op.kind);
    switch (op.kind) {
      case "issue": {
        const spec = m.programmes[op.p]!;
        const ref = this.nextRef();
        const id = await ledger.voucherId(spec.id, ref);
        const expiresAt = op.badExpiry ? ts : ts + BigInt(op.validityDays) * DAY;
        const request = { holder: m.holders[op.holder]!.address, applicationRef: ref, faceValue: BigInt(op.face), expiresAt };
        return {
          description: `issue ${op.face} under P${op.p} to holder ${op.holder}`,
          send: () => ledger.connect(s.issuer).issue(spec.id, request),
          apply: (mm, t) => mm.issue(op.p, op.holder, BigInt(op.face), expiresAt, id, t),
        };
      }
      case "issueBatch": {
        const spec = m.programmes[op.p]!;
        const requests: { holder: string; applicationRef: string; faceValue: bigint; expiresAt: bigint }[] = [];
        const ids: bigint[] = [];
        for (const [i, item] of op.items.entries()) {
          const ref: string = op.repeatRef && i > 0 ? requests[0]!.applicationRef : this.nextRef();
          requests.push({ holder: m.holders[item.holder]!.address, applicationRef: ref, faceValue: BigInt(item.face), expiresAt: ts + 20n * DAY });
          ids.push(await ledger.voucherId(spec.id, ref));
        }
        return {
          description: `issue a batch of ${requests.length} under P${op.p} to holders ${op.items.map((i) => i.holder).join(",")}`,
          send: () => ledger.connect(s.issuer).issueBatch(spec.id, requests),
          apply: (mm, t) => {
            for (const [i, r] of requests.entries()) mm.issue(op.p, op.items[i]!.holder, r.faceValue, r.expiresAt, ids[i]!, t);
          },
        };
      }
      case "redeem": {
        const caller = op.wrongCaller ? 1 - op.items[0]!.supplier : op.items[0]!.supplier;
        const items = op.mode === "batch" ? op.items : op.items.slice(0, 1);
        const built: { ask: RedemptionAsk; consent: Consent; signature: string }[] = [];
        for (const item of items) {
          // every consent of a batch names the caller, unless the batch is meant to be sent by the wrong one
          const r = await this.redemption({ ...item, supplier: op.mode === "batch" ? op.items[0]!.supplier : item.supplier }, ts, caller);
          if (r === undefined) return undefined;
          built.push(r);
        }
        const asks = built.map((b) => b.ask);
        const description = `${op.mode} redemption by supplier ${caller} of ${asks.map((a) => `${a.amount} of voucher ${a.voucher} on invoice ${a.supplier}/${a.invoice}`).join("; ")}`;
        const apply = (mm: LedgerModel, t: bigint) => {
          for (const a of asks) mm.redeem(a, t);
        };
        const signer = s.supplierSigners[caller]!;
        if (op.mode === "direct") return { description, send: () => ledger.connect(signer).redeem(built[0]!.consent, built[0]!.signature), apply };
        if (op.mode === "batch") {
          return { description, send: () => ledger.connect(signer).redeemBatch(built.map((b) => b.consent), built.map((b) => b.signature)), apply };
        }
        const data = ledger.interface.encodeFunctionData("redeem", [built[0]!.consent, built[0]!.signature]);
        const request = await signForwardRequest(s.forwarder, signer, s.ledgerAddress, data, ts + DAY);
        return { description, send: () => s.forwarder.connect(s.relayer).execute(request), apply, relayed: { data, from: signer.address } };
      }
      case "revoke":
      case "expire":
      case "freeze":
      case "unfreeze":
      case "executeReissue":
      case "approveReissue":
      case "cancelReissue": {
        const want: Partial<Record<Op["kind"], (i: number) => boolean>> = {
          unfreeze: (i) => m.vouchers[i]!.frozen,
          expire: (i) => m.vouchers[i]!.expiresAt <= ts + HOUR,
          executeReissue: (i) => m.vouchers[i]!.reissue !== undefined,
          approveReissue: (i) => m.vouchers[i]!.reissue !== undefined,
          cancelReissue: (i) => m.vouchers[i]!.reissue !== undefined,
        };
        const test = want[op.kind];
        // the ones that want a flag or a near expiry look among every voucher for it first
        const flagged = test === undefined ? [] : m.vouchers.flatMap((_, i) => (test(i) && m.vouchers[i]!.status === VStatus.Active ? [i] : []));
        const vi = !op.voucher.odd && flagged.length > 0 ? flagged[op.voucher.n % flagged.length]! : this.voucherPick(op.voucher, ts);
        if (vi === undefined) return undefined;
        const id = m.vouchers[vi]!.id;
        const description = `${op.kind} voucher ${vi}`;
        switch (op.kind) {
          case "revoke":
            return { description, send: () => ledger.connect(s.issuer).revoke(id, reason), apply: (mm) => mm.revoke(vi) };
          case "expire":
            return { description, send: () => ledger.connect(s.stranger).expire(id), apply: (mm, t) => mm.expire(vi, t) };
          case "freeze":
            return { description, send: () => ledger.connect(s.guardian).freeze(id, reason), apply: (mm) => mm.freeze(vi) };
          case "unfreeze":
            return { description, send: () => ledger.connect(s.governor).unfreeze(id, reason), apply: (mm) => mm.unfreeze(vi) };
          case "executeReissue":
            return { description, send: () => ledger.connect(s.issuer).executeReissue(id), apply: (mm, t) => mm.executeReissue(vi, t) };
          case "approveReissue":
            return { description, send: () => ledger.connect(s.governor).approveReissue(id), apply: (mm, t) => mm.approveReissue(vi, t) };
          default:
            return { description, send: () => ledger.connect(s.issuer).cancelReissue(id, reason), apply: (mm) => mm.cancelReissue(vi) };
        }
      }
      case "expireBatch": {
        // mostly active vouchers past their expiry, else any (which the batch skips unless it is one of those)
        if (m.vouchers.length === 0) return undefined;
        const due = m.vouchers.flatMap((v, i) => (v.status === VStatus.Active && v.expiresAt <= ts ? [i] : []));
        const vis = op.vouchers.map((pk) => (!pk.odd && due.length > 0 ? due[pk.n % due.length]! : pk.n % m.vouchers.length));
        const ids = vis.map((vi) => m.vouchers[vi]!.id);
        return {
          description: `expire a batch of vouchers ${vis.join(",")}`,
          send: () => ledger.connect(s.stranger).expireBatch(ids),
          apply: (mm, t) => {
            mm.expireBatch(vis, t);
          },
        };
      }
      case "requestReissue": {
        const vi = this.voucherPick(op.voucher, ts);
        if (vi === undefined) return undefined;
        const v = m.vouchers[vi]!;
        const entity = m.holders[v.holder]!.entity;
        const same = m.holders.flatMap((h, i) => (h.entity === entity && i !== v.holder ? [i] : []));
        const to = !op.to.odd && same.length > 0 ? same[op.to.n % same.length]! : op.to.n % m.holders.length;
        return {
          description: `request a re-issue of voucher ${vi} from holder ${v.holder} to ${to}`,
          send: () => ledger.connect(s.issuer).requestReissue(v.id, m.holders[to]!.address, reason),
          apply: (mm, t) => mm.requestReissue(vi, to, t),
        };
      }
      case "suspend":
      case "reinstate": {
        const suspended = op.kind === "suspend";
        const done = [...m.accreditations].flatMap(([k, a]) => (a.suspended ? [k.split(":").map(Number) as [number, number]] : []));
        const [supplier, p] = !suspended && !op.odd && done.length > 0 ? done[(op.supplier + 2 * op.p) % done.length]! : [op.supplier, op.p];
        const entity = s.supplierSpecs[supplier]!.entity;
        const id = m.programmes[p]!.id;
        return {
          description: `${op.kind} supplier ${supplier} in P${p}`,
          send: () => (suspended ? s.registry.connect(s.guardian).suspend(entity, id, reason) : s.registry.connect(s.governor).reinstate(entity, id, reason)),
          apply: (mm) => mm.suspend(supplier, p, suspended),
        };
      }
      case "relate":
      case "unrelate": {
        const related = op.kind === "relate";
        const done = s.beneficiaryEntities.flatMap((b, i) => s.supplierSpecs.flatMap((x, j) => (m.relations.has(`${b}:${x.entity}`) ? [[i, j] as [number, number]] : [])));
        const [bi, si] = !related && !op.odd && done.length > 0 ? done[(op.beneficiary + 3 * op.supplier) % done.length]! : [op.beneficiary, op.supplier];
        const b = s.beneficiaryEntities[bi]!;
        const sup = s.supplierSpecs[si]!.entity;
        const r = s.registry.connect(s.governor);
        return {
          description: `${op.kind} company ${bi} and supplier ${si}`,
          send: () => (related ? r.recordRelation(b, sup, reason) : r.clearRelation(b, sup, reason)),
          apply: (mm) => mm.relate(b, si, related),
        };
      }
      case "removeAddress":
      case "addAddress": {
        const active = op.kind === "addAddress";
        const removed = m.active.flatMap((a, i) => (a ? [] : [i]));
        const holder = active && !op.odd && removed.length > 0 ? removed[op.holder % removed.length]! : op.holder;
        const h = m.holders[holder]!;
        const r = s.registry.connect(s.governor);
        return {
          description: `${op.kind} holder ${holder}`,
          send: () => (active ? r.addAddress(h.entity, h.address, reason) : r.removeAddress(h.address, reason)),
          apply: (mm) => mm.setAddress(holder, active),
        };
      }
      case "cancelConsents":
        return {
          description: `holder ${op.holder} cancels its consents`,
          send: () => ledger.connect(s.holderSigners[op.holder]).cancelConsents(),
          apply: (mm) => mm.cancelConsents(op.holder),
        };
      case "setBudget": {
        const spec = m.programmes[op.p]!;
        const year = fiscalYear(ts) + op.yearOffset;
        const committed = year - spec.firstYear < spec.yearCount ? m.committed(op.p, year) : 0n;
        const budget = committed + BigInt(op.delta);
        return {
          description: `set P${op.p}'s budget for ${year} to ${budget}`,
          send: () => ledger.connect(s.governor).setBudget(spec.id, year, budget < 0n ? 0n : budget, encodeBytes32String(`B-${year}`)),
          apply: (mm) => mm.setBudget(op.p, year, budget < 0n ? 0n : budget),
        };
      }
      default:
        return undefined;
    }
  }

  /** The time a wait operation goes to, or undefined when it is not ahead. */
  private waitTarget(op: Extract<Op, { kind: "wait" | "waitFor" }>): bigint | undefined {
    const m = this.model;
    if (op.kind === "wait") return m.now + BigInt(op.hours) * HOUR;
    let target: bigint | undefined;
    if (op.target === "yearEnd") {
      // the start of the next fiscal year (00:00 China Standard Time), once per sequence: into the programmes' second
      const year = fiscalYear(m.now);
      if (year === m.programmes[1]!.firstYear) target = BigInt(Date.UTC(year + 1, 0, 1) / 1000) - 8n * HOUR;
    } else if (op.target === "expiry") {
      const active = m.vouchers.filter((v) => v.status === VStatus.Active);
      if (active.length > 0) target = active[op.pick % active.length]!.expiresAt;
    } else {
      const pending = m.vouchers.filter((v) => v.reissue !== undefined);
      if (pending.length > 0) target = pending[op.pick % pending.length]!.reissue!.executableAt;
    }
    if (target === undefined) return undefined;
    // The next transaction is mined one second after the wait: land it before, at, or after the boundary.
    target += BigInt(op.offset) - 1n;
    return target > m.now ? target : undefined;
  }

  async run(op: Op, label: string): Promise<void> {
    this.lastRedemptions = [];
    if (op.kind === "wait" || op.kind === "waitFor") {
      const target = this.waitTarget(op);
      if (target === undefined) return;
      const name = op.kind === "wait" ? "wait" : `waitFor ${op.target}`;
      STATS.set(name, (STATS.get(name) ?? 0) + 1);
      await time.increaseTo(target);
      this.model.now = target;
      return;
    }
    const ts = this.model.now + 1n;
    const step = await this.step(op, ts);
    if (step === undefined) return;
    const next = this.model.clone();
    let refusal: Refusal | undefined;
    try {
      step.apply(next, ts);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      refusal = error;
    }
    const stacked = refusal === undefined && [...next.invoices].some(([k, inv]) => inv.count > 1 && inv.count > (this.model.invoices.get(k)?.count ?? 0));
    const second = fiscalYear(ts) > this.model.programmes[1]!.firstYear ? " (next year)" : "";
    const name = `${op.kind}${op.kind === "redeem" ? `/${op.mode}` : ""} ${refusal?.errorName ?? (stacked ? "ok+stacked" : "ok")}${second}`;
    STATS.set(name, (STATS.get(name) ?? 0) + 1);
    const what = `${label}: ${step.description}`;
    await time.setNextBlockTimestamp(ts);
    if (refusal === undefined) {
      let receipt: ContractTransactionReceipt | null;
      try {
        receipt = await (await step.send()).wait();
      } catch (error) {
        throw new Error(`${what}: the model expects success, the chain refused: ${(error as Error).message}`, { cause: error });
      }
      if (receipt === null) throw new Error(`${what}: no receipt`);
      expect(receipt.status, what).to.equal(1);
      expect(BigInt(await time.latest()), `${what}: mined when expected`).to.equal(ts);
      this.model = next;
      this.model.now = ts;
      await this.foldEvents(receipt.logs, what, ts);
      return;
    }
    const contract = refusal.target === "ledger" ? this.s.core : this.s.registry;
    if (step.relayed === undefined) {
      await expect(step.send(), `${what}: refused with ${refusal.message}`).to.be.revertedWithCustomError(contract, refusal.errorName).withArgs(...refusal.args);
      return;
    }
    await expect(step.send(), `${what}: the forwarder refuses`).to.be.revertedWithCustomError(this.s.forwarder, "FailedCall");
    const call = ethers.provider.call({ from: this.s.forwarderAddress, to: this.s.ledgerAddress, data: ethers.concat([step.relayed.data, step.relayed.from]), blockTag: "pending" });
    await expect(call, `${what}: relayed, refused with ${refusal.message}`).to.be.revertedWithCustomError(contract, refusal.errorName).withArgs(...refusal.args);
  }

  /** Keeps, from the ledger's events alone, what was issued and returned, and what each invoice was paid. */
  private async foldEvents(logs: readonly Log[], what: string, ts: bigint): Promise<void> {
    const { s } = this;
    const transfers: { from: string; to: string; id: bigint; value: bigint }[] = [];
    const reissues: { id: bigint; from: string; to: string; approvedBy: string }[] = [];
    for (const log of logs) {
      if (log.address !== s.ledgerAddress) continue;
      let parsed;
      try {
        parsed = s.ledger.interface.parseLog(log);
      } catch {
        continue;
      }
      if (parsed === null) continue;
      const a = parsed.args;
      switch (parsed.name) {
        case "VoucherIssued":
          this.issued.set(a.id as bigint, { programme: a.programme as bigint, entity: a.entity as bigint, face: a.faceValue as bigint, year: Number(a.year), returned: 0n });
          break;
        case "VoucherRevoked":
        case "VoucherExpired":
          this.issued.get(a.id as bigint)!.returned += a.amount as bigint;
          break;
        case "VoucherRedeemed": {
          const key = await s.ledger.invoiceKey(a.supplierEntity as bigint, a.invoiceNumberHash as string);
          let inv = this.redeemed.get(key);
          if (inv === undefined) {
            inv = { total: a.invoiceTotal as bigint, computeClass: Number(a.computeClass), buyer: a.beneficiaryEntity as bigint, shares: new Map() };
            this.redeemed.set(key, inv);
          }
          expect([a.invoiceTotal, Number(a.computeClass), a.beneficiaryEntity], `${what}: a later redemption of invoice ${key} has its terms and buyer`).to.deep.equal([
            inv.total,
            inv.computeClass,
            inv.buyer,
          ]);
          const programmeId = a.programme as bigint;
          expect(inv.shares.has(programmeId), `${what}: programme ${programmeId} paid invoice ${key} twice`).to.equal(false);
          inv.shares.set(programmeId, a.amount as bigint);
          this.lastRedemptions.push({ id: a.id as bigint, programme: programmeId, supplier: a.supplier as string, supplierEntity: a.supplierEntity as bigint, buyer: a.beneficiaryEntity as bigint });
          break;
        }
        case "TransferSingle":
          transfers.push({ from: a.from as string, to: a.to as string, id: a.id as bigint, value: a.value as bigint });
          break;
        case "ReissueRequested":
          this.reissueAt.set(a.id as bigint, a.executableAt as bigint);
          break;
        case "VoucherReissued":
          reissues.push({ id: a.id as bigint, from: a.from as string, to: a.to as string, approvedBy: a.approvedBy as string });
          break;
        default:
      }
    }
    // no balance moves between holders: every transfer mints or burns; a re-issue burns from one address of a company
    // and mints the same value to another of the same company
    for (const t of transfers) {
      expect(t.from === ZeroAddress || t.to === ZeroAddress, `${what}: a transfer of voucher ${t.id} from ${t.from} to ${t.to}`).to.equal(true);
    }
    for (const r of reissues) {
      const [[from], [to]] = await Promise.all([s.registry.entityOf(r.from), s.registry.entityOf(r.to)]);
      expect(from, `${what}: voucher ${r.id} re-issued from ${r.from} to ${r.to}, of another company`).to.equal(to);
      const moved = transfers.filter((t) => t.id === r.id);
      expect(moved.map((t) => [t.from, t.to]), `${what}: the re-issue's burn and mint`).to.deep.equal([
        [r.from, ZeroAddress],
        [ZeroAddress, r.to],
      ]);
      expect(moved[0]!.value, `${what}: the re-issue moves the whole value`).to.equal(moved[1]!.value);
      // a second person's approval (the governor's), or the programme's delay since the request
      if (r.approvedBy === ZeroAddress) expect(ts, `${what}: voucher ${r.id} re-issued before its delay`).to.be.at.least(this.reissueAt.get(r.id)!);
      else expect(r.approvedBy, `${what}: voucher ${r.id} re-issued, approved by another than the governor`).to.equal(s.governor.address);
    }
  }

  /** Every rule, on chain, after a step. */
  async check(label: string): Promise<void> {
    const { s, model: m } = this;
    const ledger = s.ledger;
    // every redemption of the step: unrelated parties, an accredited supplier, a voucher not frozen
    for (const r of this.lastRedemptions) {
      const what = `${label}: redemption of voucher ${r.id}`;
      expect(r.buyer, `${what}: a company paid itself`).to.not.equal(r.supplierEntity);
      expect(await ledger.isRelated(r.buyer, r.supplierEntity), `${what}: buyer and supplier related`).to.equal(false);
      expect(await ledger.isAccredited(r.supplier, r.programme), `${what}: the supplier is not accredited`).to.equal(true);
      expect((await ledger.getVoucher(r.id)).flags & VOUCHER_FROZEN, `${what}: the voucher is frozen`).to.equal(0n);
    }
    // budgets
    await Promise.all(
      m.programmes.flatMap((spec, p) =>
        Array.from({ length: spec.yearCount }, async (_, k) => {
          const year = spec.firstYear + k;
          const period = await ledger.getPeriod(spec.id, year);
          const committed = period.issued - period.revoked - period.expired - period.clawedBack;
          const what = `${label}: P${p} in ${year}`;
          expect(committed, `${what}: committed ≤ budget`).to.be.at.most(period.budget);
          const mp = m.period(p, year);
          expect([period.budget, period.issued, period.revoked, period.expired], `${what}: the period as the model has it`).to.deep.equal([mp.budget, mp.issued, mp.revoked, mp.expired]);
        }),
      ),
    );
    // caps, from the events: per company, programme and cap period
    const committed = new Map<string, bigint>();
    const taken = new Map<string, Set<bigint>>();
    for (const v of this.issued.values()) {
      const p = m.programmes.findIndex((spec) => spec.id === v.programme);
      const spec = m.programmes[p]!;
      const key = `${v.entity}:${p}:${spec.capLifetime ? "life" : v.year}`;
      committed.set(key, (committed.get(key) ?? 0n) + v.face - v.returned);
      if (spec.capGroup !== 0) {
        const g = `${v.entity}:${spec.capGroup}`;
        if (!taken.has(g)) taken.set(g, new Set());
        taken.get(g)!.add(v.programme);
      }
    }
    for (const [key, amount] of committed) {
      const spec = m.programmes[Number(key.split(":")[1])]!;
      if (spec.capPerCompany !== 0n) expect(amount, `${label}: company:programme:period ${key}: committed ≤ cap`).to.be.at.most(spec.capPerCompany);
    }
    for (const [g, programmes] of taken) {
      const exclusive = [...programmes].some((id) => m.programmes.find((spec) => spec.id === id)!.exclusive);
      if (exclusive) expect(programmes.size, `${label}: company:group ${g}: programmes of an exclusive group ${[...programmes].join(",")}`).to.equal(1);
    }
    await Promise.all(
      s.beneficiaryEntities.flatMap((entity) =>
        m.programmes.map(async (spec, p) => {
          const t = await ledger.getTally(entity, spec.id);
          const mt = m.tally(entity, p);
          expect([t.programme, Number(t.year), t.committed], `${label}: company ${entity}'s tally in P${p}`).to.deep.equal([mt.programme, mt.year, mt.committed]);
        }),
      ),
    );
    // invoices, from the events: each programme within its ratio, all within the smallest combined share
    const category = new Map(m.holders.map((h) => [h.entity, h.category]));
    for (const [key, inv] of this.redeemed) {
      const what = `${label}: invoice ${key}`;
      let sum = 0n;
      let share = 10_000;
      for (const [id, amount] of inv.shares) {
        const spec = m.programmes.find((x) => x.id === id)!;
        const bps = spec.ratios.get(inv.computeClass)?.get(category.get(inv.buyer)!) ?? 0;
        expect(amount * 10_000n, `${what}: programme ${id} within its ratio (${bps} bps)`).to.be.at.most(inv.total * BigInt(bps));
        sum += amount;
        share = Math.min(share, spec.maxCombinedBps);
      }
      if (inv.shares.size > 1) {
        expect(share, `${what}: paid by several programmes, one of them not stackable`).to.be.greaterThan(0);
        expect(sum * 10_000n, `${what}: within the smallest combined share (${share} bps)`).to.be.at.most(inv.total * BigInt(share));
      }
      const record = await ledger.getInvoice(key);
      expect([record.subsidised, Number(record.count), record.beneficiaryEntity], `${what}: as its redemptions add up`).to.deep.equal([sum, inv.shares.size, inv.buyer]);
    }
    // balances: each voucher's is its holder's and no one else's; outstanding is their sum
    const vouchers = m.vouchers;
    if (vouchers.length > 0) {
      const accounts = vouchers.flatMap(() => m.holders.map((h) => h.address));
      const ids = vouchers.flatMap((v) => m.holders.map(() => v.id));
      const balances = await ledger.balanceOfBatch(accounts, ids);
      const expected = vouchers.flatMap((v) => m.holders.map((_, i) => (i === v.holder ? v.remaining : 0n)));
      expect(balances, `${label}: every voucher's balance, its holder's alone`).to.deep.equal(expected);
    }
    await Promise.all(
      m.programmes.map(async (spec, p) => {
        const t = await ledger.programmeTotals(spec.id);
        const outstanding = vouchers.filter((v) => v.p === p).reduce((a, v) => a + v.remaining, 0n);
        expect(t.outstanding, `${label}: P${p}: outstanding = the sum of its balances`).to.equal(outstanding);
        expect(t.issued, `${label}: P${p}: issued = redeemed + revoked + expired + outstanding`).to.equal(t.redeemedBySuppliers + t.revoked + t.expired + t.outstanding);
      }),
    );
  }
}

/** At the end of a sequence: every voucher as the model has it. */
async function checkRecords(r: Runner, label: string): Promise<void> {
  const { s, model: m } = r;
  for (const v of m.vouchers) {
    const got = await s.ledger.getVoucher(v.id);
    expect([got.holder, got.remaining, got.status, got.flags & VOUCHER_FROZEN, (got.flags & 2n) !== 0n], `${label}: voucher ${v.id}`).to.deep.equal([
      m.holders[v.holder]!.address,
      v.remaining,
      BigInt(v.status),
      v.frozen ? VOUCHER_FROZEN : 0n,
      v.reissue !== undefined,
    ]);
  }
}

describe("VoucherLedger: part 1's rules over random sequences", function () {
  itRunsSequences({
    ops: opArb,
    steps: STEPS,
    runs: RUNS,
    start: async () => new Runner(await networkHelpers.loadFixture(scenario), await now(ethers)),
    end: checkRecords,
    stats: STATS,
  });
});
