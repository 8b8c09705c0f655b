import { createServer, type Server } from "node:http";

import { expect } from "chai";

import { dump, expectMirrorEqualsChain } from "../helpers/compare.js";
import { grow, snapshot } from "../helpers/fork.js";
import { deployTestLedger, rng, runWorkload, type TestLedger } from "../helpers/ledger.js";
import { backends, mirrorEnv, newDatabase, syncAndRead, type TestDatabase } from "../helpers/mirror.js";
import { listenLocal, type LocalNode, startNode } from "../helpers/node.js";
import { type MirrorProcess, spawnMirror } from "../helpers/process.js";
import { eventually } from "../relay/helpers/scenario.js";

interface HoldingProxy {
  url: string;
  /** From now on, holds back the first request for which `matches` is true; resolves once one is held. */
  hold(matches: (call: unknown) => boolean): Promise<void>;
  /** Sends the held request on to the node. */
  release(): void;
  close(): Promise<void>;
}

/** A JSON-RPC proxy in front of a real node that can hold one request back until told to send it on. */
async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  let rule: { matches: (call: unknown) => boolean; held: () => void; released: Promise<void> } | undefined;
  let release = () => {};
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    const forward = async () => {
      const current = rule;
      if (current !== undefined && current.matches(JSON.parse(body))) {
        rule = undefined;
        current.held();
        await current.released;
      }
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
    hold(matches) {
      let released!: () => void;
      const promise = new Promise<void>((resolve) => {
        rule = { matches, held: resolve, released: new Promise<void>((r) => (released = r)) };
      });
      release = () => released();
      return promise;
    },
    release: () => release(),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

describe("crashes", function () {
  let node: LocalNode;
  let t: TestLedger;
  const databases: TestDatabase[] = [];
  const children: MirrorProcess[] = [];

  before(async function () {
    node = await startNode("anvil");
    t = await deployTestLedger(node.url);
    await runWorkload(t, 40, 30);
  });

  after(async function () {
    for (const child of children) await child.stop("SIGKILL");
    for (const db of databases) await db.drop().catch(() => undefined);
    await node?.stop();
  });

  for (const backend of backends()) {
    it(`resumes after SIGKILL during backfill and follow, with no duplicate and no gap (${backend})`, async function () {
      const db = await newDatabase(backend);
      databases.push(db);
      // Tiny ranges, so that a backfill takes many commits and the kills land in the middle of it.
      const env = await mirrorEnv(node.url, t, db, { GETLOGS_INITIAL_RANGE: "1", GETLOGS_MAX_RANGE: "2" });
      const random = rng(backend === "pglite" ? 7 : 8);
      for (let round = 0; round < 5; round++) {
        const mirror = spawnMirror(env);
        children.push(mirror);
        await mirror.waitFor("mirror.target");
        if (round >= 3) await runWorkload(t, 4, 40 + round); // the kill lands while following
        await new Promise((r) => setTimeout(r, 200 + Math.floor(random() * 1500)));
        mirror.child.kill("SIGKILL");
        expect(await mirror.exited).to.equal(null);
      }
      const actual = await syncAndRead(env, async (m) => {
        await expectMirrorEqualsChain(m.store.db, t, node.url);
        return dump(m.store.db);
      });
      const fresh = await newDatabase(backend);
      databases.push(fresh);
      const expected = await syncAndRead(await mirrorEnv(node.url, t, fresh), (m) => dump(m.store.db));
      expect(actual).to.deep.equal(expected);
    });
  }
});

describe("a stop signal together with a fatal error", function () {
  let node: LocalNode;
  let proxy: HoldingProxy;
  const databases: TestDatabase[] = [];
  const children: MirrorProcess[] = [];

  before(async function () {
    node = await startNode("anvil");
    proxy = await startHoldingProxy(node.url);
  });

  after(async function () {
    proxy?.release();
    for (const child of children) await child.stop("SIGKILL");
    await proxy?.close();
    for (const db of databases) await db.drop().catch(() => undefined);
    await node?.stop();
  });

  for (const backend of backends()) {
    it(`exits non-zero with the fatal line, not 0, when SIGTERM comes while the step that fails is running (${backend})`, async function () {
      const t = await deployTestLedger(node.url);
      await runWorkload(t, 6, 120);
      const revert = await snapshot(t);
      await grow(t, 6, 121);
      const db = await newDatabase(backend);
      databases.push(db);
      const env = await mirrorEnv(proxy.url, t, db, { FINALITY_DEPTH: "2" });
      const mirror = spawnMirror(env);
      children.push(mirror);
      const { url } = await mirror.listening();
      const head = await t.provider.getBlockNumber();
      const status = async () => {
        const response = await fetch(`${url}/status`).catch(() => undefined);
        return response?.ok === true ? ((await response.json()) as { indexed: number }) : undefined;
      };
      await eventually(async () => ((await status())?.indexed === head ? true : undefined), "the mirror to catch up");

      // The chain replaces the mirror's final block. The fork point search (a batch that starts at the checkpoint)
      // is held back until SIGTERM has been handled, so that the fatal error comes while the process is stopping.
      const held = proxy.hold((call) => Array.isArray(call) && call[0]?.method === "eth_getBlockByNumber" && call[0]?.params?.[0] === `0x${head.toString(16)}`);
      await revert();
      await grow(t, 10, 122);
      await held;
      mirror.child.kill("SIGTERM");
      await mirror.waitFor((line) => line.signal === "SIGTERM");
      proxy.release();
      expect(await mirror.exited).to.equal(1);
      const fatal = mirror.parsed().find((line) => line.level === 60);
      expect(fatal).to.include({ code: "REORG_TOO_DEEP" });
    });
  }
});
