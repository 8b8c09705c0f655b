import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { parse as parseCsv } from "csv-parse/sync";
import { id as keccakText, keccak256, toUtf8Bytes, ZeroHash } from "ethers";
import hre from "hardhat";

import { creditCodeHash, documentCommitment, invoiceNumberHash } from "../../../service/domain/identity.js";
import { invoiceKey } from "../../../service/domain/ledger-v2.js";
import { loadConfig } from "../../../service/internal/config.js";
import { createLogger } from "../../../service/internal/logger.js";
import { openDatabase } from "../../../service/store/database.js";
import { main as registryCli } from "../../../service/store/registry-cli.js";
import { taskRunner } from "../../helpers/ledger-tasks.js";
import { CNY, CODES, creditCode, invoiceNumber, issueVoucher, signedConsent } from "../../helpers/scheme-fixture.js";
import { deployTestLedgerV2, mirrorEnvV2, runV2Workload, type TestLedgerV2 } from "../helpers/ledger-v2.js";
import { backends, newDatabase } from "../helpers/mirror.js";
import { type LocalNode, ROOT, startNode } from "../helpers/node.js";
import { API_TEST_ENV, type ApiFixture, startApiFixtureOn, tokenFor } from "./helpers.js";

type Item = Record<string, unknown>;

const NAMES = {
  startup: "杭州初创智能科技有限公司",
  company: "杭州其他科技有限公司",
  supplier: "杭州算力中心有限公司",
  otherSupplier: "=HYPERLINK(\"http://x.cn\",\"另一算力\")",
} as const;

/** The salt and document of the one redemption whose contract commitment is salted as the README says. */
const SALT = keccakText("salt of the contract");
const DOCUMENT_HASH = keccak256(toUtf8Bytes("算力服务合同 No. 2026-001"));
const COMMITMENT = documentCommitment(SALT, DOCUMENT_HASH);

const goodRecords = (): { companies: { creditCode: string; name: string; nameEn?: string }[]; invoices: { supplierCreditCode: string; invoiceNumber: string }[]; salts: { commitment: string; salt: string; documentHash: string }[] } => ({
  companies: [
    { creditCode: CODES.startup, name: NAMES.startup, nameEn: "Hangzhou Start-up AI Ltd." },
    { creditCode: CODES.company, name: NAMES.company },
    { creditCode: CODES.supplier.toLowerCase(), name: NAMES.supplier },
    { creditCode: CODES.otherSupplier, name: NAMES.otherSupplier },
  ],
  invoices: [
    { supplierCreditCode: CODES.supplier, invoiceNumber: invoiceNumber(1001) },
    { supplierCreditCode: CODES.supplier, invoiceNumber: invoiceNumber(1010) },
  ],
  salts: [{ commitment: COMMITMENT, salt: SALT, documentHash: DOCUMENT_HASH }],
});

