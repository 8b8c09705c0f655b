import { expect } from "chai";
import { parse as parseCsv } from "csv-parse/sync";
import { encodeBytes32String, id as keccakText } from "ethers";

import { invoiceNumberHash } from "../../../service/domain/identity.js";
import { CATEGORY, CLASS, CNY, DAY, invoiceNumber, issueVoucher, signedClaim, signedConsent, submitClaim } from "../../helpers/scheme-fixture.js";
import { deployTestLedgerV2, mirrorEnvV2, type TestLedgerV2 } from "../helpers/ledger-v2.js";
import { backends, newDatabase } from "../helpers/mirror.js";
import { type LocalNode, rpcCall, startNode } from "../helpers/node.js";
import { API_TEST_ENV, type ApiFixture, startApiFixtureOn, tokenFor } from "./helpers.js";

const cny = (fen: bigint) => `${fen < 0n ? "-" : ""}${(fen < 0n ? -fen : fen) / 100n}.${((fen < 0n ? -fen : fen) % 100n).toString().padStart(2, "0")}`;
const hours = (centihours: bigint) => `${centihours / 100n}.${(centihours % 100n).toString().padStart(2, "0")}`;
/** Unix seconds of an instant written with its offset. */
const at = (iso: string) => Date.parse(iso) / 1000;
type Item = Record<string, any>;

/** What the test did, as it did it: the model the API's figures are checked against. */
interface Flow { programme: number; at: number; kind: "redemption" | "claim" | "clawback"; amount: bigint; payee: number; supplier: number;
  beneficiary: number; cls: number; category: number; gpu: bigint; invoiced: bigint; tx: string; year?: number }
interface Entry { programme: number; payee: number; at: number; amount: bigint; tx: string }
interface Issue { programme: number; year: number; face: bigint; entity: number; at: number }
interface Returned { programme: number; year: number; amount: bigint; at: number }

const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
const between = (x: { at: number }, from: number, to: number) => x.at >= from && x.at < to;

