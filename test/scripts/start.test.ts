import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { DEMO_ACCOUNTS, devAccount } from "../../scripts/demo.js";
import { deploymentPath } from "../../service/domain/deployment.js";
import { listenLocal, ROOT, rpcCall, startNode, unusedPort } from "../service/helpers/node.js";
import { runToEnd } from "../service/helpers/process.js";
import { interrupt, killAll, type StackAddress, type StartedStack, startStack, tokenOf } from "./helpers/stack.js";

type Started = StartedStack;

/**
 * `npm start -- --ledger=v1` as a test runs it: logging at warn unless `env` says otherwise, on free ports (PORT=0,
 * CHAIN_PORT=0). Ledger v1's demo, for as long as v1 is in the repository (the default is v2: start-v2.test.ts).
 */
const start = (env: Record<string, string> & { DATA_DIR: string }, args: string[] = []): Started =>
  startStack({ LOG_LEVEL: "warn", ...env }, ["--ledger=v1", ...args]);

/** Runs a command of this repository to its end; a command that waits silently fails the test. */
const run = runToEnd;

const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const devAddress = (index: number) => devAccount(index).address;

/** The environment of a person's shell: no RPC_URL, DATABASE_URL or other service settings of this test process. */
function shell(extra: Record<string, string>): Record<string, string | undefined> {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

/** `npm run verify` as a person types it after `npm start`: no configuration but the data folder. */
const verifyCli = (env: Record<string, string>, args: string[] = []) => run([TSX, "service/verify/cli.ts", ...args], shell(env));

/** Waits for the stack's state file to say it runs (written after the banner): where it listens. */
const untilRunning = (s: Started): Promise<StackAddress> => s.running();

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function get(port: number, path: string, token: string): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status, path).to.equal(200);
  return response.json();
}

interface Snapshot {
  cities: unknown;
  events: { blockHash: string; blockNumber: number }[];
  indexed: number;
}

async function snapshot(port: number, output: string): Promise<Snapshot> {
  const token = tokenOf(output);
  const cities = ((await get(port, "/v1/cities", token)) as { items: Record<string, unknown>[] }).items.map(
    ({ final: _final, ...city }) => city,
  );
  const events = ((await get(port, "/v1/events?limit=1000", token)) as { items: Snapshot["events"] }).items;
  const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as { indexed: number };
  return { cities, events, indexed: status.indexed };
}

