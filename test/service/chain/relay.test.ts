import { expect } from "chai";
import { Wallet } from "ethers";

import { RedemptionProblem } from "../../../service/client/index.js";
import { type FiscoProxy, startFiscoProxy } from "../../helpers/fisco-proxy.js";
import { rpcCall } from "../helpers/node.js";
import { body, FACE, type Scenario, type Service, setUp, startService, TEST_RELAYER_KEYS } from "../relay/helpers/scenario.js";

/**
 * The redemption relay through a FISCO BCOS-like web3 RPC in front of anvil: no eth_feeHistory (a legacy gas price),
 * block tags ignored (admission reads one block's state at a head checked not to have moved), chain id 0 (CHAIN_ID).
 */
describe("relay on a FISCO BCOS-like node: legacy gas price, reads at a steady head", function () {
  let s: Scenario;
  let proxy: FiscoProxy;
  let service: Service;

  before(async function () {
    s = await setUp({ vouchers: 2, dataCenters: 2, node: "anvil" });
    // anvil funds its first ten accounts only; the relayers are Hardhat's accounts 17 and 18.
    for (const key of TEST_RELAYER_KEYS) await rpcCall(s.node.url, "anvil_setBalance", [new Wallet(key).address, "0x56bc75e2d63100000"]);
    proxy = await startFiscoProxy(s.node.url);
    service = await startService(s, { RPC_URL: proxy.url, CHAIN_ID: "31337", LOG_LEVEL: "info" });
  });

  after(async function () {
    await service?.stop();
    await proxy?.close();
    await s?.stop();
  });

  it("says at start-up that the node cannot read past state and prices gas with a legacy gas price", function () {
    const line = service.output().split("\n").find((l) => l.includes('"event":"chain.profile"'));
    expect(line, service.output()).to.not.equal(undefined);
    const entry = JSON.parse(line!) as { msg: string; historicalCalls: boolean; fees: string; chainId: number };
    expect(entry).to.deep.include({ historicalCalls: false, fees: "legacy", chainId: 31337 });
    expect(entry.msg).to.include("historical eth_call unavailable: verify and the relay read at a head checked not to have moved");
  });

  it("redeems with a legacy (type 0) transaction, and the redemption confirms on chain", async function () {
    const dc = s.dataCenters[0]!;
    const taggedCalls = proxy.intercepted.get("eth_call") ?? 0;
    const b = await body(s, service.client, 0, dc, { amount: 5000n });
    const accepted = await service.client.submit(b);
    const done = await service.client.wait(accepted.id, dc, { intervalMs: 100 });
    expect(done.status, done.reason ?? "").to.equal("confirmed");
    const tx = await s.t.provider.getTransaction(done.transactionHash!);
    expect(tx?.type).to.equal(0);
    expect(tx?.gasPrice).to.be.greaterThan(0n);
    expect(await s.t.ledger.invoiceUsed(b.consent.invoiceHash)).to.equal(true);
    expect(await s.t.ledger.balanceOf(s.vouchers[0]!.holder.address, s.vouchers[0]!.id)).to.equal(FACE - 5000n);
    // The relay's reads asked for no block the node would ignore; fee history was asked once, by the start-up detection.
    expect(proxy.intercepted.get("eth_call") ?? 0).to.equal(taggedCalls);
    expect(proxy.requests.get("eth_feeHistory")).to.equal(1);
    for (const method of ["eth_maxPriorityFeePerGas", "eth_sendTransaction", "eth_sign"]) expect(proxy.requests.get(method) ?? 0, method).to.equal(0);
  });

  it("refuses what the ledger would refuse, from the simulation at the steady head (INVALID_CONSENT)", async function () {
    const dc = s.dataCenters[1]!;
    const b = await body(s, service.client, 1, dc, { consentSigner: Wallet.createRandom() as unknown as Wallet });
    const problem = await service.client.submit(b).then(
      (accepted) => { throw new Error(`accepted: ${JSON.stringify(accepted)}`); },
      (error: unknown) => error as RedemptionProblem,
    );
    expect(problem).to.be.instanceOf(RedemptionProblem);
    expect(problem.code).to.equal("INVALID_CONSENT");
    expect(await s.t.ledger.invoiceUsed(b.consent.invoiceHash)).to.equal(false);
  });
});
