import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import { HDNodeWallet } from "ethers";
import { network } from "hardhat";

import { MINIMUM_DELAYS } from "../../scripts/lib/governance/policy.js";
import type { SafeProposal } from "../../scripts/lib/governance/proposal.js";
import { deployScheme } from "../../scripts/lib/ledger-deploy.js";
import { ROLE } from "../../service/domain/roles.js";
import { type LocalNode, ROOT, rpcCall, startNode } from "../service/helpers/node.js";

const CLI = join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");
const MNEMONIC = "test test test test test test test test test test test junk";
const devKey = (i: number) => HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;

/** `npx hardhat <args> --network localhost` against `url`, with `env`. */
async function hardhat(url: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const base = { ...process.env };
  delete base.CHAIN_PORT;
  delete base.GOVERNANCE_KEY;
  const child = spawn(process.execPath, [CLI, ...args, "--network", "localhost"], {
    cwd: ROOT,
    env: { ...base, LOCALHOST_RPC_URL: url, ...env },
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, output };
}

/** The in-process network, served over HTTP by this test process. */
async function inProcessNode(): Promise<LocalNode> {
  const server = await network.createServer("default", "127.0.0.1", 0);
  const { address, port } = await server.listen();
  return { kind: "hardhat", url: `http://${address}:${port}`, port, stop: () => server.close() };
}

const NODES: [string, () => Promise<LocalNode>][] = [
  ["the in-process network", inProcessNode],
  ["anvil", () => startNode("anvil", { extraArgs: ["--hardfork", "cancun"] })],
];

for (const [name, start] of NODES) {
  describe(`governance tasks on ${name}`, function () {
    // Each task is a fresh `npx hardhat` process (several seconds each on a busy machine).
    this.timeout(600_000);
    let node: LocalNode;
    let dir: string;
    let where: string[];
    let accounts: string[];
    let contracts: { manager: string; registry: string; ledger: string };
    let connection: Awaited<ReturnType<typeof network.create>>;

    before(async function () {
      node = await start();
      dir = await mkdtemp(join(tmpdir(), "governance-tasks-"));
      connection = await network.create({ network: "localhost", override: { url: node.url } });
      const signers = await connection.ethers.getSigners();
      accounts = signers.map((s) => s.address);
      const d = await deployScheme(connection.ethers, {
        admin: signers[0],
        governance: { safe: { owners: [accounts[3]!, accounts[4]!, accounts[5]!], threshold: 2 } },
        governors: [accounts[1]!],
        guardians: [accounts[2]!],
      });
      contracts = { manager: await d.manager.getAddress(), registry: await d.registry.getAddress(), ledger: await d.ledger.getAddress() };
      where = ["--ledger", contracts.ledger, "--payments", await d.payments.getAddress()];
    });
    after(async function () {
      await connection?.close();
      await node?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it("shows the members, the Safe and every delay, and passes the deploy check", async function () {
      const status = await hardhat(node.url, ["governance", "status", ...where, "--strict"]);
      expect(status.code, status.output).to.equal(0);
      expect(status.output).to.match(/ADMIN {4}0x[0-9a-fA-F]{40} {2}execution delay none {2}\(Safe 1\.5\.0, 2 of 3: /);
      expect(status.output).to.contain(`GOVERNOR ${accounts[1]}  execution delay 1 d`);
      expect(status.output).to.match(/governorGrant GOVERNOR: none -> 2 d from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00 \(minimum 2 d\)/);
      expect(status.output).to.contain("Governance check: passed.");
      // `ledger status` shows the same delays.
      const ledger = await hardhat(node.url, ["ledger", "status", ...where]);
      expect(ledger.code, ledger.output).to.equal(0);
      expect(ledger.output).to.match(/Delays:\n/);
      expect(ledger.output).to.match(/governorGrant GOVERNOR: none -> 2 d from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00 \(minimum 2 d\)/);
    });

    it("proposes a Safe transaction to a file, collects a second signature from an environment key, and executes it", async function () {
      const file = join(dir, "grant-finance.json");
      const grant = ["--contract", "manager", "--function", "grantRole", "--args", JSON.stringify([Number(ROLE.FINANCE), accounts[6], 0])];
      const proposed = await hardhat(node.url, ["safe", "propose", ...where, ...grant, "--out", file, "--as", accounts[3]!]);
      expect(proposed.code, proposed.output).to.equal(0);
      const proposal = JSON.parse(await readFile(file, "utf8")) as SafeProposal;
      expect(proposal.signatures.map((s) => s.signer)).to.deep.equal([accounts[3]]);
      expect(proposal.label).to.equal(`manager.grantRole(roleId=5, account=${accounts[6]}, executionDelay=0)`);

      const early = await hardhat(node.url, ["safe", "execute", ...where, "--file", file, "--as", accounts[0]!]);
      expect(early.code).to.equal(1);
      expect(early.output).to.contain(`the proposal has 1 of the 2 owners' approvals it needs (${accounts[3]})`);

      const notOwner = await hardhat(node.url, ["safe", "sign", ...where, "--file", file], { GOVERNANCE_KEY: devKey(7) });
      expect(notOwner.code).to.equal(1);
      expect(notOwner.output).to.contain(`${accounts[7]} is not an owner of the Safe`);
      const signed = await hardhat(node.url, ["safe", "sign", ...where, "--file", file], { GOVERNANCE_KEY: devKey(4) });
      expect(signed.code, signed.output).to.equal(0);
      expect(signed.output).to.contain("Approvals: 2 of 2 needed.");

      const executed = await hardhat(node.url, ["safe", "execute", ...where, "--file", file, "--as", accounts[0]!]);
      expect(executed.code, executed.output).to.equal(0);
      expect(executed.output).to.match(new RegExp(`signed by (${accounts[3]}, ${accounts[4]}|${accounts[4]}, ${accounts[3]})\\.`));
      const manager = await connection.ethers.getContractAt("AccessManager", contracts.manager);
      expect((await manager.getAccess(ROLE.FINANCE, accounts[6]!))[0]).to.not.equal(0n);

      const again = await hardhat(node.url, ["safe", "execute", ...where, "--file", file, "--as", accounts[0]!]);
      expect(again.code).to.equal(1);
      expect(again.output).to.contain("is used already");
    });

    it("executes a proposal one owner approved on chain and another executes", async function () {
      const file = join(dir, "label.json");
      const call = ["--contract", "manager", "--function", "labelRole", "--args", JSON.stringify([Number(ROLE.AUDITOR), "AUDITOR-2"])];
      const proposed = await hardhat(node.url, ["safe", "propose", ...where, ...call, "--out", file, "--as", accounts[0]!]);
      expect(proposed.code, proposed.output).to.equal(0);
      const approved = await hardhat(node.url, ["safe", "sign", ...where, "--file", file, "--onchain", "--as", accounts[5]!]);
      expect(approved.code, approved.output).to.equal(0);
      const shown = await hardhat(node.url, ["safe", "show", ...where, "--file", file]);
      expect(shown.output).to.contain(`${accounts[5]} (on chain)`);
      const executed = await hardhat(node.url, ["safe", "execute", ...where, "--file", file, "--as", accounts[4]!]);
      expect(executed.code, executed.output).to.equal(0);
    });

    it("schedules governor calls, lists them with their earliest time, refuses them early, executes one and cancels the other", async function () {
      const define = (id: number, label: string) => ["--contract", "registry", "--function", "defineClass", "--args", JSON.stringify([id, label])];
      const direct = await hardhat(node.url, ["delayed", "schedule", ...where, ...define(1, "国产算力"), "--as", accounts[2]!]);
      expect(direct.code).to.equal(1);
      expect(direct.output).to.contain(`${accounts[2]} may not make this call, delayed or not`);
      for (const [id, label] of [[1, "国产算力"], [2, "其他算力"]] as const) {
        const scheduled = await hardhat(node.url, ["delayed", "schedule", ...where, ...define(id, label), "--as", accounts[1]!]);
        expect(scheduled.code, scheduled.output).to.equal(0);
        expect(scheduled.output).to.match(/Earliest execution \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00/);
      }
      const pending = await hardhat(node.url, ["delayed", "pending", ...where]);
      expect(pending.code, pending.output).to.equal(0);
      const lines = pending.output.trim().split("\n").filter((l) => l.startsWith("0x"));
      expect(lines).to.have.length(2);
      expect(lines[0]).to.contain(`registry.defineClass(id=1, name=国产算力)  scheduled by ${accounts[1]}; earliest `);
      expect(lines[0]).to.match(/\+08:00 \(in (1 d|23 h 59 min( \d+ s)?)\), expires /);
      const [first, second] = lines.map((l) => l.slice(0, 66));

      const early = await hardhat(node.url, ["delayed", "execute", ...where, "--id", first!, "--as", accounts[1]!]);
      expect(early.code).to.equal(1);
      expect(early.output).to.match(/may be executed from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00 \(in (1 d|23 h 59 min( \d+ s)?)\)/);
      await rpcCall(node.url, "evm_increaseTime", [MINIMUM_DELAYS.governorExecution]);
      await rpcCall(node.url, "evm_mine", []);
      const executed = await hardhat(node.url, ["delayed", "execute", ...where, "--id", first!.slice(0, 12), "--as", accounts[1]!]);
      expect(executed.code, executed.output).to.equal(0);
      const cancelled = await hardhat(node.url, ["delayed", "cancel", ...where, "--id", second!, "--as", accounts[1]!]);
      expect(cancelled.code, cancelled.output).to.equal(0);
      const none = await hardhat(node.url, ["delayed", "pending", ...where]);
      expect(none.output).to.contain("No operations pending.");
      const registry = await connection.ethers.getContractAt("SchemeRegistry", contracts.registry);
      expect(await registry.className(1)).to.equal("国产算力");
      expect(await registry.className(2)).to.equal("");
    });
  });
}