describe("audit API: ledger v2's reports, statements, alerts and public disclosure", function () {
  let node: LocalNode;
  let t: TestLedgerV2;
  const fixtures: { backend: string; fx: ApiFixture; governor: string; issuer: string; supplier: string; other: string; holder: string }[] = [];
  const flows: Flow[] = [];
  const book: Entry[] = [];
  const issues: Issue[] = [];
  const returned: Returned[] = [];
  const budgets = new Map<string, bigint>();
  let P1 = 0;
  let P2 = 0;
  let supplier = 0;
  let otherSupplier = 0;
  let startup = 0;
  let company = 0;
  let v1 = 0n;
  let vb = 0n;
  let vCap2 = 0n;
  let pendingClaim = 0n;

  const setTime = (seconds: number) => rpcCall(node.url, "evm_setNextBlockTimestamp", [seconds]);
  const latest = async () => (await t.f.ethers.provider.getBlock("latest"))!;
  async function send(tx: Promise<{ wait: () => Promise<unknown> }>): Promise<{ at: number; hash: string }> {
    const receipt = (await (await tx).wait()) as { blockNumber: number; hash: string };
    return { at: (await t.f.ethers.provider.getBlock(receipt.blockNumber))!.timestamp, hash: receipt.hash };
  }
  async function syncAll() {
    for (const f of fixtures) await f.fx.sync();
  }
  async function alerts(f: (typeof fixtures)[number], token = f.governor): Promise<Item[]> {
    const res = await f.fx.client.get("/v2/alerts", token);
    expect(res.status, res.text).to.equal(200);
    return res.json.alerts;
  }
  const kinds = (list: Item[], kind: string) => list.filter((a) => a.kind === kind);

  async function redeem(by: "supplier" | "otherSupplier", amount: bigint, invoice: number, gpu: bigint, when?: number) {
    const f = t.f;
    const signer = by === "supplier" ? f.supplier : f.otherSupplier;
    const deadline = BigInt(when ?? (await latest()).timestamp) + DAY;
    const { consent, signature } = await signedConsent(f, v1, amount, invoice, { supplier: signer.address, gpuCentihours: gpu, deadline });
    if (when !== undefined) await setTime(when);
    const r = await send(f.ledger.connect(signer).redeem(consent, signature));
    const s = by === "supplier" ? supplier : otherSupplier;
    flows.push({ programme: P1, at: r.at, kind: "redemption", amount, payee: s, supplier: s, beneficiary: startup, cls: CLASS.DOMESTIC,
      category: CATEGORY.STARTUP, gpu, invoiced: BigInt(consent.invoiceTotal), tx: r.hash });
    return r;
  }
  async function pay(programme: number, payee: number, amount: bigint, ref: string) {
    const r = await send(t.f.payments.connect(t.f.finance).recordPayment(programme, payee, 2026, amount, keccakText(ref)));
    book.push({ programme, payee, at: r.at, amount, tx: r.hash });
  }

  before(async function () {
    node = await startNode("hardhat");
    // The chain's clock at 2026-12-09 10:00 in Shanghai: the programmes' first fiscal year is 2026.
    await rpcCall(node.url, "evm_setNextBlockTimestamp", [at("2026-12-09T10:00:00+08:00")]);
    await rpcCall(node.url, "evm_mine");
    t = await deployTestLedgerV2(node.url);
    const f = t.f;
    [P1, P2] = [Number(f.programme), Number(t.buyerProgramme)];
    [supplier, otherSupplier, startup, company] = [f.entities.supplier, f.entities.otherSupplier, f.entities.startup, f.entities.company].map(Number) as [number, number, number, number];
    for (const p of [P1, P2]) for (const y of [2026, 2027, 2028]) budgets.set(`${p}/${y}`, 250_000_000n * CNY);
    expect(f.year).to.equal(2026);

    const issue = async (programme: number, ref: string, face: bigint, holder: string, entity: number, expiresAt = 0n) => {
      const id = await issueVoucher(f, ref, face, holder, expiresAt, BigInt(programme));
      issues.push({ programme, year: 2026, face, entity, at: (await latest()).timestamp });
      return id;
    };
    v1 = await issue(P1, "R-1", 1_000_000n * CNY, f.holder.address, startup);
    await issue(P1, "R-CAP", 7_100_000n * CNY, f.otherHolder.address, company);
    const now = BigInt((await latest()).timestamp);
    await issue(P1, "R-EXP", 10_000n * CNY, f.holder.address, startup, now + 40n * DAY);
    vb = await issue(P2, "B-1", 500_000n * CNY, f.holder.address, startup);
    // The other supplier, accredited for 45 days.
    await (await f.registry.connect(f.governor).accredit(otherSupplier, P1, now, now + 45n * DAY, 0b11)).wait();

    for (const backend of backends()) {
      const db = await newDatabase(backend);
      const fx = await startApiFixtureOn(mirrorEnvV2(node.url, t, db, API_TEST_ENV), db, backend);
      fixtures.push({
        backend, fx, governor: await tokenFor(fx.client, f.governor), issuer: await tokenFor(fx.client, f.issuer),
        supplier: await tokenFor(fx.client, f.supplier), other: await tokenFor(fx.client, f.otherSupplier), holder: await tokenFor(fx.client, f.holder),
      });
    }
  });

  after(async function () {
    for (const f of fixtures) await f.fx.close();
    await t?.connection.close();
    await node?.stop();
  });

  it("raises a cap alert at 90% of a company's cap and drops it when a revocation takes the company below", async function () {
    const f = t.f;
    for (const x of fixtures) expect(kinds(await alerts(x), "capUse"), x.backend).to.deep.equal([]);
    // 7.1m + 0.1m of 8m: exactly 90%.
    vCap2 = await issueVoucher(f, "R-CAP-2", 100_000n * CNY, f.otherHolder.address);
    issues.push({ programme: P1, year: 2026, face: 100_000n * CNY, entity: company, at: (await latest()).timestamp });
    await syncAll();
    for (const x of fixtures) {
      expect(kinds(await alerts(x), "capUse"), x.backend).to.deep.equal([{
        kind: "capUse", programme: P1, company, value: "90.00", threshold: "90", at: null, records: [{ type: "cap", id: `${P1}/${company}/2026` }],
      }]);
      const caps = (await x.fx.client.get(`/v2/reports/caps?programme=${P1}&minPercent=90`, x.governor)).json.items;
      const tally = await f.ledger.getTally(company, P1);
      // companyIdentity: null, as the identity registry holds no name in this test.
      expect(caps).to.deep.equal([{ programme: P1, company, companyIdentity: null, year: 2026, used: cny(tally.committed), cap: "8000000.00", left: "800000.00", usePercent: "90.00" }]);
      // The company itself sees its own cap, and the alert about it; another company sees neither.
      expect(kinds(await alerts(x, x.holder), "capUse")).to.deep.equal([]);
      expect((await x.fx.client.get(`/v2/reports/caps?company=${company}`, x.holder)).status).to.equal(403);
    }
    const r = await send(f.ledger.connect(f.issuer).revoke(vCap2, encodeBytes32String("withdrawn")));
    returned.push({ programme: P1, year: 2026, amount: 100_000n * CNY, at: r.at });
    await syncAll();
    for (const x of fixtures) {
      expect(kinds(await alerts(x), "capUse"), x.backend).to.deep.equal([]);
      const caps = (await x.fx.client.all(`/v2/reports/caps?programme=${P1}`, x.governor, 1)) as Item[];
      expect(caps.map((c) => [c.company, c.used, c.usePercent])).to.deep.equal([[startup, "1010000.00", "12.63"], [company, "7100000.00", "88.75"]]);
    }
  });

  it("raises a budget alert at 90% of the year's budget, and not a fen below", async function () {
    const f = t.f;
    const committed = sum(issues.filter((i) => i.programme === P1).map((i) => i.face)) - sum(returned.map((r) => r.amount));
    expect(committed).to.equal(811_000_000n);
    const setBudget = async (fen: bigint) => {
      await (await f.ledger.connect(f.governor).setBudget(P1, 2026, fen, encodeBytes32String("HZ-2026-AI"))).wait();
      budgets.set(`${P1}/2026`, fen);
      await syncAll();
    };
    // committed * 100 = 81,100,000,000 fen: 90% of 901,111,112 is 80 fen more, of 901,111,111 10 fen less.
    await setBudget(901_111_112n);
    for (const x of fixtures) expect(kinds(await alerts(x), "budgetUse"), x.backend).to.deep.equal([]);
    await setBudget(901_111_111n);
    for (const x of fixtures) {
      expect(kinds(await alerts(x), "budgetUse"), x.backend).to.deep.equal([{
        kind: "budgetUse", programme: P1, company: null, value: "90.00", threshold: "90", at: null, records: [{ type: "period", id: `${P1}/2026` }],
      }]);
      expect(kinds(await alerts(x, x.supplier), "budgetUse")).to.deep.equal([]);
    }
    await setBudget(10_000_000n * CNY);
    for (const x of fixtures) expect(kinds(await alerts(x), "budgetUse"), x.backend).to.deep.equal([]);
  });

  it("shows suspended suppliers until they are reinstated", async function () {
    const f = t.f;
    await (await f.registry.connect(f.guardian).suspend(supplier, P2, encodeBytes32String("audit"))).wait();
    await syncAll();
    for (const x of fixtures) {
      expect(kinds(await alerts(x), "supplierSuspended")).to.deep.equal([{
        kind: "supplierSuspended", programme: P2, company: supplier, value: null, threshold: null, at: null,
        records: [{ type: "accreditation", id: `${supplier}/${P2}` }],
      }]);
      expect(kinds(await alerts(x, x.other), "supplierSuspended")).to.deep.equal([]);
    }
    await (await f.registry.connect(f.governor).reinstate(supplier, P2, encodeBytes32String("audited"))).wait();
    await syncAll();
    for (const x of fixtures) expect(kinds(await alerts(x), "supplierSuspended")).to.deep.equal([]);
  });

  it("returns to the budget what a claim rejected after its voucher was revoked held, at the rejection", async function () {
    const f = t.f;
    const id = await issueVoucher(f, "B-2", 100_000n * CNY, f.holder.address, 0n, BigInt(P2));
    issues.push({ programme: P2, year: 2026, face: 100_000n * CNY, entity: startup, at: (await latest()).timestamp });
    const held = await signedClaim(f, id, 40_000n * CNY, 30);
    const claimId = await submitClaim(f, held.claim, held.signature);
    const revoked = await send(f.ledger.connect(f.issuer).revoke(id, encodeBytes32String("withdrawn")));
    returned.push({ programme: P2, year: 2026, amount: 60_000n * CNY, at: revoked.at });
    const rejected = await send(f.ledger.connect(f.issuer).rejectClaim(claimId, encodeBytes32String("no-proof")));
    returned.push({ programme: P2, year: 2026, amount: 40_000n * CNY, at: rejected.at });
    await syncAll();
    const period = await f.ledger.getPeriod(P2, 2026);
    const committed = period.issued - period.revoked - period.expired - period.clawedBack;
    expect(committed).to.equal(500_000n * CNY);
    for (const x of fixtures) {
      const res = await x.fx.client.get(`/v2/programmes/${P2}/report?period=month&from=2026-12-01&to=2026-12-31`, x.governor);
      expect(res.json.periods.map((p: Item) => p.committed), x.backend).to.deep.equal([cny(committed)]);
    }
  });

  it("counts an event at 23:59 on 31 December (Shanghai) in December, and one at midnight in January of the next year", async function () {
    for (const x of fixtures) expect(kinds(await alerts(x), "voucherExpiring")).to.deep.equal([]);
    await redeem("supplier", 30_000n * CNY, 1, 72_000n, at("2026-12-31T23:59:00+08:00"));
    await pay(P1, supplier, 25_000n * CNY, "transfer:1");
    await syncAll();
    // 22 days on: the voucher expiring on day 40 is within 30 days now, the accreditation ending on day 45 too.
    for (const x of fixtures) {
      const list = await alerts(x);
      expect(kinds(list, "voucherExpiring").map((a) => a.company)).to.deep.equal([startup]);
      expect(kinds(list, "accreditationEnding").map((a) => a.records[0].id)).to.deep.equal([`${otherSupplier}/${P1}`]);
      // One supplier has redeemed: no peers, no price alert.
      expect(kinds(list, "priceOutlier")).to.deep.equal([]);
    }
    await redeem("otherSupplier", 20_000n * CNY, 2, 10_000n, at("2027-01-01T00:00:00+08:00"));
    await syncAll();
    for (const x of fixtures) {
      const prices = kinds(await alerts(x), "priceOutlier");
      // 100,000 over 720 h against 66,667 over 100 h: each far from the other.
      expect(prices.map((a) => [a.company, a.value, a.threshold])).to.deep.equal([[supplier, "138.89", "666.67"], [otherSupplier, "666.67", "138.89"]]);
    }
    // More hours at the other supplier bring its price within 50% of its peer's: the alerts go.
    await redeem("otherSupplier", 30_000n * CNY, 3, 128_900n);
    await syncAll();
    for (const x of fixtures) expect(kinds(await alerts(x), "priceOutlier"), x.backend).to.deep.equal([]);
  });

  it("raises an alert for a claim left past its review window, gone once it is settled", async function () {
    const f = t.f;
    const approved = await signedClaim(f, vb, 300_000n * CNY, 20);
    const approvedId = await submitClaim(f, approved.claim, approved.signature);
    const a = await send(f.ledger.connect(f.issuer).approveClaim(approvedId));
    flows.push({ programme: P2, at: a.at, kind: "claim", amount: 300_000n * CNY, payee: startup, supplier, beneficiary: startup, cls: CLASS.DOMESTIC,
      category: CATEGORY.STARTUP, gpu: 72_000n, invoiced: BigInt(approved.claim.attestation.invoiceTotal), tx: a.hash });
    const pending = await signedClaim(f, vb, 50_000n * CNY, 21);
    pendingClaim = await submitClaim(f, pending.claim, pending.signature);
    await pay(P2, startup, 300_000n * CNY, "transfer:2");
    const k = await send(f.ledger.connect(f.governor).clawBackRedemption(v1, supplier, invoiceNumberHash(invoiceNumber(1)), 5_000n * CNY, encodeBytes32String("red-letter")));
    flows.push({ programme: P1, at: k.at, kind: "clawback", amount: -5_000n * CNY, payee: supplier, supplier, beneficiary: startup, cls: CLASS.DOMESTIC,
      category: CATEGORY.STARTUP, gpu: 0n, invoiced: 0n, tx: k.hash, year: 2026 });
    await syncAll();
    for (const x of fixtures) expect(kinds(await alerts(x), "claimOverdue")).to.deep.equal([]);
    // Eight days on (the window is seven).
    await setTime((await latest()).timestamp + 8 * 86_400);
    await rpcCall(node.url, "evm_mine");
    await syncAll();
    const claim = await f.ledger.getClaim(pendingClaim);
    for (const x of fixtures) {
      expect(kinds(await alerts(x), "claimOverdue")).to.deep.equal([{
        kind: "claimOverdue", programme: P2, company: startup, value: null, threshold: null, at: new Date((Number(claim.submittedAt) + 7 * 86_400) * 1000).toISOString(),
        records: [{ type: "claim", id: String(pendingClaim) }],
      }]);
      // The issuer of both programmes sees it too.
      expect(kinds(await alerts(x, x.issuer), "claimOverdue")).to.have.length(1);
    }
    // Settled by the programme's rule (it lapses: lapseApproves is false).
    await (await f.ledger.connect(f.stranger).settleClaim(pendingClaim)).wait();
    await syncAll();
    for (const x of fixtures) expect(kinds(await alerts(x), "claimOverdue")).to.deep.equal([]);
  });

  it("reports a programme per month, quarter and fiscal year as the model of the transactions says", async function () {
    const bounds: Record<string, [string, string, number, number]> = {
      "2026-12": ["2026-12-01", "2026-12-31", at("2026-12-01T00:00:00+08:00"), at("2027-01-01T00:00:00+08:00")],
      "2027-01": ["2027-01-01", "2027-01-31", at("2027-01-01T00:00:00+08:00"), at("2027-02-01T00:00:00+08:00")],
      "2026-Q4": ["2026-10-01", "2026-12-31", at("2026-10-01T00:00:00+08:00"), at("2027-01-01T00:00:00+08:00")],
      "2027-Q1": ["2027-01-01", "2027-03-31", at("2027-01-01T00:00:00+08:00"), at("2027-04-01T00:00:00+08:00")],
      "2026": ["2026-01-01", "2026-12-31", at("2026-01-01T00:00:00+08:00"), at("2027-01-01T00:00:00+08:00")],
      "2027": ["2027-01-01", "2027-12-31", at("2027-01-01T00:00:00+08:00"), at("2028-01-01T00:00:00+08:00")],
    };
    const expected = (programme: number, label: string) => {
      const [firstDay, lastDay, start, end] = bounds[label]!;
      const year = Number(label.slice(0, 4));
      const f = flows.filter((x) => x.programme === programme && between(x, start, end));
      const budget = budgets.get(`${programme}/${year}`)!;
      const committed = sum(issues.filter((i) => i.programme === programme && i.year === year && i.at < end).map((i) => i.face))
        - sum(returned.filter((r) => r.programme === programme && r.year === year && r.at < end).map((r) => r.amount))
        - sum(flows.filter((x) => x.programme === programme && x.kind === "clawback" && x.year === year && x.at < end).map((x) => -x.amount));
      const of = (kind: Flow["kind"]) => sum(f.filter((x) => x.kind === kind).map((x) => x.amount));
      const groups = <K extends string | number>(key: (x: Flow) => K) => [...new Set(f.map(key))].sort((a, b) => Number(a) - Number(b));
      const payees = [...new Set([...flows, ...book].filter((x) => x.programme === programme && x.at < end).map((x) => x.payee))].sort((a, b) => a - b);
      const per = (g: bigint, h: bigint) => (h === 0n ? null : cny((g * 100n * 2n + h) / (2n * h)));
      return {
        period: label, fiscalYear: year, firstDay, lastDay, start: new Date(start * 1000).toISOString(), end: new Date(end * 1000).toISOString(),
        budget: cny(budget), committed: cny(committed),
        usePercent: budget === 0n ? null : cny(((committed * 1_000_000n) / budget + 50n) / 100n),
        redeemedBySuppliers: cny(of("redemption")), claimedByBuyers: cny(of("claim")), clawedBack: cny(-of("clawback")),
        subsidy: cny(sum(f.map((x) => x.amount))), gpuHours: hours(sum(f.map((x) => x.gpu))),
        byClass: groups((x) => `${x.cls}/${x.category}`).map((k) => {
          const xs = f.filter((x) => `${x.cls}/${x.category}` === k);
          return { computeClass: xs[0]!.cls, category: xs[0]!.category, subsidy: cny(sum(xs.map((x) => x.amount))), gpuHours: hours(sum(xs.map((x) => x.gpu))) };
        }),
        bySupplier: groups((x) => x.supplier).map((s) => {
          const xs = f.filter((x) => x.supplier === s);
          const [sub, inv, gpu] = [sum(xs.map((x) => x.amount)), sum(xs.map((x) => x.invoiced)), sum(xs.map((x) => x.gpu))];
          return { company: s, subsidy: cny(sub), invoiced: cny(inv), gpuHours: hours(gpu), subsidyPerGpuHour: per(sub, gpu), pricePerGpuHour: per(inv, gpu) };
        }),
        payees: payees.map((p) => {
          const earnedBefore = sum(flows.filter((x) => x.programme === programme && x.payee === p && x.at < end).map((x) => x.amount));
          const paidBefore = sum(book.filter((x) => x.programme === programme && x.payee === p && x.at < end).map((x) => x.amount));
          return {
            company: p,
            earned: cny(sum(f.filter((x) => x.payee === p).map((x) => x.amount))),
            paid: cny(sum(book.filter((x) => x.programme === programme && x.payee === p && between(x, start, end)).map((x) => x.amount))),
            payable: cny(earnedBefore - paidBefore),
          };
        }),
      };
    };
    for (const x of fixtures) {
      for (const [period, labels] of [["month", ["2026-12", "2027-01"]], ["quarter", ["2026-Q4", "2027-Q1"]], ["year", ["2026", "2027"]]] as const) {
        for (const programme of [P1, P2]) {
          const res = await x.fx.client.get(`/v2/programmes/${programme}/report?period=${period}&from=2026-12-01&to=2027-01-31`, x.issuer);
          expect(res.status, res.text).to.equal(200);
          expect(res.json.periods, `${x.backend} ${programme} ${period}`).to.deep.equal(labels.map((l) => expected(programme, l)));
        }
      }
      // The redemption at 23:59 is December's, the one at midnight January's.
      const months = (await x.fx.client.get(`/v2/programmes/${P1}/report?period=month&from=2026-12-01&to=2027-01-31`, x.governor)).json.periods as Item[];
      expect(months.map((m) => m.redeemedBySuppliers)).to.deep.equal(["30000.00", "50000.00"]);
      // The year's committed, now, is the chain's.
      const period = await t.f.ledger.getPeriod(P1, 2026);
      const report = (await x.fx.client.get("/v2/reports/programmes?year=2026", x.governor)).json;
      const row = report.programmes.find((p: Item) => p.programme === P1);
      expect(row.committed).to.equal(cny(period.issued - period.revoked - period.expired - period.clawedBack));
      expect(row.budget).to.equal(cny(period.budget));
      // A company may not read reports; an issuer may not read another's programme.
      expect((await x.fx.client.get(`/v2/programmes/${P1}/report`, x.supplier)).status).to.equal(404);
      expect((await x.fx.client.get("/v2/reports/programmes", x.supplier)).status).to.equal(403);
      expect((await x.fx.client.get(`/v2/programmes/${P1}/report?period=month&from=2027-01-01&to=2026-12-01`, x.governor)).status).to.equal(400);
    }
  });

  it("reports every programme for a fiscal year with a totals row", async function () {
    for (const x of fixtures) {
      for (const year of [2026, 2027]) {
        const [start, end] = [at(`${year}-01-01T00:00:00+08:00`), at(`${year + 1}-01-01T00:00:00+08:00`)];
        const res = await x.fx.client.get(`/v2/reports/programmes?year=${year}`, x.governor);
        expect(res.status, res.text).to.equal(200);
        const rows = [P1, P2].map((p) => {
          const period = { budget: budgets.get(`${p}/${year}`)!, committed: year === 2026
            ? sum(issues.filter((i) => i.programme === p).map((i) => i.face)) - sum(returned.filter((r) => r.programme === p).map((r) => r.amount))
              - sum(flows.filter((f) => f.programme === p && f.kind === "clawback").map((f) => -f.amount))
            : 0n };
          const earned = sum(flows.filter((f) => f.programme === p).map((f) => f.amount));
          const paid = sum(book.filter((b) => b.programme === p).map((b) => b.amount));
          const f = flows.filter((x) => x.programme === p && between(x, start, end));
          return { ...period, subsidy: sum(f.map((x) => x.amount)), gpu: sum(f.map((x) => x.gpu)), earned, paid };
        });
        expect(res.json.programmes.map((r: Item) => [r.programme, r.budget, r.committed, r.subsidy, r.gpuHours, r.earned, r.paid, r.payable]))
          .to.deep.equal(rows.map((r, i) => [[P1, P2][i], cny(r.budget), cny(r.committed), cny(r.subsidy), hours(r.gpu), cny(r.earned), cny(r.paid), cny(r.earned - r.paid)]));
        const total = (k: "budget" | "committed" | "subsidy" | "earned" | "paid") => cny(sum(rows.map((r) => r[k])));
        expect(res.json.totals).to.include({ budget: total("budget"), committed: total("committed"), subsidy: total("subsidy"), earned: total("earned"), paid: total("paid") });
      }
    }
  });

  it("gives a supplier its statement with the records behind each line, checkable against the chain, and only its own", async function () {
    const f = t.f;
    for (const x of fixtures) {
      const res = await x.fx.client.get(`/v2/statements/suppliers/${supplier}?from=2026-12-01&to=2027-01-31`, x.supplier);
      expect(res.status, res.text).to.equal(200);
      const mine = flows.filter((l) => l.payee === supplier && l.kind !== "claim");
      const paid = book.filter((b) => b.payee === supplier);
      expect(res.json.lines.map((l: Item) => [l.kind, l.transactionHash, l.amount])).to.deep.equal([
        ...mine.map((l) => [l.kind, l.tx, cny(l.amount), l.at] as const),
        ...paid.map((b) => ["payment", b.tx, cny(-b.amount), b.at] as const),
      ].sort((a, b) => a[3] - b[3]).map(([k, tx, amount]) => [k, tx, amount]));
      const payable = (await f.payments.payableTo(P1, supplier)) - (await f.payments.receivable(P1, supplier));
      expect(res.json.totals).to.deep.equal([{
        programme: P1, opening: "0.00", earned: cny(sum(mine.map((l) => l.amount))), paid: cny(sum(paid.map((b) => b.amount))), payable: cny(payable),
      }]);
      // A redemption's line names its voucher and invoice; the chain's invoice is the one paid.
      const first = res.json.lines[0];
      expect(first).to.include({ voucherId: String(v1), programme: P1 });
      expect((await f.ledger.getInvoice(first.invoiceKey)).total).to.equal(flows[0]!.invoiced);
      // The statement for January alone opens with December's payable.
      const january = (await x.fx.client.get(`/v2/statements/suppliers/${supplier}?from=2027-01-01&to=2027-01-31`, x.supplier)).json;
      expect(january.totals[0].opening).to.equal(cny(30_000n * CNY - 25_000n * CNY));
      // CSV: the same lines.
      const csv = await x.fx.client.get(`/v2/statements/suppliers/${supplier}?from=2026-12-01&to=2027-01-31&format=csv`, x.supplier);
      const rows: Item[] = parseCsv(csv.text.replace(/^\uFEFF/, ""), { columns: true });
      expect(rows.map((r) => r.transactionHash)).to.deep.equal(res.json.lines.map((l: Item) => l.transactionHash));
      // Another supplier's statement is refused; a buyer's statement lists its approved claim.
      expect((await x.fx.client.get(`/v2/statements/suppliers/${otherSupplier}`, x.supplier)).status).to.equal(403);
      expect((await x.fx.client.get(`/v2/statements/beneficiaries/${startup}`, x.supplier)).status).to.equal(403);
      const buyer = (await x.fx.client.get(`/v2/statements/beneficiaries/${startup}?from=2027-01-01&to=2027-12-31`, x.holder)).json;
      expect(buyer.lines.map((l: Item) => [l.kind, l.amount])).to.deep.equal([["claim", "300000.00"], ["payment", "-300000.00"]]);
      expect(buyer.lines[0].claimId).to.be.a("string");
      expect(buyer.totals).to.deep.equal([{ programme: P2, opening: "0.00", earned: "300000.00", paid: "300000.00", payable: "0.00" }]);
    }
  });

  it("pages a statement's lines and the published list by keyset: small pages give the one page's records, a tampered cursor is refused", async function () {
    const statements = [
      { path: `/v2/statements/suppliers/${supplier}?from=2026-12-01&to=2027-12-31`, token: "supplier" as const },
      { path: `/v2/statements/beneficiaries/${startup}?from=2026-12-01&to=2027-12-31`, token: "holder" as const },
    ];
    for (const x of fixtures) {
      for (const { path, token } of statements) {
        const whole = (await x.fx.client.get(path, x[token])).json;
        expect(whole.nextCursor, path).to.equal(null);
        expect(whole.lines.length, path).to.be.greaterThan(1);
        let cursor: string | null = null;
        const lines: Item[] = [];
        do {
          const res = await x.fx.client.get(`${path}&limit=1${cursor === null ? "" : `&cursor=${cursor}`}`, x[token]);
          expect(res.status, res.text).to.equal(200);
          expect(res.json.lines, path).to.have.length(1);
          // Every page carries the period's totals, as the one page does.
          expect(res.json.totals, path).to.deep.equal(whole.totals);
          lines.push(...res.json.lines);
          cursor = res.json.nextCursor;
        } while (cursor !== null);
        expect(lines, `${x.backend} ${path}`).to.deep.equal(whole.lines);
        // CSV: every line, in order.
        const csv = await x.fx.client.get(`${path}&limit=1&format=csv`, x[token]);
        const rows: Item[] = parseCsv(csv.text.replace(/^\uFEFF/, ""), { columns: true });
        expect(rows.map((r) => r.transactionHash)).to.deep.equal(whole.lines.map((l: Item) => l.transactionHash));
      }
      // A cursor changed by hand, or one of another list, is refused, and nothing is answered.
      const [supplierPath] = statements;
      const first = (await x.fx.client.get(`${supplierPath!.path}&limit=1`, x.supplier)).json;
      const [list, key] = JSON.parse(Buffer.from(first.nextCursor, "base64url").toString()) as [string, unknown[]];
      const tampered = [
        Buffer.from(JSON.stringify([list, [key[0], "x", key[2]]])).toString("base64url"),
        Buffer.from(JSON.stringify(["getBeneficiaryStatement", key])).toString("base64url"),
        `${first.nextCursor}x`,
      ];
      for (const cursor of tampered) {
        const res = await x.fx.client.get(`${supplierPath!.path}&limit=1&cursor=${cursor}`, x.supplier);
        expect([res.status, res.json.code], cursor).to.deep.equal([400, "INVALID_CURSOR"]);
      }
      const other = (await x.fx.client.get(`/v2/statements/beneficiaries/${startup}?limit=1&cursor=${first.nextCursor}`, x.holder));
      expect([other.status, other.json.code]).to.deep.equal([400, "INVALID_CURSOR"]);

      // The published list: pages of one company give the one page's list; CSV gives it whole.
      const disclosure = `/public/v2/programmes/${P1}/disclosure?year=2026`;
      const whole = (await x.fx.client.get(disclosure)).json;
      expect(whole.items.length).to.be.greaterThan(1);
      const items: Item[] = [];
      let cursor: string | null = null;
      do {
        const res = await x.fx.client.get(`${disclosure}&limit=1${cursor === null ? "" : `&cursor=${cursor}`}`);
        expect(res.json.totals).to.deep.equal(whole.totals);
        items.push(...res.json.items);
        cursor = res.json.nextCursor;
      } while (cursor !== null);
      expect(items, x.backend).to.deep.equal(whole.items);
      const csv = await x.fx.client.get(`${disclosure}&limit=1&format=csv`);
      expect(csv.status, csv.text).to.equal(200);
      const rows: Item[] = parseCsv(csv.text.replace(/^\uFEFF/, ""), { columns: true });
      expect(rows.map((r) => [Number(r["company.id"]), r.committed, r.subsidy])).to.deep.equal(whole.items.map((i: Item) => [i.company.id, i.committed, i.subsidy]));
      const bad = await x.fx.client.get(`${disclosure}&cursor=${Buffer.from(JSON.stringify(["getPublicDisclosure", ["1"]])).toString("base64url")}`);
      expect([bad.status, bad.json.code]).to.deep.equal([400, "INVALID_CURSOR"]);
      expect((await x.fx.client.get(`/public/v2/programmes/99/disclosure?format=csv`)).status).to.equal(404);
    }
  });

  it("lets anyone read the public disclosure without a token, and nothing that is not public", async function () {
    for (const x of fixtures) {
      const list = await x.fx.client.get("/public/v2/programmes");
      expect(list.status, list.text).to.equal(200);
      expect(list.json.items.map((p: Item) => p.id)).to.deep.equal([P1, P2]);
      for (const year of [2026, 2027]) {
        const [start, end] = [at(`${year}-01-01T00:00:00+08:00`), at(`${year + 1}-01-01T00:00:00+08:00`)];
        const res = await x.fx.client.get(`/public/v2/programmes/${P1}/disclosure?year=${year}`);
        expect(res.status, res.text).to.equal(200);
        const subsidyOf = (entity: number) => sum(flows.filter((f) => f.programme === P1 && f.beneficiary === entity && between(f, start, end)).map((f) => f.amount));
        const committedOf = (entity: number) => year === 2026
          ? sum(issues.filter((i) => i.programme === P1 && i.entity === entity).map((i) => i.face)) - (entity === company ? 100_000n * CNY : 0n)
          : 0n;
        const expected = [startup, company]
          .filter((e) => committedOf(e) > 0n || subsidyOf(e) !== 0n)
          .map((e) => ({ committed: cny(committedOf(e)), subsidy: cny(subsidyOf(e)), id: e, name: null }));
        expect(res.json.items.map((i: Item) => ({ committed: i.committed, subsidy: i.subsidy, id: i.company.id, name: i.company.name }))).to.deep.equal(expected);
        expect(res.json.totals.companies).to.equal(expected.length);
        // No address, no supplier, no invoice, no payment in the answer.
        expect(res.text).to.not.match(/0x[0-9a-fA-F]{40}(?![0-9a-fA-F])/);
        expect(Object.keys(res.json.items[0] ?? { company: 0, committed: 0, subsidy: 0 }).sort()).to.deep.equal(["committed", "company", "subsidy"]);
        expect(res.text).to.not.match(/supplier|invoice|payable|paid|gpu/i);
      }
      // Paged by company.
      const page = (await x.fx.client.get(`/public/v2/programmes/${P1}/disclosure?year=2026&limit=1`)).json;
      expect(page.items).to.have.length(1);
      const next = (await x.fx.client.get(`/public/v2/programmes/${P1}/disclosure?year=2026&limit=1&cursor=${page.nextCursor}`)).json;
      expect(next.items.map((i: Item) => i.company.id)).to.deep.equal([company]);
      expect((await x.fx.client.get("/public/v2/programmes/99/disclosure")).status).to.equal(404);
      const doc = x.fx.client.document.paths as Record<string, Record<string, { security?: unknown[] }>>;
      expect(doc["/public/v2/programmes"]!.get!.security).to.deep.equal([]);
      expect(doc["/public/v2/programmes/{id}/disclosure"]!.get!.security).to.deep.equal([]);
      expect(doc["/v2/alerts"]!.get!.security).to.deep.equal([{ bearer: [] }]);
    }
  });
  it("rate-limits the public routes per client, apart from signing in", async function () {
    const db = await newDatabase("pglite");
    const fx = await startApiFixtureOn(mirrorEnvV2(node.url, t, db, { ...API_TEST_ENV, API_RATE_LIMIT_PUBLIC_PER_IP: "2" }), db, "pglite");
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await fx.client.get(`/public/v2/programmes/${P1}/disclosure`)).status);
      expect(statuses).to.deep.equal([200, 200, 429]);
      expect((await fx.client.request("POST", "/v1/auth/nonce")).status).to.equal(201);
    } finally {
      await fx.close();
    }
  });

  it("drops the expiring voucher and the ending accreditation once their day has passed", async function () {
    for (const x of fixtures) {
      const list = await alerts(x);
      expect([kinds(list, "voucherExpiring").length, kinds(list, "accreditationEnding").length], x.backend).to.deep.equal([1, 1]);
    }
    // Past day 45 of the accreditation (and day 40 of the voucher).
    await setTime(at("2027-01-25T12:00:00+08:00"));
    await rpcCall(node.url, "evm_mine");
    await syncAll();
    for (const x of fixtures) {
      const list = await alerts(x);
      expect([kinds(list, "voucherExpiring").length, kinds(list, "accreditationEnding").length], x.backend).to.deep.equal([0, 0]);
    }
  });
});
