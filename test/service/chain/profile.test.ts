import { expect } from "chai";

import {
  AUTO,
  atSteadyHead,
  type ChainProfile,
  confirmHistoricalCalls,
  detectChainProfile,
  readHead,
} from "../../../service/chain/profile.js";
import { createRpc, type Rpc } from "../../../service/chain/rpc.js";
import { loadConfig } from "../../../service/internal/config.js";
import { ChainRefusedError, ConfigError } from "../../../service/internal/errors.js";
import { type FiscoProxy, startFiscoProxy } from "../../helpers/fisco-proxy.js";
import { deployTestLedger, type TestLedger } from "../helpers/ledger.js";
import { mirrorEnv, newDatabase } from "../helpers/mirror.js";
import { type LocalNode, rpcCall, startNode } from "../helpers/node.js";
import { runToEnd } from "../helpers/process.js";

const rpcOf = (url: string): Rpc => createRpc({ url, timeoutMs: 10_000 });

/** `authority()`: what the mirror asks the ledger when it confirms historical reads. */
const AUTHORITY = "0xbf7e214f";

async function refused(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ChainRefusedError);
    return (error as Error).message;
  }
  throw new Error("the chain was not refused");
}

/** Runs the service (service/main.ts) until it exits; its exit code and stderr. */
function runService(env: Record<string, string>) {
  const { DATABASE_URL: _url, DATABASE_SCHEMA: _schema, ...inherited } = process.env;
  return runToEnd([process.execPath, "--import", "tsx", "service/main.ts"], { ...inherited, ...env }, 60_000);
}

