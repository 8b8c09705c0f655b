import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { encodeBytes32String, Wallet } from "ethers";

import {
  type ConsentV2,
  CONSENT_TYPES_V2,
  domainOf,
  type RedemptionBodyV2,
  RedemptionProblem,
  signConsentV2,
  signRedemptionV2,
} from "../../../service/client/index.js";
import { dateOfDay, dayOfInstant, invoiceNumberHash } from "../../../service/domain/identity.js";
import { consentDigestV2 } from "../../../service/domain/redemption-v2.js";
import { devAccountKey } from "../../../service/internal/config.js";
import { CLASS, CNY, DAY, invoiceNumber, issueVoucher, makeConsent, now, YEAR } from "../../helpers/scheme-fixture.js";
import { deployTestLedgerV2, mirrorEnvV2, type TestLedgerV2 } from "../helpers/ledger-v2.js";
import { backends, newDatabase, type TestDatabase } from "../helpers/mirror.js";
import { type LocalNode, rpcCall, startNode } from "../helpers/node.js";
import { eventually, readOut, type Service, startServiceWith, TEST_RELAYER_KEYS } from "./helpers/scenario.js";

/** Small vouchers: the programme caps a company at CNY 8m a year. */
const FACE = 100_000n * CNY;
const RELAYERS = TEST_RELAYER_KEYS.map((key) => new Wallet(key).address);

