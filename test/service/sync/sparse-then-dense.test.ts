import { createServer, type Server } from "node:http";

import { expect } from "chai";

import type { NewEvent } from "../../../service/store/store.js";
import { expectMirrorEqualsChain } from "../helpers/compare.js";
import { deployTestLedger, type TestLedger } from "../helpers/ledger.js";
import { backends, mirrorEnv, testDatabases, withMirror } from "../helpers/mirror.js";
import { listenLocal, type LocalNode, startNode } from "../helpers/node.js";
import { mineDense, mineSparse } from "../helpers/shapes.js";

/** An `eth_getLogs` the mirror asked for, and how many logs the node's whole answer held (read by the proxy). */
interface Asked {
  from: number;
  to: number;
  logs: number;
}

/** A JSON-RPC proxy in front of a real node that records every `eth_getLogs` range and the size of its answer. */
async function startRecorder(target: string): Promise<{ url: string; asked: Asked[]; close(): Promise<void> }> {
  const asked: Asked[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    const forward = async () => {
      const upstream = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
      const text = await upstream.text();
      const call = JSON.parse(body) as { method?: string; params?: { fromBlock: string; toBlock: string }[] };
      if (!Array.isArray(call) && call.method === "eth_getLogs") {
        const answer = JSON.parse(text) as { result?: unknown[] };
        asked.push({ from: Number(call.params![0]!.fromBlock), to: Number(call.params![0]!.toBlock), logs: answer.result?.length ?? 0 });
      }
      // The mirror may stop reading a large answer and close the connection: nothing to do then.
      res.writeHead(upstream.status, { "content-type": "application/json" }).end(text);
    };
    req.on("end", () => {
      forward().catch(() => res.destroy());
    });
  });
  const url = await listenLocal(server);
  return {
    url,
    asked,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const TARGET = 250;

describe("sync: a chain of sparse blocks, then dense ones", function () {
  let node: LocalNode;
  let t: TestLedger;
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  /** The first block of 600 events. */
  let firstDense: number;
  const databases = testDatabases();

  before(async function () {
    node = await startNode("anvil");
    t = await deployTestLedger(node.url);
    // 300 sparse blocks (a voucher every tenth): the range grows to over a hundred blocks. Then blocks of 30 events
    // that such a range holds over the target (but under twice the target), sparse ones again, 600-event blocks, and
    // 90-event blocks (two of them in a range).
    await mineSparse(t, 300, 10);
    await mineDense(t, 10, 10);
    await mineSparse(t, 200, 10);
    firstDense = (await t.provider.getBlockNumber()) + 1;
    await mineDense(t, 8, 200);
    await mineDense(t, 12, 30);
    await mineSparse(t, 100, 10);
    recorder = await startRecorder(node.url);
  });

  after(async function () {
    await databases.dropAll();
    await recorder?.close();
    await node?.stop();
  });

  for (const backend of backends()) {
    it(`never asks again for more than twice the target once a dense block was seen, commits at most the target a transaction, and equals the chain (${backend})`, async function () {
      const db = await databases.fresh(backend);
      recorder.asked.length = 0;
      const env = await mirrorEnv(recorder.url, t, db, {
        GETLOGS_INITIAL_RANGE: "1", GETLOGS_MAX_RANGE: "100000", GETLOGS_TARGET_LOGS: String(TARGET), FINALITY_DEPTH: "4",
      });
      const commits: NewEvent[][] = [];
      await withMirror(env, async (m) => {
        const commit = m.store.commit.bind(m.store);
        m.store.commit = (input) => {
          commits.push(input.events);
          return commit(input);
        };
        await m.syncer!.syncToHead();
        await expectMirrorEqualsChain(m.store.db, t, node.url);
      });

      // The sparse blocks did widen the range: the first request to reach a dense block spans many blocks, and the
      // node's answer to it is far over the target (the mirror stops reading it at twice the target).
      const first = recorder.asked.findIndex((a) => a.to >= firstDense);
      expect(first).to.be.greaterThan(0);
      expect(recorder.asked[first]!.to - recorder.asked[first]!.from).to.be.greaterThan(16);
      expect(recorder.asked[first]!.logs).to.be.greaterThan(2 * TARGET);
      // After it, every range asked for holds at most twice the target, or is one block.
      const later = recorder.asked.slice(first + 1).filter((a) => a.from !== a.to && a.logs > 2 * TARGET);
      expect(later).to.deep.equal([]);

      // Each transaction holds at most the target, or the events of a single block; never half a block.
      for (const events of commits) {
        const blocks = new Set(events.map((e) => e.blockNumber));
        if (blocks.size > 1) expect(events.length).to.be.at.most(TARGET);
      }
      // An answer over the target (but not over twice the target) over several blocks was read whole and committed in
      // more than one transaction.
      const split = recorder.asked.find((a) => a.from !== a.to && a.logs > TARGET && a.logs <= 2 * TARGET);
      expect(split, "an answer between the target and twice the target").to.not.equal(undefined);
      const inSplit = commits.filter((events) => events.some((e) => e.blockNumber >= split!.from && e.blockNumber <= split!.to));
      expect(inSplit.length).to.be.greaterThan(1);
    });
  }
});
