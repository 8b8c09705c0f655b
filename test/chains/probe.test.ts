import { spawn } from "node:child_process";
import { join } from "node:path";

import { expect } from "chai";
import { Wallet } from "ethers";
import hre, { network } from "hardhat";

import { type ChainProbe, type CheckId, eip1193Send, httpSend, missing, probeChain, refusal } from "../../service/chain/probe.js";
import { deployScheme } from "../../scripts/lib/ledger-deploy.js";
import { type FiscoProxy, startFiscoProxy } from "../helpers/fisco-proxy.js";
import { type LocalNode, rpcCall, startNode } from "../service/helpers/node.js";

const support = (probe: ChainProbe) => Object.fromEntries(probe.checks.map((c) => [c.id, c.support])) as Record<CheckId, string>;
const missingIds = (probe: ChainProbe) => missing(probe).map((c) => c.id);

/** Runs `npx hardhat chain check --url <url>` in this process; its lines and exit code. */
async function checkTask(url: string): Promise<{ lines: string[]; exitCode: number }> {
  const lines: string[] = [];
  const log = console.log;
  const before = process.exitCode;
  console.log = (...parts: unknown[]) => void lines.push(parts.join(" "));
  try {
    process.exitCode = 0;
    await hre.tasks.getTask(["chain", "check"]).run({ url });
    return { lines, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    console.log = log;
    process.exitCode = before;
  }
}

/** Runs the Hardhat CLI with `args` and `env`; its exit code and output. */
function hardhat(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = join(process.cwd(), "node_modules", "hardhat", "dist", "src", "cli.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("chain probe and the operator's checklist (chain check)", function () {
  const nodes: LocalNode[] = [];
  const proxies: FiscoProxy[] = [];
  async function anvil(...extraArgs: string[]): Promise<LocalNode> {
    const node = await startNode("anvil", { extraArgs });
    nodes.push(node);
    await rpcCall(node.url, "evm_mine"); // a block before the head, for the historical eth_call check
    return node;
  }
  async function proxy(upstream: LocalNode, options: Parameters<typeof startFiscoProxy>[1] = {}): Promise<FiscoProxy> {
    const started = await startFiscoProxy(upstream.url, options);
    proxies.push(started);
    return started;
  }

  after(async function () {
    for (const p of proxies) await p.close();
    for (const node of nodes) await node.stop();
  });

  it("finds everything the ledger needs on anvil at Cancun, the oldest EVM the project supports", async function () {
    const node = await anvil("--hardfork", "cancun");
    const probe = await probeChain(httpSend(node.url));
    expect(probe.chainId).to.equal(31337n);
    expect(missingIds(probe)).to.deep.equal([]);
    expect(support(probe)).to.include({
      mcopy: "yes",
      transientStorage: "yes",
      blobBaseFee: "yes",
      codeSize: "yes",
      codeSizeLimit: "yes",
      createAddress: "yes",
      historicalCall: "yes",
      feeHistory: "yes",
      honestSign: "yes",
      honestSendTransaction: "yes",
    });
    expect(refusal(probe, node.url)).to.equal(undefined);
    const { lines, exitCode } = await checkTask(node.url);
    expect(exitCode).to.equal(0);
    expect(lines.at(-1)).to.equal("Verdict: supported. The ledger can be deployed here.");
  });

  it("refuses anvil at Shanghai for its missing MCOPY, and at Paris for PUSH0 as well", async function () {
    const shanghai = await probeChain(httpSend((await anvil("--hardfork", "shanghai")).url));
    expect(missingIds(shanghai)).to.deep.equal(["mcopy"]);
    expect(support(shanghai)).to.include({ push0: "yes", transientStorage: "no", blobBaseFee: "no" });
    expect(refusal(shanghai, "Shanghai")).to.match(/^refusing to deploy to Shanghai: Cancun: MCOPY: missing \(the EVM refused it: .*feature_evm_cancun/);
    const paris = await probeChain(httpSend((await anvil("--hardfork", "paris")).url));
    expect(missingIds(paris)).to.deep.equal(["push0", "mcopy"]);
  });

  it("refuses a node whose contract-size limit is below EIP-170's, and notices one above it", async function () {
    const small = await probeChain(httpSend((await anvil("--code-size-limit", "20000")).url));
    expect(missingIds(small)).to.deep.equal(["codeSize"]);
    const large = await probeChain(httpSend((await anvil("--code-size-limit", "40000")).url));
    expect(missingIds(large)).to.deep.equal([]);
    expect(support(large).codeSizeLimit).to.equal("no");
  });

  it("sees FISCO BCOS's web3 RPC for what it is: chain id 0, block tags ignored, no fee history, no debug_*, fake signing", async function () {
    const node = await anvil("--hardfork", "cancun");
    const fisco = await proxy(node);
    const probe = await probeChain(httpSend(fisco.url));
    expect(probe.chainId).to.equal(0n);
    expect(missingIds(probe)).to.deep.equal(["chainId"]);
    expect(support(probe)).to.include({
      historicalCall: "no",
      feeHistory: "no",
      debug: "no",
      honestSign: "no",
      honestSendTransaction: "no",
      mcopy: "yes",
    });
    expect(probe.checks.find((c) => c.id === "historicalCall")!.detail).to.match(/ignores block tags/);
    const { lines, exitCode } = await checkTask(fisco.url);
    expect(exitCode).to.equal(1);
    expect(lines).to.include.members([
      "  LACKS   a chain id (eth_chainId is not 0): eth_chainId answers 0: configure the chain's id (FISCO BCOS: web3_chain_id)",
    ]);
    expect(lines.at(-1)).to.equal("Verdict: NOT supported (a chain id (eth_chainId is not 0)). A deployment here is refused.");

    // web3_chain_id configured: supported, with the limits the service has to live with.
    fisco.configureChainId();
    const configured = await probeChain(httpSend(fisco.url));
    expect(missingIds(configured)).to.deep.equal([]);
    expect(support(configured)).to.include({ historicalCall: "no", feeHistory: "no" });
    expect((await checkTask(fisco.url)).exitCode).to.equal(0);
  });

  it("refuses a chain whose clock counts milliseconds (FISCO BCOS without feature_evm_timestamp)", async function () {
    const fisco = await proxy(await anvil("--hardfork", "cancun"), { chainIdConfigured: true, millisecondTimestamps: true });
    const probe = await probeChain(httpSend(fisco.url));
    expect(missingIds(probe)).to.deep.equal(["evmSecondTimestamps"]);
    expect(support(probe).secondTimestamps).to.equal("no");
    expect(refusal(probe, "x")).to.match(/block\.timestamp in seconds \(the EVM\): missing \(block\.timestamp is \d{13}, in milliseconds: switch on feature_evm_timestamp/);
  });

  it("refuses a deployment through the FISCO BCOS proxy with one line while its chain id is 0, sending nothing, and deploys once it is set", async function () {
    const node = await anvil("--hardfork", "cancun");
    const fisco = await proxy(node);
    // The deployer's key is in the configuration, as on a real chain: FISCO BCOS's eth_sendTransaction only pretends.
    const deployer = Wallet.createRandom();
    await rpcCall(node.url, "anvil_setBalance", [deployer.address, "0x56bc75e2d63100000"]);
    const connection = await network.create({
      network: "localhost",
      override: { url: fisco.url, accounts: [deployer.privateKey] },
    });
    try {
      const nonce = async () => rpcCall<string>(node.url, "eth_getTransactionCount", [deployer.address, "latest"]);
      const before = await nonce();
      let message = "";
      await deployScheme(connection.ethers, { keepDeployerAsAdmin: true }).catch((error: unknown) => {
        message = (error as Error).message;
      });
      expect(message).to.match(/^refusing to deploy to this chain: a chain id \(eth_chainId is not 0\): missing \(eth_chainId answers 0/);
      expect(message).to.not.include("\n");
      expect(await nonce()).to.equal(before);

      fisco.configureChainId();
      const deployed = await deployScheme(connection.ethers, { governors: [deployer.address], keepDeployerAsAdmin: true });
      expect(await deployed.ledger.currency()).to.equal("CNY");
      expect(await nonce()).to.not.equal(before);
      expect(fisco.intercepted.get("eth_sendTransaction") ?? 0).to.equal(0);
    } finally {
      await connection.close();
    }
  });

  it("refuses `ledger deploy` to the FISCO BCOS proxy with one line while its chain id is 0, sending nothing", async function () {
    const node = await anvil("--hardfork", "cancun");
    const fisco = await proxy(node);
    const [account] = await rpcCall<string[]>(node.url, "eth_accounts");
    const before = await rpcCall<string>(node.url, "eth_getTransactionCount", [account, "latest"]);
    const result = await hardhat(["ledger", "deploy", "--network", "localhost", "--deployment-id", "chains-test-refused"], {
      LOCALHOST_RPC_URL: fisco.url,
    });
    expect(result.code).to.equal(1);
    expect(result.stderr.trim().split("\n")).to.have.length(1);
    expect(result.stderr).to.match(/^Error: refusing to deploy to --network localhost: a chain id \(eth_chainId is not 0\): missing/);
    expect(await rpcCall<string>(node.url, "eth_getTransactionCount", [account, "latest"])).to.equal(before);
  });

  it("runs the `cancun` network (CI's contract suite on the oldest EVM) at Cancun: MCOPY runs there, Osaka's CLZ does not", async function () {
    // Creation code returning CLZ(1) (EIP-7939, Osaka): 255 where the opcode exists.
    const clz = { data: "0x60011e60005260206000f3" };
    const cancun = await network.create({ network: "cancun" });
    const latest = await network.create();
    try {
      expect(missingIds(await probeChain(eip1193Send(cancun.provider)))).to.deep.equal([]);
      let refused = "";
      await cancun.provider.request({ method: "eth_call", params: [clz, "latest"] }).catch((error: unknown) => {
        refused = (error as Error).message;
      });
      expect(refused).to.match(/invalid opcode|not activated|NotActivated/i);
      expect(await latest.provider.request({ method: "eth_call", params: [clz, "latest"] })).to.equal(`0x${"0".repeat(62)}ff`);
    } finally {
      await cancun.close();
      await latest.close();
    }
  });

  it("falls back to eth_estimateGas on a node that runs no creation code in eth_call, and refuses what it then cannot check", async function () {
    const node = await anvil("--hardfork", "shanghai");
    const plain = httpSend(node.url);
    // A node like that: eth_call without a `to` is an error; everything else is anvil's answer.
    const send: typeof plain = async (method, params) => {
      if (method === "eth_call" && (params[0] as { to?: string }).to === undefined) throw new Error("invalid call: no to");
      return plain(method, params);
    };
    const probe = await probeChain(send);
    expect(support(probe)).to.include({ push0: "yes", mcopy: "no", codeSize: "yes", codeSizeLimit: "yes" });
    expect(support(probe)).to.include({ evmSecondTimestamps: "unknown", createAddress: "unknown", historicalCall: "unknown" });
    expect(missingIds(probe)).to.deep.equal(["evmSecondTimestamps", "mcopy", "createAddress"]);
    expect(refusal(probe, "x")).to.match(/block\.timestamp in seconds \(the EVM\): could not be checked/);
  });
});
