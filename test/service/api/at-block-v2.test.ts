import { expect } from "chai";
import { encodeBytes32String, id as keccakText } from "ethers";

import { createRpc } from "../../../service/chain/rpc.js";
import { createLogger } from "../../../service/internal/logger.js";
import { verifyLedger } from "../../../service/verify/verify.js";
import { CLASS, CNY, FIXTURE_RATIOS, issueVoucher, signedClaim, signedConsent, submitClaim, updateProgramme } from "../../helpers/scheme-fixture.js";
import { deployTestLedgerV2, mirrorEnvV2, type TestLedgerV2 } from "../helpers/ledger-v2.js";
import { backends, newDatabase } from "../helpers/mirror.js";
import { type LocalNode, rpcCall, startNode } from "../helpers/node.js";
import { API_TEST_ENV, type ApiFixture, startApiFixtureOn, tokenFor } from "./helpers.js";

type Item = Record<string, any>;
type Answer = { status: number; json: Item };

/** The v2 lists that answer `atBlock` (all their items in one page: the test's chain has fewer than 50 of each). */
const LISTS = ["/v2/vouchers", "/v2/redemptions", "/v2/programmes", "/v2/companies", "/v2/claims", "/v2/payments"];

/**
 * Ledger v2's `atBlock`, read from the store's history: after each step of a real history (issue, redeem, a claim
 * approved, revoke, a programme's rules and ratios changed, a payment), the test records what the API answered live;
 * that record is the model: asked later with `atBlock` for each of those blocks, the API answers the same, and after a
 * reorg it answers the new history's.
 */
