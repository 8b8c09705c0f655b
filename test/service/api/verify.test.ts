import { spawn } from "node:child_process";
import { join } from "node:path";

import { expect } from "chai";
import fc from "fast-check";
import { Wallet } from "ethers";

import { ROLE } from "../../../service/domain/roles-v1.js";
import { overEachBackend } from "../helpers/backends.js";
import { deployTestLedger, runWorkload, type TestLedger } from "../helpers/ledger.js";
import { type LocalNode, ROOT, startNode } from "../helpers/node.js";


/** Runs the verify CLI as `npm run verify` does; resolves with its exit code and output. */
function runCli(env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, "node_modules", ".bin", "tsx"), ["service/verify/cli.ts", ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("audit API verification and robustness", function () {
  let node: LocalNode;
  let t: TestLedger;
  const auditor = Wallet.createRandom();

  before(async function () {
    node = await startNode("anvil");
    t = await deployTestLedger(node.url);
    await (await t.manager.connect(t.signers.governor).grantRole(ROLE.AUDITOR, auditor.address, 0)).wait();
    await runWorkload(t, 30, 21);
  });

  after(async function () {
    await node?.stop();
  });

  overEachBackend(() => ({ nodeUrl: node.url, t, auditor }), (api) => {
    it("never answers random and malformed requests with a 5xx", async function () {
      const { f, token } = api();
      const paths = [
        "/v1/cities", "/v1/cities/{x}", "/v1/vouchers", "/v1/vouchers/{x}", "/v1/redemptions", "/v1/data-centers",
        "/v1/data-centers/{x}", "/v1/events", "/v1/roles", "/v1/auth/nonce", "/v1/auth/login", "/health", "/status",
        "/{x}", "/v1/{x}", "/v1/vouchers/{x}/{x}",
      ];
      const keys = ["limit", "cursor", "format", "city", "holder", "status", "issuedFrom", "issuedTo", "expiresFrom", "dataCenter",
        "voucher", "from", "to", "fromBlock", "toBlock", "event", "address", "atBlock", "role", "x"];
      const printable = fc.string({ unit: fc.constantFrom(..."abcXYZ0189 -_.:=+/%&?#{}[]\"'\\<>~!@$^*()|,;".split("")), maxLength: 40 });
      const value = fc.oneof(
        printable,
        fc.integer().map(String),
        fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }).map(String),
        fc.constantFrom("0x0000000000000000000000000000000000000000", "2026-01-01", "2026-13-45T99:00:00Z", "csv", "json", "Active", "-1", "1e400", "NaN", "%zz", ""),
      );
      const request = fc.record({
        method: fc.constantFrom("GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH"),
        path: fc.constantFrom(...paths),
        segment: value,
        query: fc.array(fc.tuple(fc.constantFrom(...keys), value), { maxLength: 5 }),
        auth: fc.constantFrom("valid", "none", "junk"),
        accept: fc.constantFrom(undefined, "text/csv", "application/json", "*/*", "text/html", "x/y;q=0"),
        contentType: fc.constantFrom(undefined, "application/json", "text/plain", "application/json; charset=latin1", "multipart/form-data"),
        body: fc.option(fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 3 })), { nil: undefined }),
      });
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const path = r.path.replace(/\{x\}/g, encodeURIComponent(r.segment));
          const query = r.query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
          const headers: Record<string, string> = {};
          if (r.auth === "valid") headers.authorization = `Bearer ${token}`;
          if (r.auth === "junk") headers.authorization = "Bearer v1.e30.AAAA";
          if (r.accept !== undefined) headers.accept = r.accept;
          if (r.contentType !== undefined) headers["content-type"] = r.contentType;
          const body = r.method === "GET" || r.body === undefined ? undefined : r.body;
          const response = await f.client.request(r.method, `${path}${query === "" ? "" : `?${query}`}`, { headers, ...(body === undefined ? {} : { body }) });
          expect(response.status, `${r.method} ${path}?${query}: ${response.text.slice(0, 200)}`).to.be.below(500);
        }),
        { numRuns: 250, seed: 5 },
      );
    });

    it("reports no difference on an intact mirror, and reports a corrupted mirror row with what, where and which block", async function () {
      const { f, token } = api();
      const clean = await f.client.get("/v1/verify", token);
      expect(clean.status).to.equal(200);
      expect(clean.json.ok, JSON.stringify(clean.json.differences.slice(0, 5))).to.equal(true);
      expect(clean.json.events).to.be.greaterThan(50);
      expect(clean.json.checked.vouchers).to.be.greaterThan(5);

      const [victim] = await f.mirror.store.db.query<{ id: string; updated_block: string }>(
        "SELECT id::text AS id, updated_block::text AS updated_block FROM vouchers ORDER BY id LIMIT 1",
      );
      await f.mirror.store.db.query("UPDATE vouchers SET remaining = remaining + 1 WHERE id = $1::numeric", [victim!.id]);
      await f.mirror.store.db.query("UPDATE cities SET redeemed = redeemed - 7 WHERE city = 310000");
      const report = (await f.client.get("/v1/verify", token)).json;
      expect(report.ok).to.equal(false);
      expect(report.differences).to.deep.include({
        against: "mirror", entity: "voucher", key: victim!.id, field: "remaining",
        expected: report.differences.find((d: { key: string }) => d.key === victim!.id).expected,
        actual: report.differences.find((d: { key: string }) => d.key === victim!.id).actual,
        block: Number(victim!.updated_block),
      });
      const voucherDiff = report.differences.find((d: { key: string }) => d.key === victim!.id);
      expect(BigInt(voucherDiff.actual) - BigInt(voucherDiff.expected)).to.equal(1n);
      expect(report.differences.some((d: { entity: string; key: string; field: string }) => d.entity === "city" && d.key === "310000" && d.field === "redeemed")).to.equal(true);
      expect(report.differences.every((d: { against: string }) => d.against === "mirror"), "the contract agrees with the chain's logs").to.equal(true);

      // The CLI reads the same database once the service has stopped, and exits non-zero.
      await f.stop();
      const cli = await runCli(f.env);
      expect(cli.code, cli.stderr).to.equal(1);
      expect(cli.stdout).to.include(`voucher ${victim!.id} remaining`).and.include("city 310000 redeemed");
      const json = await runCli(f.env, ["--json"]);
      expect(JSON.parse(json.stdout).differences.length).to.equal(report.differences.length);
      const chainOnly = await runCli(f.env, ["--chain-only"]);
      expect(chainOnly.code, chainOnly.stdout + chainOnly.stderr).to.equal(0);
      expect(chainOnly.stdout).to.include("no differences");
    });
  });
});
