import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { Wallet } from "ethers";

import { deploymentPath } from "../../service/domain/deployment.js";
import { JOURNALS_DIR } from "../../scripts/lib/ignition-deploy.js";
import { readV2Deployment, v2DeploymentPath } from "../../scripts/lib/ledger/deployment.js";
import { SHANGHAI, deployTestLedger } from "../service/helpers/ledger.js";
import { type LocalNode, ROOT, rpcCall, startNode, stopChild } from "../service/helpers/node.js";

/** A chain id of this test run's own: its deployment file and Ignition journal are this test's alone. */
const CHAIN_ID = 900_000 + (process.pid % 90_000);
/** Ledger v2's ADMIN: a 2-of-3 Safe of the node's development accounts #5, #6 and #7 (its deploy check refuses a key). */
const SAFE_OWNERS = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc,0x976EA74026E726554dB657fA54763abd0C3a0aa9,0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";
const CLI = join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");

interface Run {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

/** Starts `npx hardhat <args>` with `env` on top of this process's environment, without any localhost settings. */
function hardhat(args: string[], env: Record<string, string>): Run {
  const base = { ...process.env };
  delete base.LOCALHOST_RPC_URL;
  delete base.CHAIN_PORT;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...base, ...env } });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exit };
}

async function finished(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const run = hardhat(args, env);
  const code = await run.exit;
  return { code, output: run.output() };
}

async function until(what: string, condition: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await condition()); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

