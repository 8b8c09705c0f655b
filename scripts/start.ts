/**
 * `npm start`: the whole stack on this machine.
 *
 * - Without RPC_URL (embedded defaults): starts a local chain (anvil, from the npm package) on 127.0.0.1:8545
 *   (CHAIN_PORT) whose state is kept in <DATA_DIR>/chain, deploys the ledger to it with the Ignition module, sets up
 *   the demo scheme (scripts/demo.ts), and runs the service (mirror + audit API + relay + dashboard) on PGlite in
 *   <DATA_DIR> (.data by default), on http://127.0.0.1:8080 unless PORT says otherwise. It prints the demo accounts,
 *   a ready auditor token and the dashboard's one-click sign-in link. The next start resumes the same chain and
 *   mirror; `npm start -- --reset` starts afresh.
 * - With RPC_URL: runs only the service against that chain and database (production), configured by environment.
 *
 * `npm start -- --token` prints a fresh auditor token for a running demo.
 * Ctrl-C stops everything cleanly (the chain saves its state on the way out).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { createConnection } from "node:net";
import { join } from "node:path";

import { JsonRpcProvider, type Signer } from "ethers";
import pg from "pg";
import { SiweMessage } from "siwe";

import { loadApiConfig } from "../service/api/config.js";
import { loadConfig } from "../service/internal/config.js";
import { DEMO_ACCOUNTS, devAccount, setUpDemo } from "./demo.js";
import { type Deployment, deploymentPath, readDeployment, writeDeployment } from "./lib/deployment-file.js";
import { deployTo } from "./tasks/actions/deploy.js";

const ROOT = join(import.meta.dirname, "..");
const CHAIN_PORT = Number(process.env.CHAIN_PORT ?? 8545);
const CHAIN_URL = `http://127.0.0.1:${CHAIN_PORT}`;
const port = Number(process.env.PORT ?? 8080);
/** Ignition's deployment id (journal folder) for the chain npm start runs. */
const IGNITION_ID = "npm-start";
const apiUrl = `http://127.0.0.1:${port}`;

function fail(message: string): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
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

function run(command: string, args: string[], env: NodeJS.ProcessEnv, name: string): ChildProcess {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
  child.stdout?.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter((l) => l.trim() !== "")) {
      process.stdout.write(`[${name}] ${line}\n`);
    }
  });
  return child;
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
    if (Date.now() > deadline) fail(`${what} did not come up within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Signs in to the audit API as `signer` with Sign-In with Ethereum; returns the bearer token. */
export async function signIn(baseUrl: string, signer: Signer): Promise<string> {
  const info = (await (await fetch(`${baseUrl}/v1/auth/nonce`, { method: "POST" })).json()) as {
    nonce: string;
    domain: string;
    uri: string;
    chainId: number;
  };
  const issuedAt = new Date();
  const message = new SiweMessage({
    domain: info.domain,
    address: await signer.getAddress(),
    statement: "Sign in to the compute-voucher audit API.",
    uri: info.uri,
    version: "1",
    chainId: info.chainId,
    nonce: info.nonce,
    issuedAt: issuedAt.toISOString(),
    expirationTime: new Date(issuedAt.getTime() + 5 * 60_000).toISOString(),
  }).prepareMessage();
  const response = await fetch(`${baseUrl}/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message, signature: await signer.signMessage(message) }),
  });
  if (!response.ok) throw new Error(`sign-in refused (${response.status}): ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

/** The dashboard's one-click sign-in: the token in the URL fragment (never sent to a server, removed by the page). */
function dashboardLink(token: string): string {
  return `${apiUrl}/#token=${encodeURIComponent(token)}`;
}