describe("audit API: ledger v2 as of a block (atBlock, from the store's history)", function () {
  let node: LocalNode;
  let t: TestLedgerV2;
  const fixtures: { backend: string; fx: ApiFixture; token: string }[] = [];
  /** Per backend, per block: path → what the API answered live at that block. */
  const recorded = new Map<string, Map<number, Map<string, Answer>>>();
  const vouchers: bigint[] = [];
  let P1 = 0;
  let P2 = 0;
  let invoice = 500;

  const head = async () => t.f.ethers.provider.getBlockNumber();
  const wait = async (tx: Promise<{ wait: () => Promise<unknown> }>) => void (await (await tx).wait());
  const paths = () => [...LISTS, `/v2/programmes/${P1}`, `/v2/programmes/${P2}`, ...vouchers.map((v) => `/v2/vouchers/${v}`)];
  const get = async (fx: ApiFixture, token: string, path: string): Promise<Answer> => {
    const res = await fx.client.get(path, token);
    return { status: res.status, json: res.json as Item };
  };

  /** Syncs every mirror to the head and records what each answers live there; the block. */
  async function record(): Promise<number> {
    const block = await head();
    for (const { backend, fx, token } of fixtures) {
      await fx.sync();
      const answers = new Map<string, Answer>();
      for (const path of paths()) answers.set(path, await get(fx, token, path));
      const byBlock = recorded.get(backend) ?? new Map<number, Map<string, Answer>>();
      byBlock.set(block, answers);
      recorded.set(backend, byBlock);
    }
    return block;
  }

  /** Every recorded block's answers, asked again with `atBlock`: the same, saying the block; later vouchers not found. */
  async function expectAnswersAsRecorded(blocks: number[]) {
    for (const { backend, fx, token } of fixtures) {
      for (const block of blocks) {
        const live = recorded.get(backend)!.get(block)!;
        for (const path of paths()) {
          const then = await get(fx, token, `${path}?atBlock=${block}`);
          const was = live.get(path);
          const where = `${backend} ${path} at ${block}`;
          if (was === undefined) {
            // A voucher issued after the block: not found then.
            expect([then.status, then.json.code], where).to.deep.equal([404, "NOT_FOUND"]);
            continue;
          }
          expect(then.status, where).to.equal(was.status);
          if (was.status !== 200) continue;
          expect([was.json.asOfBlock, then.json.asOfBlock], where).to.deep.equal([null, block]);
          expect({ ...then.json, asOfBlock: null }, where).to.deep.equal(was.json);
        }
      }
    }
  }

  const recordedBlocks: number[] = [];
  let snapshot = "";
  let kept: number[] = [];

  before(async function () {
    node = await startNode("hardhat");
    t = await deployTestLedgerV2(node.url);
    [P1, P2] = [Number(t.f.programme), Number(t.buyerProgramme)];
    for (const backend of backends()) {
      const db = await newDatabase(backend);
      const fx = await startApiFixtureOn(mirrorEnvV2(node.url, t, db, API_TEST_ENV), db, backend);
      fixtures.push({ backend, fx, token: await tokenFor(fx.client, t.f.governor) });
    }
    const f = t.f;
    recordedBlocks.push(await record());
    // Issue.
    vouchers.push(await issueVoucher(f, "AT-1", 1_000_000n * CNY));
    vouchers.push(await issueVoucher(f, "AT-2", 20_000n * CNY));
    recordedBlocks.push(await record());
    // A supplier redeems.
    const consent = await signedConsent(f, vouchers[0]!, 30_000n * CNY, ++invoice);
    await wait(f.ledger.connect(f.supplier).redeem(consent.consent, consent.signature));
    recordedBlocks.push(await record());
    // A buyer's claim, approved, and another left pending.
    vouchers.push(await issueVoucher(f, "AT-B", 500_000n * CNY, f.holder.address, 0n, t.buyerProgramme));
    const approved = await signedClaim(f, vouchers[2]!, 100_000n * CNY, ++invoice);
    await wait(f.ledger.connect(f.issuer).approveClaim(await submitClaim(f, approved.claim, approved.signature)));
    const pending = await signedClaim(f, vouchers[2]!, 50_000n * CNY, ++invoice);
    await submitClaim(f, pending.claim, pending.signature);
    recordedBlocks.push(await record());
    snapshot = await f.ethers.provider.send("evm_snapshot", []);
    kept = [...recordedBlocks];
    // Revoke.
    await wait(f.ledger.connect(f.issuer).revoke(vouchers[1]!, encodeBytes32String("withdrawn")));
    recordedBlocks.push(await record());
    // The programme's rules and ratios change; a payment is recorded.
    await updateProgramme(f, t.f.programme, { maxCombinedBps: 9_000 });
    await wait(f.registry.connect(f.governor).setRatios(f.programme, FIXTURE_RATIOS.map((x) => ({ ...x, bps: x.computeClass === CLASS.OTHER ? Number(x.bps) - 1 : x.bps }))));
    await wait(f.payments.connect(f.finance).recordPayment(f.programme, f.entities.supplier, f.year, 30_000n * CNY, keccakText("transfer:at-1")));
    recordedBlocks.push(await record());
  });

  after(async function () {
    for (const f of fixtures) await f.fx.close();
    await t?.connection.close();
    await node?.stop();
  });

  it("answers every v2 record and list as of each block of the history as it answered live at that block", async function () {
    // The history's records differ from block to block (else the test would prove nothing).
    const first = recorded.get(fixtures[0]!.backend)!;
    const programme = recordedBlocks.map((b) => JSON.stringify(first.get(b)!.get(`/v2/programmes/${P1}`)!.json));
    expect(new Set(programme).size).to.be.greaterThan(3);
    await expectAnswersAsRecorded(recordedBlocks);
  });

  it("pages a list as of a block with cursors bound to that block", async function () {
    const [, , redeemed, claimed, revoked] = recordedBlocks as [number, number, number, number, number, number];
    for (const { backend, fx, token } of fixtures) {
      for (const block of [redeemed, claimed, revoked]) {
        const whole = recorded.get(backend)!.get(block)!.get("/v2/vouchers")!.json.items as Item[];
        expect(whole.length, backend).to.be.at.least(2);
        expect(await fx.client.all(`/v2/vouchers?atBlock=${block}`, token, 1), `${backend} at ${block}`).to.deep.equal(whole);
      }
      const page = await fx.client.get(`/v2/vouchers?atBlock=${redeemed}&limit=1`, token);
      expect(page.json.nextCursor).to.be.a("string");
      for (const other of [`atBlock=${revoked}&`, ""]) {
        const res = await fx.client.get(`/v2/vouchers?${other}limit=1&cursor=${page.json.nextCursor}`, token);
        expect([res.status, res.json.code], `${backend} ${other || "live"}`).to.deep.equal([400, "INVALID_CURSOR"]);
      }
      // A live cursor is not one of a past block's list either.
      const live = await fx.client.get("/v2/vouchers?limit=1", token);
      const res = await fx.client.get(`/v2/vouchers?atBlock=${redeemed}&limit=1&cursor=${live.json.nextCursor}`, token);
      expect([res.status, res.json.code], backend).to.deep.equal([400, "INVALID_CURSOR"]);
      // CSV: every page as of the block.
      const csv = await fx.client.get(`/v2/vouchers?atBlock=${redeemed}&format=csv`, token);
      expect(csv.status, csv.text).to.equal(200);
      expect(csv.text.trim().split(/\r\n/).length - 1).to.equal(recorded.get(backend)!.get(redeemed)!.get("/v2/vouchers")!.json.items.length);
    }
  });

  it("refuses a block above the checkpoint (BLOCK_NOT_INDEXED) and one below the history kept (BLOCK_NOT_KEPT)", async function () {
    for (const { backend, fx, token } of fixtures) {
      const checkpoint = recordedBlocks[recordedBlocks.length - 1]!;
      for (const path of [`/v2/vouchers/${vouchers[0]}`, `/v2/programmes/${P1}`, "/v2/claims"]) {
        const ahead = await fx.client.get(`${path}?atBlock=${checkpoint + 1}`, token);
        expect([ahead.status, ahead.json.code], `${backend} ${path}`).to.deep.equal([400, "BLOCK_NOT_INDEXED"]);
      }
      const db = fx.mirror.store.db;
      const [{ from }] = await db.query<{ from: string }>("SELECT history_from::text AS from FROM sync_checkpoint WHERE id = 1") as [{ from: string }];
      // As a mirror older than the history looks: it starts at the checkpoint the migration found.
      const start = recordedBlocks[2]!;
      await db.query("UPDATE sync_checkpoint SET history_from = $1", [start]);
      try {
        for (const path of [`/v2/vouchers/${vouchers[0]}`, `/v2/programmes/${P1}`, "/v2/vouchers"]) {
          const below = await fx.client.get(`${path}?atBlock=${start - 1}`, token);
          expect([below.status, below.json.code], `${backend} ${path}`).to.deep.equal([400, "BLOCK_NOT_KEPT"]);
          expect((await fx.client.get(`${path}?atBlock=${start}`, token)).status, `${backend} ${path}`).to.equal(200);
        }
      } finally {
        await db.query("UPDATE sync_checkpoint SET history_from = $1", [from]);
      }
    }
  });

  it("verifies the mirror's v2 tables as of a past block from their versions, and finds a version changed", async function () {
    const logger = createLogger({ level: "silent" });
    const { fx } = fixtures[0]!;
    const deps = { rpc: createRpc({ url: node.url, timeoutMs: 10_000 }), target: fx.mirror.target, logger, db: fx.mirror.store.db };
    const checkpoint = recordedBlocks[recordedBlocks.length - 1]!;
    for (const block of recordedBlocks.slice(0, -1)) {
      const report = await verifyLedger({ ...deps, atBlock: block });
      expect(report.differences, `block ${block}`).to.deep.equal([]);
      expect(report, `block ${block}`).to.deep.include({ ok: true, atBlock: block, mirrorTablesCompared: true, mirrorCheckpoint: checkpoint });
    }
    const db = fx.mirror.store.db;
    const redeemed = recordedBlocks[2]!;
    const key = String(vouchers[0]);
    const version = `table_name = 'v2_vouchers' AND key = jsonb_build_object('id', $1::numeric) AND valid_from <= $2 AND (valid_until IS NULL OR valid_until > $2)`;
    const [{ remaining }] = await db.query<{ remaining: string }>(`SELECT (row -> 'remaining')::text AS remaining FROM derived_versions WHERE ${version}`, [key, redeemed]) as [{ remaining: string }];
    await db.query(`UPDATE derived_versions SET row = jsonb_set(row, '{remaining}', '12345'::jsonb) WHERE ${version}`, [key, redeemed]);
    try {
      const report = await verifyLedger({ ...deps, atBlock: redeemed });
      expect(report.differences.map((d) => `${d.against} ${d.entity} ${d.key} ${d.field}`)).to.deep.equal([`mirror voucher ${vouchers[0]} remaining`]);
    } finally {
      await db.query(`UPDATE derived_versions SET row = jsonb_set(row, '{remaining}', $3::jsonb) WHERE ${version}`, [key, redeemed, remaining]);
    }
    expect((await verifyLedger({ ...deps, atBlock: redeemed })).ok).to.equal(true);
  });

  it("after a reorg, answers as of each block from the new history", async function () {
    const f = t.f;
    expect(await f.ethers.provider.send("evm_revert", [snapshot])).to.equal(true);
    const replaced = recordedBlocks.slice(kept.length);
    recordedBlocks.splice(kept.length);
    // Another history from the snapshot on: the other voucher redeemed instead of revoked, then empty blocks past the
    // old head (a longer chain, which the mirror follows), then the buyers' programme paused and the first voucher revoked.
    const consent = await signedConsent(f, vouchers[1]!, 5_000n * CNY, ++invoice);
    await wait(f.ledger.connect(f.supplier).redeem(consent.consent, consent.signature));
    while ((await head()) <= replaced[replaced.length - 1]!) await rpcCall(node.url, "evm_mine");
    const longer = await record();
    recordedBlocks.push(longer);
    // Every block of the new history since its redemption holds the state the head holds now.
    for (const { backend, fx, token } of fixtures) {
      const now = recorded.get(backend)!.get(longer)!;
      for (const block of replaced) {
        for (const path of [`/v2/vouchers/${vouchers[1]}`, "/v2/payments", `/v2/programmes/${P1}`]) {
          const then = await get(fx, token, `${path}?atBlock=${block}`);
          expect({ ...then.json, asOfBlock: null }, `${backend} ${path} at ${block}`).to.deep.equal(now.get(path)!.json);
        }
      }
      expect(now.get(`/v2/vouchers/${vouchers[1]}`)!.json, backend).to.include({ status: "Active", remaining: "15000.00" });
      expect(now.get("/v2/payments")!.json.items, backend).to.deep.equal([]);
    }
    await wait(f.registry.connect(f.guardian).pauseProgramme(t.buyerProgramme, encodeBytes32String("review")));
    await wait(f.ledger.connect(f.issuer).revoke(vouchers[0]!, encodeBytes32String("withdrawn")));
    recordedBlocks.push(await record());
    await expectAnswersAsRecorded(recordedBlocks);
  });
});
