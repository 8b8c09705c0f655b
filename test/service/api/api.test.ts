import { expect } from "chai";
import { parse as parseCsv } from "csv-parse/sync";
import { encodeBytes32String, getAddress, Wallet } from "ethers";

import { csvColumns } from "../../../service/api/csv.js";
import { ENDPOINTS } from "../../../service/api/endpoints/index.js";
import { ROLE } from "../../../service/domain/roles-v1.js";
import { overEachBackend } from "../helpers/backends.js";
import { BEIJING, deployTestLedger, runWorkload, SHANGHAI, type TestLedger } from "../helpers/ledger.js";
import { type LocalNode, rpcCall, startNode } from "../helpers/node.js";
import { login, siweMessage, tokenFor } from "./helpers.js";

const STATUS = ["None", "Active", "Redeemed", "Revoked", "Expired", "Reissued"];
const cny = (fen: bigint) => `${fen / 100n}.${(fen % 100n).toString().padStart(2, "0")}`;
const iso = (seconds: bigint | number) => new Date(Number(seconds) * 1000).toISOString();

/** Text that users control and a spreadsheet would run (OWASP's CSV injection), and Chinese text. */
const HOSTILE_REFS = ['=HYPERLINK("http://x.cn","a")', "+1", "-2+3", "@SUM(A1:A9)", "\tx", "\rx", "\uFF0D1+1", "上海市算力券"];
const HOSTILE_CITY = { code: 440300, name: '=HYPERLINK("http://evil.example","深圳")', appropriation: "@SUM(1+1)*cmd|'/C calc'!A0" };

/** A JSON value as a CSV cell carries it: strings and numbers as they are, objects as JSON, null as empty. */
function jsonText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** The documented neutralisation: a `'` before a formula-like cell, except a plain number in a numeric column. */
function spreadsheetSafe(text: string, numeric: boolean): string {
  if (numeric && /^-?[0-9]+(\.[0-9]+)?$/.test(text)) return text;
  return /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(text) ? `'${text}` : text;
}

