import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { deployTestLedger, type TestLedger } from "../helpers/ledger.js";
import { type LocalNode, startNode } from "../helpers/node.js";
import { runToEnd } from "../helpers/process.js";

/**
 * The entry points parse the whole configuration before they open anything: a bad value of any key, with a reachable
 * chain and a ledger that is really there, stops the process with one line naming the key, exit code 2, and leaves
 * the data folder unmade.
 */
describe("start-up with a bad configuration", function () {
  let node: LocalNode;
  let t: TestLedger;
  let parent: string;

  before(async function () {
    node = await startNode("anvil");
    t = await deployTestLedger(node.url);
    parent = await mkdtemp(join(tmpdir(), "cvl-startup-"));
  });

  after(async function () {
    if (parent !== undefined) await rm(parent, { recursive: true, force: true });
    await node?.stop();
  });

  async function env(dataDir: string, bad: Record<string, string>): Promise<Record<string, string>> {
    return {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      RPC_URL: node.url,
      LEDGER_ADDRESS: await t.ledger.getAddress(),
      DEPLOYMENT_BLOCK: String(t.deploymentBlock),
      DATA_DIR: dataDir,
      PORT: "0",
      LOG_LEVEL: "info",
      ...bad,
    };
  }

  for (const [key, value, shown] of [
    ["RELAY_BATCH_SIZE", "0", /^configuration: RELAY_BATCH_SIZE is invalid \("0"\): /],
    ["RELAYER_KEYS", "0x1234", /^configuration: RELAYER_KEYS is invalid: entry 1 is not a private key$/],
    ["AUTH_SECRET", "too short", /^configuration: AUTH_SECRET is invalid: at least 32 characters$/],
    ["GETLOGS_MAX_RANGE", "zero", /^configuration: GETLOGS_MAX_RANGE is invalid \("zero"\): /],
  ] as const) {
    it(`the service refuses ${key}=${JSON.stringify(value)} in one line, exit code 2, with a fresh DATA_DIR left unmade`, async function () {
      const dataDir = join(parent, `service-${key}`);
      const run = await runToEnd([process.execPath, "--import", "tsx", "service/main.ts"], await env(dataDir, { [key]: value }));
      expect(run.code, run.stdout + run.stderr).to.equal(2);
      const lines = run.stderr.trimEnd().split("\n");
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(shown);
      expect(run.stdout).to.equal("");
      expect(existsSync(dataDir), "the data folder was created").to.equal(false);
    });
  }

  it("npm run verify refuses a bad key of the same schema before it opens the database", async function () {
    const dataDir = join(parent, "verify");
    const run = await runToEnd([process.execPath, "--import", "tsx", "service/verify/cli.ts"], await env(dataDir, { RELAY_POLL_MS: "1" }));
    expect(run.code, run.stdout + run.stderr).to.equal(2);
    expect(run.stderr.trimEnd().split("\n")).to.deep.equal([`npm run verify: configuration: RELAY_POLL_MS is invalid ("1"): Too small: expected number to be >=10`]);
    expect(existsSync(dataDir), "the data folder was created").to.equal(false);
  });
});
