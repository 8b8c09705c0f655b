import { type ChildProcess, spawn } from "node:child_process";

import { ROOT } from "../../service/helpers/node.js";

/** A run of `scripts/start.ts` (what `npm start` runs): its process, what it printed, its exit. */
export interface Started {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs `scripts/start.ts` as its own process group with `env`. */
export function start(env: Record<string, string>, args: string[] = []): Started {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Resolves once the banner is printed; fails if the stack exits first or takes longer than `timeoutMs`. */
export async function untilRunning(s: Started, timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!/The compute-voucher ledger is running/.test(s.output())) {
    if (s.child.exitCode !== null) throw new Error(`npm start exited with ${s.child.exitCode}:\n${s.output()}`);
    if (Date.now() > deadline) throw new Error(`npm start did not become ready:\n${s.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Ctrl-C, as a person would; resolves with the exit code once every process of the group is gone. */
export async function interrupt(s: Started): Promise<number | null> {
  if (s.child.exitCode === null) process.kill(-s.child.pid!, "SIGINT");
  return s.exited;
}

/** SIGKILL to the groups of the runs still alive (a test's clean-up after a failure). */
export function killAll(runs: readonly Started[]): void {
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