describe("chain profile: what the service asks of the node, read at start-up", function () {
  let node: LocalNode;
  let t: TestLedger;
  const proxies: FiscoProxy[] = [];
  const others: LocalNode[] = [];
  async function fisco(options: Parameters<typeof startFiscoProxy>[1] = {}, upstream = node): Promise<FiscoProxy> {
    const proxy = await startFiscoProxy(upstream.url, options);
    proxies.push(proxy);
    return proxy;
  }

  before(async function () {
    node = await startNode("anvil");
    t = await deployTestLedger(node.url);
  });

  after(async function () {
    for (const proxy of proxies) await proxy.close();
    for (const other of others) await other.stop();
    await node?.stop();
  });

  it("reads CHAIN_ID, CHAIN_HISTORICAL_CALLS and CHAIN_FEES, and fails naming the key on a bad value", function () {
    const base = { RPC_URL: "http://127.0.0.1:8545" };
    expect(loadConfig(base).mirror.chain).to.deep.equal({ chainId: undefined, historicalCalls: "auto", fees: "auto" });
    expect(loadConfig({ ...base, CHAIN_ID: "20260", CHAIN_HISTORICAL_CALLS: "no", CHAIN_FEES: "legacy" }).mirror.chain).to.deep.equal({
      chainId: 20260, historicalCalls: "no", fees: "legacy",
    });
    for (const [key, value] of [["CHAIN_ID", "0"], ["CHAIN_ID", "fisco"], ["CHAIN_HISTORICAL_CALLS", "maybe"], ["CHAIN_FEES", "free"]] as const) {
      expect(() => loadConfig({ ...base, [key]: value }))
        .to.throw(ConfigError)
        .with.property("message")
        .that.matches(new RegExp(`^configuration: ${key} is invalid \\("${value}"\\)`));
    }
  });

  it("finds anvil's own chain id, historical eth_call and EIP-1559 fees", async function () {
    const rpc = rpcOf(node.url);
    const detected = await detectChainProfile(rpc, AUTO);
    expect(detected).to.deep.include({ chainId: 31337, chainIdSource: "node", historicalCalls: true, historicalCallsSource: "detected", fees: "eip1559" });
    const confirmed = await confirmHistoricalCalls(rpc, detected, { address: await t.ledger.getAddress(), deploymentBlock: t.deploymentBlock, probe: AUTHORITY });
    expect(confirmed.historicalCalls).to.equal(true);
  });

  it("refuses a node whose eth_chainId is 0 while CHAIN_ID is not set, with one line", async function () {
    const proxy = await fisco();
    const message = await refused(detectChainProfile(rpcOf(proxy.url), AUTO));
    expect(message).to.equal(
      "refusing the chain: eth_chainId answers 0 and CHAIN_ID is not set: configure the chain's id on the node " +
        "(FISCO BCOS: setSystemConfigByKey web3_chain_id) or set CHAIN_ID to it",
    );
  });

  it("takes CHAIN_ID where the node answers 0, and sees that it ignores block tags and has no fee history", async function () {
    const proxy = await fisco();
    const profile = await detectChainProfile(rpcOf(proxy.url), { ...AUTO, chainId: 31337 });
    expect(profile).to.deep.include({ chainId: 31337, chainIdSource: "configured", historicalCalls: false, historicalCallsSource: "detected", fees: "legacy" });
    expect(profile.historicalCallsDetail).to.match(/ignores block tags/);
    expect(proxy.requests.get("eth_sendTransaction") ?? 0).to.equal(0);
    expect(proxy.requests.get("eth_sign") ?? 0).to.equal(0);
  });

  it("refuses a CHAIN_ID that the node's eth_chainId, or its EVM's block.chainid, contradicts", async function () {
    const configured = await fisco({ chainIdConfigured: true });
    expect(await refused(detectChainProfile(rpcOf(configured.url), { ...AUTO, chainId: 5555 }))).to.equal(
      "refusing the chain: CHAIN_ID is 5555 but the node's eth_chainId is 31337: wrong chain (or wrong CHAIN_ID)",
    );
    const unset = await fisco();
    expect(await refused(detectChainProfile(rpcOf(unset.url), { ...AUTO, chainId: 5555 }))).to.equal(
      "refusing the chain: the chain's id is 5555 (CHAIN_ID) but the EVM's block.chainid is 31337: signatures made for one would not verify on the other",
    );
  });

  it("refuses a chain whose block timestamps are in milliseconds", async function () {
    const upstream = await startNode("anvil");
    others.push(upstream);
    const proxy = await fisco({ chainIdConfigured: true, millisecondTimestamps: true }, upstream);
    const message = await refused(detectChainProfile(rpcOf(proxy.url), AUTO));
    expect(message).to.match(/^refusing the chain: block timestamps are in milliseconds \(block \d+'s is \d{13}, the clock says \d{10}\): switch on feature_evm_timestamp \(FISCO BCOS\)$/);
  });

  it("takes CHAIN_HISTORICAL_CALLS and CHAIN_FEES over what it detects", async function () {
    const direct = await detectChainProfile(rpcOf(node.url), { chainId: undefined, historicalCalls: "no", fees: "legacy" });
    expect(direct).to.deep.include({ historicalCalls: false, historicalCallsSource: "configured", fees: "legacy", feesSource: "configured" });
    const proxy = await fisco();
    const forced = await detectChainProfile(rpcOf(proxy.url), { chainId: 31337, historicalCalls: "yes", fees: "eip1559" });
    expect(forced).to.deep.include({ historicalCalls: true, historicalCallsSource: "configured", fees: "eip1559" });
  });

  it("catches a node that reads its head at a past block from the ledger's state, whatever block context it reports", async function () {
    const proxy = await fisco();
    const rpc = rpcOf(proxy.url);
    // As a node would look whose NUMBER answered the block asked for while its state was the head's.
    const claimed: ChainProfile = { ...(await detectChainProfile(rpc, { ...AUTO, chainId: 31337 })), historicalCalls: true, historicalCallsSource: "detected" };
    const checked = await confirmHistoricalCalls(rpc, claimed, { address: await t.ledger.getAddress(), deploymentBlock: t.deploymentBlock, probe: AUTHORITY });
    expect(checked.historicalCalls).to.equal(false);
    expect(checked.historicalCallsDetail).to.match(new RegExp(`at block ${t.deploymentBlock - 1}, before it was deployed, answered 0x0+[0-9a-f]{40}: the node reads its head`));
  });

  it("reads at a steady head: again when a block came in between the two reads of the head", async function () {
    const rpc = rpcOf(node.url);
    const start = await readHead(rpc);
    let reads = 0;
    const { head, value } = await atSteadyHead(() => readHead(rpc), async () => {
      reads++;
      if (reads === 1) await rpcCall(node.url, "evm_mine");
      return rpc.blockNumber();
    });
    expect(reads).to.equal(2);
    expect(head.number).to.equal(start.number + 1);
    expect(value).to.equal(head.number);
  });

  it("npm run service exits with the refusal's line and code 2 on chain id 0 without CHAIN_ID", async function () {
    const proxy = await fisco();
    const db = await newDatabase("pglite");
    try {
      const { code, stderr } = await runService({ ...(await mirrorEnv(proxy.url, t, db)), PORT: "0", LOG_LEVEL: "silent" });
      expect(code).to.equal(2);
      expect(stderr.trim()).to.equal(
        "refusing the chain: eth_chainId answers 0 and CHAIN_ID is not set: configure the chain's id on the node " +
          "(FISCO BCOS: setSystemConfigByKey web3_chain_id) or set CHAIN_ID to it",
      );
    } finally {
      await db.drop();
    }
  });
});
