import { expect } from "chai";
import { Wallet } from "ethers";

import { createRpc } from "../../../service/chain/rpc.js";
import { ROLE } from "../../../service/domain/roles-v1.js";
import { createLogger } from "../../../service/internal/logger.js";
import { verifyLedger } from "../../../service/verify/verify.js";
import { type FiscoProxy, startFiscoProxy } from "../../helpers/fisco-proxy.js";
import { type ApiFixture, startApiFixture, tokenFor } from "../api/helpers.js";
import { deployTestLedger, runWorkload, SHANGHAI, type TestLedger } from "../helpers/ledger.js";
import { type LocalNode, startNode } from "../helpers/node.js";
import { runToEnd } from "../helpers/process.js";

/** Runs the verify CLI as `npm run verify` does; its exit code and output. */
const runVerify = (env: Record<string, string>, args: string[]) =>
  runToEnd([process.execPath, "--import", "tsx", "service/verify/cli.ts", ...args], { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", ...env });

/**
 * The mirror, verify and the audit API through a FISCO BCOS-like web3 RPC (test/helpers/fisco-proxy.ts) in front of
 * anvil: chain id 0 (CHAIN_ID configured), block tags ignored, no fee history. The ledger is driven on anvil itself
 * (its unlocked accounts), as the chain's other users would; the service sees only the proxy.
 */
describe("the service on a FISCO BCOS-like node: block tags ignored, chain id 0, no fee history", function () {
  let node: LocalNode;
  let t: TestLedger;
  let proxy: FiscoProxy;
  let f: ApiFixture;
  let token: string;
  const auditor = Wallet.createRandom();
  const logger = createLogger({ level: "silent" });

  before(async function () {
    node = await startNode("anvil");
    t = await deployTestLedger(node.url);
    await (await t.manager.connect(t.signers.governor).grantRole(ROLE.AUDITOR, auditor.address, 0)).wait();
    await runWorkload(t, 25, 18);
    proxy = await startFiscoProxy(node.url);
    f = await startApiFixture(proxy.url, t, "pglite", { CHAIN_ID: "31337" });
    token = await tokenFor(f.client, auditor);
  });

  after(async function () {
    await f?.close();
    await proxy?.close();
    await node?.stop();
  });

  const target = () => f.mirror.target;
  const rpc = () => createRpc({ url: proxy.url, timeoutMs: 10_000 });

  it("mirrors the chain under CHAIN_ID, and /status says the node cannot read past state", async function () {
    expect(f.mirror.profile).to.deep.include({ chainId: 31337, chainIdSource: "configured", historicalCalls: false, fees: "legacy" });
    const status = await f.client.get("/status");
    expect(status.status, status.text).to.equal(200);
    const head = await t.provider.getBlockNumber();
    expect(status.json).to.deep.include({ chainId: 31337, head, indexed: head, historicalCalls: false, fees: "legacy" });
  });

  it("verifies with no difference: the contract read at the head, checked not to have moved", async function () {
    const response = await f.client.get("/v1/verify", token);
    expect(response.status, response.text).to.equal(200);
    const report = response.json;
    expect(report.differences).to.deep.equal([]);
    expect(report).to.deep.include({ ok: true, historicalCalls: false, mirrorCompared: true, atBlock: await t.provider.getBlockNumber() });
    expect(report.contractBlock).to.equal(report.atBlock);
    expect(report.checked.vouchers).to.be.greaterThan(0);
  });

  it("with the mirror behind the head, compares the mirror at its checkpoint and the contract at the head: no false difference", async function () {
    const checkpoint = await t.provider.getBlockNumber();
    await runWorkload(t, 10, 19);
    const head = await t.provider.getBlockNumber();
    const report = await verifyLedger({ rpc: rpc(), target: target(), logger, db: f.mirror.store.db, historicalCalls: false });
    expect(report.differences).to.deep.equal([]);
    expect(report).to.deep.include({ ok: true, atBlock: checkpoint, contractBlock: head, mirrorCompared: true });
    // What comparing at the checkpoint would have said on this node: its eth_call at that block answers the head.
    const fooled = await verifyLedger({ rpc: rpc(), target: target(), logger, db: f.mirror.store.db, historicalCalls: true });
    expect(fooled.differences.filter((d) => d.against === "contract")).to.not.deep.equal([]);
    await f.sync();
  });

  it("does not compare the contract at a past block it cannot read there", async function () {
    const past = t.deploymentBlock + 20;
    const report = await verifyLedger({ rpc: rpc(), target: target(), logger, atBlock: past, historicalCalls: false });
    expect(report).to.deep.include({ ok: true, atBlock: past, contractBlock: null, mirrorCompared: false, differences: [] });
    const fooled = await verifyLedger({ rpc: rpc(), target: target(), logger, atBlock: past, historicalCalls: true });
    expect(fooled.ok).to.equal(false);
  });

  it("npm run verify: the same through the CLI, and refused with the line without CHAIN_ID", async function () {
    const env = { RPC_URL: proxy.url, LEDGER_ADDRESS: target().ledger, DEPLOYMENT_BLOCK: String(t.deploymentBlock) };
    const head = await runVerify({ ...env, CHAIN_ID: "31337" }, ["--chain-only"]);
    expect(head.code, head.stderr).to.equal(0);
    expect(head.stdout).to.include("  no differences");
    const past = await runVerify({ ...env, CHAIN_ID: "31337" }, ["--chain-only", "--at-block", String(t.deploymentBlock + 20)]);
    expect(past.code, past.stderr).to.equal(0);
    expect(past.stdout).to.include(
      `  the contract was not compared: this node cannot read past state (historical eth_call unavailable), and block ${t.deploymentBlock + 20} is not its head`,
    );
    const refused = await runVerify(env, ["--chain-only"]);
    expect(refused.code).to.equal(2);
    expect(refused.stderr.trim()).to.equal(
      "verify failed (CHAIN_REFUSED): refusing the chain: eth_chainId answers 0 and CHAIN_ID is not set: configure the " +
        "chain's id on the node (FISCO BCOS: setSystemConfigByKey web3_chain_id) or set CHAIN_ID to it",
    );
  });

  it("answers atBlock from the event log: the chain's own state at that block, not the head's", async function () {
    const past = t.deploymentBlock + 20;
    const then = await t.ledger.getCityCounters(SHANGHAI, { blockTag: past });
    const now = await t.ledger.getCityCounters(SHANGHAI);
    expect(then.issued).to.not.equal(now.issued);
    const response = await f.client.get(`/v1/cities/${SHANGHAI}?atBlock=${past}`, token);
    expect(response.status, response.text).to.equal(200);
    const amount = (minor: bigint) => f.api.services.format.amount(minor);
    expect(response.json).to.deep.include({
      asOfBlock: past, issued: amount(then.issued), redeemed: amount(then.redeemed), revoked: amount(then.revoked), expired: amount(then.expired),
    });
  });

  it("never asked the node for eth_sendTransaction, eth_sign or eth_maxPriorityFeePerGas", async function () {
    for (const method of ["eth_sendTransaction", "eth_sign", "eth_maxPriorityFeePerGas"]) {
      expect(proxy.requests.get(method) ?? 0, method).to.equal(0);
    }
  });
});
