import { createServer, type Server } from "node:http";

import { expect } from "chai";

import { createRedemptionClient } from "../../../service/client/index.js";
import { toWire } from "../../../service/domain/redemption-wire.js";
import { type ApiFixture, startApiFixture } from "../api/helpers.js";
import { listenLocal } from "../helpers/node.js";
import { body, eventually, type Scenario, setUp } from "./helpers/scenario.js";

/** A JSON-RPC proxy in front of a real node that holds every `eth_call` for `delayMs` (a slow chain node). */
async function startSlowProxy(target: string): Promise<{ url: string; delayMs: number; close(): Promise<void> }> {
  const proxy = { url: "", delayMs: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString()));
    const forward = async () => {
      const calls = [JSON.parse(text) as { method: string }].flat();
      if (calls.some((c) => c.method === "eth_call") && proxy.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, proxy.delayMs));
      const upstream = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: text });
      res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text());
    };
    // A forward that fails (the node is gone) drops the connection, as a real proxy would, not an unhandled rejection.
    req.on("end", () => {
      forward().catch(() => res.destroy());
    });
  });
  proxy.url = await listenLocal(server);
  proxy.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return proxy;
}

const post = (url: string, path: string, payload: unknown) =>
  fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) });

describe("relay: a slow chain node never gets a stored redemption answered as not stored", function () {
  this.timeout(300_000);
  let s: Scenario;
  let proxy: Awaited<ReturnType<typeof startSlowProxy>>;
  let f: ApiFixture;

  before(async function () {
    s = await setUp({ vouchers: 4, dataCenters: 2 });
    proxy = await startSlowProxy(s.node.url);
    // The API's own request timeout is as short as it may be; the relay's bound on its checks is 1.5 s.
    f = await startApiFixture(s.node.url, s.t, "pglite", { API_REQUEST_TIMEOUT_MS: "100" }, { relay: { rpcUrl: proxy.url, checkTimeoutMs: 1500 } });
  });

  after(async function () {
    await f?.close();
    await proxy?.close();
    await s?.stop();
  });

  afterEach(function () {
    proxy.delayMs = 0;
  });

  it("answers a redemption whose checks outlast the API's request timeout with the stored request (202), not 503 TIMEOUT", async function () {
    const client = createRedemptionClient({ baseUrl: f.http.url });
    const b = await body(s, client, 0, s.dataCenters[0]!);
    proxy.delayMs = 400;
    const response = await post(f.http.url, "/v1/redemptions", toWire(b));
    const answer = (await response.json()) as { id: string; status: string };
    expect(response.status, JSON.stringify(answer)).to.equal(202);
    const stored = await f.relay!.queue.byInvoice(b.consent.invoiceHash);
    expect(stored.map((r) => r.id)).to.deep.equal([answer.id]);

    const batch = [await body(s, client, 1, s.dataCenters[1]!), await body(s, client, 2, s.dataCenters[1]!)];
    const batched = await post(f.http.url, "/v1/redemptions/batch", { redemptions: batch.map(toWire) });
    const results = ((await batched.json()) as { results: { status: number }[] }).results;
    expect(batched.status).to.equal(200);
    expect(results.map((r) => r.status)).to.deep.equal([202, 202]);
  });

  it("refuses a redemption whose checks outlast the relay's bound with 503 UNAVAILABLE and Retry-After, and stores nothing", async function () {
    const client = createRedemptionClient({ baseUrl: f.http.url });
    const single = await body(s, client, 3, s.dataCenters[0]!, { nonce: s.nonces.get(s.dataCenters[0]!.address)! });
    const batch = await body(s, client, 3, s.dataCenters[1]!, { nonce: s.nonces.get(s.dataCenters[1]!.address)! });
    proxy.delayMs = 3000;
    for (const [path, payload] of [["/v1/redemptions", toWire(single)], ["/v1/redemptions/batch", { redemptions: [toWire(batch)] }]] as const) {
      const response = await post(f.http.url, path, payload);
      const problem = (await response.json()) as { code: string; detail: string };
      expect(response.status, `${path}: ${JSON.stringify(problem)}`).to.equal(503);
      expect(response.headers.get("content-type")).to.match(/^application\/problem\+json/);
      expect(response.headers.get("retry-after")).to.match(/^\d+$/);
      expect(problem.code).to.equal("UNAVAILABLE");
      expect(problem.detail).to.include("nothing was stored");
    }
    // The reads that were given up on finish; what they would have admitted is still not stored.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    for (const b of [single, batch]) expect(await f.relay!.queue.byInvoice(b.consent.invoiceHash)).to.deep.equal([]);

    // The same bodies again, once the node answers in time, are admitted.
    proxy.delayMs = 0;
    const again = await post(f.http.url, "/v1/redemptions", toWire(single));
    expect(again.status).to.equal(202);
    await eventually(async () => ((await f.relay!.queue.byInvoice(single.consent.invoiceHash)).length === 0 ? undefined : true), "stored");
  });
});
