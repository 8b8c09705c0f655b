import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

import { ROOT, stopChild } from "./node.js";

export interface MirrorProcess {
  child: ChildProcess;
  /** The log lines (pino JSON) printed so far. */
  lines: string[];
  /**
   * Resolves with the first log line (past or future) whose `event` field is `message` (a string: the structured way
   * to wait), whose message matches (a RegExp), or for which `message` is true.
   */
  waitFor(message: string | RegExp | ((line: Record<string, unknown>) => boolean), timeoutMs?: number): Promise<Record<string, unknown>>;
  /** The log lines printed so far, parsed (a line that is not JSON as `{ msg }`). */
  parsed(): Record<string, unknown>[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `service/main.ts` (with tsx; with `compiled`, dist/service/main.js as `npm run service` runs it, which the
 * caller builds first) as a separate process with `env`, logging at info so tests can follow it.
 */
export function spawnMirror(env: Record<string, string>, options: { compiled?: boolean } = {}): MirrorProcess {
  // `node --import tsx`, not the tsx wrapper: one process, so that a SIGKILL reaches the mirror itself.
  const args = options.compiled === true ? [join(ROOT, "dist", "service", "main.js")] : ["--import", "tsx", "service/main.ts"];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    // PORT 0: the API of each spawned process listens on a free port, so that several can run at once.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: "0", ...env, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  type Match = string | RegExp | ((line: Record<string, unknown>) => boolean);
  const matches = (match: Match, line: Record<string, unknown>) =>
    typeof match === "string" ? line.event === match : match instanceof RegExp ? match.test(String(line.msg)) : match(line);
  const parse = (line: string): Record<string, unknown> => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return { msg: line };
    }
  };
  const waiters: { message: Match; resolve: (line: Record<string, unknown>) => void }[] = [];
  let buffer = "";
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split("\n");
    buffer = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      const parsed = parse(line);
      for (const w of [...waiters]) {
        if (matches(w.message, parsed)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
      }
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    parsed: () => lines.map(parse),
    waitFor(message, timeoutMs = 60_000) {
      for (const line of lines) {
        const parsed = parse(line);
        if (line.startsWith("{") && matches(message, parsed)) return Promise.resolve(parsed);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no log line matching ${message} in ${timeoutMs} ms:\n${lines.slice(-20).join("\n")}`)), timeoutMs);
        waiters.push({ message, resolve: (line) => { clearTimeout(timer); resolve(line); } });
        void exited.then(() => setTimeout(() => reject(new Error(`the mirror exited before logging ${message}:\n${lines.slice(-20).join("\n")}`)), 200));
      });
    },
    stop: (signal) => stopChild(child, signal),
  };
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command` (its first word the program) in the repository to its end with exactly `env`; rejects if it has not
 * finished within `timeoutMs` (then killed), so that a command that waits silently fails the test instead of hanging.
 */
export function runToEnd(command: string[], env: Record<string, string | undefined>, timeoutMs = 120_000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const [bin, ...args] = command;
    const child = spawn(bin!, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command.join(" ")} did not finish within ${timeoutMs / 1000} s:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
