import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

export type NodeKind = "hardhat" | "anvil";

export const ROOT = join(import.meta.dirname, "..", "..", "..");

export interface LocalNode {
  kind: NodeKind;
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

/** Sends one JSON-RPC call with fetch. */
export async function rpcCall<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** Stops a child process: SIGTERM, then SIGKILL if it lingers. Resolves once it has exited. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** ANVIL_HARDFORK (CI's pass on the oldest EVM the project supports: cancun) as anvil's `--hardfork`, unless given. */
function anvilHardfork(extraArgs: string[]): string[] {
  const hardfork = process.env.ANVIL_HARDFORK ?? "";
  return hardfork === "" || extraArgs.includes("--hardfork") ? [] : ["--hardfork", hardfork];
}

/**
 * Starts Hardhat's node or anvil as a separate process on a free port of 127.0.0.1 and waits until it answers.
 * Each block holds one transaction (automine), as on both nodes by default. `extraArgs` go to the node as they are.
 */
export async function startNode(kind: NodeKind, options: { extraArgs?: string[] } = {}): Promise<LocalNode> {
  const port = await freePort();
  const bin = join(ROOT, "node_modules", ".bin", kind);
  const args = [
    ...(kind === "hardhat"
      ? ["node", "--port", String(port), "--hostname", "127.0.0.1"]
      : ["--port", String(port), "--host", "127.0.0.1", "--silent", ...anvilHardfork(options.extraArgs ?? [])]),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(bin, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"], detached: false });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${kind} exited with ${child.exitCode}: ${stderr}`);
    try {
      await rpcCall(url, "eth_chainId");
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`${kind} did not answer on ${url}: ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return { kind, url, port, stop: () => stopChild(child) };
}
