/**
 * `npm start`: the whole stack on this machine.
 *
 * - Without RPC_URL (embedded defaults): starts a local chain (anvil, from the npm package) on 127.0.0.1:8545
 *   (CHAIN_PORT) whose state is kept in <DATA_DIR>/chain, deploys ledger v2 to it with its Ignition module (governed
 *   by the local Safe), sets up the demo (scripts/demo-v2.ts) and runs the service (mirror + audit API + relay +
 *   dashboard, following v2: LEDGER_VERSION=2) on PGlite in
 *   <DATA_DIR> (.data by default), on http://127.0.0.1:8080 unless PORT says otherwise. A port of 0 is any free
 *   port: the chain and the service report the one they bound, and <DATA_DIR>/stack.json records both. The service's JSON log goes to
 *   <DATA_DIR>/service.log; the terminal gets the banner (demo accounts, a ready auditor token, the dashboard's
 *   one-click link, ready client commands) and, on a terminal, one status line. Once the mirror has indexed the demo,
 *   it loads the demo's names and invoice numbers into the identity registry (POST /v2/registry, as the issuer).
 *   While nothing happens, the chain mines an empty block a second until the last activity is FINALITY_DEPTH blocks
 *   deep (scripts/lib/idle-finality.ts).
 *   The tokens' key is kept in <DATA_DIR>/auth-secret, so a token outlives a restart. The next start resumes the same
 *   chain and mirror; `npm start -- --reset` starts afresh.
 * - With RPC_URL: runs only the service against that chain and database (production), configured by environment.
 *
 * `npm start -- --ledger=v1` (or LEDGER=v1) does the same with ledger v1 (its Ignition module) and its demo
 *   (scripts/demo.ts), for as long as v1 is in the repository; `--ledger=v2` is the default said out loud. The data
 *   folder remembers which ledger its chain holds, and a folder of the other one is refused with one line.
 *
 * `npm start -- --token` prints a fresh auditor token for the local stack (alone on stdout), with the dashboard's
 * link and a curl line (on stderr). Ctrl-C stops everything cleanly (the chain saves its state on the way out).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { createConnection } from "node:net";
import { join, relative, resolve } from "node:path";
import { createInterface } from "node:readline";

import { hexlify, JsonRpcProvider, randomBytes } from "ethers";
import pg from "pg";

import { createTokens, loadOrCreateSecret, readSecretFile, secretKey } from "../service/internal/tokens.js";
import { loadConfig, parseEnv } from "../service/internal/config.js";
import { parseLogRecord } from "../service/internal/logger.js";
import { PROJECT_ROOT } from "../service/internal/paths.js";
import { dayOfInstant } from "../service/domain/identity.js";
import { localStackFiles, lockHolder, readStackState, removeStackState, type StackState, writeStackState } from "../service/internal/local-stack.js";
import { DEMO_ACCOUNTS, DEMO_REDEEMABLE, devAccount, setUpDemo } from "./demo.js";
import { setUpDemoV2 } from "./demo-v2.js";
import { V2_ACCOUNTS } from "./lib/demo/plan-v2.js";
import { bannerV2, dashboardLink, demoProgrammeNumber, loadDemoRegistry, writeDemoDocuments } from "./lib/demo/stack-v2.js";
import { deployLedgerV2 } from "./lib/ledger/deployment.js";
import { keepFinalizing } from "./lib/idle-finality.js";
import {
  type Deployment,
  deploymentPath,
  readDeployment,
  readV2Deployment,
  type V2Deployment,
  v2DeploymentPath,
  writeDeployment,
  writeV2Deployment,
} from "../service/domain/deployment.js";
import { deployTo } from "./tasks/actions/deploy.js";

const ROOT = PROJECT_ROOT;
/** The ports asked for; 0: any free port, which the chain and the service report once they listen. */
const CHAIN_PORT = Number(process.env.CHAIN_PORT ?? 8545);
const port = Number(process.env.PORT ?? 8080);
const DATA_DIR = resolve(process.env.DATA_DIR ?? join(ROOT, ".data"));
/** Ignition's deployment id (journal folder) for the chain npm start runs, with ledger v1 and with ledger v2. */
const IGNITION_ID = "npm-start";
const IGNITION_ID_V2 = "npm-start-v2";
/** How often the idle chain mines an empty block until its last activity is final. */
const IDLE_BLOCK_MS = 1000;
/** The service's address as configured (before it runs: with PORT=0 the running stack's is in its state file). */
const configuredApiUrl = `http://127.0.0.1:${port}`;
/**
 * Whether this script runs compiled (dist/scripts/start.js, as `npm start` runs it) or from its sources under tsx (as
 * the tests run it). The service is started the same way, so that a test never runs an out-of-date dist/.
 */