async function printToken(): Promise<void> {
  const provider = new JsonRpcProvider(CHAIN_URL);
  const token = await signIn(apiUrl, devAccount(DEMO_ACCOUNTS.auditor, provider)).catch((error: Error) =>
    fail(`cannot sign in at ${apiUrl} (is "npm start" running?): ${error.message}`),
  );
  console.log(token);
  provider.destroy();
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
    config = loadConfig(process.env);
    loadApiConfig(process.env, config);
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
  const service = spawn(process.execPath, ["--import", "tsx", "service/main.ts"], { cwd: ROOT, stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => service.kill(signal));
  process.exitCode = (await exited(service)) ?? 1;
}

/** Deploys the ledger to the local chain with the Ignition module, as `npx hardhat ledger deploy` does. */
async function deployLocal(chainDir: string): Promise<Deployment> {
  // The Ignition journal of an earlier chain would describe contracts that no longer exist.
  await rm(join(ROOT, "scripts", "ignition", "deployments", IGNITION_ID), { recursive: true, force: true });
  const hre = (await import("hardhat")).default;
  const connection = await hre.network.create({ network: "localhost", override: { url: CHAIN_URL } });
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

/** The deployment recorded with the saved chain, if it is still on that chain. */
async function savedDeployment(provider: JsonRpcProvider, chainDir: string): Promise<Deployment | undefined> {
  const chainId = (await provider.getNetwork()).chainId;
  const path = deploymentPath(chainId, chainDir);
  if (!existsSync(path)) return undefined;
  const deployment = await readDeployment(path);
  const block = await provider.getBlock(deployment.deploymentBlock);
  return block?.hash === deployment.deploymentBlockHash ? deployment : undefined;
}

async function embedded(): Promise<void> {
  if (await portInUse(CHAIN_PORT)) {
    fail(`port ${CHAIN_PORT} is in use: stop what runs there (another "npm start" or "npm run chain"), start with CHAIN_PORT=<another port>, or set RPC_URL to use that node`);
  }
  if (await portInUse(port)) fail(`port ${port} is in use: stop what runs there, or start with PORT=<another port>`);
  const dataDir = process.env.DATA_DIR ?? join(ROOT, ".data");
  const chainDir = join(dataDir, "chain");
  const stateFile = join(chainDir, "state.json");
  if (process.argv.includes("--reset")) {
    console.log(`--reset: removing ${dataDir} (the local chain and its mirror)`);
    await rm(dataDir, { recursive: true, force: true });
  }
  const resuming = existsSync(stateFile);
  if (!resuming) await rm(dataDir, { recursive: true, force: true }); // a mirror of a chain that no longer exists
  await mkdir(chainDir, { recursive: true });

  const children: ChildProcess[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const child of [...children].reverse()) {
      child.kill("SIGTERM");
      await exited(child);
    }
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));

  // anvil keeps the chain in the data folder (written every few seconds and on exit), so the next start resumes it.
  const chain = run(
    join(ROOT, "node_modules", ".bin", "anvil"),
    ["--host", "127.0.0.1", "--port", String(CHAIN_PORT), "--accounts", "20", "--state", stateFile, "--state-interval", "2", "--silent"],
    process.env,
    "chain",
  );
  children.push(chain);
  chain.once("exit", (code) => {
    if (!stopping) {
      process.stderr.write(`npm start: the chain stopped (exit ${code})\n`);
      void stop(1);
    }
  });
  const chainId = await waitFor(
    "the local chain",
    async () => {
      const response = await fetch(CHAIN_URL, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      return Number(((await response.json()) as { result: string }).result);
    },
    60_000,
  );
  const provider = new JsonRpcProvider(CHAIN_URL, chainId, { staticNetwork: true, cacheTimeout: -1 });
  console.log(`[chain] anvil on ${CHAIN_URL}, ${resuming ? `resumed from ${stateFile}` : "a new chain"}`);
  let deployment = await savedDeployment(provider, chainDir);
  if (deployment === undefined) {
    if (resuming) {
      process.stderr.write(
        `npm start: the saved chain in ${chainDir} does not hold the recorded deployment (it was stopped before its last ` +
          `blocks were saved?): start afresh with "npm start -- --reset"\n`,
      );
      return void stop(1);
    }
    deployment = await deployLocal(chainDir);
  }
  // The admin tasks (--network localhost) find the ledger in the usual place.
  await writeDeployment(deployment, deploymentPath(deployment.chainId));
  await setUpDemo(provider, deployment, (line) => console.log(`[demo] ${line.replace(/^demo: /, "")}`));

  // The local stack keeps everything in the data folder (PGlite), so that it resumes as a whole.
  const { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: _schema, ...inherited } = process.env;
  if (databaseUrl !== undefined && databaseUrl !== "") {
    console.log(`[start] DATABASE_URL is not used without RPC_URL: the local stack keeps its mirror in ${dataDir}`);
  }
  const service = run(
    process.execPath,
    ["--import", "tsx", "service/main.ts"],
    { ...inherited, RPC_URL: CHAIN_URL, DATA_DIR: dataDir, DEPLOYMENT_FILE: deploymentPath(deployment.chainId, chainDir), PORT: String(port), FINALITY_DEPTH: process.env.FINALITY_DEPTH ?? "2", LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
    "service",
  );
  children.push(service);
  service.once("exit", (code) => {
    if (!stopping) {
      process.stderr.write(`npm start: the service stopped (exit ${code})\n`);
      void stop(1);
    }
  });
  await waitFor(
    "the service",
    async () => ((await fetch(`${apiUrl}/ready`)).ok ? true : undefined),
    120_000,
  );
  const token = await signIn(apiUrl, devAccount(DEMO_ACCOUNTS.auditor, provider));
  const address = (index: number) => devAccount(index, provider).address;
  console.log(`
The compute-voucher ledger is running.

  chain        ${CHAIN_URL} (anvil, chain ${deployment.chainId}, saved in ${chainDir}), ledger ${deployment.ledger}
  dashboard    ${apiUrl}/
  audit API    ${apiUrl}/v1     docs ${apiUrl}/docs     OpenAPI ${apiUrl}/openapi.json
  operations   ${apiUrl}/status  ${apiUrl}/metrics

Demo accounts (Hardhat's well-known development keys; local use only):
  governor          ${address(DEMO_ACCOUNTS.governor)}
  Shanghai issuer   ${address(DEMO_ACCOUNTS.shanghaiIssuer)}
  Beijing issuer    ${address(DEMO_ACCOUNTS.beijingIssuer)}
  auditor           ${address(DEMO_ACCOUNTS.auditor)}
  data centers      ${address(DEMO_ACCOUNTS.dataCenterA)}, ${address(DEMO_ACCOUNTS.dataCenterB)}

A ready auditor sign-in (valid 15 minutes; "npm start -- --token" prints a fresh one):
  curl -H "Authorization: Bearer ${token}" ${apiUrl}/v1/cities

The dashboard, signed in as the auditor in one click:
  ${dashboardLink(token)}

Admin tasks work against this chain with --network localhost (e.g. npx hardhat ledger status --network localhost).
Ctrl-C stops everything.`);
}

if (process.argv.includes("--token")) await printToken();
else if (process.env.RPC_URL !== undefined && process.env.RPC_URL !== "") await production();
else await embedded();
