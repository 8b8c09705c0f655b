import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { expect } from "chai";
import { Transaction, Wallet } from "ethers";

import { AUTO, type ChainProfile, detectChainProfile, feesFor } from "../../../service/chain/profile.js";
import { createRpc, type Rpc } from "../../../service/chain/rpc.js";
import { ledgerInterface } from "../../../service/domain/abi-v1.js";
import { devAccountKey } from "../../../service/internal/config.js";
import { RpcAnswerError, RpcError } from "../../../service/internal/errors.js";
import { deployTestLedger, type TestLedger } from "../helpers/ledger.js";
import { type LocalNode, type NodeKind, startNode } from "../helpers/node.js";

const rpcOf = (url: string, timeoutMs = 10_000): Rpc => createRpc({ url, timeoutMs });

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("the promise did not reject");
}

/** Signs a transfer of nothing from `wallet` to itself with the fees the profile gives. */
async function transfer(rpc: Rpc, wallet: Wallet, profile: ChainProfile, chainId: number): Promise<string> {
  const fee = await feesFor(rpc, profile);
  const nonce = await rpc.transactionCount(wallet.address, "pending");
  return wallet.signTransaction({ to: wallet.address, value: 0n, gasLimit: 21_000n, nonce: Number(nonce), chainId, ...fee, type: "gasPrice" in fee ? 0 : 2 });
}

for (const kind of ["hardhat", "anvil"] as NodeKind[]) {
  describe(`the service's JSON-RPC client on ${kind}: calls, reverts, transactions, receipts and fees`, function () {
    let node: LocalNode;
    let t: TestLedger;
    let rpc: Rpc;
    let profile: ChainProfile;
    let chainId: number;
    const wallet = new Wallet(devAccountKey(7));

    before(async function () {
      node = await startNode(kind);
      t = await deployTestLedger(node.url);
      rpc = rpcOf(node.url);
      profile = await detectChainProfile(rpc, AUTO);
      chainId = await rpc.chainId();
    });

    after(async function () {
      await node?.stop();
    });

    it("reads a contract with eth_call at the head, and finds no code at a block before it was deployed", async function () {
      const ledger = await t.ledger.getAddress();
      const data = ledgerInterface.encodeFunctionData("currency");
      const now = await rpc.ethCall({ to: ledger, data });
      expect(now.ok).to.equal(true);
      expect(ledgerInterface.decodeFunctionResult("currency", (now as { data: string }).data)[0]).to.equal("CNY");
      expect(await rpc.ethCall({ to: ledger, data }, t.deploymentBlock - 1)).to.deep.equal({ ok: true, data: "0x" });
    });

    it("answers a call that reverts as a revert, with the ledger's custom error in its data", async function () {
      const consent = { voucherId: 999n, dataCenter: wallet.address, amount: 1n, invoiceHash: `0x${"11".repeat(32)}`, invoiceTotal: 10n, deadline: 2n ** 40n };
      const data = ledgerInterface.encodeFunctionData("redeem", [consent, "0x"]);
      const answer = await rpc.ethCall({ from: wallet.address, to: await t.ledger.getAddress(), data });
      expect(answer.ok).to.equal(false);
      const { revert } = answer as { revert: string | undefined };
      expect(revert, JSON.stringify(answer)).to.be.a("string");
      expect(ledgerInterface.parseError(revert!)?.name).to.match(/^ComputeVoucher/);
    });

    it("sends a signed transaction and follows it: the transaction, its receipt, the account's count", async function () {
      const before = await rpc.transactionCount(wallet.address, "latest");
      const raw = await transfer(rpc, wallet, profile, chainId);
      const hash = await rpc.sendRawTransaction(raw);
      expect(hash).to.equal(Transaction.from(raw).hash);
      const receipt = await rpc.receipt(hash);
      expect(receipt).to.deep.include({ transactionHash: hash, status: 1, logs: [] });
      expect(receipt!.blockHash).to.match(/^0x[0-9a-f]{64}$/);
      expect((await rpc.header(receipt!.blockNumber))?.hash).to.equal(receipt!.blockHash);
      expect(await rpc.transaction(hash)).to.deep.equal({ hash, from: wallet.address, nonce: before, blockNumber: receipt!.blockNumber });
      expect(await rpc.transactionCount(wallet.address, "latest")).to.equal(before + 1n);
    });

    it("knows no receipt and no transaction for a hash the node never saw", async function () {
      const unknown = `0x${"ab".repeat(32)}`;
      expect(await rpc.receipt(unknown)).to.equal(undefined);
      expect(await rpc.transaction(unknown)).to.equal(undefined);
    });

    it("gives the node's refusal of a transaction as an RpcAnswerError with its words (a used nonce, no funds)", async function () {
      const raw = await transfer(rpc, wallet, profile, chainId);
      await rpc.sendRawTransaction(raw);
      const again = await rejection(rpc.sendRawTransaction(raw));
      expect(again).to.be.instanceOf(RpcAnswerError);
      expect((again as RpcAnswerError).method).to.equal("eth_sendRawTransaction");
      const poor = await rejection(rpc.sendRawTransaction(await transfer(rpc, Wallet.createRandom() as unknown as Wallet, profile, chainId)));
      expect(poor).to.be.instanceOf(RpcAnswerError);
      expect(`${(poor as RpcAnswerError).rpcMessage} ${JSON.stringify((poor as RpcAnswerError).data ?? "")}`).to.match(/insufficient funds|balance/i);
    });

    it("prices gas as the profile says: twice the head's base fee and the node's tip, or the legacy gas price", async function () {
      expect(profile.fees).to.equal("eip1559");
      const latest = await rpc.latestBlock();
      expect(latest.baseFeePerGas).to.be.a("bigint");
      const fees = (await feesFor(rpc, profile)) as { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };
      expect(fees.maxPriorityFeePerGas).to.equal(await rpc.maxPriorityFeePerGas());
      expect(fees.maxFeePerGas).to.equal(latest.baseFeePerGas! * 2n + fees.maxPriorityFeePerGas);
      expect(await feesFor(rpc, { ...profile, fees: "legacy" })).to.deep.equal({ gasPrice: await rpc.gasPrice() });
    });
  });
}

