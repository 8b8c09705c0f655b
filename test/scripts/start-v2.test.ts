import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { encodeBytes32String } from "ethers";

import { devAccount } from "../../scripts/demo.js";
import {
  DEMO_CLAIMS,
  DEMO_COMPANIES,
  DEMO_PAYMENTS,
  DEMO_REDEMPTIONS,
  DEMO_RELATION,
  DEMO_V2_SCHEMES,
  DEMO_VOUCHERS,
  demoSchemeFile,
  PROGRAMMES,
  type ProgrammeName,
} from "../../scripts/lib/demo/plan-v2.js";
import { loadSchemeFile, schemeFromValue } from "../../scripts/lib/schemes/load.js";
import { creditCodeHash, invoiceNumberHash } from "../../service/domain/identity.js";
import { ROOT, rpcCall } from "../service/helpers/node.js";
import { runToEnd } from "../service/helpers/process.js";
import { interrupt, killAll, startStack, type StartedStack, tokenOf } from "./helpers/stack.js";

type Started = StartedStack;

/** `npm start` as a test runs it: logging at warn, on free ports (PORT=0, CHAIN_PORT=0). */
const start = (env: Record<string, string> & { DATA_DIR: string }, args: string[] = []): Started => startStack({ LOG_LEVEL: "warn", ...env }, args);

/** CNY as the API writes it ("1234.50") from fen. */
const cny = (fen: bigint) => `${fen / 100n}.${String(fen % 100n).padStart(2, "0")}`;
/** Fen of a CNY amount as the plan and the API write it. */
const fen = (amount: string) => BigInt(amount.replace(".", ""));
const sum = (amounts: string[]) => cny(amounts.reduce((total, a) => total + fen(a), 0n));

type Item = Record<string, any>;

/** Every item of a /v2 list, page by page. */
async function list(port: number, token: string, path: string): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  do {
    const url = `http://127.0.0.1:${port}${path}?limit=100${cursor === null ? "" : `&cursor=${cursor}`}`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status, path).to.equal(200);
    const page = (await response.json()) as { items: Item[]; nextCursor: string | null };
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

async function lists(port: number, token: string) {
  const names = ["programmes", "companies", "vouchers", "redemptions", "claims", "payments"] as const;
  const out = {} as Record<(typeof names)[number], Item[]>;
  for (const name of names) out[name] = await list(port, token, `/v2/${name}`);
  return out;
}

/** The environment of a person's shell: no RPC_URL, DATABASE_URL or other service settings of this test process. */
const shell = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH, HOME: process.env.HOME, ...extra });