const COMPILED = !import.meta.url.endsWith(".ts");
const SERVICE_ARGS = COMPILED ? [join(ROOT, "dist", "service", "main.js")] : ["--import", "tsx", "service/main.ts"];

function fail(message: string): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
}

/** The ledger the local stack runs: `--ledger=v1` (or `--ledger v1`), else LEDGER, else v2. */
function ledgerChoice(): 1 | 2 {
  const argv = process.argv;
  const at = argv.findIndex((a) => a === "--ledger" || a.startsWith("--ledger="));
  const given = at === -1 ? process.env.LEDGER : argv[at]!.includes("=") ? argv[at]!.slice("--ledger=".length) : argv[at + 1];
  const value = (given ?? "").trim().toLowerCase();
  if (value === "v1" || value === "1") return 1;
  if (value === "" || value === "v2" || value === "2") return 2;
  fail(`--ledger (LEDGER) is "${given}": use v1 or v2`);
}

/** Whether something listens on 127.0.0.1:`p`. */
function portInUse(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port: p });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Each line a child writes, to `onLine`. */
function lines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (stream !== null) createInterface({ input: stream }).on("line", (line) => line.trim() !== "" && onLine(line));
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** An auditor token signed with the data folder's secret, as the local stack's service signs them. */
function auditorToken(secret: string, ttlSeconds: number, auditor: string): string {
  return createTokens({ secret: secretKey(secret), ttlSeconds }).issue(auditor).token;
}

