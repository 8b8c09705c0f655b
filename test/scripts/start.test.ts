import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { ROOT, freePort, startNode } from "../service/helpers/node.js";

interface Started {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs `scripts/start.ts` (what `npm start` runs) as its own process group with `env`. */
function start(env: Record<string, string>, args: string[] = []): Started {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function untilRunning(s: Started, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!s.output().includes("The compute-voucher ledger is running.")) {
    if (s.child.exitCode !== null) throw new Error(`npm start exited with ${s.child.exitCode}:\n${s.output()}`);
    if (Date.now() > deadline) throw new Error(`npm start did not become ready:\n${s.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Ctrl-C, as a person would; resolves with the exit code once every process of the group is gone. */
async function interrupt(s: Started): Promise<number | null> {
  if (s.child.exitCode === null) process.kill(-s.child.pid!, "SIGINT");
  const code = await s.exited;
  return code;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function tokenOf(output: string): string {
  const match = /Bearer ([^"\s]+)/.exec(output);
  if (match === null) throw new Error(`no token in:\n${output}`);
  return match[1]!;
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

describe("npm start", function () {
  let dataDir: string;
  const running: Started[] = [];

  before(async function () {
    dataDir = await mkdtemp(join(tmpdir(), "cvl-start-"));
  });

  after(async function () {
    for (const s of running) {
      if (s.child.exitCode === null) {
        try {
          process.kill(-s.child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it("becomes ready on a clean data folder, stops on Ctrl-C, and resumes the same chain and mirror the next time", async function () {
    this.timeout(600_000);
    const ports = { PORT: String(await freePort()), CHAIN_PORT: String(await freePort()) };
    const env = { ...ports, DATA_DIR: dataDir };

    const first = start(env);
    running.push(first);
    await untilRunning(first);
    expect(first.output()).to.include("a new chain");
    expect(first.output()).to.include("36 vouchers issued, 24 redemptions, 1 revocation");
    const before = await snapshot(Number(ports.PORT), first.output());
    expect(before.events.length).to.be.greaterThan(100);
    expect(await interrupt(first)).to.equal(0);
    expect(await portFree(Number(ports.PORT))).to.equal(true);
    expect(await portFree(Number(ports.CHAIN_PORT))).to.equal(true);

    const second = start(env);
    running.push(second);
    await untilRunning(second);
    expect(second.output()).to.include("resumed from");
    expect(second.output()).to.include("the demo scheme is set up already");
    const after = await snapshot(Number(ports.PORT), second.output());
    expect(after.cities).to.deep.equal(before.cities);
    expect(after.events).to.deep.equal(before.events);
    expect(after.indexed).to.be.at.least(before.indexed);
    expect(await interrupt(second)).to.equal(0);

    const third = start(env, ["--reset"]);
    running.push(third);
    await untilRunning(third);
    expect(third.output()).to.include("a new chain");
    const fresh = await snapshot(Number(ports.PORT), third.output());
    expect(fresh.events.length).to.equal(before.events.length);
    // a new chain: the same demo, in blocks with other hashes
    expect(fresh.events[0]!.blockHash).to.not.equal(before.events[0]!.blockHash);
    expect(await interrupt(third)).to.equal(0);
  });

  it("refuses a port in use with one line that says what to do, and starts nothing", async function () {
    this.timeout(60_000);
    const blocker = createServer();
    const busy = await freePort();
    await new Promise<void>((resolve) => blocker.listen(busy, "127.0.0.1", () => resolve()));
    try {
      const s = start({ PORT: String(await freePort()), CHAIN_PORT: String(busy), DATA_DIR: dataDir });
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
    const dead = String(await freePort());
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
        const s = start({ PORT: String(await freePort()), DATA_DIR: dataDir, ...env });
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
