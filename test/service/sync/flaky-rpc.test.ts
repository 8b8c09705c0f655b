import { createServer, type Server } from "node:http";

import { expect } from "chai";

import { dump, expectMirrorEqualsChain } from "../helpers/compare.js";
import { deployTestLedger, runWorkload, type TestLedger } from "../helpers/ledger.js";
import { backends, mirrorEnv, newDatabase, syncAndRead, type TestDatabase } from "../helpers/mirror.js";
import { listenLocal, type LocalNode, startNode } from "../helpers/node.js";

interface Proxy {
  url: string;
  stats: { failed: number; refused: number; forwarded: number };
  close(): Promise<void>;
}

/**
 * A JSON-RPC proxy in front of a real node that refuses `eth_getLogs` over more than `maxRange` blocks (the first
 * style naming the range that would work, as Alchemy and Infura do; the second only a maximum) and fails every
 * `failEvery`-th request (HTTP 503, a JSON-RPC internal error, or a dropped connection).
 */
async function startProxy(target: string, maxRange: number, failEvery: number): Promise<Proxy> {
  const stats = { failed: 0, refused: 0, forwarded: 0 };
  let count = 0;
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    const forward = async () => {
      count++;
      const call = JSON.parse(body) as { id: number; method: string; params: { fromBlock: string; toBlock: string }[] };
      if (count % failEvery === 0) {
        stats.failed++;
        const mode = (count / failEvery) % 3;
        if (mode === 0) return res.writeHead(503).end("busy");
        if (mode === 1) return res.socket?.destroy();
        return res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({ jsonrpc: "2.0", id: call.id, error: { code: -32603, message: "internal error: upstream timeout" } }),
        );
      }
      if (!Array.isArray(call) && call.method === "eth_getLogs") {
        const from = Number(call.params[0]!.fromBlock);
        const to = Number(call.params[0]!.toBlock);
        if (to - from + 1 > maxRange) {
          stats.refused++;
          const message =
            stats.refused % 2 === 0
              ? `query returned more than 10000 results. Try with this block range [0x${from.toString(16)}, 0x${(from + maxRange - 1).toString(16)}].`
              : `exceed maximum block range: ${maxRange}`;
          return res.writeHead(200, { "content-type": "application/json" }).end(
            JSON.stringify({ jsonrpc: "2.0", id: call.id, error: { code: -32005, message } }),
          );
        }
      }
      stats.forwarded++;
      const upstream = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
      res.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text());
    };
    // A forward that fails (the node is gone) drops the connection, as a real proxy would, not an unhandled rejection.
    req.on("end", () => {
      forward().catch(() => res.destroy());
    });
  });
  const url = await listenLocal(server);
  return {
    url,
    stats,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe("a node that limits log ranges and fails every few calls", function () {
  let node: LocalNode;
  let proxy: Proxy;
  let t: TestLedger;
  const databases: TestDatabase[] = [];

  before(async function () {
    node = await startNode("anvil");
    t = await deployTestLedger(node.url);
    await runWorkload(t, 30, 60);
    proxy = await startProxy(node.url, 5, 4);
  });

  after(async function () {
    for (const db of databases) await db.drop().catch(() => undefined);
    await proxy?.close();
    await node?.stop();
  });

  for (const backend of backends()) {
    it(`still mirrors every event (${backend})`, async function () {
      const db = await newDatabase(backend);
      databases.push(db);
      const before = { ...proxy.stats };
      const env = await mirrorEnv(proxy.url, t, db, { GETLOGS_INITIAL_RANGE: "50", GETLOGS_MAX_RANGE: "1000", GETLOGS_TARGET_LOGS: "1000" });
      const actual = await syncAndRead(env, async (m) => {
        await expectMirrorEqualsChain(m.store.db, t, node.url);
        return dump(m.store.db);
      });
      expect(proxy.stats.refused).to.be.greaterThan(before.refused);
      expect(proxy.stats.failed).to.be.greaterThan(before.failed);
      const fresh = await newDatabase(backend);
      databases.push(fresh);
      const expected = await syncAndRead(await mirrorEnv(node.url, t, fresh), (m) => dump(m.store.db));
      expect(actual).to.deep.equal(expected);
    });
  }
});