/** `npm start -- --token`: the token alone on stdout (for scripts), the link and a curl line on stderr. */
async function printToken(): Promise<void> {
  const files = localStackFiles(DATA_DIR);
  if (!existsSync(files.secret)) fail(`there is no local stack in ${DATA_DIR} yet: start it with "npm start"`);
  const secret = await readSecretFile(files.secret).catch((error: unknown) => fail((error as Error).message));
  const state = await readStackState(DATA_DIR);
  let ttl = state?.tokenTtlSeconds;
  if (ttl === undefined) {
    try {
      ttl = parseEnv(process.env).AUTH_TOKEN_TTL_SECONDS;
    } catch (error) {
      fail(`${(error as Error).message} (fix it in the environment)`);
    }
  }
  const serviceUrl = state?.serviceUrl ?? configuredApiUrl;
  const token = auditorToken(secret, ttl, state?.auditor ?? devAccount(V2_ACCOUNTS.auditor).address);
  // Which ledger: the running stack's record says; else the saved chain's (v1's deployment is chain-<id>.json).
  const chainDir = join(DATA_DIR, "chain");
  const v1 = state !== undefined
    ? state.ledgerVersion === 1
    : existsSync(chainDir) && (await readdir(chainDir)).some((f) => /^chain-\d+\.json$/.test(f));
  process.stderr.write(
    `An auditor sign-in for the local stack at ${serviceUrl}, valid ${Math.round(ttl / 60)} minutes:\n` +
      `  dashboard  ${dashboardLink(serviceUrl, token)}\n` +
      `             (open it, or paste it into the address bar of a dashboard tab already open)\n` +
      `  API        curl -H "Authorization: Bearer ${token}" ${serviceUrl}${v1 ? "/v1/cities" : "/v2/companies"}\n` +
      (state?.ready === true ? "" : `The local stack is not running: start it with "npm start"; the token works once it runs.\n`) +
      `The token alone is on standard output, for scripts: TOKEN=$(npm start --silent -- --token)\n`,
  );
  process.stdout.write(`${token}\n`);
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * Checks what the service needs before starting it, so that a person gets one line saying what to do rather than
 * retries and log lines: the configuration, the chain node, the database.
 */
async function preflight(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env).mirror;
  } catch (error) {
    fail(`${(error as Error).message} (fix it in the environment)`);
  }
  try {
    const response = await fetch(config.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  } catch (error) {
    fail(`cannot reach the chain node at ${redact(config.rpcUrl)} (${(error as Error).message}): start the node, or fix RPC_URL`);
  }
  if (config.database.kind === "postgres") {
    const client = new pg.Client({ connectionString: config.database.url, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
    } catch (error) {
      fail(
        `cannot connect to the database at ${redact(config.database.url)} (${(error as Error).message}): start PostgreSQL, or fix DATABASE_URL`,
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function production(): Promise<void> {
  await preflight();
  const service = spawn(process.execPath, SERVICE_ARGS, { cwd: ROOT, stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => service.kill(signal));
  process.exitCode = (await exited(service)) ?? 1;
}

/** Deploys the ledger to the local chain with the Ignition module, as `npx hardhat ledger deploy` does. */
async function deployLocal(chainDir: string, chainUrl: string): Promise<Deployment> {
  // The Ignition journal of an earlier chain would describe contracts that no longer exist.
  await rm(join(ROOT, "scripts", "ignition", "deployments", IGNITION_ID), { recursive: true, force: true });
  // Hardhat loads hardhat.config.ts and its tasks, which are TypeScript: compiled, this script has no tsx loaded yet.
  if (COMPILED) (await import("tsx/esm/api")).register();
  const hre = (await import("hardhat")).default;
  const connection = await hre.network.create({ network: "localhost", override: { url: chainUrl } });
  try {
    return await deployTo(connection, {
      deploymentId: IGNITION_ID,
      deploymentsDir: chainDir,
      log: (line) => console.log(`[deploy] ${line}`),
    });
  } finally {
    await connection.close();
  }
}

/**
 * Deploys ledger v2 to the local chain with its Ignition module, as `npx hardhat ledger deploy --v2` does: ADMIN held
 * by the local 2-of-3 Safe, the other roles on the development accounts, no delays (a development chain).
 */
async function deployLocalV2(chainDir: string, chainUrl: string): Promise<V2Deployment> {
  await rm(join(ROOT, "scripts", "ignition", "deployments", IGNITION_ID_V2), { recursive: true, force: true });
  if (COMPILED) (await import("tsx/esm/api")).register();
  const hre = (await import("hardhat")).default;
  const connection = await hre.network.create({ network: "localhost", override: { url: chainUrl } });
  try {
    return await deployLedgerV2(connection, {
      deploymentId: IGNITION_ID_V2,
      deploymentsDir: chainDir,
      log: (line) => console.log(`[deploy] ${line.trim()}`),
    });
  } finally {
    await connection.close();
  }
}

/** The local stack's ledger: which version, and its deployment record. */
type LocalLedger = { version: 1; deployment: Deployment; file: string } | { version: 2; deployment: V2Deployment; file: string };

/** The deployment recorded with the saved chain (of either ledger), if it is still on that chain. */
async function savedDeployment(provider: JsonRpcProvider, chainDir: string): Promise<LocalLedger | undefined> {
  const chainId = (await provider.getNetwork()).chainId;
  const onChain = async (d: { deploymentBlock: number; deploymentBlockHash: string }) =>
    (await provider.getBlock(d.deploymentBlock))?.hash === d.deploymentBlockHash;
  const v1 = deploymentPath(chainId, chainDir);
  if (existsSync(v1)) {
    const deployment = await readDeployment(v1);
    if (await onChain(deployment)) return { version: 1, deployment, file: v1 };
  }
  const v2 = v2DeploymentPath(chainId, chainDir);
  if (existsSync(v2)) {
    const deployment = await readV2Deployment(v2);
    if (await onChain(deployment)) return { version: 2, deployment, file: v2 };
  }
  return undefined;
}

/** A service log line (pino JSON) in words, for the terminal; undefined below warnings. */
function logLineInWords(line: string): string | undefined {
  let entry: { level?: number; msg?: string; err?: unknown; code?: unknown };
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    return line; // not a log line: show it as it is
  }
  if (typeof entry.level !== "number" || entry.level < 40) return undefined;
  const level = entry.level >= 60 ? "fatal" : entry.level >= 50 ? "error" : "warning";
  const detail = [entry.code, entry.err].filter((x) => x !== undefined).map(String).join(": ");
  return `${level}: ${entry.msg ?? ""}${detail === "" ? "" : ` (${detail})`}`;
}

/**
 * The terminal's output while the stack runs: lines, and on a terminal one status line kept at the bottom (head,
 * indexed block, finality), redrawn every 2 s.
 */
function createConsole() {
  const tty = process.stdout.isTTY === true;
  let status = "";
  let timer: NodeJS.Timeout | undefined;
  const draw = () => tty && status !== "" && process.stdout.write(`\r\x1b[2K${status}`);
  const say = (line: string) => {
    if (tty && status !== "") process.stdout.write("\r\x1b[2K");
    process.stdout.write(`${line}\n`);
    draw();
  };
  const refresh = async (serviceUrl: string) => {
    try {
      const s = (await (await fetch(`${serviceUrl}/status`, { signal: AbortSignal.timeout(2000) })).json()) as {
        head: number; indexed: number; lag: number; finalizedBlock: number;
      };
      status = `status: head ${s.head} · indexed ${s.indexed} · ${s.lag} behind · final up to block ${Math.max(s.finalizedBlock, 0)}`;
    } catch {
      status = "status: the service does not answer";
    }
    draw();
  };
  return {
    say,
    startStatus(serviceUrl: string) {
      if (!tty) return;
      void refresh(serviceUrl);
      timer = setInterval(() => void refresh(serviceUrl), 2000);
    },
    stopStatus() {
      clearInterval(timer);
      if (tty && status !== "") process.stdout.write("\r\x1b[2K");
      status = "";
    },
  };
}

/** A path in the data folder as typed from the repository (absolute when the folder is elsewhere). */
function inData(path: string): string {
  const relativePath = relative(ROOT, path);
  return relativePath.startsWith("..") ? path : relativePath;
}

function banner(options: {
  deployment: Deployment; chainDir: string; chainUrl: string; apiUrl: string; token: string; ttlSeconds: number; logFile: string;
}): string {
  const { deployment, token, apiUrl } = options;
  const address = (index: number) => devAccount(index).address;
  const key = (index: number) => devAccount(index).privateKey;
  const invoice = hexlify(randomBytes(32));
  // The demo's files go to the data folder (git-ignored, and gone with --reset), named as typed from the repository.
  return `
The compute-voucher ledger is running (ledger v1; npm start without --ledger=v1 runs ledger v2).

  chain        ${options.chainUrl} (anvil, chain ${deployment.chainId}, saved in ${options.chainDir}), ledger ${deployment.ledger}
  dashboard    ${apiUrl}/
  audit API    ${apiUrl}/v1     docs ${apiUrl}/docs     OpenAPI ${apiUrl}/openapi.json
  operations   ${apiUrl}/status  ${apiUrl}/metrics
  service log  ${options.logFile}

Demo accounts (Hardhat's well-known development keys; local use only):
  governor          ${address(DEMO_ACCOUNTS.governor)}
  Shanghai issuer   ${address(DEMO_ACCOUNTS.shanghaiIssuer)}
  Beijing issuer    ${address(DEMO_ACCOUNTS.beijingIssuer)}
  auditor           ${address(DEMO_ACCOUNTS.auditor)}
  data centers      ${address(DEMO_ACCOUNTS.dataCenterA)}, ${address(DEMO_ACCOUNTS.dataCenterB)}

A ready auditor sign-in (valid ${Math.round(options.ttlSeconds / 60)} minutes; "npm start -- --token" prints a fresh one):
  curl -H "Authorization: Bearer ${token}" ${apiUrl}/v1/cities

The dashboard, signed in as the auditor in one click:
  ${dashboardLink(apiUrl, token)}

A redemption through the relay: the demo start-up signs its consent, demo data center A redeems it:
  HOLDER_PRIVATE_KEY=${key(DEMO_REDEEMABLE.holder)} npm run client -- consent sign --service ${apiUrl} --city ${DEMO_REDEEMABLE.city} --ref ${DEMO_REDEEMABLE.ref} --data-center ${address(DEMO_REDEEMABLE.dataCenter)} --amount 1000.00 --invoice-total 4000.00 --invoice-hash ${invoice} --out ${inData(join(DATA_DIR, "consent.json"))}
  DATA_CENTER_PRIVATE_KEY=${key(DEMO_REDEEMABLE.dataCenter)} npm run client -- redeem --consent ${inData(join(DATA_DIR, "consent.json"))} --out ${inData(join(DATA_DIR, "request.json"))} --wait

The mirror checked against the chain: npm run verify
Admin tasks (ledger v2) work against this chain with --network localhost: npx hardhat ledger deploy --v2 --network localhost first.
Ctrl-C stops everything.`;
}

/**
 * What a child says on stdout once it listens: each line goes to `onLine`, which calls `report` with the address when
 * it sees it. Rejects if the child exits first or `timeoutMs` passes.
 */
function reported(child: ChildProcess, what: string, timeoutMs: number, onLine: (line: string, report: (value: string) => void) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not say where it listens within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    const report = (value: string) => {
      clearTimeout(timer);
      resolve(value);
    };
    lines(child.stdout, (line) => onLine(line, report));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} stopped (exit ${code})`));
    });
  });
}

/** anvil's words once it listens (it has no machine-readable form): "Listening on 127.0.0.1:8545". */
const ANVIL_LISTENING = /^Listening on (127\.0\.0\.1:\d+)$/;

async function embedded(): Promise<void> {
  const version = ledgerChoice();
  if (CHAIN_PORT !== 0 && (await portInUse(CHAIN_PORT))) {
    fail(`port ${CHAIN_PORT} is in use: stop what runs there (another "npm start" or "npm run chain"), start with CHAIN_PORT=<another port>, or set RPC_URL to use that node`);
  }
  if (port !== 0 && (await portInUse(port))) fail(`port ${port} is in use: stop what runs there, or start with PORT=<another port>`);
  const dataDir = DATA_DIR;
  const files = localStackFiles(dataDir);
  const other = await readStackState(dataDir);
  const holder = other?.pid ?? (await lockHolder(dataDir));
  if (holder !== undefined) {
    fail(`the data folder ${dataDir} is in use by process ${holder}${other === undefined ? "" : ` ("npm start" with ${other.serviceUrl})`}: stop it first, or start with DATA_DIR=<another folder>`);
  }
  const chainDir = join(dataDir, "chain");
  const stateFile = join(chainDir, "state.json");
  if (process.argv.includes("--reset")) {
    console.log(`--reset: removing ${dataDir} (the local chain and its mirror)`);
    await rm(dataDir, { recursive: true, force: true });
  }
  const resuming = existsSync(stateFile);
  if (!resuming) await rm(dataDir, { recursive: true, force: true }); // a mirror of a chain that no longer exists
  await mkdir(chainDir, { recursive: true });
  const secret = await loadOrCreateSecret(files.secret).catch((error: unknown) => fail((error as Error).message));
  let apiConfig;
  try {
    apiConfig = { tokenTtlSeconds: parseEnv(process.env).AUTH_TOKEN_TTL_SECONDS };
  } catch (error) {
    fail(`${(error as Error).message} (fix it in the environment)`);
  }
  const finalityDepth = process.env.FINALITY_DEPTH ?? "2";
  const out = createConsole();

  const children: ChildProcess[] = [];
  let keeper: { stop(): Promise<void> } | undefined;
  const log = createWriteStream(files.serviceLog, { flags: "a" });
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    out.stopStatus();
    await keeper?.stop();
    for (const child of [...children].reverse()) {
      child.kill("SIGTERM");
      await exited(child);
    }
    await removeStackState(dataDir);
    await new Promise((resolve) => log.end(resolve));
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));

  try {
    // anvil keeps the chain in the data folder (written every few seconds and on exit), so the next start resumes it.
    // Not --silent: its stdout says the port it bound (CHAIN_PORT=0: any free one); the rest of it (every call) is
    // dropped, as --silent would, and its stderr shown.
    const chain = spawn(
      join(ROOT, "node_modules", ".bin", "anvil"),
      ["--host", "127.0.0.1", "--port", String(CHAIN_PORT), "--accounts", "20", "--state", stateFile, "--state-interval", "2"],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(chain);
    lines(chain.stderr, (line) => out.say(`[chain] ${line}`));
    chain.once("exit", (code) => {
      if (!stopping) {
        out.say(`npm start: the chain stopped (exit ${code})`);
        void stop(1);
      }
    });
    const chainUrl = `http://${await reported(chain, "the local chain", 60_000, (line, report) => {
      const match = ANVIL_LISTENING.exec(line.trim());
      if (match !== null) report(match[1]!);
    })}`;
    const chainId = await waitFor(
      "the local chain",
      async () => {
        const response = await fetch(chainUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        });
        return Number(((await response.json()) as { result: string }).result);
      },
      60_000,
    );
    const provider = new JsonRpcProvider(chainUrl, chainId, { staticNetwork: true, cacheTimeout: -1 });
    console.log(`[chain] anvil on ${chainUrl}, ${resuming ? `resumed from ${stateFile}` : "a new chain"}`);
    let local = await savedDeployment(provider, chainDir);
    if (local === undefined) {
      if (resuming) {
        throw new Error(
          `the saved chain in ${chainDir} does not hold the recorded deployment (it was stopped before its last ` +
            `blocks were saved?): start afresh with "npm start -- --reset"`,
        );
      }
      if (version === 1) {
        const deployment = await deployLocal(chainDir, chainUrl);
        local = { version: 1, deployment, file: deploymentPath(deployment.chainId, chainDir) };
      } else {
        const deployment = await deployLocalV2(chainDir, chainUrl);
        local = { version: 2, deployment, file: v2DeploymentPath(deployment.chainId, chainDir) };
      }
    }
    if (local.version !== version) {
      const keep = local.version === 1 ? `"npm start -- --ledger=v1"` : `"npm start" (or "npm start -- --ledger=v2")`;
      const afresh = version === 1 ? `"npm start -- --ledger=v1 --reset"` : `"npm start -- --reset"`;
      throw new Error(
        `the saved chain in ${chainDir} holds ledger v${local.version}, not v${version}: start it as it is with ${keep}, ` +
          `afresh with ${afresh} (which deletes it), or with DATA_DIR=<another folder>`,
      );
    }
    const { deployment } = local;
    const state: StackState = {
      pid: process.pid, ready: false, serviceUrl: configuredApiUrl, rpcUrl: chainUrl, chainId: deployment.chainId,
      deploymentFile: local.file, ledgerVersion: local.version, auditor: devAccount(local.version === 1 ? DEMO_ACCOUNTS.auditor : V2_ACCOUNTS.auditor).address,
      tokenTtlSeconds: apiConfig.tokenTtlSeconds, startedAt: new Date().toISOString(),
    };
    await writeStackState(dataDir, state);
    // The admin tasks (--network localhost) find the ledger in the usual place.
    const demoLog = (line: string) => console.log(`[demo] ${line.replace(/^demo: /, "")}`);
    if (local.version === 1) {
      await writeDeployment(local.deployment, deploymentPath(deployment.chainId));
      await setUpDemo(provider, local.deployment, demoLog);
    } else {
      await writeV2Deployment(local.deployment, v2DeploymentPath(deployment.chainId));
      await setUpDemoV2(provider, local.deployment, demoLog);
    }
    const demoBlock = await provider.getBlockNumber();
    const chainToday = dayOfInstant((await provider.getBlock(demoBlock))!.timestamp);
    provider.destroy();
    keeper = keepFinalizing({ url: chainUrl, depth: Number(finalityDepth), intervalMs: IDLE_BLOCK_MS });

    // The local stack keeps everything in the data folder (PGlite), so that it resumes as a whole.
    const { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: _schema, ...inherited } = process.env;
    if (databaseUrl !== undefined && databaseUrl !== "") {
      console.log(`[start] DATABASE_URL is not used without RPC_URL: the local stack keeps its mirror in ${dataDir}`);
    }
    const service = spawn(process.execPath, SERVICE_ARGS, {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...inherited, RPC_URL: chainUrl, DATA_DIR: dataDir, DEPLOYMENT_FILE: state.deploymentFile, PORT: String(port),
        LEDGER_VERSION: String(local.version),
        FINALITY_DEPTH: finalityDepth, LOG_LEVEL: process.env.LOG_LEVEL ?? "info", AUTH_SECRET: secret,
      },
    });
    children.push(service);
    lines(service.stderr, (line) => out.say(`[service] ${line}`));
    service.once("exit", (code) => {
      if (!stopping) {
        out.say(`npm start: the service stopped (exit ${code}); its log is ${files.serviceLog}`);
        void stop(1);
      }
    });
    // The JSON log goes to the file; warnings and errors also to the terminal, in words. Its `api.listening` record
    // says where the service listens (PORT=0: any free port).
    const apiUrl = await reported(service, "the service", 120_000, (line, report) => {
      log.write(`${line}\n`);
      const words = logLineInWords(line);
      if (words !== undefined) out.say(`[service] ${words}`);
      const record = parseLogRecord(line);
      if (record?.event === "api.listening" && typeof record.port === "number") report(`http://127.0.0.1:${record.port}`);
    });
    await waitFor("the service", async () => ((await fetch(`${apiUrl}/ready`)).ok ? true : undefined), 120_000);
    const token = auditorToken(secret, apiConfig.tokenTtlSeconds, state.auditor);
    const shown = { chainDir, chainUrl, apiUrl, token, ttlSeconds: apiConfig.tokenTtlSeconds, logFile: files.serviceLog };
    if (local.version === 1) out.say(banner({ ...shown, deployment: local.deployment }));
    else {
      const issuerToken = auditorToken(secret, 600, devAccount(V2_ACCOUNTS.issuer).address);
      const loaded = await loadDemoRegistry(apiUrl, issuerToken, demoBlock);
      demoLog(`identity registry: ${loaded.companies} companies' names and ${loaded.invoices} invoice numbers loaded (POST /v2/registry)`);
      const written = await writeDemoDocuments(dataDir);
      const documents = {
        contract: inData(written.contract), invoice: inData(written.invoice), payment: inData(written.payment),
        consent: inData(join(dataDir, "consent-v2.json")), request: inData(join(dataDir, "request-v2.json")),
      };
      out.say(bannerV2({ ...shown, deployment: local.deployment, today: chainToday, relayProgramme: await demoProgrammeNumber("hangzhou"), documents }));
    }
    // Ready once the banner is out: a script (or test) that waits for the state file finds the banner printed.
    await writeStackState(dataDir, { ...state, serviceUrl: apiUrl, ready: true });
    out.startStatus(apiUrl);
  } catch (error) {
    if (stopping) return;
    out.say(`npm start: ${(error as Error).message}`);
    await stop(1);
  }
}

if (process.argv.includes("--token")) await printToken();
else if (process.env.RPC_URL !== undefined && process.env.RPC_URL !== "") await production();
else await embedded();