describe("the service's JSON-RPC client: what is an answer and what is a failure", function () {
  let server: Server;
  let url: string;
  /** How the stand-in node answers each request: a JSON-RPC body, or nothing at all. */
  let answer: (request: { id: number; method: string }) => unknown = () => undefined;

  before(async function () {
    server = createServer((req, res) => {
      let text = "";
      req.on("data", (chunk: Buffer) => (text += chunk.toString()));
      req.on("end", () => {
        const reply = answer(JSON.parse(text) as { id: number; method: string });
        if (reply !== undefined) res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async function () {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("fails a request the node does not answer within the timeout with a retryable RpcError, not an answer", async function () {
    answer = () => undefined;
    const error = await rejection(rpcOf(url, 300).sendRawTransaction("0x01"));
    expect(error).to.be.instanceOf(RpcError);
    expect(error).to.not.be.instanceOf(RpcAnswerError);
  });

  it("throws an eth_call error that is not a revert (a node missing the block's state) rather than taking it for one", async function () {
    answer = ({ id }) => ({ jsonrpc: "2.0", id, error: { code: -32000, message: "missing trie node 0x1234 (path ) state is not available" } });
    const error = await rejection(rpcOf(url).ethCall({ to: `0x${"00".repeat(20)}`, data: "0x" }, 5));
    expect(error).to.be.instanceOf(RpcAnswerError);
    expect((error as RpcAnswerError).rpcCode).to.equal(-32000);
  });

  it("reads a revert's data where a node nests it (Hardhat's { message, data }) or gives it as code 3 without data", async function () {
    const custom = ledgerInterface.encodeErrorResult("ComputeVoucherUnknownVoucher", [7n]);
    answer = ({ id }) => ({ jsonrpc: "2.0", id, error: { code: -32603, message: "Internal error", data: { message: "reverted with custom error", data: custom } } });
    expect(await rpcOf(url).ethCall({ to: `0x${"00".repeat(20)}`, data: "0x" })).to.deep.equal({ ok: false, revert: custom, message: "Internal error" });
    answer = ({ id }) => ({ jsonrpc: "2.0", id, error: { code: 3, message: "execution failed" } });
    expect(await rpcOf(url).ethCall({ to: `0x${"00".repeat(20)}`, data: "0x" })).to.deep.equal({ ok: false, revert: undefined, message: "execution failed" });
  });
});
