import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { Wallet } from "ethers";

import { domainOf, RedemptionProblem, type RequestView, signConsent } from "../../../service/client/index.js";
import type { RedemptionBody } from "../../../service/domain/redemption-wire.js";
import { nonceRun } from "../../../service/relay/nonces.js";
import { relayerFor } from "../../../service/relay/queue.js";
import { backends } from "../helpers/mirror.js";
import { rpcCall } from "../helpers/node.js";
import { body, eventually, invoiceHash, type Scenario, type Service, setUp, startService, TEST_RELAYER_KEYS } from "./helpers/scenario.js";

const RELAYERS = TEST_RELAYER_KEYS.map((key) => new Wallet(key).address);

describe("relay: the walk over a data center's forwarder nonces", function () {
  const holder = (nonce: number, status: "queued" | "submitted" | "confirmed" = "queued", deadline = 1000) => ({
    id: `r${nonce}`, forwarderNonce: BigInt(nonce), requestDeadline: BigInt(deadline), status,
  });
  const ids = (list: { id: string }[]) => list.map((h) => h.id);

  it("counts the requests that hold the nonces from the chain's without a gap", function () {
    const run = nonceRun(5n, [holder(7, "submitted"), holder(5, "confirmed"), holder(6)], 100n);
    expect(run.next).to.equal(8n);
    expect(run.blocked).to.deep.equal([]);
    expect(nonceRun(5n, [], 100n).next).to.equal(5n);
  });

  it("stops at a gap: the requests above it are blocked", function () {
    const run = nonceRun(5n, [holder(5), holder(7), holder(8, "submitted")], 100n);
    expect(run.next).to.equal(6n);
    expect(ids(run.blocked)).to.deep.equal(["r7", "r8"]);
    expect(run.expiring).to.equal(undefined);
  });

  it("stops at a live request whose deadline passed, which will fail without using its nonce", function () {
    const run = nonceRun(5n, [holder(5), holder(6, "submitted", 99), holder(7)], 100n);
    expect(run.next).to.equal(6n);
    expect(run.expiring?.id).to.equal("r6");
    expect(ids(run.blocked)).to.deep.equal(["r7"]);
    // A confirmed request used its nonce, whatever its deadline (the chain's nonce was read before it was mined).
    expect(nonceRun(5n, [holder(5, "confirmed", 1)], 100n).next).to.equal(6n);
  });

  it("leaves out requests below the chain's nonce (another request used it)", function () {
    expect(nonceRun(5n, [holder(3), holder(4, "submitted"), holder(5)], 100n)).to.deep.include({ next: 6n, blocked: [] });
  });
});

