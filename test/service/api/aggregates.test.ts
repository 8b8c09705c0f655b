import { expect } from "chai";
import { type EventLog, Wallet } from "ethers";

import { MAX_PERIODS } from "../../../service/api/periods.js";
import { ROLE } from "../../../service/domain/roles-v1.js";
import { overEachBackend } from "../helpers/backends.js";
import { BEIJING, deployTestLedger, runWorkload, SHANGHAI, type TestLedger } from "../helpers/ledger.js";
import { type LocalNode, rpcCall, startNode } from "../helpers/node.js";
import { tokenFor } from "./helpers.js";


const cny = (fen: bigint) => `${fen / 100n}.${(fen % 100n).toString().padStart(2, "0")}`;
/** The Asia/Shanghai calendar day of a block time (seconds). */
const shanghaiDay = (seconds: number) => new Date((seconds + 8 * 3600) * 1000).toISOString().slice(0, 10);

type Figures = { issued: bigint; issuedCount: number; redeemed: bigint; redeemedCount: number; revoked: bigint; expired: bigint };
type Bucket = { period: string; city: number; issued: string; issuedCount: number; redeemed: string; redeemedCount: number; revoked: string; expired: string };

/** The figures per period and city, summed here from the chain's own logs (not from the mirror). */
async function expectedFromChain(t: TestLedger, period: (day: string) => string, city?: number): Promise<Bucket[]> {
  const sums = new Map<string, Figures & { period: string; city: number }>();
  const times = new Map<number, number>();
  const timeOf = async (block: number) => {
    if (!times.has(block)) times.set(block, (await t.provider.getBlock(block))!.timestamp);
    return times.get(block)!;
  };
  const add = async (logs: EventLog[], apply: (f: Figures, args: EventLog["args"]) => void) => {
    for (const log of logs) {
      const c = Number(log.args.city);
      if (city !== undefined && c !== city) continue;
      const p = period(shanghaiDay(await timeOf(log.blockNumber)));
      const key = `${p}/${c}`;
      if (!sums.has(key)) sums.set(key, { period: p, city: c, issued: 0n, issuedCount: 0, redeemed: 0n, redeemedCount: 0, revoked: 0n, expired: 0n });
      apply(sums.get(key)!, log.args);
    }
  };
  const { ledger } = t;
  await add((await ledger.queryFilter(ledger.filters.VoucherIssued())) as unknown as EventLog[], (f, a) => { f.issued += a.faceValue as bigint; f.issuedCount++; });
  await add((await ledger.queryFilter(ledger.filters.VoucherRedeemed())) as unknown as EventLog[], (f, a) => { f.redeemed += a.amount as bigint; f.redeemedCount++; });
  await add((await ledger.queryFilter(ledger.filters.VoucherRevoked())) as unknown as EventLog[], (f, a) => { f.revoked += a.amount as bigint; });
  await add((await ledger.queryFilter(ledger.filters.VoucherExpired())) as unknown as EventLog[], (f, a) => { f.expired += a.amount as bigint; });
  return [...sums.values()]
    .sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : a.city - b.city))
    .map((f) => ({
      period: f.period, city: f.city, issued: cny(f.issued), issuedCount: f.issuedCount, redeemed: cny(f.redeemed),
      redeemedCount: f.redeemedCount, revoked: cny(f.revoked), expired: cny(f.expired),
    }));
}

