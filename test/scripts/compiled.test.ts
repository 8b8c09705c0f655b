import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { ARTIFACTS } from "../../service/chain/abi.js";
import { DASHBOARD_DIR } from "../../service/dashboard/router.js";
import { DEPLOYMENTS_DIR } from "../../service/domain/deployment.js";
import { JOURNALS_DIR } from "../../scripts/lib/ignition-deploy.js";
import { VOCABULARY } from "../../scripts/lib/ledger/names.js";
import { deployTestLedger, runWorkload } from "../service/helpers/ledger.js";
import { ROOT, startNode, type LocalNode } from "../service/helpers/node.js";
import { runToEnd, spawnMirror } from "../service/helpers/process.js";

const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const compiled = (source: string) => join(ROOT, "dist", source.replace(/\.ts$/, ".js"));
const shell = (env: Record<string, string>) => ({ PATH: process.env.PATH, HOME: process.env.HOME, ...env });

/**
 * `npm start`, `npm run service` and `npm run verify` run the service compiled to dist/ (tsconfig.build.json) rather
 * than from its sources: the same behaviour, with the files that are not code found in the project's folder.
 */
describe("the compiled service (dist/)", function () {
  this.timeout(180_000);

  before(function () {
    const build = spawnSync(process.execPath, [TSC, "-b", "tsconfig.build.json"], { cwd: ROOT, encoding: "utf8" });
    expect(build.status, `${build.stdout}${build.stderr}`).to.equal(0);
  });

  it("finds Hardhat's artifacts, the deployment records, Ignition's journals, the dashboard and the schemes' vocabulary where the sources do", async function () {
    const script =
      `const [a, d, r, j, n] = await Promise.all(["service/chain/abi.js", "service/dashboard/router.js", "service/domain/deployment.js", ` +
      `"scripts/lib/ignition-deploy.js", "scripts/lib/ledger/names.js"].map((f) => import(${JSON.stringify(`${ROOT}/dist/`)} + f)));` +
      `console.log(JSON.stringify([a.ARTIFACTS, d.DASHBOARD_DIR, r.DEPLOYMENTS_DIR, j.JOURNALS_DIR, n.VOCABULARY]));`;
    const result = await runToEnd([process.execPath, "--input-type=module", "-e", script], shell({}));
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.deep.equal([ARTIFACTS, DASHBOARD_DIR, DEPLOYMENTS_DIR, JOURNALS_DIR, VOCABULARY]);
    expect(DASHBOARD_DIR).to.equal(join(ROOT, "service", "dashboard", "public"));
    // The admin tasks' names of classes and categories (npm start --ledger=v2's demo uses them compiled).
    expect(VOCABULARY).to.equal(join(ROOT, "scripts", "schemes", "vocabulary.json"));
  });

  it("refuses a bad setting with the same message and exit code as the sources", async function () {
    const envs: Record<string, string>[] = [{}, { RPC_URL: "http://127.0.0.1:1", FINALITY_DEPTH: "-1" }, { RPC_URL: "http://127.0.0.1:1", PORT: "abc" }];
    for (const env of envs) {
      const [fromDist, fromSources] = await Promise.all([
        runToEnd([process.execPath, compiled("service/main.ts")], shell(env)),
        runToEnd([process.execPath, "--import", "tsx", "service/main.ts"], shell(env)),
      ]);
      expect(fromDist.code).to.equal(2);
      expect(fromDist.stderr).to.match(/^configuration: \w+ is invalid/);
      expect({ code: fromDist.code, stderr: fromDist.stderr }).to.deep.equal({ code: fromSources.code, stderr: fromSources.stderr });
    }
  });

  describe("on a chain", function () {
    let node: LocalNode;
    let dataDir: string;

    before(async function () {
      node = await startNode("anvil");
      dataDir = await mkdtemp(join(tmpdir(), "cvl-compiled-"));
    });

    after(async function () {
      await node?.stop();
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    });

    it("mirrors the ledger, serves the API, its docs and the dashboard, and npm run verify finds no difference", async function () {
      const t = await deployTestLedger(node.url);
      await runWorkload(t, 12, 7);
      const head = await t.provider.getBlockNumber();
      const env = {
        RPC_URL: node.url, LEDGER_ADDRESS: await t.ledger.getAddress(), DEPLOYMENT_BLOCK: String(t.deploymentBlock),
        DATA_DIR: dataDir, FINALITY_DEPTH: "0", AUTH_SECRET: randomBytes(32).toString("hex"),
      };
      const service = spawnMirror(env, { compiled: true });
      try {
        const { url } = await service.listening();
        await service.waitFor("sync.caught-up");
        const status = (await (await fetch(`${url}/status`)).json()) as { indexed: number };
        expect(status.indexed).to.be.at.least(head);
        const page = await fetch(`${url}/`);
        expect(page.status).to.equal(200);
        expect(await page.text()).to.contain("<html");
        for (const path of ["/dashboard/app.js", "/docs", "/docs/assets/swagger-ui-bundle.js", "/openapi.json"]) {
          const response = await fetch(`${url}${path}`);
          await response.arrayBuffer(); // read to its end, so that the connection is idle when the service stops
          expect(response.status, path).to.equal(200);
        }
      } finally {
        await service.stop();
      }
      expect(await service.exited).to.equal(0);
      const verify = await runToEnd([process.execPath, compiled("service/verify/cli.ts")], shell(env));
      expect(verify.code, `${verify.stdout}${verify.stderr}`).to.equal(0);
      expect(verify.stdout).to.contain("no differences");
    });
  });
});