async function registryCounts(fx: ApiFixture): Promise<number[]> {
  const db = fx.mirror.store.db;
  const counts: number[] = [];
  for (const table of ["registry_companies", "registry_invoices", "registry_salts"]) {
    counts.push(Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`))[0]!.n));
  }
  return counts;
}

describe("identity registry: names off chain, checked against the chain, logged when read", function () {
  let node: LocalNode;
  let t: TestLedgerV2;

  before(async function () {
    node = await startNode("hardhat");
    t = await deployTestLedgerV2(node.url);
    await runV2Workload(t);
    const { f } = t;
    const voucher = await issueVoucher(f, "SALTED-1", 1_000_000n * CNY);
    const evidence = {
      contractCommitment: COMMITMENT, invoiceCommitment: keccakText("invoice-document"), paymentCommitment: keccakText("payment"),
      electricityKwh: 0n, assessmentCommitment: ZeroHash,
    };
    const { consent, signature } = await signedConsent(f, voucher, 10_000n * CNY, 5001, { evidence });
    await (await f.ledger.connect(f.supplier).redeem(consent, signature)).wait();
  });

  after(async function () {
    await t?.connection.close();
    await node?.stop();
  });

  it("recomputes the chain's hashes from a code, a number, a document and its salt as the README's lines do", async function () {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const block = /<!-- example: check it yourself -->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, "the README's check-it-yourself block").to.be.a("string");
    const dir = await mkdtemp(join(tmpdir(), "cvl-check-"));
    const script = block!.replaceAll("contract.txt", join(dir, "contract.txt"));
    const run = spawnSync("bash", ["-euo", "pipefail", "-c", script], { cwd: ROOT, encoding: "utf8" });
    expect(run.status, run.stderr).to.equal(0);
    const h = invoiceNumberHash("26330000000000001001");
    const salt = `0x${"2a".repeat(32)}`;
    expect(run.stdout.trim().split("\n")).to.deep.equal([
      creditCodeHash("91330100MA2H3K4L50"),
      `${h} ${invoiceKey(3, h)}`,
      documentCommitment(salt, keccak256(toUtf8Bytes("算力服务合同 No. 2026-001"))),
    ]);
  });

  for (const backend of backends()) {
    describe(`over ${backend}`, function () {
      let fx: ApiFixture;
      let governor: string;
      let issuer: string;
      let auditor: string;
      let holder: string;

      before(async function () {
        const db = await newDatabase(backend);
        fx = await startApiFixtureOn(mirrorEnvV2(node.url, t, db, API_TEST_ENV), db, backend);
        governor = await tokenFor(fx.client, t.f.governor);
        issuer = await tokenFor(fx.client, t.f.issuer);
        auditor = await tokenFor(fx.client, t.f.auditor);
        holder = await tokenFor(fx.client, t.f.holder);
      });

      after(async function () {
        await fx?.close();
      });

      const upload = (token: string, body: unknown) => fx.client.request("POST", "/v2/registry", { token, body: JSON.stringify(body) });

      it("refuses a load with a record the chain does not confirm, names each, and writes nothing", async function () {
        const records = goodRecords();
        records.companies.push({ creditCode: creditCode(999), name: "未登记的公司" });
        records.invoices.push({ supplierCreditCode: CODES.supplier, invoiceNumber: invoiceNumber(9999) });
        records.salts.push({ commitment: COMMITMENT, salt: keccakText("another salt"), documentHash: DOCUMENT_HASH });
        const res = await upload(issuer, records);
        expect(res.status, res.text).to.equal(422);
        expect(res.json.code).to.equal("REGISTRY_MISMATCH");
        expect((res.json.errors as Item[]).map((e) => e.path)).to.have.members(["body.companies.4.creditCode", "body.invoices.2.invoiceNumber", "body.salts.1.salt"]);
        // The same invoice number from another supplier is another invoice, which the chain does not have.
        const other = await upload(issuer, { invoices: [{ supplierCreditCode: CODES.otherSupplier, invoiceNumber: invoiceNumber(1001) }] });
        expect(other.status).to.equal(422);
        // A wrong check character is refused before the chain is asked.
        const typo = await upload(issuer, { companies: [{ creditCode: `${CODES.startup.slice(0, 17)}X`, name: "x" }] });
        expect(typo.json.errors[0].message).to.match(/check character/);
        // A whole file goes in one body, larger than the API's other bodies may be (API_REGISTRY_BODY_LIMIT_BYTES).
        const many = { invoices: Array.from({ length: 400 }, (_, i) => ({ supplierCreditCode: CODES.supplier, invoiceNumber: invoiceNumber(20_000 + i) })) };
        expect(JSON.stringify(many).length).to.be.greaterThan(16_384);
        const large = await upload(issuer, many);
        expect(large.status, large.text).to.equal(422);
        expect(large.json.errors).to.have.length(400);
        expect(await registryCounts(fx)).to.deep.equal([0, 0, 0]);
      });

      it("is loaded by an issuer only, and shows nothing before it is loaded", async function () {
        expect((await upload(governor, goodRecords())).status).to.equal(403);
        expect((await upload(holder, goodRecords())).status).to.equal(403);
        const companies = (await fx.client.get("/v2/companies", governor)).json.items as Item[];
        for (const c of companies) expect(c.identity).to.equal(null);
      });

      it("is loaded from a CSV by an issuer's task (npx hardhat identity load), every row checked first, in Chinese under a Chinese LANG", async function () {
        const run = taskRunner(hre, t.connection);
        const dir = await mkdtemp(join(tmpdir(), "cvl-identity-"));
        const task = (file: string, extra: Record<string, unknown> = {}) =>
          run("identity load", { file, service: fx.http.url, ledger: t.deployment.ledger, as: t.f.issuer.address, ...extra });
        const saved = { LANG: process.env.LANG, LC_ALL: process.env.LC_ALL };
        process.env.LANG = "zh_CN.UTF-8";
        process.env.LC_ALL = "";
        try {
          const typo = join(dir, "typo.csv");
          await writeFile(typo, `\uFEFFcredit_code,name\r\n${CODES.startup},${NAMES.startup}\r\n${CODES.company.slice(0, 17)}X,${NAMES.company}\r\n`);
          const local = await task(typo);
          expect(local.code).to.equal(1);
          expect(local.err).to.include("第 3 行").and.include("校验码");
          const unknown = join(dir, "unknown.csv");
          await writeFile(unknown, `credit_code,name,name_en\n${CODES.startup},${NAMES.startup},\n${creditCode(31)},未登记的公司,Nobody Ltd.\n`);
          const remote = await task(unknown);
          expect(remote.code).to.equal(1);
          expect(remote.err).to.include("第 3 行").and.include("链上没有以此统一社会信用代码登记的企业");
          expect(await registryCounts(fx)).to.deep.equal([0, 0, 0]);
        } finally {
          for (const [key, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
          }
        }
        const invoices = join(dir, "invoices.csv");
        await writeFile(invoices, `supplier_credit_code,invoice_number\n${CODES.supplier},${invoiceNumber(1001)}\n${CODES.supplier},${invoiceNumber(1010)}\n`);
        expect((await task(invoices, { dryRun: true })).out).to.include("2 invoice numbers");
        expect(await registryCounts(fx)).to.deep.equal([0, 0, 0]);
        const loaded = await task(invoices);
        expect(loaded.code, loaded.err).to.equal(0);
        expect(loaded.out).to.include("2 invoice numbers checked against the chain");
        expect(await registryCounts(fx)).to.deep.equal([0, 2, 0]);
      });

      it("loads companies, invoice numbers and salts, and shows names and numbers beside every hash", async function () {
        const res = await upload(issuer, goodRecords());
        expect(res.status, res.text).to.equal(200);
        expect(res.json).to.deep.equal({ companies: 4, invoices: 2, salts: 1 });
        expect(await registryCounts(fx)).to.deep.equal([4, 2, 1]);

        const companies = (await fx.client.get("/v2/companies", governor)).json.items as Item[];
        const supplierEntity = Number(t.f.entities.supplier);
        const startup = Number(t.f.entities.startup);
        const byId = new Map(companies.map((c) => [c.id, c]));
        expect(byId.get(startup)!.identity).to.deep.equal({ creditCode: CODES.startup, name: NAMES.startup, nameEn: "Hangzhou Start-up AI Ltd." });
        expect(byId.get(supplierEntity)!.identity).to.deep.equal({ creditCode: CODES.supplier, name: NAMES.supplier, nameEn: null });
        expect(byId.get(startup)!.creditCodeHash).to.equal(creditCodeHash(CODES.startup));
        // The round's newcomer was never loaded.
        expect(companies.filter((c) => c.identity === null)).to.have.length(1);

        const redemptions = (await fx.client.get("/v2/redemptions?limit=1000", governor)).json.items as Item[];
        for (const r of redemptions) {
          expect(r.supplierIdentity).to.include({ name: NAMES.supplier });
          expect(r.beneficiaryIdentity).to.include({ name: NAMES.startup });
        }
        expect(redemptions.filter((r) => r.invoiceNumber !== null).map((r) => r.invoiceNumber)).to.deep.equal([invoiceNumber(1001)]);
        const claims = (await fx.client.get("/v2/claims?limit=1000", governor)).json.items as Item[];
        expect(claims.find((c) => c.invoiceNumber === invoiceNumber(1010))).to.include({ programme: Number(t.buyerProgramme) });
        const payments = (await fx.client.get(`/v2/payments?payee=${supplierEntity}`, governor)).json.items as Item[];
        for (const p of payments) expect(p.payeeIdentity).to.include({ creditCode: CODES.supplier });
        const vouchers = (await fx.client.get("/v2/vouchers?limit=1000", holder)).json.items as Item[];
        expect(vouchers.length).to.be.greaterThan(0);
        for (const v of vouchers) expect(v.companyIdentity).to.include({ name: NAMES.startup });
        const one = (await fx.client.get(`/v2/vouchers/${String(redemptions[0]!.voucherId)}`, governor)).json;
        expect(one.redemptions[0].supplierIdentity.name).to.equal(NAMES.supplier);

        // The reports name them too: companies against their caps, and a company's statement.
        const caps = (await fx.client.get("/v2/reports/caps?programme=1", governor)).json.items as Item[];
        expect(caps.find((c) => c.company === startup)!.companyIdentity).to.include({ name: NAMES.startup });
        const statement = (await fx.client.get(`/v2/statements/suppliers/${supplierEntity}`, governor)).json;
        expect(statement.companyIdentity).to.include({ creditCode: CODES.supplier, name: NAMES.supplier });

        // The public disclosure (公示) names the companies it lists, without sign-in.
        const disclosure = await fx.client.get(`/public/v2/programmes/1/disclosure?year=${t.f.year}`);
        expect(disclosure.status, disclosure.text).to.equal(200);
        expect((disclosure.json.items as { company: Item }[]).map((i) => i.company)).to.deep.include({ id: startup, creditCodeHash: creditCodeHash(CODES.startup), name: NAMES.startup });

        // The CSV export has the same names, a formula-like name neutralised.
        const csv = await fx.client.get("/v2/companies?format=csv", governor);
        const rows = parseCsv<Record<string, string>>(csv.text.replace(/^\uFEFF/, ""), { columns: true });
        expect(rows.find((r) => r.id === String(startup))).to.include({ "identity.name": NAMES.startup, "identity.creditCode": CODES.startup });
        expect(rows.find((r) => r["identity.creditCode"] === CODES.otherSupplier)!["identity.name"]).to.equal(`'${NAMES.otherSupplier}`);
      });

      it("logs every read of company-identifying data, and only auditors and governors read the log", async function () {
        const before = (await fx.client.all("/v2/access-log", auditor, 50)) as Item[];
        await fx.client.get(`/v2/redemptions?supplier=${Number(t.f.entities.supplier)}&limit=2`, governor);
        await fx.client.get("/v2/programmes", governor); // no company-identifying data: not logged
        const after = (await fx.client.all("/v2/access-log", auditor, 50)) as Item[];
        expect(after).to.have.length(before.length + 1);
        const entry = after[after.length - 1]!;
        expect(entry).to.include({ address: t.f.governor.address, access: "all", endpoint: "listRedemptionsV2", recordCount: 2 });
        expect(entry.filters).to.deep.equal({ supplier: Number(t.f.entities.supplier) });
        expect((entry.records as string[])[0]).to.match(/^redemption \d+:\d+$/);
        expect(Date.parse(String(entry.at))).to.be.closeTo(Date.now(), 60_000);
        // The earlier reads are in it too: the holder's vouchers, under its company scope, and the CSV export.
        expect(after.some((e) => e.address === t.f.holder.address && e.access === "company" && e.endpoint === "listVouchersV2")).to.equal(true);
        expect(after.some((e) => e.endpoint === "listCompanies" && (e.filters as Item).format === undefined && Number(e.recordCount) >= 4)).to.equal(true);
        expect(after.some((e) => e.endpoint === "getVoucherV2")).to.equal(true);
        expect(after.some((e) => e.endpoint === "listCaps")).to.equal(true);
        expect(after.some((e) => e.endpoint === "getSupplierStatement" && (e.records as string[])[0] === `company ${Number(t.f.entities.supplier)}`)).to.equal(true);

        for (const token of [issuer, holder]) {
          const refused = await fx.client.get("/v2/access-log", token);
          expect(refused.status).to.equal(403);
        }
        expect((await fx.client.get("/v2/access-log", governor)).status).to.equal(200);
      });

      it("keeps the registry and the access log through a rebuild of the mirror's tables", async function () {
        const logged = (await fx.client.all("/v2/access-log", auditor, 100)).length;
        await fx.mirror.store.db.transaction((tx) => fx.mirror.store.rebuild(tx));
        expect(await registryCounts(fx)).to.deep.equal([4, 2, 1]);
        const companies = (await fx.client.get("/v2/companies", governor)).json.items as Item[];
        expect(companies.filter((c) => c.identity !== null)).to.have.length(4);
        expect((await fx.client.all("/v2/access-log", auditor, 100)).length).to.be.greaterThanOrEqual(logged);
      });

      it("verifies every record against the chain, and reports a tampered one as a difference", async function () {
        const clean = await fx.client.get("/v1/verify", governor);
        expect(clean.json.differences).to.deep.equal([]);
        expect(clean.json.checked.registry).to.equal(7);
        const db = fx.mirror.store.db;
        await db.query("UPDATE registry_salts SET salt = $1", [keccakText("tampered")]);
        await db.query("UPDATE registry_companies SET credit_code = $1 WHERE credit_code = $2", [creditCode(4242), CODES.company]);
        try {
          const report = await fx.client.get("/v1/verify", governor);
          expect(report.json.ok).to.equal(false);
          const registry = (report.json.differences as Item[]).filter((d) => d.against === "registry");
          expect(registry.map((d) => `${String(d.entity)} ${String(d.key)}`)).to.have.members([`document ${COMMITMENT}`, `company ${creditCode(4242)}`, `company ${creditCode(4242)}`]);
        } finally {
          await db.query("UPDATE registry_salts SET salt = $1", [SALT]);
          await db.query("UPDATE registry_companies SET credit_code = $1 WHERE credit_code = $2", [CODES.company, creditCode(4242)]);
        }
        expect((await fx.client.get("/v1/verify", governor)).json.ok).to.equal(true);
      });

      it("backs up to a file and restores from it (npm run registry -- export / import)", async function () {
        await fx.stop();
        const dir = await mkdtemp(join(tmpdir(), "cvl-registry-"));
        const [first, second] = [join(dir, "registry.json"), join(dir, "again.json")];
        expect(await registryCli(["export", first], fx.env)).to.equal(0);
        const config = loadConfig(fx.env).mirror;
        const db = await openDatabase(config.database, { logger: createLogger({ level: "silent" }), writer: true });
        try {
          for (const table of ["registry_companies", "registry_invoices", "registry_salts"]) await db.query(`DELETE FROM ${table}`);
        } finally {
          await db.close();
        }
        expect(await registryCli(["import", first], fx.env)).to.equal(0);
        expect(await registryCli(["export", second], fx.env)).to.equal(0);
        const strip = async (path: string) => ({ ...JSON.parse(await readFile(path, "utf8")), exportedAt: undefined });
        const restored = await strip(second);
        expect(restored).to.deep.equal(await strip(first));
        expect(restored.companies).to.have.length(4);
        expect(restored.salts).to.deep.equal([{ commitment: COMMITMENT, salt: SALT, documentHash: DOCUMENT_HASH }]);
        if (backend === "postgres") {
          // The README's pg_dump of the registry's tables, restored with psql into an emptied registry.
          const { DATABASE_URL: url, DATABASE_SCHEMA: schema } = fx.env as { DATABASE_URL: string; DATABASE_SCHEMA: string };
          const dump = join(dir, "registry.sql");
          const dumped = spawnSync("pg_dump", [url, "--data-only", `--table=${schema}.registry_*`, "--file", dump], { encoding: "utf8" });
          expect(dumped.status, dumped.stderr).to.equal(0);
          const writer = await openDatabase(config.database, { logger: createLogger({ level: "silent" }), writer: true });
          try {
            for (const table of ["registry_companies", "registry_invoices", "registry_salts", "registry_access_log"]) await writer.query(`DELETE FROM ${table}`);
          } finally {
            await writer.close();
          }
          const restoredDump = spawnSync("psql", [url, "--single-transaction", "--set", "ON_ERROR_STOP=1", "--file", dump], { encoding: "utf8" });
          expect(restoredDump.status, restoredDump.stderr).to.equal(0);
          const third = join(dir, "third.json");
          expect(await registryCli(["export", third], fx.env)).to.equal(0);
          expect(await strip(third)).to.deep.equal(await strip(first));
        }
        // A file with a record the chain does not confirm is refused whole.
        const bad = join(dir, "bad.json");
        await writeFile(bad, JSON.stringify({ ...restored, companies: [...restored.companies, { creditCode: creditCode(77), name: "x", nameEn: null }] }));
        expect(await registryCli(["import", bad], fx.env)).to.equal(1);
      });
    });
  }
});
