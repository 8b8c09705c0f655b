import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { Wallet } from "ethers";

import { RedemptionProblem } from "../../../service/client/index.js";
import type { RedemptionBody } from "../../../service/domain/redemption-wire.js";
import { SHANGHAI } from "../helpers/ledger.js";
import { body, eventually, FACE, invoiceHash, readOut, type Scenario, type Service, setUp, startService } from "./helpers/scenario.js";

/** Posts a body and returns the problem the service answered with (failing if it accepted it). */
async function refusal(service: Service, b: RedemptionBody): Promise<RedemptionProblem> {
  try {
    const accepted = await service.client.submit(b);
    throw new Error(`accepted: ${JSON.stringify(accepted)}`);
  } catch (error) {
    if (!(error instanceof RedemptionProblem)) throw error;
    return error;
  }
}

describe("relay: redemptions through POST /v1/redemptions", function () {
  let s: Scenario;
  let service: Service;

  before(async function () {
    s = await setUp({ vouchers: 12, dataCenters: 12, blockTimeMs: 250 });
    service = await startService(s);
  });

  after(async function () {
    await service?.stop();
    await s?.stop();
  });

  it("redeems end to end: 202, confirmed on chain by the data center, visible in the mirror", async function () {
    const dc = s.dataCenters[0]!;
    const b = await body(s, service.client, 0, dc, { amount: 5000n });
    const accepted = await service.client.submit(b);
    expect(accepted.existing).to.equal(false);
    expect(accepted.status).to.equal("queued");
    expect(accepted.statusUrl).to.equal(`/v1/redemptions/requests/${accepted.id}`);
    const done = await service.client.wait(accepted.id, dc, { intervalMs: 100 });
    expect(done.status, done.reason ?? "").to.equal("confirmed");
    expect(done.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(done.blockNumber).to.be.a("number");
    expect(await s.t.ledger.invoiceUsed(b.consent.invoiceHash)).to.equal(true);
    expect(await s.t.ledger.balanceOf(s.vouchers[0]!.holder.address, s.vouchers[0]!.id)).to.equal(FACE - 5000n);
    const receipt = await s.t.provider.getTransactionReceipt(done.transactionHash!);
    const redeemed = receipt!.logs.map((l) => s.t.ledger.interface.parseLog(l)).find((e) => e?.name === "VoucherRedeemed");
    expect(redeemed?.args.dataCenter).to.equal(dc.address);
    expect(redeemed?.args.city).to.equal(BigInt(SHANGHAI));
    const mirrored = await eventually(async () => {
      const rows = await readOut<{ invoice_hash: string; data_center: string; amount: string }[]>(service, "/test/mirror/redemptions");
      return rows.find((r) => r.invoice_hash === b.consent.invoiceHash);
    }, "the mirror to see the redemption");
    expect(mirrored).to.deep.include({ data_center: dc.address, amount: "5000" });
    const final = await service.client.wait(accepted.id, dc, { intervalMs: 100, final: true });
    expect(final.final).to.equal(true);
  });

  describe("refusals, each leaving the chain unchanged", function () {
    /** Posts a body built for voucher 1 and data center 1 that the service must refuse with `code`. */
    async function refused(code: string, status: number, build: () => Promise<RedemptionBody>): Promise<RedemptionProblem> {
      const v = s.vouchers[1]!;
      const dc = s.dataCenters[1]!;
      const before = {
        balance: await s.t.ledger.balanceOf(v.holder.address, v.id),
        redeemed: (await s.t.ledger.getCityCounters(SHANGHAI)).redeemed,
        nonce: s.nonces.get(dc.address),
      };
      const b = await build();
      const usedBefore = await s.t.ledger.invoiceUsed(b.consent.invoiceHash);
      const problem = await refusal(service, b);
      expect(problem.code, problem.message).to.equal(code);
      expect(problem.status).to.equal(status);
      expect(problem.problem.detail).to.be.a("string").and.not.equal("");
      expect(await s.t.ledger.invoiceUsed(b.consent.invoiceHash)).to.equal(usedBefore);
      expect(await s.t.ledger.balanceOf(v.holder.address, v.id)).to.equal(before.balance);
      expect((await s.t.ledger.getCityCounters(SHANGHAI)).redeemed).to.equal(before.redeemed);
      const requests = await readOut<{ invoice_hash: string }[]>(service, "/test/relay/requests");
      expect(requests.map((r) => r.invoice_hash)).to.not.include(b.consent.invoiceHash);
      s.nonces.set(dc.address, before.nonce!);
      return problem;
    }
    const dc = () => s.dataCenters[1]!;
    const next = () => ({ nonce: s.nonces.get(dc().address)! });

    it("refuses a data center that is not accredited (NOT_ACCREDITED)", async function () {
      const stranger = Wallet.createRandom() as unknown as Wallet;
      const problem = await refused("NOT_ACCREDITED", 422, () => body(s, service.client, 1, stranger, { nonce: 0n }));
      expect(problem.problem.detail).to.include("is not accredited for city 310000");
    });

    it("refuses an expired consent (CONSENT_EXPIRED)", async function () {
      await refused("CONSENT_EXPIRED", 422, () => body(s, service.client, 1, dc(), { ...next(), consentDeadline: 1n }));
    });

    it("refuses an amount over the city's ratio of the invoice (OVER_RATIO)", async function () {
      const problem = await refused("OVER_RATIO", 422, () => body(s, service.client, 1, dc(), { ...next(), amount: 9000n, invoiceTotal: 10_000n }));
      expect(problem.problem.detail).to.include("80%");
    });

    it("refuses a consent not signed by the holder (INVALID_CONSENT)", async function () {
      const forger = Wallet.createRandom() as unknown as Wallet;
      await refused("INVALID_CONSENT", 422, () => body(s, service.client, 1, dc(), { ...next(), consentSigner: forger }));
    });

    it("refuses more than the voucher has left (INSUFFICIENT_VALUE)", async function () {
      await refused("INSUFFICIENT_VALUE", 422, () => body(s, service.client, 1, dc(), { ...next(), amount: FACE + 1n, invoiceTotal: FACE * 2n }));
    });

    it("refuses an invoice already redeemed on chain (INVOICE_USED)", async function () {
      const invoice = invoiceHash("DIRECT");
      const info = await service.client.signingInfo();
      const { signConsent, domainOf } = await import("../../../service/client/index.js");
      const v = s.vouchers[2]!;
      const direct = await signConsent(v.holder, domainOf(info.consentDomain), {
        voucherId: v.id, dataCenter: s.t.signers.dataCenter.address, amount: 10n, invoiceHash: invoice, invoiceTotal: 20n, deadline: 2n ** 40n,
      });
      await (await s.t.ledger.connect(s.t.signers.dataCenter).redeem(direct.consent, direct.signature)).wait();
      await refused("INVOICE_USED", 422, () => body(s, service.client, 1, dc(), { ...next(), invoice }));
    });

    it("refuses a revoked voucher (VOUCHER_INACTIVE)", async function () {
      const v = s.vouchers[11]!;
      await (await s.t.ledger.connect(s.t.signers.shanghaiIssuer).revoke(v.id, "0x" + "00".repeat(31) + "01")).wait();
      await refused("VOUCHER_INACTIVE", 422, () => body(s, service.client, 11, dc(), next()));
    });

    it("refuses a forward request past its deadline (REQUEST_EXPIRED)", async function () {
      await refused("REQUEST_EXPIRED", 422, () => body(s, service.client, 1, dc(), { ...next(), requestDeadline: 1n }));
    });

    it("refuses a consent naming another data center than the request's signer (REQUEST_MISMATCH)", async function () {
      await refused("REQUEST_MISMATCH", 422, () => body(s, service.client, 1, dc(), { ...next(), consentDataCenter: s.dataCenters[2]!.address }));
    });

    it("refuses a forged data-center signature (INVALID_SIGNATURE)", async function () {
      const stranger = Wallet.createRandom() as unknown as Wallet;
      await refused("INVALID_SIGNATURE", 401, async () => {
        const forged = await body(s, service.client, 1, stranger, { nonce: s.nonces.get(dc().address)!, consentDataCenter: dc().address });
        return { ...forged, request: { ...forged.request, from: dc().address } };
      });
      await refused("INVALID_SIGNATURE", 401, async () => {
        const signed = await body(s, service.client, 1, dc(), next());
        return { ...signed, request: { ...signed.request, gas: signed.request.gas + 1n } };
      });
    });

    it("refuses a forwarder nonce ahead of the data center's next one (NONCE_GAP)", async function () {
      const problem = await refused("NONCE_GAP", 409, () => body(s, service.client, 1, dc(), { nonce: s.nonces.get(dc().address)! + 5n }));
      expect(problem.problem.nextNonce).to.equal(s.nonces.get(dc().address)!.toString());
    });

    it("refuses a replayed data-center nonce with another invoice (NONCE_USED)", async function () {
      const used = s.nonces.get(s.dataCenters[0]!.address)! - 1n;
      const v = s.vouchers[1]!;
      const before = await s.t.ledger.balanceOf(v.holder.address, v.id);
      const problem = await refusal(service, await body(s, service.client, 1, s.dataCenters[0]!, { nonce: used }));
      expect(problem.code).to.equal("NONCE_USED");
      expect(await s.t.ledger.balanceOf(v.holder.address, v.id)).to.equal(before);
    });

    it("refuses a body that is not a redemption (VALIDATION_FAILED, each failing field named), as problem+json", async function () {
      const response = await fetch(`${service.url}/v1/redemptions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ consent: { voucherId: "x" } }),
      });
      expect(response.status).to.equal(400);
      expect(response.headers.get("content-type")).to.match(/^application\/problem\+json/);
      const problem = (await response.json()) as { code: string; detail: string; errors: { path: string; message: string }[] };
      expect(problem.code).to.equal("VALIDATION_FAILED");
      expect(problem.errors.map((e) => e.path)).to.include("body.consent.voucherId");
      const broken = await fetch(`${service.url}/v1/redemptions`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
      expect(broken.status).to.equal(400);
      expect(((await broken.json()) as { code: string }).code).to.equal("INVALID_JSON");
    });
  });

  describe("idempotency", function () {
    it("answers the same invoice sent again with the existing request (200), and redeems it once", async function () {
      const dc = s.dataCenters[2]!;
      const b = await body(s, service.client, 3, dc, { amount: 777n });
      const [first, second] = await Promise.all([service.client.submit(b), service.client.submit(b)]);
      expect(first.id).to.equal(second.id);
      expect([first.existing, second.existing].sort()).to.deep.equal([false, true]);
      const done = await service.client.wait(first.id, dc, { intervalMs: 100 });
      expect(done.status).to.equal("confirmed");
      const again = await service.client.submit(b);
      expect(again).to.deep.include({ id: first.id, status: "confirmed", existing: true });
      const other = await refusal(service, await body(s, service.client, 3, s.dataCenters[3]!, { invoice: b.consent.invoiceHash, nonce: 0n }));
      expect(other.code).to.equal("INVOICE_IN_USE");
      const logs = await s.t.ledger.queryFilter(s.t.ledger.filters.VoucherRedeemed(s.vouchers[3]!.id));
      expect(logs.filter((l) => l.args.invoiceHash === b.consent.invoiceHash)).to.have.length(1);
      expect(await s.t.ledger.balanceOf(s.vouchers[3]!.holder.address, s.vouchers[3]!.id)).to.equal(FACE - 777n);
    });

    it("admits a batch in its order, each item with its own answer, its checks run concurrently", async function () {
      const dc = s.dataCenters[4]!;
      const first = await body(s, service.client, 5, dc, { amount: 11n });
      const stranger = Wallet.createRandom() as unknown as Wallet;
      const forgedBody = await body(s, service.client, 5, stranger, { nonce: s.nonces.get(dc.address)!, consentDataCenter: dc.address });
      const forged = { ...forgedBody, request: { ...forgedBody.request, from: dc.address } };
      const second = await body(s, service.client, 5, dc, { amount: 12n });
      const gap = await body(s, service.client, 5, dc, { nonce: s.nonces.get(dc.address)! + 4n, amount: 13n });
      const results = await service.client.submitBatch([first, first, forged, second, gap]);
      expect(results.map((r) => r.status)).to.deep.equal([202, 200, 401, 202, 409]);
      expect(results[1]!.accepted!.id).to.equal(results[0]!.accepted!.id);
      expect(results[2]!.problem!.code).to.equal("INVALID_SIGNATURE");
      expect(results[4]!.problem!.code).to.equal("NONCE_GAP");
      for (const r of [results[0]!, results[3]!]) {
        expect((await service.client.wait(r.accepted!.id, dc, { intervalMs: 100 })).status).to.equal("confirmed");
      }
      expect(await s.t.ledger.invoiceUsed(gap.consent.invoiceHash)).to.equal(false);
    });

    it("shows a request only to the data center that sent it", async function () {
      const dc = s.dataCenters[0]!;
      const accepted = await service.client.submit(await body(s, service.client, 0, dc));
      const other = await service.client.status(accepted.id, s.dataCenters[5]!).catch((e: unknown) => e);
      expect(other).to.be.instanceOf(RedemptionProblem);
      expect((other as RedemptionProblem).status).to.equal(404);
      const anonymous = await fetch(`${service.url}/v1/redemptions/requests/${accepted.id}`);
      expect(anonymous.status).to.equal(401);
      expect((await service.client.status(accepted.id, dc)).dataCenter).to.equal(dc.address);
    });
  });

  describe("many at once", function () {
    it("relays 200 requests from 10 data centers in flight at once, each confirmed once, with several transactions per block", async function () {
      const dcs = s.dataCenters.slice(2, 12);
      const batches = await Promise.all(
        dcs.map(async (dc, i) => {
          const bodies: RedemptionBody[] = [];
          for (let k = 0; k < 20; k++) bodies.push(await body(s, service.client, 4 + (i % 7), dc, { amount: 100n + BigInt(k) }));
          return bodies;
        }),
      );
      const results = await Promise.all(batches.map((bodies) => service.client.submitBatch(bodies)));
      const accepted = results.flat();
      expect(accepted.map((r) => r.status)).to.deep.equal(Array(200).fill(202));
      const views = await Promise.all(
        accepted.map((r, i) => service.client.wait(r.accepted!.id, dcs[Math.floor(i / 20)]!, { intervalMs: 250 })),
      );
      expect(views.filter((v) => v.status === "confirmed")).to.have.length(200, JSON.stringify(views.find((v) => v.status !== "confirmed")));
      const invoices = batches.flat().map((b) => b.consent.invoiceHash);
      for (const invoice of invoices) expect(await s.t.ledger.invoiceUsed(invoice)).to.equal(true);
      const txs = new Set(views.map((v) => v.transactionHash));
      const blocks = new Set(views.map((v) => v.blockNumber));
      expect(txs.size).to.be.greaterThan(blocks.size);
      const mirrored = await eventually(async () => {
        const rows = await readOut<{ invoice_hash: string }[]>(service, "/test/mirror/redemptions");
        const seen = new Set(rows.map((r) => r.invoice_hash));
        return invoices.every((i) => seen.has(i)) ? rows : undefined;
      }, "the mirror to see all 200 redemptions");
      expect(mirrored.filter((r) => invoices.includes(r.invoice_hash))).to.have.length(200);
    });
  });

  describe("the CLI", function () {
    it("signs a consent as the start-up (amounts in CNY), redeems it as the data center, and shows the confirmed status", async function () {
      const dir = await mkdtemp(join(tmpdir(), "cvl-cli-"));
      const run = (args: string[], env: Record<string, string>) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile(process.execPath, ["--import", "tsx", "service/client/cli.ts", ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
            resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
          );
        });
      try {
        const v = s.vouchers[10]!;
        const dc = s.dataCenters[1]!;
        const before = await s.t.ledger.balanceOf(v.holder.address, v.id);
        await writeFile(join(dir, "invoice.pdf"), `invoice ${Date.now()}`);
        const consentFile = join(dir, "consent.json");
        const signed = await run(
          ["consent", "sign", "--service", service.url, "--voucher", v.id.toString(), "--data-center", dc.address, "--amount", "40.00",
            "--invoice-total", "50.00", "--invoice-file", join(dir, "invoice.pdf"), "--out", consentFile],
          { HOLDER_PRIVATE_KEY: v.holder.privateKey },
        );
        expect(signed.code, signed.stderr).to.equal(0);
        expect(JSON.parse(await readFile(consentFile, "utf8")).consent.amount).to.equal("4000");
        const missingKey = await run(["redeem", "--service", service.url, "--consent", consentFile], {});
        expect(missingKey.code).to.equal(2);
        expect(missingKey.stderr).to.include("DATA_CENTER_PRIVATE_KEY");
        const redeemed = await run(["redeem", "--service", service.url, "--consent", consentFile, "--wait", "--json"], { DATA_CENTER_PRIVATE_KEY: dc.privateKey });
        expect(redeemed.code, redeemed.stderr).to.equal(0);
        const id = (JSON.parse(redeemed.stdout.split("\n}\n")[0] + "}") as { id: string }).id;
        s.nonces.set(dc.address, s.nonces.get(dc.address)! + 1n);
        const status = await run(["status", "--service", service.url, id, "--json"], { DATA_CENTER_PRIVATE_KEY: dc.privateKey });
        expect(status.code, status.stderr).to.equal(0);
        expect(JSON.parse(status.stdout)).to.deep.include({ id, status: "confirmed", amount: "4000" });
        expect(await s.t.ledger.balanceOf(v.holder.address, v.id)).to.equal(before - 4000n);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
