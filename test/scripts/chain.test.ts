import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";
import hre from "hardhat";

import { deploymentPath, readDeployment } from "../../service/domain/deployment.js";
import { deployWithIgnition } from "../../scripts/lib/ignition-deploy.js";

const PORT = 8599; // not 8545: a developer's `npm run chain` may be running
const DEPLOYMENT_ID = `chain-test-${process.pid}`;

describe("npm run chain", function () {
  let child: ChildProcess | undefined;
  let dir: string;

  afterEach(async function () {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await new Promise((resolve) => child!.once("exit", resolve));
    }
    await rm(dir, { recursive: true, force: true });
    await rm(join(hre.config.paths.ignition, "deployments", DEPLOYMENT_ID), { recursive: true, force: true });
  });

  it("starts a node with the ledger deployed, where deploying again is a no-op, and stops on SIGTERM", async function () {
    dir = await mkdtemp(join(tmpdir(), "chain-"));
    const cli = join(process.cwd(), "node_modules", "hardhat", "dist", "src", "cli.js");
    const args = [cli, "chain", "--port", `${PORT}`, "--deployment-id", DEPLOYMENT_ID, "--deployments-dir", dir];
    child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the chain did not start:\n${output}`)), 90_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ctrl-C stops it.")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child!.stdout!.on("data", read);
      child!.stderr!.on("data", read);
      child!.once("exit", () => reject(new Error(`the chain exited:\n${output}`)));
    });
    const deployment = await readDeployment(deploymentPath(31337, dir));

    const connection = await hre.network.create({
      network: "localhost",
      override: { url: `http://127.0.0.1:${PORT}` },
    });
    try {
      const { ethers } = connection;
      expect(await ethers.provider.getCode(deployment.ledger)).to.not.equal("0x");
      const blockBefore = await ethers.provider.getBlockNumber();
      const [, governor] = await ethers.getSigners();
      const again = await deployWithIgnition(connection, {
        governor: governor!.address,
        deploymentId: DEPLOYMENT_ID,
        deploymentsDir: dir,
      });
      expect(again).to.deep.equal(deployment);
      expect(await ethers.provider.getBlockNumber()).to.equal(blockBefore);
    } finally {
      await connection.close();
    }
    child.kill("SIGTERM");
    const code = await new Promise((resolve) => child!.once("exit", resolve));
    expect(code).to.equal(0);
  });
});
