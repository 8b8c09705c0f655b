import { type ChildProcess, spawn } from "node:child_process";
import { type AddressInfo, createServer, type Server } from "node:net";
import { join } from "node:path";

export type NodeKind = "hardhat" | "anvil";

export const ROOT = join(import.meta.dirname, "..", "..", "..");

export interface LocalNode {
  kind: NodeKind;
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts `server` on a port of 127.0.0.1 the system picks (port 0) and resolves with its URL: bound before it is
 * known, so that no other process can take it in between.
 */
export async function listenLocal(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A TCP port of 127.0.0.1 that was free a moment ago: for an address that should refuse connections (a node that is
 * not there). Not for a child to bind: it may be taken before the child binds it. Children bind port 0 and report
 * the port they bound (`listening()` of helpers/process.ts; startNode).
 */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  server.unref();
  await listenLocal(server);
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
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
 * The address a node prints once it listens, each in its own words (neither has a machine-readable form; anvil's
 * `--json` leaves this line as it is): anvil "Listening on 127.0.0.1:N", Hardhat "... JSON-RPC server at
 * http://127.0.0.1:N/".
 */
const NODE_LISTENING: Record<NodeKind, RegExp> = {
  anvil: /^Listening on (127\.0\.0\.1:\d+)$/,
  hardhat: /JSON-RPC server at http:\/\/(127\.0\.0\.1:\d+)\/?$/,
};

/**
 * Starts Hardhat's node or anvil as a separate process on port 0 of 127.0.0.1 (the node binds a free port and prints
 * it) and waits until it answers. Each block holds one transaction (automine), as on both nodes by default.
 * `extraArgs` go to the node as they are.
 */
export async function startNode(kind: NodeKind, options: { extraArgs?: string[] } = {}): Promise<LocalNode> {
  const bin = join(ROOT, "node_modules", ".bin", kind);
  const args = [
    ...(kind === "hardhat"
      ? ["node", "--port", "0", "--hostname", "127.0.0.1"]
      : ["--port", "0", "--host", "127.0.0.1", ...anvilHardfork(options.extraArgs ?? [])]),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(bin, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: false });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-2000);
  };
  child.stderr.on("data", keep);
  const stop = () => stopChild(child);
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} did not say where it listens within 60 s: ${output}`)), 60_000);
    let pending = "";
    const onData = (chunk: Buffer) => {
      keep(chunk);
      const parts = (pending + chunk.toString()).split("\n");
      pending = parts.pop() ?? "";
      for (const line of parts) {
        const match = NODE_LISTENING[kind].exec(line.trim());
        if (match === null) continue;
        clearTimeout(timer);
        // Both nodes log every call from now on: read and dropped, so that a full pipe never stalls the node.
        child.stdout.off("data", onData);
        child.stdout.resume();
        resolve(match[1]!);
        return;
      }
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} exited with ${code}: ${output}`));
    });
  }).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  const url = `http://${address}`;
  const port = Number(address.split(":")[1]);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${kind} exited with ${child.exitCode}: ${output}`);
    try {
      await rpcCall(url, "eth_chainId");
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`${kind} did not answer on ${url}: ${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return { kind, url, port, stop };
}