for (const backend of backends()) {
  describe(`relay: ledger v2 redemptions through POST /v2/redemptions (${backend})`, function () {
    let node: LocalNode;
    let t: TestLedgerV2;
    let db: TestDatabase;
    let service: Service;
    // The fixture's holder and suppliers (Hardhat's dev accounts 5, 8 and 9), as the client library signs: with keys.
    const holder = new Wallet(devAccountKey(5));
    const holder2 = new Wallet(devAccountKey(6));
    const supplier = new Wallet(devAccountKey(8));
    const otherSupplier = new Wallet(devAccountKey(9));
    let invoice = 100;
    let refs = 0;

    before(async function () {
      node = await startNode("hardhat");
      t = await deployTestLedgerV2(node.url);
      expect([t.f.holder.address, t.f.holder2.address, t.f.supplier.address, t.f.otherSupplier.address]).to.deep.equal(
        [holder.address, holder2.address, supplier.address, otherSupplier.address],
      );
      // A block every 250 ms besides each transaction's: confirmations (finality) come without new transactions.
      await rpcCall(node.url, "evm_setIntervalMining", [250]);
      db = await newDatabase(backend);
      service = await startServiceWith(mirrorEnvV2(node.url, t, db));
    });

    after(async function () {
      await service?.stop();
      await node?.stop();
      await db?.drop();
    });

    const voucher = (owner = holder.address) => issueVoucher(t.f, `RELAY-V2-${++refs}`, FACE, owner);

    /** A signed v2 body as the client library builds it: the holder's consent (the fixture's terms), the supplier's request. */
    async function bodyOf(
      id: bigint,
      amount: bigint,
      o: { overrides?: Partial<ConsentV2>; signer?: Wallet; from?: Wallet; nonce?: bigint; invoice?: number; deadline?: bigint } = {},
    ): Promise<RedemptionBodyV2> {
      const from = o.from ?? supplier;
      const info = await service.clientV2.signingInfo(from.address);
      const consent = await makeConsent(t.f, id, amount, o.invoice ?? ++invoice, o.overrides);
      const signed = await signConsentV2(o.signer ?? holder, domainOf(info.consentDomain), consent);
      return signRedemptionV2(from, signed, {
        ledger: info.ledger,
        forwarderDomain: domainOf(info.forwarderDomain),
        nonce: o.nonce ?? BigInt(info.nextNonce!),
        deadline: o.deadline ?? (await now(t.f.ethers)) + DAY,
      });
    }

    const relayerNonces = () => Promise.all(RELAYERS.map((a) => rpcCall(node.url, "eth_getTransactionCount", [a, "pending"])));
    const requestCount = async () => (await readOut<unknown[]>(service, "/test/relay/requests")).length;

    /** Posts a body that must be refused with `code`, and checks that nothing was stored or sent. */
    async function refused(b: RedemptionBodyV2, code: string, status = 422): Promise<RedemptionProblem> {
      const [nonces, stored] = [await relayerNonces(), await requestCount()];
      let problem: RedemptionProblem | undefined;
      try {
        const accepted = await service.clientV2.submit(b);
        expect.fail(`accepted: ${JSON.stringify(accepted)}`);
      } catch (error) {
        if (!(error instanceof RedemptionProblem)) throw error;
        problem = error;
      }
      expect(problem.code, problem.message).to.equal(code);
      expect(problem.status).to.equal(status);
      expect(problem.problem.detail).to.be.a("string").and.not.equal("");
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await relayerNonces(), "no relayer transaction").to.deep.equal(nonces);
      expect(await requestCount(), "no stored request").to.equal(stored);
      return problem;
    }

    it("redeems end to end: 202, confirmed on chain for the supplier, visible in the mirror's v2 redemptions", async function () {
      const id = await voucher();
      const b = await bodyOf(id, 3_000n * CNY);
      const accepted = await service.clientV2.submit(b);
      expect(accepted).to.deep.include({ existing: false, status: "queued", invoiceNumberHash: b.consent.invoiceNumberHash });
      expect(accepted.statusUrl).to.equal(`/v2/redemptions/requests/${accepted.id}`);
      const done = await service.clientV2.wait(accepted.id, supplier, { intervalMs: 100 });
      expect(done.status, done.reason ?? "").to.equal("confirmed");
      expect(done).to.deep.include({ supplier: supplier.address, voucherId: id.toString(), programme: Number(t.f.programme), amount: "300000" });
      expect(await t.f.ledger.balanceOf(holder.address, id)).to.equal(FACE - 3_000n * CNY);
      const { signature: _signature, ...consent } = b.consent;
      const digest = consentDigestV2(domainOf((await service.clientV2.signingInfo()).consentDomain), consent);
      expect(digest).to.equal(await t.f.ledger.consentDigest(consent));
      const mirrored = await eventually(async () => {
        const rows = await readOut<{ invoice_number_hash: string; supplier: string; programme: number; amount: string; transaction_hash: string; consent_digest: string }[]>(
          service,
          "/test/mirror/v2-redemptions",
        );
        return rows.find((r) => r.invoice_number_hash === b.consent.invoiceNumberHash);
      }, "the mirror to see the redemption");
      expect(mirrored).to.deep.include({ supplier: supplier.address, amount: "300000", transaction_hash: done.transactionHash, consent_digest: digest });
      expect(Number(mirrored.programme)).to.equal(Number(t.f.programme));
      // The same request again is the stored one.
      expect(await service.clientV2.submit(b)).to.deep.include({ id: accepted.id, existing: true, status: "confirmed" });
      const final = await service.clientV2.wait(accepted.id, supplier, { intervalMs: 100, final: true });
      expect(final.final).to.equal(true);
    });

    it("takes a batch: each item answered in its place, both redeemed", async function () {
      const id = await voucher();
      const nonce = BigInt((await service.clientV2.signingInfo(supplier.address)).nextNonce!);
      const a = await bodyOf(id, 1_000n * CNY, { nonce });
      const b = await bodyOf(id, 2_000n * CNY, { nonce: nonce + 1n });
      const bad = { ...a, consent: { ...a.consent, amount: -1n } };
      const results = await service.clientV2.submitBatch([a, b, bad]);
      expect(results.map((r) => r.status)).to.deep.equal([202, 202, 400]);
      expect(results[2]!.problem?.code).to.equal("VALIDATION_FAILED");
      for (const r of results.slice(0, 2)) {
        const done = await service.clientV2.wait(r.accepted!.id, supplier, { intervalMs: 100 });
        expect(done.status, done.reason ?? "").to.equal("confirmed");
      }
      expect(await t.f.ledger.balanceOf(holder.address, id)).to.equal(FACE - 3_000n * CNY);
    });

    describe("refusals at admission, with nothing stored or sent", function () {
      it("refuses a consent whose deadline has passed, and one that runs longer than 90 days", async function () {
        const id = await voucher();
        const t0 = await now(t.f.ethers);
        const expired = await refused(await bodyOf(id, 1_000n * CNY, { overrides: { deadline: t0 - 10n } }), "CONSENT_EXPIRED");
        expect(expired.problem.error).to.equal("VoucherLedgerConsentExpired");
        await refused(await bodyOf(id, 1_000n * CNY, { overrides: { deadline: t0 + 91n * DAY } }), "CONSENT_TOO_LONG");
      });

      it("refuses a request of another supplier than the consent names, and an unaccredited supplier", async function () {
        const id = await voucher();
        const mismatch = await bodyOf(id, 1_000n * CNY, { overrides: { supplier: otherSupplier.address } });
        const p = await refused(mismatch, "REQUEST_MISMATCH");
        expect(p.problem.detail).to.include(`the consent's supplier ${otherSupplier.address}`);
        const unaccredited = await refused(
          await bodyOf(id, 1_000n * CNY, { from: otherSupplier, overrides: { supplier: otherSupplier.address } }),
          "NOT_ACCREDITED",
        );
        expect(unaccredited.problem.detail).to.include(`supplier ${otherSupplier.address} is not accredited for programme ${t.f.programme}`);
      });

      it("refuses an invoice this programme already paid", async function () {
        const id = await voucher();
        const number = ++invoice;
        const first = await makeConsent(t.f, id, 1_000n * CNY, number);
        const signature = await holder.signTypedData(domainOf((await service.clientV2.signingInfo()).consentDomain), CONSENT_TYPES_V2, first);
        await (await t.f.ledger.connect(t.f.supplier).redeem(first, signature)).wait();
        await refused(await bodyOf(id, 500n * CNY, { invoice: number }), "INVOICE_USED");
      });

      it("refuses a redemption between related parties", async function () {
        const id = await voucher();
        const r = t.f.registry.connect(t.f.governor);
        await (await r.recordRelation(t.f.entities.startup, t.f.entities.supplier, encodeBytes32String("shareholder"))).wait();
        try {
          await refused(await bodyOf(id, 1_000n * CNY), "RELATED_PARTIES");
        } finally {
          await (await r.clearRelation(t.f.entities.startup, t.f.entities.supplier, encodeBytes32String("sold"))).wait();
        }
        await refused(await bodyOf(id, 1_000n * CNY, { overrides: { unrelated: false } }), "UNDECLARED_RELATION");
      });

      it("refuses a compute class the supplier is not accredited for", async function () {
        const id = await voucher();
        const r = t.f.registry.connect(t.f.governor);
        const t0 = await now(t.f.ethers);
        await (await r.accredit(t.f.entities.supplier, t.f.programme, t0, t0 + 3n * YEAR, 0b01)).wait();
        try {
          const p = await refused(await bodyOf(id, 1_000n * CNY, { overrides: { computeClass: CLASS.OTHER, invoiceTotal: 10_000n * CNY } }), "CLASS_NOT_ACCREDITED");
          expect(p.problem.args).to.deep.include({ computeClass: String(CLASS.OTHER) });
        } finally {
          await (await r.accredit(t.f.entities.supplier, t.f.programme, t0, t0 + 3n * YEAR, 0b11)).wait();
        }
      });

      it("refuses a consent the holder cancelled, and one in the new epoch not signed by the holder", async function () {
        const id = await voucher(holder2.address);
        await (await t.f.ledger.connect(t.f.holder2).cancelConsents()).wait();
        await refused(await bodyOf(id, 1_000n * CNY, { signer: holder2 }), "CONSENT_CANCELLED");
        const epoch = Number((await t.f.ledger.getAccount(holder2.address)).consentEpoch);
        await refused(await bodyOf(id, 1_000n * CNY, { signer: holder, overrides: { epoch } }), "INVALID_CONSENT");
      });
    });

    describe("one live request per invoice of a supplier company, from any of its addresses", function () {
      // A second address of the fixture's supplier company (Hardhat's dev account 10), accredited with it.
      const secondAddress = new Wallet(devAccountKey(10));

      /** Runs `fn` with no blocks mined (no interval, no automine): a request sent stays in flight. */
      async function withoutBlocks<T>(fn: () => Promise<T>): Promise<T> {
        await rpcCall(node.url, "evm_setIntervalMining", [0]);
        await rpcCall(node.url, "evm_setAutomine", [false]);
        try {
          return await fn();
        } finally {
          await rpcCall(node.url, "evm_setAutomine", [true]);
          await rpcCall(node.url, "evm_setIntervalMining", [250]);
        }
      }

      /** Waits until the supplier's request is in a relayer transaction the node has. */
      async function inFlight(id: string): Promise<void> {
        await eventually(async () => ((await service.clientV2.status(id, supplier)).status === "submitted" ? true : undefined), "the request in flight");
        await eventually(async () => {
          const pending = await rpcCall<{ transactions: unknown[] }>(node.url, "eth_getBlockByNumber", ["pending", false]);
          return pending.transactions.length > 0 ? true : undefined;
        }, "its transaction at the node");
      }

      before(async function () {
        const r = t.f.registry.connect(t.f.governor);
        await (await r.addAddress(t.f.entities.supplier, secondAddress.address, encodeBytes32String("second office"))).wait();
        const accreditation = await t.f.ledger.getAccreditation(secondAddress.address, t.f.programme);
        expect(accreditation.entity).to.equal(t.f.entities.supplier);
      });

      it("refuses the invoice from the company's other address while the first request is live, nothing stored or sent (409 INVOICE_PENDING)", async function () {
        const id = await voucher();
        const number = ++invoice;
        const other = { invoice: number, from: secondAddress, overrides: { supplier: secondAddress.address } };
        const first = await withoutBlocks(async () => {
          const accepted = await service.clientV2.submit(await bodyOf(id, 1_000n * CNY, { invoice: number }));
          expect(accepted.existing).to.equal(false);
          await inFlight(accepted.id);
          // In flight (its transaction sent, not mined): the other address's request would pass the simulation.
          const second = await refused(await bodyOf(id, 1_000n * CNY, other), "INVOICE_PENDING", 409);
          expect(second.problem.detail).to.include(accepted.id).and.include(supplier.address);
          expect(second.problem.heldBy).to.deep.include({ id: accepted.id, supplier: supplier.address, status: "submitted" });
          return accepted;
        });
        const done = await service.clientV2.wait(first.id, supplier, { intervalMs: 100 });
        expect(done.status, done.reason ?? "").to.equal("confirmed");
        // Confirmed, the invoice is still the company's first request's.
        await refused(await bodyOf(id, 500n * CNY, other), "INVOICE_PENDING", 409);
        expect(await t.f.ledger.balanceOf(holder.address, id)).to.equal(FACE - 1_000n * CNY);
      });

      it("refuses a batch's second item for an invoice its first item holds, from the company's other address", async function () {
        const id = await voucher();
        const number = ++invoice;
        const a = await bodyOf(id, 1_000n * CNY, { invoice: number });
        const b = await bodyOf(id, 2_000n * CNY, { invoice: number, from: secondAddress, overrides: { supplier: secondAddress.address } });
        const c = await bodyOf(id, 3_000n * CNY, { invoice: number, from: supplier, nonce: a.request.nonce + 1n });
        const results = await service.clientV2.submitBatch([a, b, c]);
        expect(results.map((r) => r.status)).to.deep.equal([202, 409, 200]);
        expect(results[1]!.problem?.code).to.equal("INVOICE_PENDING");
        // The same address's other request for the invoice gets its live request, as a retry would.
        expect(results[2]!.accepted?.id).to.equal(results[0]!.accepted!.id);
        const done = await service.clientV2.wait(results[0]!.accepted!.id, supplier, { intervalMs: 100 });
        expect(done.status, done.reason ?? "").to.equal("confirmed");
        expect(await t.f.ledger.balanceOf(holder.address, id)).to.equal(FACE - 1_000n * CNY);
      });

      it("admits the invoice from the other address once the first request failed (its deadline passed in flight)", async function () {
        const id = await voucher();
        const number = ++invoice;
        const t0 = await now(t.f.ethers);
        const short = await bodyOf(id, 1_000n * CNY, { invoice: number, deadline: t0 + 60n });
        // No blocks until the request is in flight; then one two minutes on, past its deadline: the forwarder skips it.
        await withoutBlocks(async () => {
          const first = await service.clientV2.submit(short);
          await inFlight(first.id);
          await rpcCall(node.url, "evm_increaseTime", [120]);
          await rpcCall(node.url, "evm_mine", []);
          const failed = await service.clientV2.wait(first.id, supplier, { intervalMs: 100 });
          expect(failed).to.deep.include({ status: "failed", code: "REQUEST_EXPIRED" });
        });
        const again = await service.clientV2.submit(await bodyOf(id, 1_000n * CNY, { invoice: number, from: secondAddress, overrides: { supplier: secondAddress.address } }));
        expect(again.existing).to.equal(false);
        const done = await service.clientV2.wait(again.id, secondAddress, { intervalMs: 100 });
        expect(done.status, done.reason ?? "").to.equal("confirmed");
      });
    });

    /** `npm run client -- …` with `env` added. */
    const run = (args: string[], env: Record<string, string>) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ["--import", "tsx", "service/client/cli.ts", ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
          resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
        );
      });

    it("gives the holder's consent epoch in signing-info, and the CLI signs with it when --epoch is not given", async function () {
      const before = await service.clientV2.signingInfo(supplier.address, holder2.address);
      expect(before.holder).to.deep.equal({ address: holder2.address, consentEpoch: Number((await t.f.ledger.getAccount(holder2.address)).consentEpoch), beneficiary: true });
      expect(BigInt(before.chainTime)).to.be.closeTo(await now(t.f.ethers), 5n);
      expect(before.nextNonce).to.be.a("string");
      await (await t.f.ledger.connect(t.f.holder2).cancelConsents()).wait();
      const epoch = Number((await t.f.ledger.getAccount(holder2.address)).consentEpoch);
      expect(epoch).to.equal(before.holder!.consentEpoch + 1);
      expect((await service.clientV2.signingInfo(undefined, holder2.address)).holder?.consentEpoch).to.equal(epoch);
      expect((await service.clientV2.signingInfo(undefined, otherSupplier.address)).holder).to.deep.include({ beneficiary: false });
      const dir = await mkdtemp(join(tmpdir(), "cvl-cli-v2-epoch-"));
      try {
        const ref = `RELAY-V2-CLI-${++refs}`;
        await issueVoucher(t.f, ref, FACE, holder2.address);
        const today = dayOfInstant(await now(t.f.ethers));
        for (const doc of ["contract", "invoice", "payment"]) await writeFile(join(dir, `${doc}.pdf`), `${doc} ${Date.now()}`);
        const consentFile = join(dir, "consent.json");
        const signed = await run([
          "v2", "consent", "sign", "--service", service.url, "--programme", String(t.f.programme), "--ref", ref, "--supplier", supplier.address,
          "--amount", "300.00", "--invoice-total", "1000.00", "--class", String(CLASS.DOMESTIC), "--invoice", invoiceNumber(++invoice),
          "--service-from", dateOfDay(today - 10), "--service-to", dateOfDay(today - 1), "--gpu-hours", "720.00", "--contract-date", dateOfDay(today - 30),
          "--contract-file", join(dir, "contract.pdf"), "--invoice-file", join(dir, "invoice.pdf"), "--payment-file", join(dir, "payment.pdf"),
          "--declare-unrelated", "--out", consentFile,
        ], { HOLDER_PRIVATE_KEY: holder2.privateKey });
        expect(signed.code, signed.stderr).to.equal(0);
        const file = JSON.parse(await readFile(consentFile, "utf8")) as { consent: { epoch: number; deadline: string } };
        expect(file.consent.epoch).to.equal(epoch);
        expect(BigInt(file.consent.deadline)).to.be.closeTo((await now(t.f.ethers)) + 7n * DAY, 10n);
        const redeemed = await run(["v2", "redeem", "--consent", consentFile, "--wait"], { SUPPLIER_PRIVATE_KEY: supplier.privateKey });
        expect(redeemed.code, redeemed.stderr).to.equal(0);
        expect(redeemed.stdout).to.match(/request \S+: confirmed, 300\.00 CNY/);
        const voucherId = await t.f.ledger.voucherId(t.f.programme, encodeBytes32String(ref));
        expect(await t.f.ledger.balanceOf(holder2.address, voucherId)).to.equal(FACE - 30_000n);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("runs the client CLI's v2 commands end to end: the start-up signs, the supplier redeems and reads the confirmed status", async function () {
      const dir = await mkdtemp(join(tmpdir(), "cvl-cli-v2-"));
      try {
        const ref = `RELAY-V2-CLI-${++refs}`;
        await issueVoucher(t.f, ref, FACE);
        const today = dayOfInstant(await now(t.f.ethers));
        for (const doc of ["contract", "invoice", "payment"]) await writeFile(join(dir, `${doc}.pdf`), `${doc} ${Date.now()}`);
        const consentFile = join(dir, "consent.json");
        const number = invoiceNumber(++invoice);
        const sign = [
          "v2", "consent", "sign", "--service", service.url, "--programme", String(t.f.programme), "--ref", ref, "--supplier", supplier.address,
          "--amount", "300.00", "--invoice-total", "1000.00", "--class", String(CLASS.DOMESTIC), "--invoice", number,
          "--service-from", dateOfDay(today - 10), "--service-to", dateOfDay(today - 1), "--gpu-hours", "720.00", "--contract-date", dateOfDay(today - 30),
          "--contract-file", join(dir, "contract.pdf"), "--invoice-file", join(dir, "invoice.pdf"), "--payment-file", join(dir, "payment.pdf"),
          "--out", consentFile,
        ];
        const undeclared = await run(sign, { HOLDER_PRIVATE_KEY: holder.privateKey });
        expect(undeclared.code).to.equal(2);
        expect(undeclared.stderr).to.include("--declare-unrelated");
        const signed = await run([...sign, "--declare-unrelated"], { HOLDER_PRIVATE_KEY: holder.privateKey });
        expect(signed.code, signed.stderr).to.equal(0);
        const file = JSON.parse(await readFile(consentFile, "utf8")) as { consent: Record<string, unknown>; salts: Record<string, string> };
        expect(file.consent).to.deep.include({ amount: "30000", invoiceTotal: "100000", invoiceNumberHash: invoiceNumberHash(number), gpuCentihours: "72000", unrelated: true });
        expect(Object.keys(file.salts)).to.deep.equal(["contract", "invoice", "payment"]);
        const redeemed = await run(["v2", "redeem", "--consent", consentFile, "--wait", "--json"], { SUPPLIER_PRIVATE_KEY: supplier.privateKey });
        expect(redeemed.code, redeemed.stderr).to.equal(0);
        const id = (JSON.parse(redeemed.stdout.split("\n}\n")[0] + "}") as { id: string }).id;
        const status = await run(["v2", "status", "--service", service.url, id], { SUPPLIER_PRIVATE_KEY: supplier.privateKey });
        expect(status.code, status.stderr).to.equal(0);
        expect(status.stdout).to.include(`request ${id}: confirmed, 300.00 CNY`).and.include(`(programme ${t.f.programme}) for supplier ${supplier.address}`);
        const voucherId = await t.f.ledger.voucherId(t.f.programme, encodeBytes32String(ref));
        expect(await t.f.ledger.balanceOf(holder.address, voucherId)).to.equal(FACE - 30_000n);
        // Sent again, the consent's invoice has this supplier's confirmed request: that one is the answer.
        const again = await run(["v2", "redeem", "--consent", consentFile], { SUPPLIER_PRIVATE_KEY: supplier.privateKey });
        expect(again.code, again.stderr).to.equal(0);
        expect(again.stdout).to.include(`already known: request ${id} (confirmed)`);
        // 30% of another class's invoice, whose ratio is 20%: refused at admission with the ledger's reason, exit 1.
        const over = [...sign.slice(0, sign.indexOf("--class")), "--class", String(CLASS.OTHER), "--invoice", invoiceNumber(++invoice),
          ...sign.slice(sign.indexOf("--service-from")), "--declare-unrelated"];
        expect((await run(over, { HOLDER_PRIVATE_KEY: holder.privateKey })).code).to.equal(0);
        const refusal = await run(["v2", "redeem", "--consent", consentFile], { SUPPLIER_PRIVATE_KEY: supplier.privateKey });
        expect(refusal.code).to.equal(1);
        expect(refusal.stderr).to.equal("refused: OVER_RATIO (422): the amount 30000 is more than 20% of the invoice total 100000\n");
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("serves ledger v2's endpoints only: v1's POST /v1/redemptions is not there", async function () {
      const response = await fetch(`${service.url}/v1/redemptions`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(response.status).to.equal(404);
      const info = await service.clientV2.signingInfo();
      expect(info.consentDomain).to.deep.include({ name: "VoucherLedger", version: "2", verifyingContract: await t.f.ledger.getAddress() });
      expect(info.forwarder).to.equal(await t.f.forwarder.getAddress());
    });
  });
}