describe("audit API", function () {
  let node: LocalNode;
  let t: TestLedger;
  const auditor = Wallet.createRandom();
  const outsider = Wallet.createRandom();
  /** A data center accredited in Beijing only. */
  const beijingDataCenter = Wallet.createRandom().address;

  before(async function () {
    node = await startNode("hardhat");
    t = await deployTestLedger(node.url);
    await (await t.manager.connect(t.signers.governor).grantRole(ROLE.AUDITOR, auditor.address, 0)).wait();
    const g = t.ledger.connect(t.signers.governor);
    await (await g.registerCity(HOSTILE_CITY.code, {
      name: HOSTILE_CITY.name, budget: 10n ** 9n, appropriation: encodeBytes32String(HOSTILE_CITY.appropriation), ratioBps: 5000,
      holderCap: 0n, defaultValidity: 86_400n * 365n,
    })).wait();
    const holder = await t.signers.holders[0]!.getAddress();
    await (await t.ledger.connect(t.signers.shanghaiIssuer).issueBatch(SHANGHAI, HOSTILE_REFS.map((ref) => ({
      holder, applicationRef: encodeBytes32String(ref), faceValue: 1000n, expiresAt: 0n,
    })))).wait();
    const now = BigInt((await t.provider.getBlock("latest"))!.timestamp);
    await (await g.accredit(beijingDataCenter, BEIJING, now - 10n, now + 86_400n * 365n)).wait();
    await runWorkload(t, 45, 11);
  });

  after(async function () {
    await node?.stop();
  });

  overEachBackend(() => ({ nodeUrl: node.url, t, auditor }), (api) => {
    it("serves the OpenAPI 3.1 document of every endpoint and the docs page from the package on disk", async function () {
      const { f } = api();
      const doc = (await f.client.get("/openapi.json")).json;
      expect(doc.openapi).to.equal("3.1.0");
      for (const e of ENDPOINTS) expect(doc.paths[e.path][e.method].operationId).to.equal(e.id);
      const page = await f.client.get("/docs");
      expect(page.status).to.equal(200);
      expect(page.text).to.include("/docs/assets/swagger-ui-bundle.js");
      const bundle = await fetch(`${f.client.url}/docs/assets/swagger-ui-bundle.js`);
      expect(bundle.status).to.equal(200);
      await bundle.arrayBuffer();
    });

    it("answers /health, /ready, /status and /metrics without a token", async function () {
      const { f } = api();
      expect((await f.client.get("/health")).json).to.deep.equal({ status: "ok" });
      expect((await f.client.get("/ready")).status).to.equal(200);
      const status = (await f.client.get("/status")).json;
      const head = Number(await rpcCall<string>(node.url, "eth_blockNumber"));
      expect(status).to.include({ head, indexed: head, lag: 0, finalityDepth: 16, chainId: 31337, ready: true, ledgerVersion: 1 });
      const metrics = await f.client.get("/metrics");
      expect(metrics.text).to.include("cvl_http_requests_total").and.include("cvl_sync_lag_blocks 0").and.include("cvl_events_indexed");
      expect(metrics.text).to.match(/cvl_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/health"\}/);
    });

    it("refuses reads without a token (401), with a forged or foreign token (401), and for an address with no role (403)", async function () {
      const { f, token } = api();
      const none = await f.client.get("/v1/cities");
      expect(none.status).to.equal(401);
      expect(none.json.code).to.equal("UNAUTHENTICATED");
      const [v, payload, signature] = token.split(".");
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), sub: outsider.address })).toString("base64url");
      expect((await f.client.get("/v1/cities", `${v}.${forged}.${signature}`)).json.code).to.equal("TOKEN_INVALID");
      expect((await f.client.get("/v1/cities", "garbage")).json.code).to.equal("TOKEN_INVALID");
      const outsiderToken = await tokenFor(f.client, outsider);
      const refused = await f.client.get("/v1/vouchers", outsiderToken);
      expect(refused.status).to.equal(403);
      expect(refused.json.code).to.equal("FORBIDDEN");
    });

    it("signs in once per nonce, and refuses replayed, expired, over-long and foreign messages", async function () {
      const { f } = api();
      const message = await siweMessage(f.client, auditor);
      const signature = await auditor.signMessage(message);
      const body = JSON.stringify({ message, signature });
      const first = await f.client.request("POST", "/v1/auth/login", { body });
      expect(first.status).to.equal(200);
      expect(first.json).to.include({ address: auditor.address, access: "all", tokenType: "Bearer" });
      const replay = await f.client.request("POST", "/v1/auth/login", { body });
      expect(replay.status).to.equal(401);
      expect(replay.json.code).to.equal("SIWE_INVALID");
      const past = new Date(Date.now() - 10 * 60_000);
      const refusals: [string, Parameters<typeof siweMessage>[2]][] = [
        ["expired", { issuedAt: past, expirationTime: new Date(past.getTime() + 60_000) }],
        ["without expiry", { expirationTime: null }],
        ["valid too long", { expirationTime: new Date(Date.now() + 86_400_000) }],
        ["for another domain", { domain: "evil.example.com" }],
        ["for another URI", { uri: "https://evil.example.com/" }],
        ["for another chain", { chainId: 1 }],
        ["with an unknown nonce", { nonce: "abcdef0123456789" }],
      ];
      for (const [what, overrides] of refusals) {
        const response = await login(f.client, auditor, await siweMessage(f.client, auditor, overrides));
        expect(response.status, what).to.equal(401);
        expect(response.json.code, what).to.equal("SIWE_INVALID");
      }
      // Signed by someone else than the message's address.
      const text = await siweMessage(f.client, auditor);
      const wrong = await f.client.request("POST", "/v1/auth/login", { body: JSON.stringify({ message: text, signature: await outsider.signMessage(text) }) });
      expect(wrong.json.code).to.equal("SIWE_INVALID");
    });

    it("lists cities exactly as the contract's views say", async function () {
      const { f, token } = api();
      const cities = (await f.client.all("/v1/cities", token, 1)) as Record<string, unknown>[];
      expect(cities.map((c) => c.code)).to.deep.equal((await t.ledger.cityCodes()).map(Number).sort((a, b) => a - b));
      expect(cities.map((c) => c.code)).to.include.members([BEIJING, SHANGHAI, HOSTILE_CITY.code]);
      for (const c of cities) {
        const params = await t.ledger.getCity(Number(c.code));
        const counters = await t.ledger.getCityCounters(Number(c.code));
        expect(c).to.include({
          name: params.name, currency: "CNY", budget: cny(params.budget), ratioBps: Number(params.ratioBps),
          issued: cny(counters.issued), redeemed: cny(counters.redeemed), revoked: cny(counters.revoked),
          expired: cny(counters.expired), outstanding: cny(counters.outstanding),
          available: cny(params.budget - counters.redeemed - counters.outstanding),
        });
        expect((await f.client.get(`/v1/cities/${c.code}`, token)).json).to.deep.equal(c);
      }
      expect((await f.client.get("/v1/cities/999999", token)).json.code).to.equal("NOT_FOUND");
    });

    it("returns every voucher as the contract says, with its whole history", async function () {
      const { f, token } = api();
      const vouchers = (await f.client.all("/v1/vouchers", token, 9)) as Record<string, string>[];
      const issued = await t.ledger.queryFilter(t.ledger.filters.VoucherIssued());
      const reissued = await t.ledger.queryFilter(t.ledger.filters.VoucherReissued());
      expect(vouchers.length).to.equal(issued.length + reissued.length);
      let sawReissue = false;
      for (const v of vouchers) {
        const r = await t.ledger.getVoucher(BigInt(v.id!));
        expect(v).to.include({
          holder: r.holder, status: STATUS[Number(r.status)], faceValue: cny(r.faceValue), remaining: cny(r.remaining),
          issuedAt: iso(r.issuedAt), expiresAt: iso(r.expiresAt), city: Number(r.city) as unknown as string,
        });
        const detail = (await f.client.get(`/v1/vouchers/${v.id}`, token)).json;
        const history = detail.history as { type: string; amount: string; otherVoucher: string | null; blockNumber: number; logIndex: number }[];
        expect(history[0]!.type).to.be.oneOf(["issued", "reissued-from"]);
        const redeemed = history.filter((h) => h.type === "redeemed").reduce((sum, h) => sum + BigInt(h.amount.replace(".", "")), 0n);
        expect(cny(redeemed)).to.equal(detail.redeemed);
        const sorted = [...history].sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
        expect(history).to.deep.equal(sorted);
        if (r.reissuedTo !== 0n) {
          sawReissue = true;
          expect(history[history.length - 1]).to.include({ type: "reissued-to", otherVoucher: r.reissuedTo.toString() });
        }
        if (r.reissuedFrom !== 0n) expect(history[0]).to.include({ type: "reissued-from", otherVoucher: r.reissuedFrom.toString() });
      }
      expect(sawReissue, "the workload re-issues some voucher").to.equal(true);
      expect((await f.client.get(`/v1/vouchers/${"1".repeat(40)}`, token)).json.code).to.equal("NOT_FOUND");
    });

    it("filters vouchers and redemptions by city, holder, status, voucher and dates", async function () {
      const { f, token } = api();
      const all = (await f.client.all("/v1/vouchers", token, 1000)) as Record<string, string | number>[];
      const holder = String(all[0]!.holder);
      const byFilter = async (query: string) => ((await f.client.all(`/v1/vouchers?${query}`, token, 5)) as { id: string }[]).map((v) => v.id);
      expect(await byFilter(`city=${SHANGHAI}`)).to.deep.equal(all.filter((v) => v.city === SHANGHAI).map((v) => v.id));
      expect(await byFilter(`holder=${holder.toLowerCase()}`)).to.deep.equal(all.filter((v) => v.holder === holder).map((v) => v.id));
      expect(await byFilter("status=Redeemed")).to.deep.equal(all.filter((v) => v.status === "Redeemed").map((v) => v.id));
      const middle = String(all[Math.floor(all.length / 2)]!.issuedAt);
      expect(await byFilter(`issuedFrom=${middle}`)).to.deep.equal(all.filter((v) => String(v.issuedAt) >= middle).map((v) => v.id));
      const redemptions = (await f.client.all("/v1/redemptions", token, 1000)) as Record<string, string>[];
      const logs = await t.ledger.queryFilter(t.ledger.filters.VoucherRedeemed());
      expect(redemptions.map((r) => r.invoiceHash)).to.deep.equal(logs.map((l) => l.args.invoiceHash));
      const voucher = redemptions[0]!.voucherId!;
      expect(((await f.client.all(`/v1/redemptions?voucher=${voucher}`, token)) as Record<string, string>[]).map((r) => r.invoiceHash))
        .to.deep.equal(redemptions.filter((r) => r.voucherId === voucher).map((r) => r.invoiceHash));
    });

    it("lists the raw event trail, the data centers and the role members as the chain has them", async function () {
      const { f, token } = api();
      const events = (await f.client.all("/v1/events", token, 250)) as Record<string, unknown>[];
      const head = Number(await rpcCall<string>(node.url, "eth_blockNumber"));
      const logs = await rpcCall<{ blockHash: string; logIndex: string }[]>(node.url, "eth_getLogs", [
        { address: [await t.ledger.getAddress(), await t.manager.getAddress()], fromBlock: `0x${t.deploymentBlock.toString(16)}`, toBlock: `0x${head.toString(16)}` },
      ]);
      expect(events.map((e) => `${e.blockHash}:${e.logIndex}`)).to.deep.equal(logs.map((l) => `${l.blockHash}:${Number(l.logIndex)}`));
      expect(events.filter((e) => e.final).length).to.equal(events.filter((e) => Number(e.blockNumber) <= head - 16).length);
      const issuedEvents = (await f.client.all("/v1/events?event=VoucherIssued", token, 50)) as Record<string, unknown>[];
      expect(issuedEvents.length).to.equal((await t.ledger.queryFilter(t.ledger.filters.VoucherIssued())).length);

      const dc = await t.signers.dataCenter.getAddress();
      const center = (await f.client.get(`/v1/data-centers/${dc}`, token)).json;
      expect(center.accreditations.map((a: { city: number }) => a.city)).to.deep.equal([BEIJING, SHANGHAI]);
      for (const a of center.accreditations as { city: number; validUntil: string; suspended: boolean }[]) {
        const onChain = await t.ledger.getAccreditation(dc, a.city);
        expect(a).to.include({ validUntil: iso(onChain.validUntil), suspended: onChain.suspended });
      }
      const redeemedByDc = (await t.ledger.queryFilter(t.ledger.filters.VoucherRedeemed(undefined, undefined, dc)))
        .reduce((sum, l) => sum + l.args.amount, 0n);
      expect(center.totalRedeemed).to.equal(cny(redeemedByDc));
      const centers = (await f.client.all("/v1/data-centers", token, 1)) as { address: string }[];
      expect(centers.map((c) => c.address)).to.include(dc);

      const members = (await f.client.all("/v1/roles", token, 3)) as { roleId: string; account: string }[];
      for (const m of members) expect((await t.manager.hasRole(BigInt(m.roleId), m.account))[0], `${m.roleId} ${m.account}`).to.equal(true);
      expect(members.map((m) => m.account)).to.include(auditor.address);
    });

    it("limits an issuer to its city and a data center to its own redemptions and accreditations", async function () {
      const { f, token } = api();
      const issuer = await tokenFor(f.client, t.signers.shanghaiIssuer);
      expect(((await f.client.all("/v1/cities", issuer)) as { code: number }[]).map((c) => c.code)).to.deep.equal([SHANGHAI]);
      expect((await f.client.get(`/v1/cities/${BEIJING}`, issuer)).status).to.equal(404);
      const vouchers = (await f.client.all("/v1/vouchers", issuer, 100)) as { id: string; city: number }[];
      expect(vouchers.length).to.be.greaterThan(0);
      expect(vouchers.every((v) => v.city === SHANGHAI)).to.equal(true);
      expect((await f.client.get(`/v1/vouchers?city=${BEIJING}`, issuer)).status).to.equal(403);
      const beijingVoucher = ((await f.client.all(`/v1/vouchers?city=${BEIJING}`, token, 1000)) as { id: string }[])[0]!;
      expect((await f.client.get(`/v1/vouchers/${beijingVoucher.id}`, issuer)).status).to.equal(404);
      const events = (await f.client.all("/v1/events", issuer, 500)) as { args: { city?: string } }[];
      expect(events.every((e) => e.args.city === String(SHANGHAI))).to.equal(true);
      expect((await f.client.get("/v1/roles", issuer)).status).to.equal(403);
      const redemptions = (await f.client.all("/v1/redemptions", issuer, 100)) as { city: number }[];
      expect(redemptions.every((r) => r.city === SHANGHAI)).to.equal(true);

      const dcSigner = t.signers.dataCenter;
      const dc = await tokenFor(f.client, dcSigner);
      const own = (await f.client.all("/v1/redemptions", dc, 100)) as { dataCenter: string }[];
      expect(own.length).to.be.greaterThan(0);
      expect(own.every((r) => r.dataCenter === dcSigner.address)).to.equal(true);
      expect((await f.client.get(`/v1/redemptions?dataCenter=${t.signers.holders[4]!.address}`, dc)).status).to.equal(403);
      expect((await f.client.get(`/v1/data-centers/${dcSigner.address}`, dc)).status).to.equal(200);
      expect((await f.client.get(`/v1/data-centers/${t.signers.holders[4]!.address}`, dc)).status).to.equal(404);
      for (const path of ["/v1/vouchers", "/v1/cities", "/v1/events", "/v1/roles", "/v1/verify"]) {
        expect((await f.client.get(path, dc)).status, path).to.equal(403);
      }
    });

    it("answers a record outside the caller's scope exactly as one that does not exist, at any block", async function () {
      const { f, token } = api();
      const issuer = await tokenFor(f.client, t.signers.shanghaiIssuer);
      const dc = await tokenFor(f.client, t.signers.dataCenter);
      const indexed = (await f.client.get("/status")).json.indexed as number;
      const vouchers = (await f.client.all("/v1/vouchers", token, 1000)) as { id: string; city: number; issuedBlock: number }[];
      const redeemed = new Set(((await f.client.all(`/v1/redemptions?city=${BEIJING}`, token, 1000)) as { voucherId: string }[]).map((r) => r.voucherId));
      const voucher = vouchers.find((v) => v.city === BEIJING && redeemed.has(v.id))!;
      expect(voucher, "a redeemed Beijing voucher").to.not.equal(undefined);
      const missing = (10n ** 70n + 7n).toString();
      expect(vouchers.some((v) => v.id === missing)).to.equal(false);
      const nowhere = Wallet.createRandom().address;
      // They exist, for a reader who may see them.
      expect((await f.client.get(`/v1/vouchers/${voucher.id}?atBlock=${voucher.issuedBlock}`, token)).status).to.equal(200);
      expect((await f.client.get(`/v1/cities/${BEIJING}`, token)).status).to.equal(200);
      expect((await f.client.get(`/v1/data-centers/${beijingDataCenter}`, token)).status).to.equal(200);

      /** The two answers, byte for byte apart from `instance` (the path asked), with the status expected. */
      const same = async (caller: string, a: string, b: string, status: number) => {
        const [ra, rb] = [await f.client.get(a, caller), await f.client.get(b, caller)];
        expect(ra.status, `${a}: ${ra.text}`).to.equal(status);
        expect(rb.status, `${b}: ${rb.text}`).to.equal(status);
        expect(ra.headers.get("content-type"), a).to.equal(rb.headers.get("content-type"));
        const bare = (r: typeof ra, path: string) => {
          if (r.json?.instance === undefined) return r.text;
          expect(r.json.instance).to.equal(path.split("?")[0]);
          return r.text.replace(`"instance":${JSON.stringify(r.json.instance)}`, '"instance":""');
        };
        expect(bare(ra, a), `${a} and ${b}`).to.equal(bare(rb, b));
        return ra;
      };

      const blocks = [undefined, t.deploymentBlock, voucher.issuedBlock - 1, voucher.issuedBlock, voucher.issuedBlock + 1, indexed, indexed + 1];
      for (const block of blocks) {
        const q = block === undefined ? "" : `?atBlock=${block}`;
        const status = block !== undefined && block > indexed ? 400 : 404;
        const answer = await same(issuer, `/v1/vouchers/${voucher.id}${q}`, `/v1/vouchers/${missing}${q}`, status);
        expect(answer.json.code).to.equal(status === 404 ? "NOT_FOUND" : "BLOCK_NOT_INDEXED");
        await same(issuer, `/v1/cities/${BEIJING}${q}`, `/v1/cities/999999${q}`, status);
        // A data center reads no vouchers or cities at all: refused before anything is looked up.
        await same(dc, `/v1/vouchers/${voucher.id}${q}`, `/v1/vouchers/${missing}${q}`, 403);
        await same(dc, `/v1/cities/${BEIJING}${q}`, `/v1/cities/999999${q}`, 403);
      }
      await same(issuer, `/v1/data-centers/${beijingDataCenter}`, `/v1/data-centers/${nowhere}`, 404);
      await same(dc, `/v1/data-centers/${beijingDataCenter}`, `/v1/data-centers/${nowhere}`, 404);
      // Lists filtered to a hidden voucher are empty, as for a voucher that does not exist.
      for (const list of ["/v1/redemptions", "/v1/events"]) {
        const empty = await same(issuer, `${list}?voucher=${voucher.id}`, `${list}?voucher=${missing}`, 200);
        expect(empty.json).to.deep.equal({ items: [], nextCursor: null });
        await same(issuer, `${list}?voucher=${voucher.id}&format=csv`, `${list}?voucher=${missing}&format=csv`, 200);
      }
      // Its own city's records, through the same scoped queries, are what an auditor sees.
      const own = vouchers.find((v) => v.city === SHANGHAI)!;
      for (const q of ["", `?atBlock=${own.issuedBlock}`, `?atBlock=${indexed}`]) {
        const mine = await f.client.get(`/v1/vouchers/${own.id}${q}`, issuer);
        expect(mine.status, mine.text).to.equal(200);
        expect(mine.json.history.length).to.be.greaterThan(0);
        expect(mine.json).to.deep.equal((await f.client.get(`/v1/vouchers/${own.id}${q}`, token)).json);
        expect((await f.client.get(`/v1/cities/${SHANGHAI}${q}`, issuer)).json).to.deep.equal((await f.client.get(`/v1/cities/${SHANGHAI}${q}`, token)).json);
      }
      // A list filtered to a city the issuer may not read is refused, whether or not the city exists.
      for (const list of ["/v1/vouchers", "/v1/redemptions"]) {
        await same(issuer, `${list}?city=${BEIJING}`, `${list}?city=999999`, 403);
      }
    });

    it("applies a role revoked on chain as soon as the mirror has the revocation", async function () {
      const { f } = api();
      const temp = Wallet.createRandom();
      await (await t.manager.connect(t.signers.governor).grantRole(ROLE.AUDITOR, temp.address, 0)).wait();
      await f.sync();
      const tempToken = await tokenFor(f.client, temp);
      expect((await f.client.get("/v1/roles", tempToken)).status).to.equal(200);
      await (await t.manager.connect(t.signers.governor).revokeRole(ROLE.AUDITOR, temp.address)).wait();
      await f.sync();
      expect((await f.client.get("/v1/roles", tempToken)).status).to.equal(403);
    });

    it("exports every list as CSV with the same rows as its JSON pages, in UTF-8 with a BOM, formulas neutralised", async function () {
      const { f, token } = api();
      const lists = ["/v1/cities", "/v1/vouchers", `/v1/vouchers?city=${SHANGHAI}`, "/v1/redemptions", "/v1/data-centers", "/v1/events", "/v1/roles"];
      const exports = new Map<string, Record<string, string>[]>();
      for (const path of lists) {
        const endpoint = ENDPOINTS.find((e) => e.path === path.split("?")[0])!;
        const itemSchema = (endpoint.output as unknown as { shape: { items: { element: Parameters<typeof csvColumns>[0] } } }).shape.items.element;
        const columns = csvColumns(itemSchema);
        const items = (await f.client.all(path, token, 100)) as Record<string, unknown>[];
        const cell = (item: Record<string, unknown>, keys: string[]) => keys.reduce<unknown>((v, k) => (v as Record<string, unknown> | null)?.[k], item);
        const expected = [columns.map((c) => c.header), ...items.map((item) => columns.map((c) => spreadsheetSafe(jsonText(cell(item, c.path)), c.numeric)))];
        const byAccept = await f.client.get(path, token, { accept: "text/csv" });
        expect(byAccept.headers.get("content-type")).to.equal("text/csv; charset=utf-8");
        expect(parseCsv(byAccept.text, { relax_column_count: false }), path).to.deep.equal(expected);
        // fetch's text() drops a leading BOM: the bytes have it.
        const raw = Buffer.from(await (await fetch(new URL(path, f.client.url), { headers: { authorization: `Bearer ${token}`, accept: "text/csv" } })).arrayBuffer());
        expect([...raw.subarray(0, 3)], path).to.deep.equal([0xef, 0xbb, 0xbf]);
        expect(raw.subarray(3).toString("utf8")).to.equal(byAccept.text);
        const sep = path.includes("?") ? "&" : "?";
        expect((await f.client.get(`${path}${sep}format=csv`, token)).text).to.equal(byAccept.text);
        exports.set(path, parseCsv<Record<string, string>>(raw, { bom: true, columns: true }));
      }
      // Amounts and integers stay numbers; text that users control is text.
      const voucherColumns = csvColumns((ENDPOINTS.find((e) => e.path === "/v1/vouchers")!.output as unknown as { shape: { items: { element: Parameters<typeof csvColumns>[0] } } }).shape.items.element);
      expect(voucherColumns.filter((c) => c.numeric).map((c) => c.header)).to.deep.equal(["city", "faceValue", "remaining", "redeemed", "issuedBlock", "updatedBlock"]);
      const vouchers = exports.get("/v1/vouchers")!;
      for (const ref of HOSTILE_REFS) {
        const row = vouchers.find((v) => v.applicationRefText === (ref === "上海市算力券" ? ref : `'${ref}`));
        expect(row, `the voucher with reference ${JSON.stringify(ref)}`).to.not.equal(undefined);
        expect(row!.faceValue).to.equal("10.00");
      }
      expect(exports.get("/v1/cities")!.find((c) => c.code === String(HOSTILE_CITY.code))).to.include({
        name: `'${HOSTILE_CITY.name}`, appropriationText: `'${HOSTILE_CITY.appropriation}`,
      });
    });

    it("pages without duplicates or gaps while new events are being added", async function () {
      const { f, token } = api();
      const seen: string[] = [];
      const seenVouchers: string[] = [];
      let cursor: string | null = null;
      let vCursor: string | null = null;
      let vouchersDone = false;
      let rounds = 0;
      const writer = (async () => {
        for (let i = 0; i < 4; i++) {
          await runWorkload(t, 4, 100 + i);
          await f.sync();
        }
      })();
      do {
        const page: { json: { items: { blockHash: string; logIndex: number }[]; nextCursor: string | null } } =
          await f.client.get(`/v1/events?limit=9${cursor === null ? "" : `&cursor=${cursor}`}`, token);
        seen.push(...page.json.items.map((e) => `${e.blockHash}:${e.logIndex}`));
        cursor = page.json.nextCursor;
        if (!vouchersDone) {
          const vPage: { json: { items: { id: string }[]; nextCursor: string | null } } =
            await f.client.get(`/v1/vouchers?limit=4${vCursor === null ? "" : `&cursor=${vCursor}`}`, token);
          seenVouchers.push(...vPage.json.items.map((v) => v.id));
          vCursor = vPage.json.nextCursor;
          vouchersDone = vCursor === null;
        }
        if (++rounds % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
      } while (cursor !== null);
      await writer;
      const after = ((await f.client.all("/v1/events", token, 1000)) as { blockHash: string; logIndex: number }[]).map((e) => `${e.blockHash}:${e.logIndex}`);
      expect(new Set(seen).size, "no duplicates").to.equal(seen.length);
      expect(seen, "no gaps: a prefix of the whole trail").to.deep.equal(after.slice(0, seen.length));
      const vouchersAfter = ((await f.client.all("/v1/vouchers", token, 1000)) as { id: string }[]).map((v) => v.id);
      expect(new Set(seenVouchers).size).to.equal(seenVouchers.length);
      expect(seenVouchers).to.deep.equal(vouchersAfter.slice(0, seenVouchers.length));
    });

    it("travels in time: a city and a voucher at a past block equal the contract's state at that block", async function () {
      const { f, token } = api();
      const head = await t.provider.getBlockNumber();
      const blocks = [t.deploymentBlock + 12, Math.floor((t.deploymentBlock + head) / 2), head - 5, head];
      const vouchers = (await f.client.all("/v1/vouchers", token, 1000)) as { id: string; issuedBlock: number }[];
      for (const block of blocks) {
        for (const code of [SHANGHAI, BEIJING]) {
          const response = await f.client.get(`/v1/cities/${code}?atBlock=${block}`, token);
          let params;
          try {
            params = await t.ledger.getCity(code, { blockTag: block });
          } catch {
            expect(response.status, `city ${code} at ${block}`).to.equal(404);
            continue;
          }
          const counters = await t.ledger.getCityCounters(code, { blockTag: block });
          expect(response.json, `city ${code} at ${block}`).to.include({
            budget: cny(params.budget), ratioBps: Number(params.ratioBps), issued: cny(counters.issued), redeemed: cny(counters.redeemed),
            revoked: cny(counters.revoked), expired: cny(counters.expired), outstanding: cny(counters.outstanding), asOfBlock: block,
          });
        }
        for (const v of vouchers.filter((_, i) => i % 3 === 0)) {
          const response = await f.client.get(`/v1/vouchers/${v.id}?atBlock=${block}`, token);
          if (v.issuedBlock > block) {
            expect(response.status).to.equal(404);
            continue;
          }
          const r = await t.ledger.getVoucher(BigInt(v.id), { blockTag: block });
          expect(response.json, `voucher ${v.id} at ${block}`).to.include({
            status: STATUS[Number(r.status)], remaining: cny(r.remaining), holder: r.holder, asOfBlock: block,
            reissuedTo: r.reissuedTo === 0n ? null : r.reissuedTo.toString(),
          });
        }
      }
      const ahead = await f.client.get(`/v1/cities/${SHANGHAI}?atBlock=${head + 1000}`, token);
      expect(ahead.json.code).to.equal("BLOCK_NOT_INDEXED");
    });

    it("refuses a block below the history a migrated mirror keeps (BLOCK_NOT_KEPT), and answers from its first block on", async function () {
      const { f, token } = api();
      const db = f.mirror.store.db;
      const from = t.deploymentBlock + 5;
      // As a mirror older than the history looks: it starts at the checkpoint the migration found.
      await db.query("UPDATE sync_checkpoint SET history_from = $1", [from]);
      try {
        for (const path of [`/v1/cities/${SHANGHAI}`, "/v1/vouchers/1"]) {
          const below = await f.client.get(`${path}?atBlock=${from - 1}`, token);
          expect(below.status, path).to.equal(400);
          expect(below.json).to.include({ code: "BLOCK_NOT_KEPT" });
          expect(below.json.detail).to.equal(`block ${from - 1} is below block ${from}, where the mirror's history starts`);
          expect((await f.client.get(`${path}?atBlock=${from}`, token)).status, path).to.be.oneOf([200, 404]);
        }
      } finally {
        await db.query("UPDATE sync_checkpoint SET history_from = deployment_block - 1");
      }
    });

    it("answers bad input and unknown routes with problem details that name the failing fields and leak no stack", async function () {
      const { f, token } = api();
      const bad = await f.client.get("/v1/vouchers?limit=5000&city=abc&holder=0x12", token);
      expect(bad.status).to.equal(400);
      expect(bad.json.code).to.equal("VALIDATION_FAILED");
      expect(bad.json.errors.map((e: { path: string }) => e.path)).to.include.members(["query.limit", "query.city", "query.holder"]);
      expect((await f.client.get("/v1/vouchers?unknown=1", token)).json.code).to.equal("VALIDATION_FAILED");
      expect((await f.client.get("/v1/events?cursor=bm9wZQ", token)).json.code).to.equal("INVALID_CURSOR");
      const other = (await f.client.get("/v1/cities?limit=1", token)).json.nextCursor;
      expect((await f.client.get(`/v1/events?cursor=${other}`, token)).json.code).to.equal("INVALID_CURSOR");
      const missing = await f.client.get("/v1/nothing-here");
      expect(missing.status).to.equal(404);
      expect(missing.json.code).to.equal("ROUTE_NOT_FOUND");
      const json = await f.client.request("POST", "/v1/auth/login", { body: "{not json" });
      expect(json.json.code).to.equal("INVALID_JSON");
      const big = await f.client.request("POST", "/v1/auth/login", { body: JSON.stringify({ message: "x".repeat(40_000), signature: "0x" }) });
      expect(big.status).to.equal(413);
      for (const r of [bad, missing, json, big]) expect(r.text).to.not.match(/at .*\.(ts|js):\d+/);
      expect(getAddress(auditor.address)).to.equal(auditor.address);
    });
  });
});
