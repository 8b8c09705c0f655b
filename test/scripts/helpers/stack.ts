import { type ChildProcess, spawn } from "node:child_process";

import { readStackState } from "../../../service/internal/local-stack.js";
import { ROOT } from "../../service/helpers/node.js";

/** Where a running local stack listens, from its state file. */
export interface StackAddress {
  serviceUrl: string;
  rpcUrl: string;
  /** The service's port. */
  port: number;
  chainPort: number;
}

export interface StartedStack {
  child: ChildProcess;
  dataDir: string;
  /** Everything printed so far (stdout and stderr). */
  output: () => string;
  exited: Promise<number | null>;
  /**
   * Resolves once the stack runs (its state file in the data folder says ready, which `npm start` writes after its
   * banner), with where it listens; rejects if `npm start` exits first or `timeoutMs` passes.
   */
  running: (timeoutMs?: number) => Promise<StackAddress>;
}

/**
 * Runs `scripts/start.ts` (what `npm start` runs) as its own process group, with the test process's environment and
 * `env`: PORT and CHAIN_PORT 0 unless `env` says otherwise, so that the service and the chain bind free ports and
 * the stack records them in its state file.
 */
export function startStack(env: Record<string, string> & { DATA_DIR: string }, args: string[] = []): StartedStack {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", CHAIN_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    dataDir: env.DATA_DIR,
    output: () => out,
    exited,
    async running(timeoutMs = 240_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${out}`);
        const state = await readStackState(env.DATA_DIR);
        if (state?.ready === true && state.pid === child.pid) {
          const portOf = (url: string) => Number(new URL(url).port);
          return { serviceUrl: state.serviceUrl, rpcUrl: state.rpcUrl, port: portOf(state.serviceUrl), chainPort: portOf(state.rpcUrl) };
        }
        if (Date.now() > deadline) throw new Error(`npm start did not become ready:\n${out}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
  };
}

/** Ctrl-C, as a person would; resolves with the exit code once every process of the group is gone. */
export async function interrupt(s: StartedStack): Promise<number | null> {
  if (s.child.exitCode === null) process.kill(-s.child.pid!, "SIGINT");
  return s.exited;
}

/** SIGKILL to the groups of the runs still alive (a test's clean-up after a failure). */
export function killAll(runs: readonly StartedStack[]): void {
  for (const s of runs) {
    if (s.child.exitCode !== null) continue;
    try {
      process.kill(-s.child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** The auditor token of the banner's curl line. */
export function tokenOf(output: string): string {
  const match = /Bearer ([^"\s]+)/.exec(output);
  if (match === null) throw new Error(`no token in:\n${output}`);
  return match[1]!;
}