describe("npm start -- --ledger=v1", function () {
  let dataDir: string;
  const extraDirs: string[] = [];
  const running: Started[] = [];

  before(async function () {
    dataDir = await mkdtemp(join(tmpdir(), "cvl-start-"));
  });

  after(async function () {
    killAll(running);
    for (const dir of [dataDir, ...extraDirs]) await rm(dir, { recursive: true, force: true });
  });

  it("becomes ready on a clean data folder, stops on Ctrl-C, and resumes the same chain and mirror the next time", async function () {
    this.timeout(600_000);
    const env = { DATA_DIR: dataDir };

    const first = start({ ...env, LOG_LEVEL: "info" });
    running.push(first);
    const ports = await untilRunning(first);
    expect(first.output()).to.include("a new chain");
    expect(first.output()).to.include("36 vouchers issued, 24 redemptions, 1 revocation");
    // The banner in words: the service's JSON log lines go to the data folder, not to the terminal.
    expect(first.output().split("\n").filter((line) => line.includes('"level":') || /^\S*\s*\{/.test(line))).to.deep.equal([]);
    const logged = (await readFile(join(dataDir, "service.log"), "utf8")).split("\n").filter((line) => line !== "");
    expect(logged.length).to.be.greaterThan(3);
    for (const line of logged) expect(JSON.parse(line)).to.have.property("level").that.is.a("number");
    expect((await stat(join(dataDir, "auth-secret"))).mode & 0o777).to.equal(0o600);
    const before = await snapshot(ports.port, first.output());
    expect(before.events.length).to.be.greaterThan(100);
    const firstToken = tokenOf(first.output());

    // A second npm start on the same data folder is refused with one line, whatever its ports.
    const twin = start({ DATA_DIR: dataDir });
    running.push(twin);
    expect(await twin.exited).to.equal(1);
    expect(twin.output().trim().split("\n")).to.have.length(1);
    expect(twin.output()).to.match(new RegExp(`^npm start: the data folder .* is in use by process ${first.child.pid}.*DATA_DIR=`));

    expect(await interrupt(first)).to.equal(0);
    expect(await portFree(ports.port)).to.equal(true);
    // Started without --ledger (v2, the default) on the v1 folder: refused with one line saying the command.
    const asDefault = startStack({ LOG_LEVEL: "warn", DATA_DIR: dataDir });
    running.push(asDefault);
    expect(await asDefault.exited).to.equal(1);
    const refusal = asDefault.output().split("\n").filter((line) => line.startsWith("npm start:"));
    expect(refusal, asDefault.output()).to.have.length(1);
    expect(refusal[0]).to.match(/holds ledger v1, not v2: start it as it is with "npm start -- --ledger=v1", afresh with "npm start -- --reset"/);
    expect(await portFree(ports.chainPort)).to.equal(true);
    expect(existsSync(join(dataDir, "stack.json")), "the running stack's record is removed on the way out").to.equal(false);

    const second = start(env);
    running.push(second);
    const secondPorts = await untilRunning(second);
    expect(second.output()).to.include("resumed from");
    expect(second.output()).to.include("the demo scheme is set up already");
    const after = await snapshot(secondPorts.port, second.output());
    expect(after.cities).to.deep.equal(before.cities);
    expect(after.events).to.deep.equal(before.events);
    expect(after.indexed).to.be.at.least(before.indexed);
    // The first start's token outlives the restart: the key is the data folder's.
    expect(((await get(secondPorts.port, "/v1/cities", firstToken)) as { items: unknown[] }).items).to.have.length(2);
    expect(await interrupt(second)).to.equal(0);

    const third = start(env, ["--reset"]);
    running.push(third);
    const thirdPorts = await untilRunning(third);
    expect(third.output()).to.include("a new chain");
    const fresh = await snapshot(thirdPorts.port, third.output());
    expect(fresh.events.length).to.equal(before.events.length);
    // a new chain: the same demo, in blocks with other hashes
    expect(fresh.events[0]!.blockHash).to.not.equal(before.events[0]!.blockHash);
    expect(await interrupt(third)).to.equal(0);
  });

  it("answers npm run verify, --token and the client commands it prints with no configuration, and reaches finality when idle", async function () {
    this.timeout(600_000);
    const dir = await mkdtemp(join(tmpdir(), "cvl-start-local-"));
    extraDirs.push(dir);
    const s = start({ DATA_DIR: dir });
    running.push(s);
    const { port, chainPort } = await untilRunning(s);

    // npm run verify finds the running stack in the data folder and asks its service, which holds the mirror.
    const report = await verifyCli({ DATA_DIR: dir });
    expect(report.code, report.stdout + report.stderr).to.equal(0);
    expect(report.stdout).to.include("with the contract and the mirror").and.include("no differences");
    const json = await verifyCli({ DATA_DIR: dir }, ["--json"]);
    expect(JSON.parse(json.stdout)).to.include({ ok: true, mirrorCompared: true, chainId: 31337 });
    const chainOnly = await verifyCli({ DATA_DIR: dir }, ["--chain-only"]);
    expect(chainOnly.code, chainOnly.stderr).to.equal(0);
    expect(chainOnly.stdout).to.include("with the contract\n").and.include("no differences");
    // Told to read the folder itself (RPC_URL), it does not wait for the service's lock: one line, exit 2.
    const direct = await verifyCli({ DATA_DIR: dir, RPC_URL: `http://127.0.0.1:${chainPort}`, DEPLOYMENT_FILE: deploymentPath(31337, join(dir, "chain")) });
    expect(direct.code).to.equal(2);
    expect(direct.stderr.trim().split("\n")).to.have.length(1);
    expect(direct.stderr).to.match(/^npm run verify: the data folder .* is in use by process \d+ .*--chain-only$/m);

    // --token finds the stack's port in the data folder: the token alone on stdout, the link and a curl line on stderr.
    const printed = await run([process.execPath, "--import", "tsx", "scripts/start.ts", "--token"], shell({ DATA_DIR: dir }));
    expect(printed.code, printed.stderr).to.equal(0);
    expect(printed.stdout.trim().split("\n")).to.have.length(1);
    const token = printed.stdout.trim();
    expect(printed.stderr).to.include(`http://127.0.0.1:${port}/#token=${encodeURIComponent(token)}`);
    expect(printed.stderr).to.include(`curl -H "Authorization: Bearer ${token}" http://127.0.0.1:${port}/v1/cities`);
    expect(((await get(port, "/v1/cities", token)) as { items: unknown[] }).items).to.have.length(2);

    // The two client commands of the banner redeem through the relay as they are printed.
    const commands = s.output().split("\n").map((line) => line.trim()).filter((line) => /^(HOLDER|DATA_CENTER)_PRIVATE_KEY=0x[0-9a-f]{64} npm run client -- /.test(line));
    expect(commands).to.have.length(2);
    let redeemed = "";
    for (const command of commands) {
      const r = await run(["bash", "-c", command], shell({}));
      expect(r.code, `${command}\n${r.stdout}${r.stderr}`).to.equal(0);
      redeemed = r.stdout;
    }
    expect(redeemed).to.match(/confirmed, 1000\.00 CNY from voucher \d+/);
    const [, block, tx] = /in block (\d+) \(.*\), transaction (0x[0-9a-f]{64})/.exec(redeemed) ?? [];
    expect(tx, redeemed).to.be.a("string");

    // With nothing else happening, the redemption becomes final, and the idle chain then stops growing.
    const dataCenterA = devAddress(DEMO_ACCOUNTS.dataCenterA);
    let record: { transactionHash: string; final: boolean } | undefined;
    for (let i = 0; i < 240 && record?.final !== true; i++) {
      const page = (await get(port, `/v1/redemptions?dataCenter=${dataCenterA}&limit=1000`, token)) as { items: { transactionHash: string; final: boolean }[] };
      record = page.items.find((r) => r.transactionHash === tx);
      if (record?.final !== true) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(record, "the redemption in the mirror").to.include({ transactionHash: tx, final: true });
    const chainUrl = `http://127.0.0.1:${chainPort}`;
    const head = Number(await rpcCall<string>(chainUrl, "eth_blockNumber"));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(Number(await rpcCall<string>(chainUrl, "eth_blockNumber"))).to.equal(head);
    expect(head).to.equal(Number(block) + 2); // FINALITY_DEPTH empty blocks on top, no more

    expect(await interrupt(s)).to.equal(0);
    const none = await verifyCli({ DATA_DIR: dir });
    expect(none.code).to.equal(2);
    expect(none.stdout).to.equal("");
    expect(none.stderr).to.match(/^npm run verify: no local stack is running in .*: start it with "npm start"[^\n]*\n$/);
  });

  it("npm run verify says in one line what to do when the data folder is locked and no stack answers", async function () {
    this.timeout(120_000);
    const dir = await mkdtemp(join(tmpdir(), "cvl-verify-locked-"));
    extraDirs.push(dir);
    const holder = spawn("sleep", ["120"], { stdio: "ignore" });
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, "writer.lock"), String(holder.pid));
      const local = await verifyCli({ DATA_DIR: dir });
      expect(local.code).to.equal(2);
      expect(local.stderr).to.match(/^npm run verify: no local stack is running in .*\n$/);
      const direct = await verifyCli({ DATA_DIR: dir, RPC_URL: `http://127.0.0.1:${await unusedPort()}` });
      expect(direct.code).to.equal(2);
      expect(direct.stderr).to.match(new RegExp(`^npm run verify: the data folder .* is in use by process ${holder.pid} [^\n]*\n$`));
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("refuses a port in use with one line that says what to do, and starts nothing", async function () {
    this.timeout(60_000);
    const blocker = createServer();
    const busy = Number(new URL(await listenLocal(blocker)).port);
    try {
      const s = start({ CHAIN_PORT: String(busy), DATA_DIR: dataDir });
      running.push(s);
      expect(await s.exited).to.equal(1);
      const lines = s.output().trim().split("\n");
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(new RegExp(`^npm start: port ${busy} is in use: .*CHAIN_PORT=`));
    } finally {
      blocker.close();
    }
  });

  it("refuses an unreachable node, an unreachable database and a bad setting, each with one line saying what to do", async function () {
    this.timeout(120_000);
    const dead = String(await unusedPort());
    const node = await startNode("anvil");
    try {
      const cases: [Record<string, string>, RegExp][] = [
        [{ RPC_URL: `http://127.0.0.1:${dead}` }, /^npm start: cannot reach the chain node at .*: start the node, or fix RPC_URL$/],
        [
          { RPC_URL: node.url, DATABASE_URL: `postgres://nobody:secret@127.0.0.1:${dead}/none` },
          /^npm start: cannot connect to the database at postgres:\/\/nobody:\*\*\*@.*: start PostgreSQL, or fix DATABASE_URL$/,
        ],
        [{ RPC_URL: node.url, FINALITY_DEPTH: "-1" }, /^npm start: configuration: FINALITY_DEPTH is invalid .*\(fix it in the environment\)$/],
      ];
      for (const [env, expected] of cases) {
        const s = start({ DATA_DIR: dataDir, ...env });
        running.push(s);
        expect(await s.exited).to.equal(1);
        const lines = s.output().trim().split("\n");
        expect(lines, s.output()).to.have.length(1);
        expect(lines[0]).to.match(expected);
        expect(s.output()).to.not.include("secret");
      }
    } finally {
      await node.stop();
    }
  });
});