for (const backend of backends()) {
  describe(`relay: failed requests and the nonces they leave unused (${backend})`, function () {
    let s: Scenario;
    let service: Service;

    before(async function () {
      s = await setUp({ vouchers: 7, dataCenters: 4, backend });
      // Blocks only when a test mines one: requests stay queued or in flight as long as a test needs.
      await rpcCall(s.node.url, "evm_setAutomine", [false]);
      // One request a transaction, two transactions in flight per relayer: two in flight keep the rest queued.
      service = await startService(s, { RELAY_BATCH_SIZE: "1", RELAY_MAX_IN_FLIGHT: "2" });
    });

    after(async function () {
      await service?.stop();
      await s?.stop();
    });

    /** Mines one block, `seconds` later than the last. */
    async function mine(seconds = 1): Promise<void> {
      await rpcCall(s.node.url, "evm_increaseTime", [seconds]);
      await rpcCall(s.node.url, "evm_mine", []);
    }

    const status = (id: string, dc: Wallet) => service.client.status(id, dc);

    /** Polls a request until `done` holds, without mining. */
    async function until(id: string, dc: Wallet, done: (v: RequestView) => boolean, what: string): Promise<RequestView> {
      return eventually(async () => {
        const view = await status(id, dc);
        return done(view) ? view : undefined;
      }, `${id} ${what}`);
    }

    /**
     * Polls a request until it is sent and the node has its transaction: the relay records "submitted" before it
     * broadcasts (a crash between the two finds the transaction again), so the status alone can come first.
     */
    async function sent(id: string, dc: Wallet): Promise<RequestView> {
      const view = await until(id, dc, (v) => v.status === "submitted", "sent");
      await eventually(async () => ((await rpcCall<unknown>(s.node.url, "eth_getTransactionByHash", [view.transactionHash])) === null ? undefined : true), `${id}'s transaction at the node`);
      return view;
    }

    /** Mines a block at a time until every request is confirmed or failed. */
    async function settle(ids: string[], dc: Wallet): Promise<RequestView[]> {
      return eventually(async () => {
        await mine();
        const views = await Promise.all(ids.map((id) => status(id, dc)));
        return views.every((v) => v.status === "confirmed" || v.status === "failed") ? views : undefined;
      }, "the requests to settle");
    }

    /** Posts requests and expects each to be queued (202). */
    async function submitAll(bodies: RedemptionBody[]): Promise<string[]> {
      const ids: string[] = [];
      for (const b of bodies) {
        const accepted = await service.client.submit(b);
        expect(accepted.existing, JSON.stringify(accepted)).to.equal(false);
        ids.push(accepted.id);
      }
      return ids;
    }

    /** Two requests of `dc` sent and not yet mined: its relayer has no room, so what is posted next stays queued. */
    async function fillRelayer(dc: Wallet, voucher: number): Promise<string[]> {
      const ids = await submitAll([await body(s, service.client, voucher, dc), await body(s, service.client, voucher, dc)]);
      for (const id of ids) await sent(id, dc);
      return ids;
    }

    async function refusal(b: RedemptionBody): Promise<RedemptionProblem> {
      const answer = await service.client.submit(b).catch((e: unknown) => e);
      if (!(answer instanceof RedemptionProblem)) throw new Error(`not refused: ${JSON.stringify(answer)}`);
      return answer;
    }

    const nextNonce = async (dc: Wallet) => (await service.client.signingInfo(dc.address)).nextNonce;
    const relayerTransactions = (dc: Wallet) =>
      rpcCall<string>(s.node.url, "eth_getTransactionCount", [relayerFor(dc.address, RELAYERS), "pending"]).then(BigInt);

    it("answers a request that the ledger refused on chain, sent again, with its stored failure, not NONCE_USED", async function () {
      const dc = s.dataCenters[0]!;
      const v = s.vouchers[0]!;
      const ahead = await fillRelayer(dc, 1);
      const r = await body(s, service.client, 0, dc);
      const [id] = await submitAll([r]);
      // Admitted while the voucher was active; revoked in the block that frees the relayer, before r is sent.
      const revoke = await s.t.ledger.connect(s.t.signers.shanghaiIssuer).revoke(v.id, "0x" + "00".repeat(31) + "02");
      await mine();
      await revoke.wait();
      const failed = (await settle([...ahead, id!], dc))[2]!;
      expect(failed).to.deep.include({ id, status: "failed", code: "VOUCHER_INACTIVE" });
      expect(failed.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(await s.t.ledger.invoiceUsed(r.consent.invoiceHash)).to.equal(false);
      // Its forwarder nonce was used on chain: checked afresh, r would now be refused NONCE_USED.
      expect(await nextNonce(dc)).to.equal((r.request.nonce + 1n).toString());

      const again = await service.client.submit(r);
      expect(again).to.deep.equal({
        id, status: "failed", invoiceHash: r.consent.invoiceHash, statusUrl: `/v1/redemptions/requests/${id}`,
        code: "VOUCHER_INACTIVE", reason: failed.reason, existing: true,
      });
      const [inBatch] = await service.client.submitBatch([r]);
      expect(inBatch).to.deep.include({ index: 0, status: 200 });
      expect(inBatch!.accepted).to.deep.include({ id, status: "failed", code: "VOUCHER_INACTIVE" });
      // A new request for the invoice is a request of its own, checked afresh: the ledger refuses it now.
      const renewed = await refusal(await body(s, service.client, 0, dc, { invoice: r.consent.invoiceHash }));
      expect(renewed.code).to.equal("VOUCHER_INACTIVE");
    });

    it("fails the requests above one that expired in the queue at once, naming it; signing-info and re-signed requests go on from its nonce", async function () {
      const dc = s.dataCenters[1]!;
      const ahead = await fillRelayer(dc, 2);
      const now = BigInt((await s.t.provider.getBlock("latest"))!.timestamp);
      const a = await body(s, service.client, 2, dc, { requestDeadline: now + 30n });
      const b = await body(s, service.client, 3, dc);
      const c = await body(s, service.client, 3, dc);
      const [aId, bId, cId] = await submitAll([a, b, c]);
      expect(await nextNonce(dc)).to.equal((c.request.nonce + 1n).toString());
      const relayed = await relayerTransactions(dc);

      // One block, a minute later: the two ahead are mined, and a's deadline has passed while it waited.
      await mine(60);
      for (const id of ahead) await until(id, dc, (v) => v.status === "confirmed", "confirmed");
      const expired = await until(aId!, dc, (v) => v.status === "failed", "failed");
      expect(expired).to.deep.include({ code: "REQUEST_EXPIRED", transactionHash: null });
      for (const [id, request] of [[bId!, b], [cId!, c]] as const) {
        const blocked = await until(id, dc, (v) => v.status === "failed", "failed");
        expect(blocked.code, blocked.reason ?? "").to.equal("NONCE_BLOCKED");
        expect(blocked.reason).to.include(`request ${aId} (forwarder nonce ${a.request.nonce})`);
        expect(blocked.reason).to.include(`nonce ${request.request.nonce} cannot run`);
        expect(blocked.reason).to.include(`Sign your requests again from forwarder nonce ${a.request.nonce}`);
        // At once: never sent (no block has been mined since, and no transaction carried it).
        expect(blocked.transactionHash).to.equal(null);
      }
      expect(await relayerTransactions(dc)).to.equal(relayed);
      expect(await nextNonce(dc)).to.equal(a.request.nonce.toString());

      // A request signed after the hole, from the old count, is refused, naming the blocking request.
      const stale = await refusal(await body(s, service.client, 3, dc, { nonce: c.request.nonce + 1n }));
      expect(stale.code).to.equal("NONCE_BLOCKED");
      expect(stale.status).to.equal(409);
      expect(stale.problem).to.deep.include({ nextNonce: a.request.nonce.toString() });
      expect(stale.problem.blockedBy).to.deep.equal({ id: aId, forwarderNonce: a.request.nonce.toString(), code: "REQUEST_EXPIRED" });
      // The same requests sent again get their stored outcomes, not fresh checks.
      expect(await service.client.submit(a)).to.deep.include({ id: aId, status: "failed", code: "REQUEST_EXPIRED", existing: true });
      expect(await service.client.submit(b)).to.deep.include({ id: bId, status: "failed", code: "NONCE_BLOCKED", existing: true });

      // Signed again from a's nonce (a's invoice too, with a later deadline): new requests, relayed in order.
      const again = [
        await body(s, service.client, 2, dc, { invoice: a.consent.invoiceHash, nonce: a.request.nonce }),
        await body(s, service.client, 3, dc, { invoice: b.consent.invoiceHash, nonce: a.request.nonce + 1n }),
        await body(s, service.client, 3, dc, { invoice: c.consent.invoiceHash, nonce: a.request.nonce + 2n }),
      ];
      const newIds = await submitAll(again);
      for (const id of newIds) expect([aId, bId, cId]).to.not.include(id);
      expect(await nextNonce(dc)).to.equal((a.request.nonce + 3n).toString());
      const views = await settle(newIds, dc);
      expect(views.map((v) => `${v.status} ${v.code ?? ""}`)).to.deep.equal(["confirmed ", "confirmed ", "confirmed "]);
      for (const r of again) expect(await s.t.ledger.invoiceUsed(r.consent.invoiceHash)).to.equal(true);
      // The failed requests stay readable beside the ones that replaced them.
      expect((await status(aId!, dc)).code).to.equal("REQUEST_EXPIRED");
      expect((await status(bId!, dc)).code).to.equal("NONCE_BLOCKED");
      expect(await service.client.submit(again[0]!)).to.deep.include({ id: newIds[0], status: "confirmed", existing: true });
    });

    it("fails a request in flight above one that expired in flight when their block is mined, not after retries", async function () {
      const dc = s.dataCenters[2]!;
      const now = BigInt((await s.t.provider.getBlock("latest"))!.timestamp);
      const a = await body(s, service.client, 4, dc, { requestDeadline: now + 30n });
      const b = await body(s, service.client, 5, dc);
      const [aId, bId] = await submitAll([a, b]);
      for (const id of [aId!, bId!]) await sent(id, dc);
      const relayed = await relayerTransactions(dc);

      // Both in one block, past a's deadline: the forwarder skips a (expired) and so b (nonce out of order).
      await mine(60);
      const expired = await until(aId!, dc, (v) => v.status === "failed", "failed");
      expect(expired.code).to.equal("REQUEST_EXPIRED");
      const blocked = await until(bId!, dc, (v) => v.status === "failed", "failed");
      expect(blocked.code, blocked.reason ?? "").to.equal("NONCE_BLOCKED");
      expect(blocked.reason).to.include(`request ${aId} (forwarder nonce ${a.request.nonce})`);
      // Failed from the first skip: it was not sent again.
      expect(await relayerTransactions(dc)).to.equal(relayed);
      expect(await nextNonce(dc)).to.equal(a.request.nonce.toString());
      const replaced = await submitAll([await body(s, service.client, 5, dc, { invoice: b.consent.invoiceHash, nonce: a.request.nonce })]);
      expect((await settle(replaced, dc))[0]).to.deep.include({ status: "confirmed" });
      expect(await s.t.ledger.invoiceUsed(a.consent.invoiceHash)).to.equal(false);
      expect(await s.t.ledger.invoiceUsed(b.consent.invoiceHash)).to.equal(true);
    });

    it("has the CLI's redeem --wait exit 1 with the code and reason when the request fails after it was queued", async function () {
      const dc = s.dataCenters[3]!;
      const v = s.vouchers[6]!;
      await fillRelayer(dc, 6);
      const info = await service.client.signingInfo();
      const now = BigInt((await s.t.provider.getBlock("latest"))!.timestamp);
      const signed = await signConsent(v.holder, domainOf(info.consentDomain), {
        voucherId: v.id, dataCenter: dc.address, amount: 1000n, invoiceHash: invoiceHash("CLI"), invoiceTotal: 2000n, deadline: now + 30n,
      });
      const dir = await mkdtemp(join(tmpdir(), "cvl-cli-"));
      try {
        const file = join(dir, "consent.json");
        await writeFile(file, JSON.stringify(signed, (_, x) => (typeof x === "bigint" ? x.toString() : x)));
        const queuedAt = (await nextNonce(dc))!;
        const run = new Promise<{ code: number; stderr: string }>((resolve) => {
          execFile(
            process.execPath,
            ["--import", "tsx", "service/client/cli.ts", "redeem", "--service", service.url, "--consent", file, "--wait"],
            { env: { ...process.env, DATA_CENTER_PRIVATE_KEY: dc.privateKey } },
            (error, _stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stderr }),
          );
        });
        // Queued behind the two in flight (its nonce counted), then past its deadline when they are mined.
        await eventually(async () => ((await nextNonce(dc)) === (BigInt(queuedAt) + 1n).toString() ? true : undefined), "the CLI's request queued");
        await mine(60);
        const { code, stderr } = await run;
        expect(code, stderr).to.equal(1);
        expect(stderr).to.include("failed: REQUEST_EXPIRED: the request's deadline");
        expect(await s.t.ledger.invoiceUsed(signed.consent.invoiceHash)).to.equal(false);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
