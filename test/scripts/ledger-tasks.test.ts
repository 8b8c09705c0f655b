import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { encodeBytes32String, id as keccakText } from "ethers";
import hre, { network } from "hardhat";

import { creditCodeHash, dateOfDay, dayOfInstant } from "../../service/domain/identity.js";
import { openLedgerV2 } from "../../scripts/lib/ledger/context.js";
import { issueCompanyBatch } from "../../scripts/lib/ledger/batch-issue.js";
import { taskRunner } from "../helpers/ledger-tasks.js";
import {
  CNY,
  CODES,
  DAY,
  STATUS,
  addBuyerProgramme,
  creditCode,
  deploySchemeFixture,
  invoiceNumber,
  issueVoucher,
  now,
  signedConsent,
} from "../helpers/scheme-fixture.js";

const connection = await network.create();
const { ethers, networkHelpers } = connection;
const run = taskRunner(hre, connection);

const fixture = () => deploySchemeFixture(ethers);

/** A credit code with its last (check) character replaced by a wrong one. */
function wrongCheck(code: string): string {
  const last = code.at(-1)!;
  return code.slice(0, -1) + (last === "0" ? "1" : "0");
}

describe("ledger v2 tasks", function () {
  describe("entity, relation, accreditation, programme", function () {
    it("registers a beneficiary by its credit code and category, adds and removes an address, and shows it", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const ledger = await f.ledger.getAddress();
      const code = creditCode(501);
      const gov = { ledger, as: f.governor.address };
      const registered = await run("entity register", { ...gov, creditCode: code.toLowerCase(), role: "beneficiary", category: "start-up" });
      expect(registered.err).to.equal("");
      expect(registered.code).to.equal(0);
      const id = await f.registry.entityByCreditCode(creditCodeHash(code));
      expect(id).to.equal(await f.registry.entityCount());
      expect((await f.registry.getEntity(id)).category).to.equal(1n);
      expect(registered.out).to.contain(`Registered company ${code} as number ${id}: beneficiary, category 1 初创企业`);

      const [, , , , , , , , , , , , , , extra] = await ethers.getSigners();
      const added = await run("entity add-address", { ...gov, company: code, address: extra!.address, reason: "registered" });
      expect(added.code, added.err).to.equal(0);
      expect(await f.registry.entityOf(extra!.address)).to.deep.equal([id, true]);
      const shown = await run("entity show", { ledger, address: extra!.address });
      expect(shown.out).to.contain(`Company ${id}`);
      expect(shown.out).to.contain(extra!.address);
      const removed = await run("entity remove-address", { ...gov, address: extra!.address, reason: "lost-key" });
      expect(removed.code, removed.err).to.equal(0);
      expect(await f.registry.entityOf(extra!.address)).to.deep.equal([id, false]);
    });

    it("refuses a credit code with a wrong check character, a company twice, and a supplier with a category, sending nothing", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const gov = { ledger: await f.ledger.getAddress(), as: f.governor.address };
      const count = await f.registry.entityCount();
      const code = creditCode(502);
      const wrong = await run("entity register", { ...gov, creditCode: wrongCheck(code), role: "beneficiary", category: "1" });
      expect(wrong.code).to.equal(1);
      expect(wrong.err).to.contain(`the check character is ${wrongCheck(code).at(-1)}, but the first 17 characters call for ${code.at(-1)}`);
      const twice = await run("entity register", { ...gov, creditCode: CODES.startup, role: "beneficiary", category: "1" });
      expect(twice.code).to.equal(1);
      expect(twice.err).to.contain(`the company ${CODES.startup} is registered already, as number ${f.entities.startup}`);
      const supplier = await run("entity register", { ...gov, creditCode: code, role: "supplier", category: "1" });
      expect(supplier.err).to.contain("a supplier only has no category");
      expect(await f.registry.entityCount()).to.equal(count);
    });

    it("explains a refusal by the contract's custom error and its arguments", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      // The issuer may not register companies: the AccessManager refuses, and the task says so by name.
      const r = await run("entity register", { ledger: await f.ledger.getAddress(), as: f.issuer.address, creditCode: creditCode(503), role: "supplier" });
      expect(r.code).to.equal(1);
      expect(r.err).to.contain(`the chain refused with AccessManagedUnauthorized(${f.issuer.address}); nothing was sent`);
    });

    it("records and clears a relation, and grants, suspends, reinstates and shows an accreditation", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const ledger = await f.ledger.getAddress();
      const gov = { ledger, as: f.governor.address };
      const pair = { beneficiary: CODES.startup, supplier: String(f.entities.supplier) };
      expect((await run("relation record", { ...gov, ...pair, reason: "shareholder" })).code).to.equal(0);
      expect(await f.ledger.isRelated(f.entities.startup, f.entities.supplier)).to.equal(true);
      expect((await run("relation show", { ledger, ...pair })).out).to.contain("A relation is recorded");
      expect((await run("relation clear", { ...gov, ...pair, reason: "divested" })).code).to.equal(0);
      expect(await f.ledger.isRelated(f.entities.startup, f.entities.supplier)).to.equal(false);

      const target = { supplier: CODES.otherSupplier, programme: String(f.programme) };
      const granted = await run("accreditation grant", { ...gov, ...target, from: "2026-01-01", until: "2030-01-01", classes: "domestic-compute" });
      expect(granted.code, granted.err).to.equal(0);
      expect(granted.out).to.contain("from 2026-01-01 until 2030-01-01 for 1 国产算力");
      const a = await f.registry.getAccreditation(f.entities.otherSupplier, f.programme);
      expect(a.validFrom).to.equal(BigInt(Date.UTC(2025, 11, 31, 16) / 1000)); // 00:00 in Asia/Shanghai
      expect(a.classes).to.equal(1n);
      const suspended = await run("accreditation suspend", { ledger, as: f.guardian.address, ...target, reason: "audit" });
      expect(suspended.code, suspended.err).to.equal(0);
      expect((await f.registry.getAccreditation(f.entities.otherSupplier, f.programme)).suspended).to.equal(true);
      expect((await run("accreditation show", { ledger, ...target })).out).to.contain("suspended     audit");
      expect((await run("accreditation reinstate", { ...gov, ...target, reason: "cleared" })).code).to.equal(0);
      expect((await f.registry.getAccreditation(f.entities.otherSupplier, f.programme)).suspended).to.equal(false);
    });

    it("lists and shows programmes with their budget and commitment per fiscal year in CNY decimals", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const ledger = await f.ledger.getAddress();
      await issueVoucher(f, "P-1", 1_234_567n * CNY + 89n);
      const list = await run("programme list", { ledger });
      expect(list.out).to.contain(`杭州市算力券: budget 750,000,000.00 CNY, committed 1,234,567.89 CNY`);
      const shown = await run("programme show", { ledger, programme: String(f.programme) });
      expect(shown.out).to.contain(`${f.year}          250,000,000.00 CNY`);
      expect(shown.out).to.contain(`HZ-${f.year}-AI`);
      expect(shown.out).to.contain("ratio             30% for 1 国产算力 × 1 初创企业");
      expect(shown.out).to.contain("outstanding 1,234,567.89 CNY");
    });

    it("pauses a programme at once as the guardian, refusing issue in it, and resumes it as the governor", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const ledger = await f.ledger.getAddress();
      const programme = String(f.programme);
      expect((await run("programme pause", { ledger, as: f.guardian.address, programme, reason: "audit" })).code).to.equal(0);
      expect((await f.registry.getProgramme(f.programme))[1]).to.equal(true);
      const refused = await run("voucher issue", { ledger, as: f.issuer.address, programme, ref: "P-1", holder: f.holder.address, amount: "1.00" });
      expect(refused.err).to.contain(`VoucherLedgerProgrammePaused(${f.programme})`);
      expect((await run("programme resume", { ledger, as: f.governor.address, programme, reason: "cleared" })).code).to.equal(0);
      expect((await f.registry.getProgramme(f.programme))[1]).to.equal(false);
      expect((await run("voucher issue", { ledger, as: f.issuer.address, programme, ref: "P-1", holder: f.holder.address, amount: "1.00" })).code).to.equal(0);
    });
  });

  describe("voucher", function () {
    it("issues, shows, freezes, unfreezes and revokes a voucher, checking the chain after each", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const ledger = await f.ledger.getAddress();
      const programme = String(f.programme);
      const issued = await run("voucher issue", { ledger, as: f.issuer.address, programme, ref: "hz-2026-0001", holder: f.holder.address, amount: "1250000.00" });
      expect(issued.code, issued.err).to.equal(0);
      const id = await f.ledger.voucherId(f.programme, encodeBytes32String("HZ-2026-0001"));
      const v = await f.ledger.getVoucher(id);
      expect([v.holder, v.remaining, v.status]).to.deep.equal([f.holder.address, 125_000_000n, STATUS.ACTIVE]);
      expect(issued.out).to.contain("1,250,000.00 CNY");
      const shown = await run("voucher show", { ledger, programme, ref: "HZ-2026-0001" });
      expect(shown.out).to.contain("remaining     1,250,000.00 CNY");
      expect((await run("voucher freeze", { ledger, as: f.guardian.address, id: String(id), reason: "audit" })).code).to.equal(0);
      expect((await f.ledger.getVoucher(id)).flags & 1n).to.equal(1n);
      expect((await run("voucher unfreeze", { ledger, as: f.governor.address, id: String(id), reason: "cleared" })).code).to.equal(0);
      expect((await f.ledger.getVoucher(id)).flags & 1n).to.equal(0n);
      expect((await run("voucher revoke", { ledger, as: f.issuer.address, id: String(id), reason: "fraud" })).code).to.equal(0);
      expect((await f.ledger.getVoucher(id)).status).to.equal(STATUS.REVOKED);
      const again = await run("voucher revoke", { ledger, as: f.issuer.address, id: String(id), reason: "fraud" });
      expect(again.err).to.contain(`VoucherLedgerInactive(${id}, 3)`);
    });

    it("refuses a voucher above the company's cap by the contract's error, and changes nothing", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const ledger = await f.ledger.getAddress();
      const r = await run("voucher issue", { ledger, as: f.issuer.address, programme: String(f.programme), ref: "BIG", holder: f.holder.address, amount: "8000000.01" });
      expect(r.code).to.equal(1);
      expect(r.err).to.contain(`VoucherLedgerCapExceeded(${f.programme}, ${f.entities.startup}, 800000001, 800000000)`);
      expect((await f.ledger.programmeTotals(f.programme)).issued).to.equal(0n);
    });

    it("re-issues to another address of the company with the governor's approval, or after the programme's delay", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const ledger = await f.ledger.getAddress();
      const first = await issueVoucher(f, "R-1");
      const second = await issueVoucher(f, "R-2");
      const other = await run("voucher reissue", { ledger, as: f.issuer.address, id: String(first), to: f.otherHolder.address, reason: "lost-key" });
      expect(other.err).to.contain(`VoucherLedgerNotSameCompany(${f.holder.address}, ${f.otherHolder.address})`);
      for (const id of [first, second]) {
        const r = await run("voucher reissue", { ledger, as: f.issuer.address, id: String(id), to: f.holder2.address, reason: "lost-key" });
        expect(r.code, r.err).to.equal(0);
      }
      expect((await f.ledger.getVoucher(first)).flags & 2n).to.equal(2n);
      expect((await run("voucher reissue-approve", { ledger, as: f.governor.address, id: String(first) })).code).to.equal(0);
      expect((await f.ledger.getVoucher(first)).holder).to.equal(f.holder2.address);
      const early = await run("voucher reissue-execute", { ledger, as: f.issuer.address, id: String(second) });
      expect(early.err).to.contain(`VoucherLedgerReissueNotReady(${second}`);
      await networkHelpers.time.increase(3n * DAY);
      expect((await run("voucher reissue-execute", { ledger, as: f.issuer.address, id: String(second) })).code).to.equal(0);
      expect((await f.ledger.getVoucher(second)).holder).to.equal(f.holder2.address);
      expect(await f.ledger.balanceOf(f.holder2.address, second)).to.equal(1_000_000n * CNY);
    });

    it("expires every voucher of a programme past its expiry, skipping what is no longer active", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const ledger = await f.ledger.getAddress();
      const ids = [await issueVoucher(f, "E-1"), await issueVoucher(f, "E-2"), await issueVoucher(f, "E-3")];
      await (await f.ledger.connect(f.issuer).revoke(ids[1]!, encodeBytes32String("fraud"))).wait();
      const none = await run("voucher expire", { ledger, programme: String(f.programme), all: true });
      expect(none.out).to.contain("No voucher of programme");
      await networkHelpers.time.increase(366n * DAY);
      const all = await run("voucher expire", { ledger, programme: String(f.programme), all: true });
      expect(all.code, all.err).to.equal(0);
      expect(all.out).to.contain("Expired 2 of 2 voucher(s)");
      expect((await f.ledger.getVoucher(ids[0]!)).status).to.equal(STATUS.EXPIRED);
      expect((await f.ledger.getVoucher(ids[1]!)).status).to.equal(STATUS.REVOKED);
      const batch = await run("voucher expire", { ledger, ids: ids.map(String).join(",") });
      expect(batch.out).to.contain("Expired 0 of 3 voucher(s)");
    });
  });

  describe("voucher batch-issue, by company", function () {
    let dir: string;
    before(async function () {
      dir = await mkdtemp(join(tmpdir(), "company-batch-"));
    });
    after(async function () {
      await rm(dir, { recursive: true, force: true });
    });
    const csv = async (name: string, rows: string[]) => {
      const file = join(dir, name);
      await writeFile(file, `application_ref,credit_code,holder,face_value\n${rows.join("\n")}\n`);
      return file;
    };

    it("refuses a wrong check character, a duplicate row and an unknown company, each on its line, and sends nothing", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const unknown = creditCode(777);
      const file = await csv("bad.csv", [
        `B-1,${CODES.startup},${f.holder.address},100.00`,
        `B-2,${wrongCheck(CODES.startup)},${f.holder.address},100.00`,
        `b-1,${CODES.startup},${f.holder2.address},200.00`,
        `B-3,${unknown},${f.holder.address},100.00`,
        `B-4,${CODES.company},${f.holder.address},100.00`,
      ]);
      const block = await ethers.provider.getBlockNumber();
      const r = await run("voucher batch-issue", { ledger: await f.ledger.getAddress(), as: f.issuer.address, programme: String(f.programme), file });
      expect(r.code).to.equal(1);
      expect(r.err).to.contain("has 4 problem(s); nothing was sent");
      expect(r.err).to.contain(`line 3: credit_code: the credit code "${wrongCheck(CODES.startup)}": the check character is`);
      expect(r.err).to.contain('line 4: application_ref "B-1" appears already on line 2');
      expect(r.err).to.contain(`line 5: credit_code ${unknown}: no such company is registered`);
      expect(r.err).to.contain(`line 6: holder ${f.holder.address} is an address of company ${f.entities.startup}, not of ${CODES.company}`);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("says the same problems in Chinese under a Chinese locale (LANG=zh_CN.UTF-8), on the same lines", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const unknown = creditCode(778);
      const file = await csv("bad-zh.csv", [
        `Z-1,${CODES.startup},${f.holder.address},100.00`,
        `Z-2,${wrongCheck(CODES.startup)},${f.holder.address},100.00`,
        `z-1,${CODES.startup},${f.holder2.address},-5`,
        `Z-3,${unknown},${f.holder.address},100.00`,
      ]);
      const saved = process.env.LANG;
      process.env.LANG = "zh_CN.UTF-8";
      let r: Awaited<ReturnType<typeof run>>;
      try {
        r = await run("voucher batch-issue", { ledger: await f.ledger.getAddress(), as: f.issuer.address, programme: String(f.programme), file });
      } finally {
        if (saved === undefined) delete process.env.LANG;
        else process.env.LANG = saved;
      }
      expect(r.code).to.equal(1);
      expect(r.err).to.contain("有 3 个问题；未发送任何交易");
      expect(r.err).to.contain(`第 3 行：credit_code：统一社会信用代码“${wrongCheck(CODES.startup)}”：校验码为`);
      expect(r.err).to.contain("第 4 行：face_value：金额“-5”为负数：金额必须为正数");
      expect(r.err).to.contain(`第 5 行：credit_code ${unknown}：没有登记此企业`);
      expect(r.err).to.not.match(/line \d+:/);
    });

    it("refuses a batch that would take a company over its cap, counting its rows together", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const file = await csv("cap.csv", [`C-1,${CODES.startup},${f.holder.address},5000000.00`, `C-2,${CODES.startup},${f.holder2.address},3000000.01`]);
      const r = await run("voucher batch-issue", { ledger: await f.ledger.getAddress(), as: f.issuer.address, programme: String(f.programme), file });
      expect(r.err).to.contain(`company ${CODES.startup} would receive 8,000,000.01 CNY (lines 2–3); its cap leaves 8,000,000.00 CNY`);
      expect((await f.ledger.programmeTotals(f.programme)).issued).to.equal(0n);
    });

    it("issues by company in chunks, stops between chunks, and resumes without issuing anything twice", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const rows = Array.from({ length: 5 }, (_, i) => `S-${i + 1},${i % 2 === 0 ? CODES.startup : CODES.company},${i % 2 === 0 ? f.holder.address : f.otherHolder.address},${i + 1}.00`);
      const file = await csv("resume.csv", rows);
      const ctx = await openLedgerV2({ signer: f.issuer, ledger: await f.ledger.getAddress(), log: () => {} });
      const controller = new AbortController();
      const first = await issueCompanyBatch(ctx, {
        programme: String(f.programme),
        file,
        chunkSize: 2,
        signal: controller.signal,
        afterChunk: () => controller.abort(),
      });
      expect(first).to.include({ issued: 2, stopped: true });
      expect((await f.ledger.programmeTotals(f.programme)).issued).to.equal(300n);

      const dry = await run("voucher batch-issue", { ledger: await f.ledger.getAddress(), as: f.issuer.address, programme: String(f.programme), file, dryRun: true });
      expect(dry.out).to.contain("5 row(s); 2 issued before (skipped); 3 to issue, 12.00 CNY");
      const second = await run("voucher batch-issue", { ledger: await f.ledger.getAddress(), as: f.issuer.address, programme: String(f.programme), file, chunkSize: "2" });
      expect(second.code, second.err).to.equal(0);
      expect(second.out).to.contain("line 2: S-1 was issued before");
      const totals = await f.ledger.programmeTotals(f.programme);
      expect(totals.issued).to.equal(1500n); // 1 + 2 + 3 + 4 + 5 CNY, each once
      const issued = await f.ledger.queryFilter(f.ledger.filters.VoucherIssued(undefined, f.programme));
      expect(issued).to.have.length(5);
      expect((await f.ledger.getTally(f.entities.company, f.programme)).committed).to.equal(600n);
      const report = JSON.parse(await readFile(join(dir, "resume.report.json"), "utf8")) as { pending: unknown; vouchers: { status: string; creditCode: string; entity: number }[] };
      expect(report.pending).to.equal(null);
      expect(report.vouchers.map((v) => v.status)).to.deep.equal(["issued before", "issued before", "issued", "issued", "issued"]);
      expect(report.vouchers[1]).to.include({ creditCode: CODES.company, entity: Number(f.entities.company) });
      const third = await run("voucher batch-issue", { ledger: await f.ledger.getAddress(), as: f.issuer.address, programme: String(f.programme), file });
      expect(third.out).to.contain("5 issued before (skipped); 0 to issue");
      expect((await f.ledger.programmeTotals(f.programme)).issued).to.equal(1500n);
    });
  });

  describe("claim, payment, statement", function () {
    /** The fixture with a programme that pays buyers, and a voucher of CNY 1m under it. */
    async function buyers() {
      const f = await deploySchemeFixture(ethers);
      const programme = await addBuyerProgramme(f);
      const voucher = await issueVoucher(f, "BJ-1", 1_000_000n * CNY, f.holder.address, 0n, programme);
      return { f, programme, voucher };
    }

    /** The supplier attests invoice `n` and the holder claims `amount` of it with the task, returning the claim's id. */
    async function claim(f: Awaited<ReturnType<typeof buyers>>["f"], voucher: bigint, n: number, amount: string, total: string) {
      const ledger = await f.ledger.getAddress();
      const today = dayOfInstant(await now(ethers));
      const invoice = {
        invoice: invoiceNumber(n),
        total,
        class: "domestic-compute",
        serviceFrom: dateOfDay(today - 10),
        serviceTo: dateOfDay(today - 1),
        gpuHours: "720",
      };
      const attested = await run("claim attest", { ledger, as: f.supplier.address, ...invoice, buyer: f.holder.address });
      expect(attested.code, attested.err).to.equal(0);
      const signature = attested.out.split("\n").at(-1)!;
      const submitted = await run("claim submit", {
        ledger,
        as: f.holder.address,
        id: String(voucher),
        amount,
        supplier: f.supplier.address,
        ...invoice,
        contractDate: dateOfDay(today - 30),
        attestation: signature,
        paymentCommitment: keccakText(`payment:${n}`),
        unrelated: true,
      });
      expect(submitted.code, submitted.err).to.equal(0);
      return (f.ledger.claimCount());
    }

    it("submits a claim with the supplier's attestation, approves, rejects and settles claims, checking the chain", async function () {
      const { f, programme, voucher } = await networkHelpers.loadFixture(buyers);
      const ledger = await f.ledger.getAddress();
      const undeclared = await run("claim submit", { ledger, as: f.holder.address, id: String(voucher), amount: "1.00", supplier: f.supplier.address, invoice: invoiceNumber(9), total: "10.00", class: "1", serviceFrom: "2026-01-01", serviceTo: "2026-01-02", gpuHours: "1", contractDate: "2026-01-01", attestation: "0x00", paymentCommitment: keccakText("x") });
      expect(undeclared.err).to.contain("pass --unrelated");

      const first = await claim(f, voucher, 1, "30000.00", "100000.00");
      expect((await f.ledger.getClaim(first)).status).to.equal(1n);
      expect(await f.ledger.balanceOf(f.holder.address, voucher)).to.equal(970_000n * CNY);
      expect((await run("claim approve", { ledger, as: f.issuer.address, claim: String(first) })).code).to.equal(0);
      expect((await f.ledger.getClaim(first)).status).to.equal(2n);
      expect(await f.ledger.earned(programme, f.entities.startup)).to.equal(30_000n * CNY);

      const second = await claim(f, voucher, 2, "300.00", "1000.00");
      const rejected = await run("claim reject", { ledger, as: f.issuer.address, claim: String(second), reason: "not-paid" });
      expect(rejected.code, rejected.err).to.equal(0);
      expect((await f.ledger.getClaim(second)).status).to.equal(3n);
      expect(await f.ledger.balanceOf(f.holder.address, voucher)).to.equal(970_000n * CNY);

      const overRatio = await run("claim submit", { ledger, as: f.holder.address, id: String(voucher), amount: "301.00", supplier: f.supplier.address, invoice: invoiceNumber(3), total: "1000.00", class: "1", serviceFrom: "2026-01-01", serviceTo: "2026-01-02", gpuHours: "1", contractDate: "2026-01-01", attestation: "0x00", paymentCommitment: keccakText("x"), unrelated: true });
      expect(overRatio.code).to.equal(1);
      expect(overRatio.err).to.match(/the chain refused with VoucherLedger\w+\(/);

      const third = await claim(f, voucher, 4, "30.00", "100.00");
      const early = await run("claim settle", { ledger, claim: String(third) });
      expect(early.err).to.contain(`VoucherLedgerReviewOpen(${third}`);
      await networkHelpers.time.increase(8n * DAY);
      const settled = await run("claim settle", { ledger, claim: String(third) });
      expect(settled.out).to.contain("by the programme's rule: lapsed");
      expect((await f.ledger.getClaim(third)).status).to.equal(4n);
      expect((await run("claim show", { ledger, claim: String(first) })).out).to.contain("amount        30,000.00 CNY");
    });

    it("records and corrects payments against what is payable, and prints statements that match the chain's events", async function () {
      const { f, programme, voucher } = await networkHelpers.loadFixture(buyers);
      const ledger = await f.ledger.getAddress();
      const claimId = await claim(f, voucher, 1, "30000.00", "100000.00");
      await (await f.ledger.connect(f.issuer).approveClaim(claimId)).wait();
      // A supplier redemption under the fixture's own programme, which pays suppliers.
      const supplied = await issueVoucher(f, "HZ-1");
      const { consent, signature } = await signedConsent(f, supplied, 12_345n * CNY, 7);
      await (await f.ledger.connect(f.supplier).redeem(consent, signature)).wait();

      const finance = { ledger, as: f.finance.address, programme: String(programme), payee: CODES.startup, year: String(f.year) };
      const over = await run("payment record", { ...finance, amount: "30000.01", reference: "BANK-0" });
      expect(over.err).to.contain(`PaymentLedgerExceedsPayable(${programme}, ${f.entities.startup}, 3000001, 3000000)`);
      const paid = await run("payment record", { ...finance, amount: "20000.00", reference: "BANK-1" });
      expect(paid.code, paid.err).to.equal(0);
      expect(paid.out).to.contain("Now payable to company");
      expect(await f.payments.payableTo(programme, f.entities.startup)).to.equal(10_000n * CNY);
      const corrected = await run("payment correct", { ledger, as: f.finance.address, entry: "1", reason: "wrong-amount" });
      expect(corrected.code, corrected.err).to.equal(0);
      expect(await f.payments.payableTo(programme, f.entities.startup)).to.equal(30_000n * CNY);
      expect((await run("payment record", { ...finance, amount: "30000.00", reference: "BANK-2", salt: keccakText("salt") })).code).to.equal(0);
      const [entry] = [await f.payments.getEntry(2)];
      const { referenceCommitment } = await import("../../scripts/lib/ledger/payments.js");
      expect(entry.referenceCommitment).to.equal(referenceCommitment("BANK-2", keccakText("salt")));

      const buyer = await run("statement", { ledger, payee: CODES.startup, period: String(f.year) });
      expect(buyer.code, buyer.err).to.equal(0);
      expect(buyer.out).to.contain(`Programme ${programme}`);
      expect(buyer.out).to.match(/claim approved\s+30,000\.00 CNY\s+claim 1/);
      expect(buyer.out).to.match(/paid\s+-20,000\.00 CNY\s+entry 1/);
      expect(buyer.out).to.match(/payment corrected\s+20,000\.00 CNY\s+entry 1 \(wrong-amount\)/);
      expect(buyer.out).to.contain("earned              30,000.00 CNY");
      expect(buyer.out).to.contain("paid (net)          30,000.00 CNY");
      expect(buyer.out).to.contain("closing balance     0.00 CNY");
      expect(await f.payments.payableTo(programme, f.entities.startup)).to.equal(0n);

      const supplier = await run("statement", { ledger, payee: String(f.entities.supplier), period: String(f.year) });
      expect(supplier.out).to.match(/redeemed\s+12,345\.00 CNY\s+voucher /);
      expect(supplier.out).to.contain("closing balance     12,345.00 CNY (owed to the payee)");
      expect(await f.payments.payableTo(f.programme, f.entities.supplier)).to.equal(12_345n * CNY);
      const before = await run("statement", { ledger, payee: CODES.startup, period: String(f.year - 1) });
      expect(before.out).to.contain("nothing earned or paid");
    });

    it("rebuilds from the events alone the balance the payment ledger holds, through a payment and a clawback after it", async function () {
      const { f, programme, voucher } = await networkHelpers.loadFixture(buyers);
      const ctx = await openLedgerV2({ signer: f.stranger, ledger: await f.ledger.getAddress(), log: () => {} });
      const claimId = await claim(f, voucher, 1, "300.00", "1000.00");
      await (await f.ledger.connect(f.issuer).approveClaim(claimId)).wait();
      await (await f.payments.connect(f.finance).recordPayment(programme, f.entities.startup, f.year, 100n * CNY, keccakText("r"))).wait();
      await (await f.ledger.connect(f.governor).clawBackClaim(claimId, 250n * CNY, encodeBytes32String("red-invoice"))).wait();
      const { buildStatement, parsePeriod } = await import("../../scripts/lib/ledger/statement.js");
      const s = await buildStatement(ctx, Number(f.entities.startup), parsePeriod(String(f.year)));
      const line = s.programmes.find((p) => p.programme === Number(programme))!;
      expect([line.earned, line.clawedBack, line.paid]).to.deep.equal([300n * CNY, 250n * CNY, 100n * CNY]);
      const onChain = (await f.payments.payableTo(programme, f.entities.startup)) - (await f.payments.receivable(programme, f.entities.startup));
      expect(line.closing).to.equal(onChain);
      expect(line.closing).to.equal(-50n * CNY); // paid 100, of which 50 now owed back
    });
  });

  describe("--via: delayed roles and the Safe", function () {
    it("schedules a delayed governor's write with --via schedule, which takes effect only when executed after its delay", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const ledger = await f.ledger.getAddress();
      const [, , , , , , , , , , , , , , , , delayed] = await ethers.getSigners();
      await f.manager.connect(f.admin).grantRole(1n, delayed!.address, 3600); // GOVERNOR, with a one-hour execution delay
      const code = creditCode(601);
      const args = { ledger, as: delayed!.address, creditCode: code, role: "beneficiary", category: "start-up" };
      const direct = await run("entity register", args);
      expect(direct.code, "sent at once, the call is refused").to.equal(1);
      expect(direct.err, "a delayed member must schedule").to.contain("AccessManagerNotScheduled");

      const scheduled = await run("entity register", { ...args, via: "schedule" });
      expect(scheduled.code, scheduled.err).to.equal(0);
      expect(scheduled.out).to.match(/scheduled as 0x[0-9a-f]{64}/);
      expect(await f.registry.entityByCreditCode(creditCodeHash(code)), "nothing registered yet").to.equal(0n);
      const [operation] = await f.manager.queryFilter(f.manager.filters.OperationScheduled(), 0, "latest");
      const target = operation!.args.target;
      const data = operation!.args.data;
      await expect(f.manager.connect(delayed).execute(target, data)).to.be.revertedWithCustomError(f.manager, "AccessManagerNotReady");
      await networkHelpers.time.increase(3600);
      await f.manager.connect(delayed).execute(target, data);
      expect(await f.registry.entityByCreditCode(creditCodeHash(code)), "registered once executed").to.not.equal(0n);
    });

    it("refuses --via safe without the Safe and a proposal file, and an unknown --via, sending nothing", async function () {
      const f = await networkHelpers.loadFixture(fixture);
      const base = { ledger: await f.ledger.getAddress(), as: f.governor.address, creditCode: creditCode(602), role: "beneficiary", category: "start-up" };
      const count = await f.registry.entityCount();
      const safe = await run("entity register", { ...base, via: "safe" });
      expect(safe.code).to.equal(1);
      expect(safe.err).to.contain("--via safe needs --safe");
      const unknown = await run("entity register", { ...base, via: "later" });
      expect(unknown.code).to.equal(1);
      expect(unknown.err).to.contain("--via later: expected one of direct, schedule, safe, safe-schedule, safe-execute");
      expect(await f.registry.entityCount()).to.equal(count);
    });
  });
});