describe("admin tasks on the command line, against any node", function () {
  const nodes: LocalNode[] = [];
  const anvil = async (chainId = CHAIN_ID) => {
    const node = await startNode("anvil", { extraArgs: ["--chain-id", String(chainId)] });
    nodes.push(node);
    return node;
  };
  afterEach(async function () {
    for (const node of nodes.splice(0)) await node.stop();
    await rm(deploymentPath(CHAIN_ID), { force: true });
    await rm(v2DeploymentPath(CHAIN_ID), { force: true });
    await rm(join(JOURNALS_DIR, `chain-${CHAIN_ID}`), { recursive: true, force: true });
    await rm(join(JOURNALS_DIR, `ledger-v2-chain-${CHAIN_ID}`), { recursive: true, force: true });
  });

  it("takes the localhost node from LOCALHOST_RPC_URL, or its port from CHAIN_PORT", async function () {
    const node = await anvil();
    const deployed = await finished(["ledger", "deploy", "--v2", "--network", "localhost", "--safe-owners", SAFE_OWNERS, "--safe-threshold", "2"], { LOCALHOST_RPC_URL: node.url });
    expect(deployed.code, deployed.output).to.equal(0);
    const deployment = await readV2Deployment(v2DeploymentPath(CHAIN_ID));
    const status = await finished(["ledger", "status", "--network", "localhost"], { CHAIN_PORT: String(node.port) });
    expect(status.code, status.output).to.equal(0);
    expect(status.output).to.contain(deployment.ledger);

    const nowhere = await finished(["ledger", "status", "--network", "localhost"], {
      LOCALHOST_RPC_URL: "http://127.0.0.1:9",
    });
    expect(nowhere.code).to.equal(1);
    expect(nowhere.output.trim().split("\n")).to.have.length(1);
    expect(nowhere.output).to.match(/^Error: cannot reach the node of --network localhost at http:\/\/127\.0\.0\.1:9 /);
  });

  it("refuses a deployment file of another chain with the same id, and explains an Ignition journal of a chain that is gone", async function () {
    const first = await anvil();
    const deployed = await finished(["ledger", "deploy", "--v2", "--network", "localhost", "--safe-owners", SAFE_OWNERS, "--safe-threshold", "2"], { LOCALHOST_RPC_URL: first.url });
    expect(deployed.code, deployed.output).to.equal(0);
    await first.stop();
    // A node started afresh with the same chain id: the deployment file and Ignition's journal describe a chain
    // that is gone.
    const second = await anvil();
    const env = { LOCALHOST_RPC_URL: second.url };
    for (const task of [
      ["ledger", "status"],
      ["entity", "show", "--company", "1"],
    ]) {
      const refused = await finished([...task, "--network", "localhost"], env);
      expect(refused.code).to.equal(1);
      expect(refused.output.trim().split("\n"), refused.output).to.have.length(1);
      expect(refused.output).to.match(
        new RegExp(
          `^Error: the deployment file .*ledger-v2-chain-${CHAIN_ID}\\.json is not for the chain of --network localhost at ` +
            `${second.url.replace(/\./g, "\\.")}: it records the deployment in block \\d+ .* it is another chain ` +
            `with the same id ${CHAIN_ID}`,
        ),
      );
    }
    const again = await finished(["ledger", "deploy", "--v2", "--network", "localhost", "--safe-owners", SAFE_OWNERS, "--safe-threshold", "2"], env);
    expect(again.code).to.equal(1);
    expect(again.output).to.match(
      new RegExp(`Error: the Ignition journal .*chain-${CHAIN_ID} belongs to a chain that is gone: .*pass --reset`),
    );
    expect(again.output).not.to.contain("cannot find the deployment block");

    const reset = await finished(["ledger", "deploy", "--v2", "--reset", "--network", "localhost", "--safe-owners", SAFE_OWNERS], env);
    expect(reset.code, reset.output).to.equal(0);
    expect(reset.output).to.contain("--reset: removed the Ignition journal");
    const status = await finished(["ledger", "status", "--network", "localhost"], env);
    expect(status.code, status.output).to.equal(0);
    expect(status.output).to.contain((await readV2Deployment(v2DeploymentPath(CHAIN_ID))).ledger);
  });

  it("finishes a batch run killed while its transaction was pending, without sending anything twice", async function () {
    const node = await anvil(31337); // the local chain id: the issuer is the node's account #2, as on `npm run chain`
    const t = await deployTestLedger(node.url);
    const dir = await mkdtemp(join(tmpdir(), "batch-cli-"));
    try {
      const file = join(dir, "approved.csv");
      const rows = Array.from({ length: 4 }, (_, i) => `SH-K-${i},${Wallet.createRandom().address},${i + 1}.00`);
      await writeFile(file, `application_ref,holder,face_value\n${rows.join("\n")}\n`);
      const report = join(dir, "approved.report.json");
      const ledger = await t.ledger.getAddress();
      const args = ["v1", "batch-issue", "--city", String(SHANGHAI), "--file", file, "--chunk-size", "2"];
      const env = { LOCALHOST_RPC_URL: node.url };
      await rpcCall(node.url, "evm_setAutomine", [false]);

      const first = hardhat([...args, "--ledger", ledger, "--network", "localhost"], env);
      const pending = async () => {
        if (!existsSync(report)) return undefined;
        return (JSON.parse(await readFile(report, "utf8")) as { pending: { transactionHash: string } | null }).pending;
      };
      await until("the first run to send its transaction", async () => {
        const sent = await pending();
        return sent !== undefined && sent !== null;
      }).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}:\n${first.output()}`);
      });
      await stopChild(first.child, "SIGKILL");
      const sent = (await pending())!.transactionHash;
      expect(await t.provider.getTransactionReceipt(sent)).to.equal(null);

      const second = hardhat([...args, "--ledger", ledger, "--network", "localhost"], env);
      await until("the second run to wait", () => second.output().includes(`${sent} of an earlier run`), 20_000).catch(
        () => undefined, // without waiting, the second run would send the same vouchers again: the checks below fail
      );
      await rpcCall(node.url, "evm_setIntervalMining", [1]);
      const code = await second.exit;
      expect(code, second.output()).to.equal(0);
      expect(second.output()).to.contain(`Transaction ${sent} of an earlier run (lines 2–3) is still pending: waiting`);

      const events = await t.ledger.queryFilter(t.ledger.filters.VoucherIssued(), t.deploymentBlock);
      expect(events).to.have.length(4);
      for (let block = t.deploymentBlock; block <= (await t.provider.getBlockNumber()); block++) {
        for (const hash of (await t.provider.getBlock(block))!.transactions) {
          expect((await t.provider.getTransactionReceipt(hash))!.status, `transaction ${hash}`).to.equal(1);
        }
      }
      const written = JSON.parse(await readFile(report, "utf8")) as {
        pending: unknown;
        vouchers: { status: string }[];
      };
      expect(written.pending).to.equal(null);
      expect(written.vouchers.map((v) => v.status)).to.deep.equal([
        "issued before",
        "issued before",
        "issued",
        "issued",
      ]);
      expect(existsSync(join(dir, "approved.report.csv"))).to.equal(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