describe("audit API: aggregates per period and city", function () {
  let node: LocalNode;
  let t: TestLedger;
  const auditor = Wallet.createRandom();
  let first: string;
  let last: string;

  before(async function () {
    node = await startNode("hardhat");
    t = await deployTestLedger(node.url);
    await (await t.manager.connect(t.signers.governor).grantRole(ROLE.AUDITOR, auditor.address, 0)).wait();
    // Activity on three Shanghai days, one of them across a month's end: each workload starts at 08:00 (+08) of its
    // day, so that its own steps in time (expiries move the clock on) keep it within that day, whatever the hour the
    // test runs at: the next day, two days after it, and a month after that.
    const eight = (day: number) => day * 86_400; // 08:00 in Shanghai (+08) of a day number is 00:00 UTC
    const dayOf = (seconds: number) => Math.floor((seconds + 8 * 3600) / 86_400);
    const moveTo = async (target: number) => {
      const now = (await t.provider.getBlock("latest"))!.timestamp;
      await rpcCall(node.url, "evm_increaseTime", [target - now]);
      await rpcCall(node.url, "evm_mine", []);
    };
    const start = dayOf((await t.provider.getBlock("latest"))!.timestamp) + 1;
    for (const [i, day] of [start, start + 2, start + 33].entries()) {
      await moveTo(eight(day));
      if (i === 0) first = shanghaiDay((await t.provider.getBlock("latest"))!.timestamp);
      await runWorkload(t, i === 0 ? 25 : 20, 3 + i);
    }
    last = shanghaiDay((await t.provider.getBlock("latest"))!.timestamp);
  });

  after(async function () {
    await node?.stop();
  });

  overEachBackend(() => ({ nodeUrl: node.url, t, auditor }), (api) => {
    it("sums issued, redeemed, revoked and expired per Shanghai day and city exactly as the chain's logs do", async function () {
      const { f, token } = api();
      const r = await f.client.get(`/v1/aggregates?from=${first}&to=${last}`, token);
      expect(r.status).to.equal(200);
      expect(r.json).to.include({ interval: "day", from: first, to: last, timeZone: "Asia/Shanghai", currency: "CNY" });
      expect(r.json.asOfBlock).to.equal(await t.provider.getBlockNumber());
      expect(r.json.buckets).to.deep.equal(await expectedFromChain(t, (day) => day));
      const periods = r.json.periods as string[];
      expect(periods[0]).to.equal(first);
      expect(periods[periods.length - 1]).to.equal(last);
      expect(periods.length).to.be.greaterThan(31);
      expect(new Set((r.json.buckets as Bucket[]).map((b) => b.period)).size, "activity on three days").to.equal(3);
    });

    it("sums per month to each city's counters", async function () {
      const { f, token } = api();
      const r = await f.client.get(`/v1/aggregates?interval=month&from=${first}&to=${last}`, token);
      const buckets = r.json.buckets as Bucket[];
      expect(buckets).to.deep.equal(await expectedFromChain(t, (day) => day.slice(0, 7)));
      expect(r.json.periods).to.deep.equal([...new Set([first.slice(0, 7), ...buckets.map((b) => b.period), last.slice(0, 7)])].sort());
      for (const city of [SHANGHAI, BEIJING]) {
        const counters = await t.ledger.getCityCounters(city);
        const total = (k: "issued" | "redeemed" | "revoked" | "expired") =>
          cny(buckets.filter((b) => b.city === city).reduce((sum, b) => sum + BigInt(b[k].replace(".", "")), 0n));
        expect({ issued: total("issued"), redeemed: total("redeemed"), revoked: total("revoked"), expired: total("expired") })
          .to.deep.equal({ issued: cny(counters.issued), redeemed: cny(counters.redeemed), revoked: cny(counters.revoked), expired: cny(counters.expired) });
      }
    });

    it("answers one city, an issuer its own city only, and refuses a data center", async function () {
      const { f, token } = api();
      const one = await f.client.get(`/v1/aggregates?from=${first}&to=${last}&city=${BEIJING}`, token);
      expect(one.json.buckets).to.deep.equal(await expectedFromChain(t, (day) => day, BEIJING));
      const issuer = await tokenFor(f.client, t.signers.shanghaiIssuer);
      const own = await f.client.get(`/v1/aggregates?from=${first}&to=${last}`, issuer);
      expect(own.json.buckets).to.deep.equal(await expectedFromChain(t, (day) => day, SHANGHAI));
      expect((await f.client.get(`/v1/aggregates?city=${BEIJING}`, issuer)).status).to.equal(403);
      const dataCenter = await tokenFor(f.client, t.signers.dataCenter);
      expect((await f.client.get("/v1/aggregates", dataCenter)).status).to.equal(403);
      expect((await f.client.get("/v1/aggregates")).status).to.equal(401);
    });

    it("covers only the range asked, and refuses a reversed range, too many periods and a bad interval", async function () {
      const { f, token } = api();
      const r = await f.client.get(`/v1/aggregates?from=${last}&to=${last}`, token);
      expect(r.json.periods).to.deep.equal([last]);
      expect(r.json.buckets).to.deep.equal((await expectedFromChain(t, (day) => day)).filter((b) => b.period === last));
      const before = await f.client.get("/v1/aggregates?from=2000-01-01&to=2000-01-31", token);
      expect(before.json.buckets).to.deep.equal([]);
      expect(before.json.periods).to.have.length(31);
      for (const query of [`from=${last}&to=${first}`, `from=2000-01-01&to=2002-01-01`, "from=0001-01-01&to=9999-12-31", "interval=week", "from=2026-13-01", "to=yesterday"]) {
        const bad = await f.client.get(`/v1/aggregates?${query}`, token);
        expect(bad.status, query).to.equal(400);
        expect(bad.json.code, query).to.equal("VALIDATION_FAILED");
      }
      const widest = await f.client.get(`/v1/aggregates?interval=month&from=2000-01-01&to=2030-06-30`, token);
      expect(widest.json.periods).to.have.length(366);
      expect(MAX_PERIODS).to.equal(366);
    });
  });
});
