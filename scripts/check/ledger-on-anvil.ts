/**
 * Runs the contract suite (test/ledger/*.test.ts, or the files given) against anvil, each file on a fresh anvil
 * started at the EVM given by ANVIL_HARDFORK (default: cancun, the oldest the project supports), so that the suite
 * is checked on a second EVM implementation as well as on Hardhat's. CI runs it (.ci/run); by hand:
 *
 *   npx tsx scripts/check/ledger-on-anvil.ts [test/ledger/VoucherLedger.redeem.test.ts …]
 *
 * Every anvil starts with 20 accounts (the fixtures use 20), a base fee of 0 (transactions sent at the node's gas price
 * never wait behind a base fee that a time jump raised), EIP-170's code-size limit, and its genesis at
 * BEFORE_ALL_SCHEMES (2023-08-01, China Standard Time), before every scheme's first day, as Hardhat's network starts
 * for the scheme conformance tests. Exits non-zero if a file fails, after running them all.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { createInterface } from "node:readline";

const ROOT = join(import.meta.dirname, "..", "..");
const ANVIL = join(ROOT, "node_modules", ".bin", "anvil");
const HARDHAT = join(ROOT, "node_modules", ".bin", "hardhat");
const GENESIS = Date.parse("2023-08-01T00:00:00+08:00") / 1000;

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return response.ok;
  } catch {
    return false;
  }
}

/** anvil's words once it listens (it has no machine-readable form): "Listening on 127.0.0.1:N". */
const LISTENING = /^Listening on (127\.0\.0\.1:\d+)$/;

/**
 * Starts anvil on port 0 (it binds a port the system picks and prints it), reads the port from its output, and waits
 * until it answers. Its later output (a line per call) is read and dropped, so that a full pipe never stalls it.
 */
async function startAnvil(hardfork: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    ANVIL,
    ["--port", "0", "--host", "127.0.0.1", "--hardfork", hardfork, "--accounts", "20", "--base-fee", "0",
      "--code-size-limit", "24576", "--timestamp", String(GENESIS)],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  const stdout = child.stdout;
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("anvil did not say where it listens within 60 s")), 60_000);
    const reader = createInterface({ input: stdout });
    reader.on("line", (line) => {
      const match = LISTENING.exec(line.trim());
      if (match === null) return;
      clearTimeout(timer);
      reader.close();
      stdout.resume();
      resolve(match[1]!);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`anvil exited with ${code} before it listened`));
    });
  }).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  const url = `http://${address}`;
  const deadline = Date.now() + 30_000;
  while (!(await answers(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`anvil did not answer on ${url}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, child };
}

async function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: "inherit", env });
    child.on("exit", (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

const hardfork = process.env.ANVIL_HARDFORK ?? "cancun";
const given = process.argv.slice(2);
const files =
  given.length > 0
    ? given
    : readdirSync(join(ROOT, "test", "ledger"))
        .filter((name) => name.endsWith(".test.ts"))
        .sort()
        .map((name) => join("test", "ledger", name));

const failed: string[] = [];
const started = Date.now();
for (const file of files) {
  const { url, child } = await startAnvil(hardfork);
  try {
    console.log(`\n--- ${relative(ROOT, join(ROOT, file))} on anvil --hardfork ${hardfork} (${url})`);
    const code = await run(HARDHAT, ["test", "mocha", "--no-compile", "--network", "localhost", file], { ...process.env, LOCALHOST_RPC_URL: url });
    if (code !== 0) failed.push(file);
  } finally {
    child.kill("SIGTERM");
  }
}
console.log(`\n${files.length - failed.length} of ${files.length} files passed on anvil --hardfork ${hardfork} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (failed.length > 0) {
  console.log(`failed: ${failed.join(", ")}`);
  process.exit(1);
}