describe("npm start (ledger v2, the default)", function () {
  const running: Started[] = [];
  let dataDir: string;

  before(async function () {
    dataDir = await mkdtemp(join(tmpdir(), "cvl-start-v2-"));
  });

  after(async function () {
    killAll(running);
    await rm(dataDir, { recursive: true, force: true });
  });

  it("deploys ledger v2 with no --ledger, sets up the demo of the published schemes, and the /v2 lists show what the demo did, with names", async function () {
    this.timeout(900_000);
    const env = { DATA_DIR: dataDir };

    const first = start(env);
    running.push(first);
    const { port } = await first.running();
    expect(first.output()).to.include("a new chain").and.include("(ledger v2)");
    expect(first.output()).to.include(`relay        POST http://127.0.0.1:${port}/v2/redemptions`);
    const token = tokenOf(first.output());
    const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as { ledgerVersion: number };
    expect(status.ledgerVersion, "the ledger the mirror follows, as /status says").to.equal(2);
    const v2 = await lists(port, token);

    // Programmes: every programme of the four scheme files, by its name; budgets as the files say (moved to the
    // chain's fiscal year where the published years do not include it).
    const chainTime = Number((await rpcCall<{ timestamp: string }>(`http://127.0.0.1:${(await first.running()).chainPort}`, "eth_getBlockByNumber", ["latest", false])).timestamp);
    const schemes = new Map<string, Awaited<ReturnType<typeof loadSchemeFile>>>();
    for (const file of DEMO_V2_SCHEMES) {
      const path = join(ROOT, "scripts", "schemes", file);
      const published = await loadSchemeFile(path);
      schemes.set(file, schemeFromValue(demoSchemeFile(published.file, chainTime).file, published.vocabulary, path));
    }
    const published = [...schemes.values()].flatMap((s) => s.programmes);
    expect(v2.programmes.map((p) => p.name).sort()).to.deep.equal(published.map((p) => p.rules.name).sort());
    const programmeOf = (name: ProgrammeName): Item => {
      const ref = PROGRAMMES[name];
      const rules = schemes.get(ref.file)!.programmes[ref.index]!;
      const p = v2.programmes.find((x) => x.name === rules.rules.name)!;
      expect(p.periods.map((x: Item) => [x.year, x.budget]), name).to.deep.equal(rules.budgets.map((b) => [b.year, cny(b.budget)]));
      return p;
    };
    for (const name of Object.keys(PROGRAMMES) as ProgrammeName[]) {
      const p = programmeOf(name);
      const vouchers = DEMO_VOUCHERS.filter((v) => v.programme === name);
      const refs = new Set(vouchers.map((v) => v.ref));
      const redemptions = DEMO_REDEMPTIONS.filter((r) => refs.has(r.voucher));
      const claims = DEMO_CLAIMS.filter((c) => refs.has(c.voucher));
      expect(p, name).to.include({
        voucherCount: vouchers.length,
        issued: sum(vouchers.map((v) => v.amount)),
        revoked: sum(vouchers.filter((v) => v.revoked !== undefined).map((v) => v.amount)),
        redeemedBySuppliers: sum(redemptions.map((r) => r.amount)),
        clawedBack: sum(redemptions.flatMap((r) => (r.clawBack === undefined ? [] : [r.clawBack.amount]))),
        claimedByBuyers: sum(claims.filter((c) => c.review === "approve").map((c) => c.amount)),
        held: sum(claims.filter((c) => c.review === "pending").map((c) => c.amount)),
      });
    }
    const programmeName = new Map(v2.programmes.map((p) => [p.id as number, p.name as string]));
    const nameOf = (id: number) => (Object.keys(PROGRAMMES) as ProgrammeName[]).find((n) => programmeOf(n).id === id);
    expect(programmeName.size).to.equal(published.length);

    // Companies: by their credit codes' hashes, with their roles, addresses, accreditations and the relation.
    expect(v2.companies).to.have.length(DEMO_COMPANIES.length);
    const companyId = new Map<string, number>();
    for (const c of DEMO_COMPANIES) {
      const company = v2.companies.find((x) => x.creditCodeHash === creditCodeHash(c.creditCode));
      expect(company, c.key).to.not.equal(undefined);
      companyId.set(c.key, company!.id);
      expect({ beneficiary: company!.beneficiary, supplier: company!.supplier }, c.key).to.deep.equal({
        beneficiary: c.role === "beneficiary", supplier: c.role === "supplier",
      });
      expect(company!.addresses.map((a: Item) => a.address), c.key).to.deep.equal(c.accounts.map((a) => devAccount(a).address));
      expect(company!.accreditations.map((a: Item) => nameOf(a.programme)), c.key).to.deep.equal((c.accredited ?? []).map((a) => a.programme));
      for (const a of company!.accreditations) expect(a.classes, c.key).to.deep.equal([1, 2]);
      expect(company!.relations, c.key).to.equal(c.key === DEMO_RELATION.beneficiary ? 1 : 0);
      // The identity registry's record, loaded by npm start: the name, not only the hash.
      expect(company!.identity, c.key).to.deep.equal({ creditCode: c.creditCode, name: c.name, nameEn: c.nameEn });
    }
    const identityOf = (key: string) => {
      const c = DEMO_COMPANIES.find((x) => x.key === key)!;
      return { creditCode: c.creditCode, name: c.name, nameEn: c.nameEn };
    };

    // Vouchers: by their application references, with what is left of them.
    expect(v2.vouchers).to.have.length(DEMO_VOUCHERS.length);
    for (const v of DEMO_VOUCHERS) {
      const voucher = v2.vouchers.find((x) => x.applicationRefText === v.ref);
      expect(voucher, v.ref).to.not.equal(undefined);
      const redeemed = DEMO_REDEMPTIONS.filter((r) => r.voucher === v.ref).map((r) => r.amount);
      const claimed = DEMO_CLAIMS.filter((c) => c.voucher === v.ref && c.review === "approve").map((c) => c.amount);
      const held = DEMO_CLAIMS.filter((c) => c.voucher === v.ref && c.review === "pending").map((c) => c.amount);
      const holder = DEMO_COMPANIES.find((c) => c.key === v.company)!;
      expect(voucher, v.ref).to.include({
        programme: programmeOf(v.programme).id, company: companyId.get(v.company), holder: devAccount(holder.accounts[0]!).address,
        faceValue: v.amount, status: v.revoked === undefined ? "Active" : "Revoked",
        redeemed: sum(redeemed), claimed: sum(claimed), held: sum(held),
      });
      if (v.revoked === undefined) expect(voucher!.remaining, v.ref).to.equal(cny(fen(v.amount) - fen(sum([...redeemed, ...claimed, ...held]))));
    }

    // Redemptions: each invoice's supplier, amount, share and GPU-hours; the clawback.
    expect(v2.redemptions).to.have.length(DEMO_REDEMPTIONS.length);
    for (const r of DEMO_REDEMPTIONS) {
      const voucher = v2.vouchers.find((x) => x.applicationRefText === r.voucher)!;
      const found = v2.redemptions.filter((x) => x.voucherId === voucher.id && x.invoiceNumberHash === invoiceNumberHash(r.invoice));
      expect(found, `${r.voucher} ${r.invoice}`).to.have.length(1);
      expect(found[0], r.invoice).to.include({
        supplierCompany: companyId.get(r.supplier), amount: r.amount, invoiceTotal: r.invoiceTotal, gpuHours: r.gpuHours,
        computeClass: r.computeClass === "domestic-compute" ? 1 : 2, clawedBack: r.clawBack?.amount ?? "0.00",
      });
      expect(found[0]!.evidence.electricityKwh, r.invoice).to.equal(String(r.electricityKwh ?? 0));
      const holder = DEMO_VOUCHERS.find((v) => v.ref === r.voucher)!.company;
      expect(found[0], r.invoice).to.deep.include({ invoiceNumber: r.invoice, supplierIdentity: identityOf(r.supplier), beneficiaryIdentity: identityOf(holder) });
    }

    // Claims: the buyer's, with the issuer's review.
    expect(v2.claims).to.have.length(DEMO_CLAIMS.length);
    for (const c of DEMO_CLAIMS) {
      const claim = v2.claims.find((x) => x.invoiceNumberHash === invoiceNumberHash(c.invoice));
      expect(claim, c.invoice).to.not.equal(undefined);
      const status = c.review === "approve" ? "Approved" : c.review === "pending" ? "Pending" : "Rejected";
      expect(claim, c.invoice).to.include({ amount: c.amount, invoiceTotal: c.invoiceTotal, gpuHours: c.gpuHours, status, supplierCompany: companyId.get(c.supplier) });
      if (typeof c.review === "object") expect(claim!.reason).to.equal(encodeBytes32String(c.review.reject));
    }

    // Payments: the finance bureau's entries in order, the corrected one marked.
    expect(v2.payments.map((p) => [nameOf(p.programme), p.payee, p.amount, p.kind, p.corrected])).to.deep.equal(
      DEMO_PAYMENTS.map((p) => [p.programme, companyId.get(p.payee), p.amount, "Payment", p.corrected !== undefined]),
    );
    const corrected = v2.payments.find((p) => p.corrected)!;
    expect(corrected.corrections.map((c: Item) => c.reasonText)).to.deep.equal(DEMO_PAYMENTS.filter((p) => p.corrected).map((p) => p.corrected));

    // Again on the same folder (--ledger=v2 said out loud): the demo is there already, the registry loaded again
    // without failing or duplicating anything, nothing changes.
    expect(await interrupt(first)).to.equal(0);
    const second = start(env, ["--ledger=v2"]);
    running.push(second);
    const resumed = await second.running();
    expect(second.output()).to.include("resumed from").and.include("the v2 demo is set up already");
    expect(second.output()).to.include(`identity registry: ${DEMO_COMPANIES.length} companies' names`);
    const secondToken = tokenOf(second.output());
    const again = await lists(resumed.port, secondToken);
    const strip = (items: Item[]) => items.map(({ final: _final, updatedBlock: _u, ...rest }) => rest);
    for (const name of Object.keys(v2) as (keyof typeof v2)[]) expect(strip(again[name]), name).to.deep.equal(strip(v2[name]));

    // The banner's commands work as they are printed: the curl line, and the client's consent and redemption
    // through the relay.
    const lines = second.output().split("\n").map((line) => line.trim());
    const curl = lines.filter((line) => line.startsWith("curl -H \"Authorization: Bearer "));
    expect(curl).to.have.length(1);
    expect(curl[0]).to.include(`http://127.0.0.1:${resumed.port}/v2/`);
    const fetched = await runToEnd(["bash", "-c", `${curl[0]!.replace(/^curl /, "curl -sS --fail-with-body ")}`], shell());
    expect(fetched.code, fetched.stdout + fetched.stderr).to.equal(0);
    expect((JSON.parse(fetched.stdout) as { items: unknown[] }).items).to.have.length.greaterThan(0);
    const commands = lines.filter((line) => /^(HOLDER|SUPPLIER)_PRIVATE_KEY=0x[0-9a-f]{64} npm run client -- v2 /.test(line));
    expect(commands, second.output()).to.have.length(2);
    let redeemed = "";
    for (const command of commands) {
      const r = await runToEnd(["bash", "-c", command], shell(), 300_000);
      expect(r.code, `${command}\n${r.stdout}${r.stderr}`).to.equal(0);
      redeemed = r.stdout;
    }
    expect(redeemed).to.match(/confirmed, 300\.00 CNY from voucher \d+/);

    // --token on a v2 stack: a token valid for the /v2 API, and a curl line on it.
    const printed = await runToEnd([process.execPath, "--import", "tsx", "scripts/start.ts", "--token"], shell({ DATA_DIR: dataDir }));
    expect(printed.code, printed.stderr).to.equal(0);
    const printedToken = printed.stdout.trim();
    expect(printed.stderr).to.include(`curl -H "Authorization: Bearer ${printedToken}" http://127.0.0.1:${resumed.port}/v2/companies`);
    expect((await list(resumed.port, printedToken, "/v2/companies")).map((c) => c.identity?.name).sort()).to.deep.equal(DEMO_COMPANIES.map((c) => c.name).sort());
    expect(await interrupt(second)).to.equal(0);

    // Started as v1 on the v2 folder: refused with one line, saying the commands.
    const wrong = start(env, ["--ledger=v1"]);
    running.push(wrong);
    expect(await wrong.exited).to.equal(1);
    const refusal = wrong.output().split("\n").filter((line) => line.startsWith("npm start:"));
    expect(refusal, wrong.output()).to.have.length(1);
    expect(refusal[0]).to.match(/holds ledger v2, not v1: start it as it is with "npm start" \(or "npm start -- --ledger=v2"\), afresh with "npm start -- --ledger=v1 --reset"/);
  });

  it("refuses an unknown --ledger with one line, and starts nothing", async function () {
    this.timeout(60_000);
    const s = start({ DATA_DIR: dataDir }, ["--ledger=v3"]);
    running.push(s);
    expect(await s.exited).to.equal(1);
    expect(s.output().trim().split("\n")).to.deep.equal(['npm start: --ledger (LEDGER) is "v3": use v1 or v2']);
  });
});
