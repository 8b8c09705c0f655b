import { expect } from "chai";
import { encodeBytes32String } from "ethers";
import { parse as parseCsv } from "csv-parse/sync";

import { ROLE } from "../../../service/domain/roles.js";
import { deployTestLedgerV2, mirrorEnvV2, runV2Workload, type TestLedgerV2 } from "../helpers/ledger-v2.js";
import { backends, newDatabase } from "../helpers/mirror.js";
import { type LocalNode, startNode } from "../helpers/node.js";
import { API_TEST_ENV, type ApiFixture, login, startApiFixtureOn, tokenFor } from "./helpers.js";
import { shouldBehaveLikeAKeysetList } from "./list.behavior.js";

const cny = (fen: bigint) => `${fen / 100n}.${(fen % 100n).toString().padStart(2, "0")}`;
type Item = Record<string, unknown>;

describe("audit API: ledger v2's lists", function () {
  let node: LocalNode;
  let t: TestLedgerV2;
  /** The finance officer whose correction was delayed. */
  let delayed: string;

  before(async function () {
    node = await startNode("hardhat");
    t = await deployTestLedgerV2(node.url);
    await runV2Workload(t);
    await runV2Workload(t);
    // A finance officer with an execution delay corrects entry 2 through the AccessManager, which the event then names.
    const [delayedFinance] = (await t.connection.ethers.getSigners()).slice(12);
    const { manager, payments } = t.f;
    await (await manager.connect(t.f.admin).grantRole(ROLE.FINANCE, delayedFinance!.address, 3600)).wait();
    const correction = payments.interface.encodeFunctionData("correctEntry", [2, encodeBytes32String("delayed")]);
    await (await manager.connect(delayedFinance).schedule(await payments.getAddress(), correction, 0)).wait();
    await t.connection.ethers.provider.send("evm_increaseTime", [3600]);
    await (await manager.connect(delayedFinance).execute(await payments.getAddress(), correction)).wait();
    delayed = delayedFinance!.address;
  });

  after(async function () {
    await t?.connection.close();
    await node?.stop();
  });

  for (const backend of backends()) {
    describe(`over ${backend}`, function () {
      let fx: ApiFixture;
      let governor: string;
      let issuer: string;
      let supplier: string;
      let holder: string;

      before(async function () {
        const db = await newDatabase(backend);
        fx = await startApiFixtureOn(mirrorEnvV2(node.url, t, db, API_TEST_ENV), db, backend);
        governor = await tokenFor(fx.client, t.f.governor);
        issuer = await tokenFor(fx.client, t.f.issuer);
        supplier = await tokenFor(fx.client, t.f.supplier);
        holder = await tokenFor(fx.client, t.f.holder);
      });

      after(async function () {
        await fx?.close();
      });

      it("documents every v2 list in /openapi.json", async function () {
        const paths = Object.keys(fx.client.document.paths ?? {});
        expect(paths).to.include.members(["/v2/programmes", "/v2/companies", "/v2/vouchers", "/v2/redemptions", "/v2/claims", "/v2/payments"]);
      });

      it("lists programmes with their periods, ratios and the chain's totals", async function () {
        const items = (await fx.client.all("/v2/programmes", governor, 1)) as Item[];
        expect(items.map((p) => p.id)).to.deep.equal([1, 2]);
        for (const p of items) {
          const totals = await t.f.ledger.programmeTotals(BigInt(p.id as number));
          expect(p, `programme ${p.id}`).to.include({
            issued: cny(totals.issued), redeemedBySuppliers: cny(totals.redeemedBySuppliers), claimedByBuyers: cny(totals.claimedByBuyers),
            held: cny(totals.held), clawedBack: cny(totals.clawedBack), outstanding: cny(totals.outstanding),
          });
          const period = (p.periods as Item[]).find((y) => y.year === t.f.year)!;
          const onChain = await t.f.ledger.getPeriod(BigInt(p.id as number), t.f.year);
          expect(period).to.include({ budget: cny(onChain.budget), issued: cny(onChain.issued), clawedBack: cny(onChain.clawedBack) });
          expect(p.ratios).to.have.length(4);
        }
        const hangzhou = (await fx.client.get("/v2/programmes?region=330100", governor)).json.items as Item[];
        expect(hangzhou.map((p) => p.id)).to.deep.equal([1]);
      });

      it("filters redemptions by programme, supplier, buyer, class and date range, and pages them by keyset", async function () {
        const all = (await fx.client.get("/v2/redemptions?limit=1000", governor)).json.items as Item[];
        expect(all).to.have.length(2 * t.counter);
        expect(await fx.client.all("/v2/redemptions", governor, 3)).to.deep.equal(all);
        const supplierEntity = Number(t.f.entities.supplier);
        const startup = Number(t.f.entities.startup);
        for (const r of all) expect(r).to.include({ programme: 1, supplierCompany: supplierEntity, beneficiaryCompany: startup, computeClass: 1, gpuHours: "720.00" });
        expect((await fx.client.get(`/v2/redemptions?programme=2&limit=1000`, governor)).json.items).to.have.length(0);
        expect((await fx.client.get(`/v2/redemptions?supplier=${supplierEntity}&company=${startup}&class=1&limit=1000`, governor)).json.items).to.have.length(all.length);
        expect((await fx.client.get("/v2/redemptions?class=2", governor)).json.items).to.have.length(0);
        const last = all[all.length - 1]!;
        const upToLast = (await fx.client.get(`/v2/redemptions?to=${encodeURIComponent(String(last.timestamp))}&limit=1000`, governor)).json.items as Item[];
        expect(upToLast).to.deep.equal(all.slice(0, -1));
        expect((await fx.client.get("/v2/redemptions?from=2099-01-01", governor)).json.items).to.have.length(0);
        // The evidence of each redemption is the consent's.
        const onChain = await t.f.ledger.getVoucher(BigInt(last.voucherId as string));
        expect(onChain.holder).to.equal(t.f.holder2.address);
        expect((last.evidence as Item).contractCommitment).to.match(/^0x[0-9a-f]{64}$/);
      });

      it("lists claims with their review, by status and company, as the chain holds them", async function () {
        const claims = (await fx.client.get("/v2/claims?limit=1000", governor)).json.items as Item[];
        expect(claims).to.have.length(3 * t.counter);
        for (const c of claims) {
          const onChain = await t.f.ledger.getClaim(BigInt(c.claimId as string));
          expect(c).to.include({ amount: cny(onChain.amount), clawedBack: cny(onChain.clawedBack), programme: Number(onChain.programme) });
        }
        const statuses = (s: string) => fx.client.get(`/v2/claims?status=${s}&limit=1000`, governor).then((r) => (r.json.items as Item[]).length);
        expect([await statuses("Approved"), await statuses("Rejected"), await statuses("Pending")]).to.deep.equal([t.counter, t.counter, t.counter]);
        const rejected = (await fx.client.get("/v2/claims?status=Rejected", governor)).json.items[0] as Item;
        expect(rejected).to.include({ reasonText: "no-proof", decidedBy: t.f.issuer.address });
        expect((await fx.client.get(`/v2/claims?company=${t.f.entities.company}`, governor)).json.items).to.have.length(0);
      });

      it("lists payments with their corrections, vouchers by status, and companies by role and class", async function () {
        const supplierEntity = Number(t.f.entities.supplier);
        const payments = (await fx.client.get(`/v2/payments?payee=${supplierEntity}&limit=1000`, governor)).json.items as Item[];
        expect(payments).to.have.length(2 * t.counter);
        const corrected = payments.filter((p) => p.corrected);
        // Each round's correction, and the delayed finance officer's of entry 2.
        expect(corrected).to.have.length(t.counter + 1);
        expect((corrected[0]!.corrections as Item[])[0]).to.include({ reasonText: "wrong-account", by: t.f.finance.address });
        expect((await fx.client.get("/v2/payments?kind=Repayment&limit=1000", governor)).json.items).to.have.length(t.counter);
        expect((await fx.client.get(`/v2/payments?year=${t.f.year + 1}`, governor)).json.items).to.have.length(0);
        const revoked = (await fx.client.get("/v2/vouchers?status=Revoked&limit=1000", governor)).json.items as Item[];
        expect(revoked).to.have.length(t.counter);
        for (const v of revoked) expect(v).to.include({ remaining: "0.00", programme: 1 });
        const pendingReissue = (await fx.client.get("/v2/vouchers?limit=1000", governor)).json.items.filter((v: Item) => v.reissueTo !== null);
        expect(pendingReissue).to.have.length(t.counter);
        const suppliers = (await fx.client.get("/v2/companies?role=supplier&class=1", governor)).json.items as Item[];
        expect(suppliers.map((c) => c.id)).to.deep.equal([supplierEntity]);
        expect((suppliers[0]!.accreditations as Item[]).map((a) => a.programme)).to.deep.equal([1, 2]);
      });

      it("verifies ledger v2 on GET /v1/verify: its own fold of the chain's logs against the contracts and the mirror", async function () {
        const report = await fx.client.get("/v1/verify", governor);
        expect(report.status, report.text).to.equal(200);
        expect(report.json).to.include({ ok: true, mirrorCompared: true });
        expect(report.json.differences).to.deep.equal([]);
        expect(report.json.checked).to.include({ programmes: 2, claims: 3 * t.counter, payments: 4 * t.counter });
      });

      it("answers one programme and one voucher with its redemptions and claims, and 404 outside the caller's scope", async function () {
        const listed = (await fx.client.get("/v2/programmes", governor)).json.items as Item[];
        // The one programme says it is the live state (asOfBlock null: no atBlock asked).
        expect((await fx.client.get("/v2/programmes/2", governor)).json).to.deep.equal({ ...listed[1], asOfBlock: null });
        expect((await fx.client.get("/v2/programmes/9", governor)).status).to.equal(404);
        const [redemption] = (await fx.client.get("/v2/redemptions", governor)).json.items as Item[];
        const redeemed = (await fx.client.get(`/v2/vouchers/${String(redemption!.voucherId)}`, governor)).json;
        expect(redeemed.redemptions).to.have.length(2);
        expect(redeemed.redemptions[0]).to.deep.equal(redemption);
        const [claim] = (await fx.client.get("/v2/claims", governor)).json.items as Item[];
        const claimed = (await fx.client.get(`/v2/vouchers/${String(claim!.voucherId)}`, holder)).json;
        expect(claimed.claims).to.have.length(3);
        expect(claimed).to.include({ programme: 2, company: Number(t.f.entities.startup), held: "50000.00" });
        // The supplier's company holds no voucher: another company's voucher is "no such voucher", as an unknown one is.
        const hidden = await fx.client.get(`/v2/vouchers/${String(claim!.voucherId)}`, supplier);
        const unknown = await fx.client.get("/v2/vouchers/12345", supplier);
        expect([hidden.status, hidden.json.detail]).to.deep.equal([unknown.status, unknown.json.detail]).and.to.deep.equal([404, "no such voucher"]);
        // A company with neither vouchers nor accreditations sees no programme.
        const other = await tokenFor(fx.client, t.f.otherHolder);
        expect((await fx.client.get("/v2/programmes/1", other)).status).to.equal(404);
        expect((await fx.client.get("/v2/programmes/1", supplier)).status).to.equal(200);
      });

      it("names who acted behind the AccessManager on a delayed correction, and no one behind a direct one", async function () {
        const items = (await fx.client.get("/v2/payments?limit=1000", governor)).json.items as Item[];
        const first = items.find((p) => p.entryId === "1")!;
        expect(first.authorisation).to.equal(null);
        expect((first.corrections as Item[])[0]!.authorisation).to.equal(null);
        const second = items.find((p) => p.entryId === "2")!;
        expect(second.authorisation).to.equal(null);
        const [correction] = second.corrections as Item[];
        expect(correction!.by).to.equal(await t.f.manager.getAddress());
        const authorisation = correction!.authorisation as { operation: Item; safeTransaction: unknown };
        expect(authorisation.safeTransaction).to.equal(null);
        expect(authorisation.operation).to.include({ scheduledBy: delayed, executedBy: delayed, scheduledThrough: null, executedThrough: null });
        expect(Date.parse(authorisation.operation.executableFrom as string) - Date.parse(authorisation.operation.scheduledAt as string)).to.equal(3600_000);
        const ops = (await fx.client.get("/v2/governance/operations", governor)).json.items as Item[];
        expect(ops.map((o) => [o.contract, o.function, o.status, o.scheduledBy])).to.deep.equal([["payments", "correctEntry", "Executed", delayed]]);
        expect((ops[0]!.events as Item[]).map((e) => e.event)).to.deep.equal(["EntryCorrected"]);
      });

      for (const path of ["/v2/programmes", "/v2/companies", "/v2/vouchers", "/v2/redemptions", "/v2/claims", "/v2/payments"]) {
        shouldBehaveLikeAKeysetList(() => ({ client: fx.client, token: governor }), path, path === "/v2/vouchers" ? "/v2/redemptions" : "/v2/vouchers");
      }

      it("exports a list as CSV, one row per item", async function () {
        const json = (await fx.client.get("/v2/claims?limit=1000", governor)).json.items as Item[];
        const csv = await fx.client.get("/v2/claims?format=csv", governor);
        expect(csv.status).to.equal(200);
        expect(csv.headers.get("content-type")).to.match(/^text\/csv/);
        const rows: Record<string, string>[] = parseCsv(csv.text.replace(/^\uFEFF/, ""), { columns: true });
        expect(rows.map((r) => r.claimId)).to.deep.equal(json.map((c) => c.claimId));
        expect(rows.map((r) => r["evidence.contractCommitment"])).to.deep.equal(json.map((c) => (c.evidence as Item).contractCommitment));
      });

      it("scopes by role: an issuer to its programmes, a company to its own records, anyone else refused", async function () {
        expect((await fx.client.get("/v2/programmes", issuer)).json.items).to.have.length(2);
        expect((await fx.client.get("/v2/vouchers?programme=7", issuer)).status).to.equal(403);
        // The supplier's company sees its redemptions and payments, no one else's, and no vouchers (it holds none).
        const startup = Number(t.f.entities.startup);
        expect((await fx.client.get("/v2/redemptions?limit=1000", supplier)).json.items).to.have.length(2 * t.counter);
        expect((await fx.client.get(`/v2/payments?payee=${startup}`, supplier)).status).to.equal(403);
        expect((await fx.client.get("/v2/payments?limit=1000", supplier)).json.items).to.have.length(2 * t.counter);
        expect((await fx.client.get("/v2/vouchers", supplier)).json.items).to.have.length(0);
        expect((await fx.client.get("/v2/companies", supplier)).json.items.map((c: Item) => c.id)).to.deep.equal([Number(t.f.entities.supplier)]);
        // The start-up sees its vouchers (on both of its addresses) and the payments to it.
        const vouchers = (await fx.client.get("/v2/vouchers?limit=1000", holder)).json.items as Item[];
        expect(vouchers.length).to.be.greaterThan(0);
        for (const v of vouchers) expect(v.company).to.equal(startup);
        for (const p of (await fx.client.get("/v2/payments?limit=1000", holder)).json.items as Item[]) expect(p.payee).to.equal(startup);
        expect((await fx.client.get(`/v2/claims?supplier=${t.f.entities.otherSupplier}`, holder)).status).to.equal(403);
        const stranger = await login(fx.client, t.f.stranger);
        expect(stranger.json).to.include({ access: "none" });
        expect((await fx.client.get("/v2/programmes", stranger.json.token as string)).status).to.equal(403);
        expect((await login(fx.client, t.f.issuer)).json).to.include({ access: "programmes" });
        expect((await login(fx.client, t.f.supplier)).json).to.include({ access: "company" });
      });
    });
  }
});
