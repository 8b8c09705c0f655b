import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { blockScript, outcomes, readmeExamples } from "../helpers/readme-examples.js";
import { ROOT } from "../service/helpers/node.js";
import { runToEnd } from "../service/helpers/process.js";
import { startStack, type StartedStack } from "./helpers/stack.js";

/**
 * Runs every README block marked `<!-- example: after npm start -->` against a fresh `npm start`, in the README's
 * order, each block in one shell as a person would type it. Only what the README cannot know is changed: the stack
 * runs on free ports in a temporary data folder (so that the test never takes 8545 or 8080 from someone), so
 * `127.0.0.1:8080` and `.data/` are rewritten to them, and the admin tasks' `--network localhost` is pointed at the
 * test's chain through a config that extends hardhat.config.ts (in cache/, git-ignored).
 */
describe("README examples after npm start", function () {
  let stack: StartedStack | undefined;
  let dataDir: string;
  const overrideDir = join(ROOT, "cache", "readme-test");

  after(async function () {
    this.timeout(60_000);
    const child = stack?.child;
    if (child?.pid !== undefined && child.exitCode === null) {
      process.kill(-child.pid, "SIGINT");
      const done = await Promise.race([
        stack!.exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000)),
      ]);
      if (!done) process.kill(-child.pid, "SIGKILL");
    }
    await rm(overrideDir, { recursive: true, force: true });
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it("runs every command of the marked blocks, in order, with exit code 0", async function () {
    this.timeout(1_200_000);
    const blocks = readmeExamples(ROOT);
    // Quick start, Tasks, Verify and the client CLI at least: a marker lost in an edit must not pass unnoticed.
    expect(blocks.length).to.be.at.least(4);
    dataDir = await mkdtemp(join(tmpdir(), "cvl-readme-"));
    stack = startStack({ DATA_DIR: dataDir });
    const { port, rpcUrl: chainUrl } = await stack.running();
    await mkdir(overrideDir, { recursive: true });
    const config = join(overrideDir, "hardhat.config.ts");
    await writeFile(
      config,
      `import config from "../../hardhat.config.js";\n` +
        `export default { ...config, networks: { ...config.networks, localhost: { type: "http", chainType: "l1", url: ${JSON.stringify(chainUrl)} } } };\n`,
    );

    const rewrite = (command: string) =>
      command
        .replaceAll("127.0.0.1:8080", `127.0.0.1:${port}`)
        .replaceAll(".data/", `${dataDir}/`)
        .replaceAll("npx hardhat ", `npx hardhat --config ${config} `);
    const failures: string[] = [];
    let ran = 0;
    for (const block of blocks) {
      const script = blockScript({ ...block, commands: block.commands.map((c) => ({ ...c, command: rewrite(c.command) })) });
      // The script sends each command's stderr to stdout, so that its output reads in order.
      const result = await runToEnd(["bash", "-c", script], { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir }, 600_000);
      const results = outcomes(result.stdout);
      for (const r of results) {
        ran += 1;
        if (r.code !== 0) failures.push(`README.md:${r.line} exited ${r.code}:\n${r.output.split("\n").slice(-10).join("\n")}`);
      }
      if (results.length !== block.commands.length) {
        failures.push(`README.md:${block.line}: only ${results.length} of ${block.commands.length} commands ran:\n${(result.stdout + result.stderr).slice(-2000)}`);
      }
    }
    expect(failures, failures.join("\n\n")).to.deep.equal([]);
    expect(ran).to.equal(blocks.reduce((n, b) => n + b.commands.length, 0));
  });
});
