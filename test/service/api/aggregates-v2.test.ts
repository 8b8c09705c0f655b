import { expect } from "chai";
import { encodeBytes32String, id as keccakText } from "ethers";

import { createRpc } from "../../../service/chain/rpc.js";
import { invoiceNumberHash } from "../../../service/domain/identity.js";
import { createLogger } from "../../../service/internal/logger.js";
import type { Queryable } from "../../../service/store/database.js";
import { verifyLedgerV2, type VerifyTargetV2 } from "../../../service/verify/verify-v2.js";
import { addProgramme, CNY, DAY, invoiceNumber, issueVoucher, signedClaim, signedConsent, submitClaim } from "../../helpers/scheme-fixture.js";
import { deployTestLedgerV2, mirrorEnvV2, type TestLedgerV2 } from "../helpers/ledger-v2.js";
import { ledgerV2Chain } from "../helpers/backends.js";
import { backends, newDatabase, syncAndRead, withMirror } from "../helpers/mirror.js";
import { type LocalNode, rpcCall, startNode } from "../helpers/node.js";
import { API_TEST_ENV, type ApiFixture, startApiFixtureOn, tokenFor } from "./helpers.js";

const cny = (fen: bigint) => `${fen < 0n ? "-" : ""}${(fen < 0n ? -fen : fen) / 100n}.${((fen < 0n ? -fen : fen) % 100n).toString().padStart(2, "0")}`;
const hours = (centihours: bigint) => `${centihours / 100n}.${(centihours % 100n).toString().padStart(2, "0")}`;
/** Unix seconds of an instant written with its offset. */
const at = (iso: string) => Date.parse(iso) / 1000;
/** The Asia/Shanghai day of an instant, YYYY-MM-DD. */
const shanghaiDate = (seconds: number) => new Date((seconds + 8 * 3600) * 1000).toISOString().slice(0, 10);
const reason = (text: string) => encodeBytes32String(text);
type Item = Record<string, any>;

const AMOUNTS = ["issued", "redeemed", "claimed", "clawedBack", "paid", "revoked", "expired"] as const;
const COUNTS = ["issuedCount", "redeemedCount", "claimedCount"] as const;
type Sums = Partial<Record<(typeof AMOUNTS)[number] | (typeof COUNTS)[number] | "gpu", bigint>>;

/** What the test did, as it did it: each change to a figure, with its instant, programme and the companies it concerns. */
interface Op { programme: number; at: number; companies: number[]; sums: Sums }

/** The buckets the model expects: per period and programme, in order, only the ops `keep` keeps. */
function expectedBuckets(ops: Op[], period: (seconds: number) => string, from: string, to: string, keep: (op: Op) => boolean = () => true): Item[] {
  const buckets = new Map<string, { period: string; programme: number; sums: Required<Sums> }>();
  for (const op of ops) {
    const day = shanghaiDate(op.at);
    if (day < from || day > to || !keep(op)) continue;
    const key = `${period(op.at)}|${String(op.programme).padStart(10, "0")}`;
    let b = buckets.get(key);
    if (b === undefined) {
      const zero = Object.fromEntries([...AMOUNTS, ...COUNTS, "gpu"].map((k) => [k, 0n])) as Required<Sums>;
      buckets.set(key, (b = { period: period(op.at), programme: op.programme, sums: zero }));
    }
    for (const [k, v] of Object.entries(op.sums) as [keyof Sums, bigint][]) b.sums[k] += v;
  }
  return [...buckets.keys()].sort().map((k) => {
    const { period: p, programme, sums: s } = buckets.get(k)!;
    return {
      period: p, programme, issued: cny(s.issued), issuedCount: Number(s.issuedCount), redeemed: cny(s.redeemed), redeemedCount: Number(s.redeemedCount),
      claimed: cny(s.claimed), claimedCount: Number(s.claimedCount), gpuHours: hours(s.gpu), clawedBack: cny(s.clawedBack), paid: cny(s.paid),
      revoked: cny(s.revoked), expired: cny(s.expired),
    };
  });
}

