/**
 * Start-up of the service (service/main.ts) on a mirror that is already synced: the time from launching `node` to
 * its listening log record (`"event":"api.listening"`), and to the first answer of GET /health, with the CPU time the
 * process had used by that record (read from /proc, so it is less disturbed by the other processes of a shared
 * machine than the wall time). Each launch is stopped with SIGTERM and waited for before the next, so that the store is free.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";

import { parseLogRecord } from "../../../service/internal/logger.js";
import { PROJECT_ROOT } from "../../../service/internal/paths.js";
import { nodeArgs, type Runner } from "./service.js";

export interface Launch {
  runner: Runner;
  /** Launch to the listening log record. */
  listeningMs: number;
  /** Launch to the first 200 of GET /health. */
  healthMs: number;
  /** User + system CPU time of the process at the listening line (undefined without /proc). */
  cpuMs: number | undefined;
}

/** utime + stime of `pid` in milliseconds, from /proc/<pid>/stat (clock ticks of 10 ms on Linux). */
async function cpuTimeMs(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Launches the service with `env` (PORT 0, LOG_LEVEL info are set here) until it listens and answers /health. */
export async function launchService(runner: Runner, env: Record<string, string>, timeoutMs = 60_000): Promise<Launch> {
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  const child = spawn(process.execPath, nodeArgs(runner, "service/main.ts"), {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env, PORT: "0", LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let output = "";
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  try {
    const listening = await new Promise<{ url: string; ms: number; cpu: Promise<number | undefined> }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the service did not listen within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      createInterface({ input: child.stdout }).on("line", (line) => {
        output += `${line}\n`;
        const record = parseLogRecord(line);
        if (record?.event !== "api.listening") return;
        const ms = elapsed();
        clearTimeout(timer);
        resolve({ url: String(record.url), ms, cpu: cpuTimeMs(child.pid!) });
      });
      void exited.then((code) => reject(new Error(`the service exited with ${code} before it listened:\n${output}`)));
    });
    for (;;) {
      const ok = await fetch(`${listening.url}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (elapsed() > timeoutMs) throw new Error(`the service did not answer /health within ${timeoutMs} ms`);
    }
    return { runner, listeningMs: listening.ms, healthMs: elapsed(), cpuMs: await listening.cpu };
  } finally {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * `runs` launches of each of `runners`, alternating (after one launch of each that is not counted: it applies the
 * relay's migrations and warms tsx's cache, Node's compile cache and the file cache), so that a change in the
 * machine's load hits them alike.
 */
export async function compareLaunches(
  env: Record<string, string>,
  runs: number,
  runners: readonly Runner[] = ["compiled", "tsx"],
): Promise<Partial<Record<Runner, Launch[]>>> {
  for (const runner of runners) await launchService(runner, env);
  const launches: Partial<Record<Runner, Launch[]>> = Object.fromEntries(runners.map((r) => [r, []]));
  for (let i = 0; i < runs; i++) for (const runner of runners) launches[runner]!.push(await launchService(runner, env));
  return launches;
}
