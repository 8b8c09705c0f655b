import { expect } from "chai";

import { createApi, startHttpServer } from "../../../service/api/index.js";
import { loadConfig } from "../../../service/internal/config.js";
import { ReorgTooDeepError } from "../../../service/internal/errors.js";
import { createLogger } from "../../../service/internal/logger.js";
import { type Mirror, openMirror } from "../../../service/mirror.js";
import { type Client, createClient, tokenFor } from "../api/helpers.js";
import { grow, snapshot } from "../helpers/fork.js";
import { deployTestLedger, runWorkload, type TestLedger } from "../helpers/ledger.js";
import { backends, mirrorEnv, syncAndRead, testDatabases, withMirror } from "../helpers/mirror.js";
import { type LocalNode, startNode } from "../helpers/node.js";
import { type MirrorProcess, spawnMirror } from "../helpers/process.js";
import { eventually } from "../relay/helpers/scenario.js";

const API_ENV = {
  PORT: "0",
  API_VALIDATE_RESPONSES: "true",
  API_RATE_LIMIT_PER_ADDRESS: "100000",
  API_RATE_LIMIT_PER_TOKEN: "100000",
  API_RATE_LIMIT_AUTH_PER_IP: "100000",
};

/**
 * Opens the mirror and the audit API over it in this process, runs `fn`, closes. A writer (no `READ_ONLY`) syncs to
 * the head first and migrates the API's tables, as the service does; a replica only reads.
 */
async function withApi<T>(env: Record<string, string>, fn: (client: Client, mirror: Mirror) => Promise<T>): Promise<T> {
  const { mirror: config, api: apiConfig } = loadConfig(env);
  const logger = createLogger({ level: config.logLevel });
  const mirror = await openMirror({ config, logger });
  try {
    await mirror.syncer?.syncToHead();
    const api = await createApi({ config, api: apiConfig, mirror, logger });
    try {
      const http = await startHttpServer(api, { port: 0 });
      try {
        return await fn(createClient(http.url, api), mirror);
      } finally {
        await http.close();
      }
    } finally {
      await api.close();
    }
  } finally {
    await mirror.close();
  }
}

type Event = { blockNumber: number; final: boolean };

/** Every event of the trail, with its block and `final` flag. */
async function events(client: Client, t: TestLedger): Promise<Event[]> {
  const token = await tokenFor(client, t.signers.governor);
  return (await client.all("/v1/events", token, 250)) as Event[];
}

/** A ledger with a snapshot some blocks below its head, to fork from deeper than a window of 2. */
async function ledgerWithDeepFork(url: string, seed: number): Promise<{ t: TestLedger; revert: () => Promise<void> }> {
  const t = await deployTestLedger(url);
  await runWorkload(t, 8, seed);
  const revert = await snapshot(t);
  await grow(t, 6, seed + 1);
  return { t, revert };
}

describe("read-only replicas at the edge of finality, on anvil", function () {
  let node: LocalNode;
  const { fresh, dropAll } = testDatabases();
  const children: MirrorProcess[] = [];

  before(async function () {
    node = await startNode("anvil");
  });

  after(async function () {
    for (const child of children) await child.stop("SIGKILL");
    await dropAll();
    await node?.stop();
  });

  for (const backend of backends()) {
    it(`serves final up to the writer's final block, and nothing final nor ready once the chain replaced it (${backend})`, async function () {
      const { t, revert } = await ledgerWithDeepFork(node.url, 100);
      const env = await mirrorEnv(node.url, t, await fresh(backend), { FINALITY_DEPTH: "2", ...API_ENV });
      const replica = { ...env, READ_ONLY: "true" };
      const final = await withApi(env, async (_client, m) => (await m.store.checkpoint())!.final.number);

      await withApi(replica, async (client) => {
        expect((await client.get("/ready")).status).to.equal(200);
        expect((await client.get("/status")).json).to.include({ finalizedBlock: final, halted: null, ready: true });
        const trail = await events(client, t);
        expect(trail.filter((e) => e.final).length).to.be.greaterThan(0);
        expect(trail.filter((e) => !e.final).length).to.be.greaterThan(0);
        for (const e of trail) expect(e.final, `block ${e.blockNumber}`).to.equal(e.blockNumber <= final);
      });

      // The chain replaces the final block while the writer is not running: the replica sees it by itself.
      await revert();
      await grow(t, 10, 102);
      await withApi(replica, async (client) => {
        const ready = await client.get("/ready");
        expect(ready.status).to.equal(503);
        expect(ready.json.code).to.equal("MIRROR_HALTED");
        const status = (await client.get("/status")).json;
        expect(status).to.include({ finalizedBlock: -1, ready: false });
        expect(status.halted.reason).to.match(new RegExp(`^block ${final} is 0x[0-9a-f]{64} on the node, not 0x`));
        expect((await events(client, t)).filter((e) => e.final)).to.deep.equal([]);
      });
      expect(await withMirror(replica, async (m) => (await m.store.checkpoint())!.halted)).to.equal(undefined, "a replica writes nothing");

      // The writer then stops on it and records why: replicas report the writer's reason.
      const error = await withMirror(env, (m) => m.syncer!.step().then(() => undefined, (e: unknown) => e));
      expect(error).to.be.instanceOf(ReorgTooDeepError);
      await withApi(replica, async (client) => {
        expect((await client.get("/ready")).json.code).to.equal("MIRROR_HALTED");
        expect((await client.get("/status")).json.halted).to.deep.equal({ code: "REORG_TOO_DEEP", reason: (error as Error).message });
        expect((await events(client, t)).filter((e) => e.final)).to.deep.equal([]);
      });
    });
  }

  if (backends().includes("postgres")) {
    it("a READ_ONLY process follows the writer's final block, and answers 503 MIRROR_HALTED once the writer halted (postgres)", async function () {
      const { t, revert } = await ledgerWithDeepFork(node.url, 110);
      const env = await mirrorEnv(node.url, t, await fresh("postgres"), { FINALITY_DEPTH: "2", ...API_ENV });
      await withApi(env, async () => undefined);
      const replica = spawnMirror({ ...env, READ_ONLY: "true" });
      children.push(replica);
      const { url } = await replica.listening();
      const get = async (path: string) => {
        const response = await fetch(`${url}${path}`).catch(() => undefined);
        return response === undefined ? undefined : { status: response.status, json: (await response.json()) as Record<string, unknown> };
      };
      await eventually(async () => ((await get("/ready"))?.status === 200 ? true : undefined), "the replica to answer ready");

      // The writer follows the chain; the replica's final block follows the writer's, read from the database.
      await grow(t, 3, 112);
      const final = await syncAndRead(env, async (m) => (await m.store.checkpoint())!.final.number);
      await eventually(async () => ((await get("/status"))?.json.finalizedBlock === final ? true : undefined), "the replica to see the new final block");

      await revert();
      await grow(t, 12, 113);
      const error = await withMirror(env, (m) => m.syncer!.step().then(() => undefined, (e: unknown) => e));
      expect(error).to.be.instanceOf(ReorgTooDeepError);
      const ready = await get("/ready");
      expect(ready?.status).to.equal(503);
      expect(ready?.json.code).to.equal("MIRROR_HALTED");
      expect((await get("/status"))?.json).to.deep.include({
        finalizedBlock: -1,
        ready: false,
        halted: { code: "REORG_TOO_DEEP", reason: (error as Error).message },
      });
      await replica.stop("SIGTERM");
      expect(await replica.exited).to.equal(0);
    });
  }
});