describe("audit API: ledger v2's aggregates (GET /v2/aggregates), from the daily roll-up", function () {
  let node: LocalNode;
  let t: TestLedgerV2;
  const fixtures: { backend: string; fx: ApiFixture; governor: string; issuer: string; holder: string; supplier: string }[] = [];
  const ops: Op[] = [];
  let [P1, P2, P3, supplier, startup] = [0, 0, 0, 0, 0];

  const latest = async () => (await t.f.ethers.provider.getBlock("latest"))!;
  /** Runs `send` as the next block, at `when` (the chain's clock moved to just before, so that signatures made in `send` are fresh). */
  async function atTime<T>(when: number, send: () => Promise<T>): Promise<T> {
    if ((await latest()).timestamp < when - 1) {
      await rpcCall(node.url, "evm_setNextBlockTimestamp", [when - 1]);
      await rpcCall(node.url, "evm_mine");
    }
    await rpcCall(node.url, "evm_setNextBlockTimestamp", [when]);
    const out = await send();
    expect((await latest()).timestamp, "the transaction's block is at the instant asked for").to.equal(when);
    return out;
  }
  const wait = async (tx: Promise<{ wait: () => Promise<unknown> }>) => void (await (await tx).wait());

  before(async function () {
    node = await startNode("hardhat");
    // The chain's clock at 2026-12-09 10:00 in Shanghai: the programmes' first fiscal year is 2026.
    await rpcCall(node.url, "evm_setNextBlockTimestamp", [at("2026-12-09T10:00:00+08:00")]);
    await rpcCall(node.url, "evm_mine");
    t = await deployTestLedgerV2(node.url);
    const f = t.f;
    [P1, P2, supplier, startup] = [Number(f.programme), Number(t.buyerProgramme), Number(f.entities.supplier), Number(f.entities.startup)];
    P3 = Number(await addProgramme(f));
    const issue = async (when: string, programme: number, ref: string, face: bigint, expiresAt = 0n) => {
      const id = await atTime(at(when), () => issueVoucher(t.f, ref, face, f.holder.address, expiresAt, BigInt(programme)));
      ops.push({ programme, at: at(when), companies: [startup], sums: { issued: face, issuedCount: 1n } });
      return id;
    };
    const redeem = async (when: string, voucher: bigint, amount: bigint, invoice: number, gpu: bigint) => {
      await atTime(at(when), async () => {
        const { consent, signature } = await signedConsent(f, voucher, amount, invoice, { gpuCentihours: gpu });
        await wait(f.ledger.connect(f.supplier).redeem(consent, signature));
      });
      ops.push({ programme: P1, at: at(when), companies: [supplier, startup], sums: { redeemed: amount, redeemedCount: 1n, gpu } });
    };
    const payments = f.payments.connect(f.finance);

    // The day boundary: an issue one second before midnight in Shanghai, a redemption at midnight.
    await issue("2026-12-10T08:00:00+08:00", P3, "P3-1", 70_000n * CNY);
    await wait(f.registry.connect(f.governor).unbindIssuer(f.issuer.address, P3));
    const vA = await issue("2026-12-10T23:59:59+08:00", P1, "A-1", 1_000_000n * CNY);
    await redeem("2026-12-11T00:00:00+08:00", vA, 30_000n * CNY, 1, 1_234n);
    const vB = await issue("2026-12-11T09:00:00+08:00", P2, "B-1", 500_000n * CNY);
    const claim = await atTime(at("2026-12-12T10:00:00+08:00"), async () => {
      const { claim, signature } = await signedClaim(f, vB, 100_000n * CNY, 10);
      return { id: await submitClaim(f, claim, signature), amount: BigInt(claim.amount), gpu: BigInt(claim.attestation.gpuCentihours) };
    });
    await atTime(at("2026-12-13T00:00:05+08:00"), () => wait(f.ledger.connect(f.issuer).approveClaim(claim.id)));
    ops.push({ programme: P2, at: at("2026-12-13T00:00:05+08:00"), companies: [startup, supplier], sums: { claimed: claim.amount, claimedCount: 1n, gpu: claim.gpu } });

    // Payments: the first one corrected two days later counts as never made, on its own day.
    const firstEntry = Number(await f.payments.entryCount()) + 1;
    await atTime(at("2026-12-13T12:00:00+08:00"), () => wait(payments.recordPayment(P1, supplier, 2026, 30_000n * CNY, keccakText("t:1"))));
    await atTime(at("2026-12-14T12:00:00+08:00"), () => wait(payments.correctEntry(firstEntry, reason("wrong-account"))));
    ops.push({ programme: P1, at: at("2026-12-13T12:00:00+08:00"), companies: [supplier], sums: { paid: 0n } });
    await atTime(at("2026-12-15T12:00:00+08:00"), () => wait(payments.recordPayment(P1, supplier, 2026, 25_000n * CNY, keccakText("t:2"))));
    ops.push({ programme: P1, at: at("2026-12-15T12:00:00+08:00"), companies: [supplier], sums: { paid: 25_000n * CNY } });

    const vC = await issue("2026-12-16T12:00:00+08:00", P1, "C-1", 10_000n * CNY);
    await atTime(at("2026-12-16T13:00:00+08:00"), () => wait(f.ledger.connect(f.issuer).revoke(vC, reason("withdrawn"))));
    ops.push({ programme: P1, at: at("2026-12-16T13:00:00+08:00"), companies: [startup], sums: { revoked: 10_000n * CNY } });
    const vD = await issue("2026-12-16T14:00:00+08:00", P1, "D-1", 8_000n * CNY, BigInt(at("2026-12-16T14:00:00+08:00")) + 20n * DAY);
    await atTime(at("2026-12-17T12:00:00+08:00"), () =>
      wait(f.ledger.connect(f.governor).clawBackRedemption(vA, supplier, invoiceNumberHash(invoiceNumber(1)), 10_000n * CNY, reason("red-letter"))));
    ops.push({ programme: P1, at: at("2026-12-17T12:00:00+08:00"), companies: [supplier, startup], sums: { clawedBack: 10_000n * CNY } });
    await atTime(at("2026-12-18T12:00:00+08:00"), () => wait(payments.recordRepayment(P1, supplier, 2026, 5_000n * CNY, keccakText("r:1"))));
    ops.push({ programme: P1, at: at("2026-12-18T12:00:00+08:00"), companies: [supplier], sums: { paid: -5_000n * CNY } });

    // January: another redemption, and the expiry.
    await redeem("2027-01-02T12:00:00+08:00", vA, 10_000n * CNY, 2, 500n);
    await atTime(at("2027-01-06T10:00:00+08:00"), () => wait(f.ledger.expire(vD)));
    ops.push({ programme: P1, at: at("2027-01-06T10:00:00+08:00"), companies: [startup], sums: { expired: 8_000n * CNY } });

    for (const backend of backends()) {
      const db = await newDatabase(backend);
      const fx = await startApiFixtureOn(mirrorEnvV2(node.url, t, db, API_TEST_ENV), db, backend);
      fixtures.push({
        backend, fx, governor: await tokenFor(fx.client, f.governor), issuer: await tokenFor(fx.client, f.issuer),
        holder: await tokenFor(fx.client, f.holder), supplier: await tokenFor(fx.client, f.supplier),
      });
    }
  });

  after(async function () {
    for (const f of fixtures) await f.fx.close();
    await t?.connection.close();
    await node?.stop();
  });

  async function get(x: (typeof fixtures)[number], query: string, token = x.governor): Promise<Item> {
    const res = await x.fx.client.get(`/v2/aggregates?${query}`, token);
    expect(res.status, `${x.backend} ${query}: ${res.text}`).to.equal(200);
    return res.json;
  }

  it("answers each day's figures per programme as the test's own transactions add up, at the mirror's checkpoint", async function () {
    const head = Number(await rpcCall<string>(node.url, "eth_blockNumber"));
    for (const x of fixtures) {
      const answer = await get(x, "interval=day&from=2026-12-10&to=2027-01-10");
      expect(answer).to.include({ interval: "day", timeZone: "Asia/Shanghai", from: "2026-12-10", to: "2027-01-10", currency: "CNY", asOfBlock: head });
      expect(answer.periods).to.have.length(32);
      expect(answer.periods[0]).to.equal("2026-12-10");
      expect(answer.periods.at(-1)).to.equal("2027-01-10");
      expect(answer.buckets, x.backend).to.deep.equal(expectedBuckets(ops, shanghaiDate, "2026-12-10", "2027-01-10"));
    }
  });

  it("puts 23:59:59 in Shanghai on its day and midnight on the next", async function () {
    for (const x of fixtures) {
      const { buckets } = await get(x, `interval=day&from=2026-12-10&to=2026-12-11&programme=${P1}`);
      expect(buckets.map((b: Item) => [b.period, b.issuedCount, b.issued, b.redeemedCount, b.redeemed, b.gpuHours]), x.backend).to.deep.equal([
        ["2026-12-10", 1, "1000000.00", 0, "0.00", "0.00"],
        ["2026-12-11", 0, "0.00", 1, "30000.00", "12.34"],
      ]);
    }
  });

  it("sums a month's days, and over all its days agrees with the ledger's own programme totals", async function () {
    const f = t.f;
    for (const x of fixtures) {
      const months = await get(x, "interval=month&from=2026-12-01&to=2027-01-31");
      expect(months.periods).to.deep.equal(["2026-12", "2027-01"]);
      const days = await get(x, "interval=day&from=2026-12-01&to=2027-01-31");
      const byMonth = new Map<string, Item>();
      for (const d of days.buckets as Item[]) {
        const key = `${d.period.slice(0, 7)}|${d.programme}`;
        const m = byMonth.get(key) ?? { period: d.period.slice(0, 7), programme: d.programme };
        for (const k of [...AMOUNTS, "gpuHours"]) m[k] = cny(BigInt(String(m[k] ?? "0.00").replace(".", "")) + BigInt(String(d[k]).replace(".", "")));
        for (const k of COUNTS) m[k] = (m[k] ?? 0) + d[k];
        byMonth.set(key, m);
      }
      const summed = [...byMonth.values()].sort((a, b) => (a.period === b.period ? a.programme - b.programme : a.period < b.period ? -1 : 1));
      expect(months.buckets, x.backend).to.deep.equal(summed);
      // January holds only the test's transactions.
      const january = (months.buckets as Item[]).filter((b) => b.period === "2027-01");
      expect(january).to.deep.equal(expectedBuckets(ops, (s) => shanghaiDate(s).slice(0, 7), "2027-01-01", "2027-01-31"));

      const total = (programme: number, k: string) =>
        (months.buckets as Item[]).filter((b) => b.programme === programme).reduce((a, b) => a + BigInt(String(b[k]).replace(".", "")), 0n);
      for (const p of [P1, P2, P3]) {
        const chain = await f.ledger.programmeTotals(p);
        expect({
          issued: total(p, "issued"), redeemed: total(p, "redeemed"), claimed: total(p, "claimed"), revoked: total(p, "revoked"),
          expired: total(p, "expired"), clawedBack: total(p, "clawedBack"),
        }, `programme ${p} over ${x.backend}`).to.deep.equal({
          issued: chain.issued, redeemed: chain.redeemedBySuppliers, claimed: chain.claimedByBuyers, revoked: chain.revoked,
          expired: chain.expired, clawedBack: chain.clawedBack,
        });
      }
    }
  });

  it("scopes by role: an issuer its programmes, a company what concerns it", async function () {
    const range = "interval=day&from=2026-12-10&to=2027-01-10";
    for (const x of fixtures) {
      const all = await get(x, range);
      expect(new Set(all.buckets.map((b: Item) => b.programme))).to.deep.equal(new Set([P1, P2, P3]));
      const issuer = await get(x, range, x.issuer);
      expect(issuer.buckets).to.deep.equal(expectedBuckets(ops, shanghaiDate, "2026-12-10", "2027-01-10", (op) => op.programme !== P3));
      expect((await x.fx.client.get(`/v2/aggregates?${range}&programme=${P3}`, x.issuer)).status).to.equal(403);
      expect((await get(x, `${range}&programme=${P2}`, x.issuer)).buckets).to.deep.equal(
        expectedBuckets(ops, shanghaiDate, "2026-12-10", "2027-01-10", (op) => op.programme === P2));

      for (const [token, company] of [[x.holder, startup], [x.supplier, supplier]] as const) {
        const own = await get(x, range, token);
        expect(own.buckets, `company ${company} over ${x.backend}`).to.deep.equal(
          expectedBuckets(ops, shanghaiDate, "2026-12-10", "2027-01-10", (op) => op.companies.includes(company)));
      }
      // The supplier sees its payments, the buyer does not.
      const paid = (b: Item[]) => b.filter((i) => i.paid !== "0.00").map((i) => i.period);
      expect(paid((await get(x, range, x.supplier)).buckets)).to.deep.equal(["2026-12-15", "2026-12-18"]);
      expect(paid((await get(x, range, x.holder)).buckets)).to.deep.equal([]);
      expect((await x.fx.client.get(`/v2/aggregates?${range}`)).status).to.equal(401);
    }
  });

  it("refuses a backwards, too long or malformed range with VALIDATION_FAILED, and changes nothing", async function () {
    for (const x of fixtures) {
      const before = await x.fx.mirror.store.db.query("SELECT row_to_json(d)::text AS r FROM v2_daily d ORDER BY company, day, programme");
      for (const query of [
        "from=2026-12-10&to=2026-12-09", "interval=day&from=2025-01-01&to=2026-01-02", "interval=month&from=1990-01-01&to=2026-12-01",
        "from=2026-13-01&to=2026-12-31", "interval=week", "from=2026-12-01&to=2026-12-31&programme=0", "from=2026-12-01&extra=1",
      ]) {
        const bad = await x.fx.client.get(`/v2/aggregates?${query}`, x.governor);
        expect(bad.status, query).to.equal(400);
        expect(bad.json.code, query).to.equal("VALIDATION_FAILED");
      }
      // A whole year of days is the most, and is answered.
      expect((await get(x, "interval=day&from=2026-01-01&to=2026-12-31")).periods).to.have.length(365);
      expect(await x.fx.mirror.store.db.query("SELECT row_to_json(d)::text AS r FROM v2_daily d ORDER BY company, day, programme")).to.deep.equal(before);
    }
  });
});

describe("the aggregates' daily roll-up through a reorg, and verify", function () {
  const logger = createLogger({ level: "silent" });
  // The fixture's finance officer is the 20th development account.
  const chain = ledgerV2Chain("anvil", { extraArgs: ["--accounts", "20"] });
  const ROLLUP = "SELECT row_to_json(d)::text AS r FROM v2_daily d ORDER BY company, day, programme";
  const VERSIONS = "SELECT row::text || ' ' || valid_from || '-' || coalesce(valid_until::text, '') AS r FROM derived_versions WHERE table_name = 'v2_daily' ORDER BY key::text, valid_from";
  const redeemedOf = async (db: Queryable, programme: bigint) =>
    BigInt((await db.query<{ s: string }>("SELECT coalesce(sum(redeemed), 0)::text AS s FROM v2_daily WHERE company = 0 AND programme = $1", [programme]))[0]!.s);
  /** A voucher issued and redeemed for `amount`, on invoice `invoice`. */
  async function issueAndRedeem(t: TestLedgerV2, ref: string, amount: bigint, invoice: number) {
    const f = t.f;
    const voucher = await issueVoucher(f, ref, 100_000n * CNY);
    const { consent, signature } = await signedConsent(f, voucher, amount, invoice);
    await (await f.ledger.connect(f.supplier).redeem(consent, signature)).wait();
  }

  for (const backend of backends()) {
    it(`rolls a redemption back with its block on ${backend}, equal to a fresh sync's roll-up`, async function () {
      const { node, t, fresh } = chain();
      const env = mirrorEnvV2(node.url, t, await fresh(backend));
      const provider = t.connection.ethers.provider;
      // Invoice numbers of their own: the backends' cases run on one chain.
      const invoice = 900_000 + 10 * backends().indexOf(backend);
      const before = await syncAndRead(env, (m) => redeemedOf(m.store.db, t.f.programme));
      const snapshot: string = await provider.send("evm_snapshot", []);
      await issueAndRedeem(t, `REORG-A-${backend}`, 12_345n * CNY, invoice + 1);
      expect(await syncAndRead(env, (m) => redeemedOf(m.store.db, t.f.programme))).to.equal(before + 12_345n * CNY);

      // Another history from the snapshot on, longer than the one replaced: another redemption, of another amount.
      expect(await provider.send("evm_revert", [snapshot])).to.equal(true);
      await issueAndRedeem(t, `REORG-B-${backend}`, 777n * CNY, invoice + 2);
      for (let i = 0; i < 5; i++) await provider.send("evm_mine", []);
      const reorged = await syncAndRead(env, async (m) => ({
        redeemed: await redeemedOf(m.store.db, t.f.programme),
        rollup: (await m.store.db.query<{ r: string }>(ROLLUP)).map((r) => r.r),
        versions: (await m.store.db.query<{ r: string }>(VERSIONS)).map((r) => r.r),
        replaced: Number((await m.store.db.query<{ n: string }>("SELECT count(*)::text AS n FROM reorged_events"))[0]!.n),
      }));
      expect(reorged.replaced, "the mirror saw the reorg").to.be.greaterThan(0);
      expect(reorged.redeemed).to.equal(before + 777n * CNY);
      const expected = await syncAndRead(mirrorEnvV2(node.url, t, await fresh(backend)), async (m) => ({
        rollup: (await m.store.db.query<{ r: string }>(ROLLUP)).map((r) => r.r),
        versions: (await m.store.db.query<{ r: string }>(VERSIONS)).map((r) => r.r),
      }));
      expect(reorged.rollup).to.deep.equal(expected.rollup);
      expect(reorged.versions).to.deep.equal(expected.versions);
    });

    it(`gives a ${backend} mirror synced before migration 13 the roll-up and versions a fresh sync writes`, async function () {
      const { node, t, fresh } = chain();
      const env = mirrorEnvV2(node.url, t, await fresh(backend));
      const read = async (db: Queryable) => ({
        rollup: (await db.query<{ r: string }>(ROLLUP)).map((r) => r.r),
        versions: (await db.query<{ r: string }>(VERSIONS)).map((r) => r.r),
      });
      const synced = await syncAndRead(env, (m) => read(m.store.db));
      expect(synced.rollup.length).to.be.greaterThan(3);
      expect(synced.versions.length).to.be.greaterThan(synced.rollup.length);
      // The mirror as it was before the migration: no roll-up, no versions of it, migration 13 not applied.
      await withMirror(env, async (m) => {
        await m.store.db.query("DROP TABLE v2_daily");
        await m.store.db.query("DELETE FROM derived_versions WHERE table_name = 'v2_daily'");
        await m.store.db.query("DELETE FROM schema_migrations WHERE version = 13");
      });
      expect(await withMirror(env, (m) => read(m.store.db))).to.deep.equal(synced);
    });

    it(`verify finds the ${backend} roll-up equal to its own fold of the logs, and names each tampered row`, async function () {
      const { node, t, fresh } = chain();
      const env = mirrorEnvV2(node.url, t, await fresh(backend));
      await syncAndRead(env, async () => undefined);
      await withMirror(env, async (m) => {
        const rpc = createRpc({ url: node.url, timeoutMs: 10_000 });
        const target = m.target as VerifyTargetV2;
        const atBlock = (await m.store.checkpoint())!.number;
        const db = m.store.db;
        const intact = await verifyLedgerV2({ rpc, target, logger, db, atBlock });
        expect(intact.differences).to.deep.equal([]);
        const rows = await db.query<{ key: string }>(
          "SELECT company || '|' || day || '|' || programme AS key FROM v2_daily WHERE redeemed_count > 0 ORDER BY company, day, programme");
        expect(rows.length).to.be.greaterThan(1);
        const [changed, deleted] = [rows[0]!.key, rows[1]!.key];
        await db.query("UPDATE v2_daily SET redeemed = redeemed + 1 WHERE company || '|' || day || '|' || programme = $1", [changed]);
        await db.query("DELETE FROM v2_daily WHERE company || '|' || day || '|' || programme = $1", [deleted]);
        await db.query("INSERT INTO v2_daily SELECT 0, day + 1000, programme, issued, issued_count, redeemed, redeemed_count, claimed, claimed_count, gpu_centihours, paid, revoked, expired, clawed_back, updated_block FROM v2_daily WHERE company || '|' || day || '|' || programme = $1", [changed]);
        const tampered = await verifyLedgerV2({ rpc, target, logger, db, atBlock });
        const [, day, programme] = changed.split("|");
        expect(tampered.differences.map((d) => `${d.against} ${d.entity} ${d.key} ${d.field}`)).to.have.members([
          `mirror daily aggregate ${changed} redeemed`,
          `mirror daily aggregate ${deleted} (row)`,
          `mirror daily aggregate 0|${Number(day) + 1000}|${programme} (row)`,
        ]);
        const redeemed = tampered.differences.find((d) => d.field === "redeemed")!;
        expect(BigInt(redeemed.actual) - BigInt(redeemed.expected)).to.equal(1n);
        expect(redeemed.block).to.be.a("number");
      });
    });
  }
});
