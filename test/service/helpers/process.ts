import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";

import { parseLogRecord } from "../../../service/internal/logger.js";
import { ROOT, stopChild } from "./node.js";

/** What a log line is matched on: its `event` field (a string), or a predicate over the parsed record. */
export type LogMatch = string | ((record: Record<string, unknown>) => boolean);

/** A child process whose stdout and stderr carry JSON log records (pino's, one a line), followed by the test. */
export interface LoggedProcess {
  child: ChildProcess;
  /** The lines printed so far (stdout and stderr). */
  lines: string[];
  /**
   * Resolves with the first log record (past or future) whose `event` field is `match` (a string), or for which
   * `match` is true. Lines that are not JSON records never match: tests wait on fields, not on words.
   */
  waitFor(match: LogMatch, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** The service's HTTP address, from its `api.listening` record (the port it bound; PORT=0 binds any free one). */
  listening(timeoutMs?: number): Promise<{ url: string; port: number }>;
  /** The log lines printed so far, parsed (a line that is not JSON as `{ msg }`). */
  parsed(): Record<string, unknown>[];
  /** The lines printed so far, as one text (for failure messages). */
  output: () => string;
  exited: Promise<number | null>;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/** A started service (service/main.ts). */
export type MirrorProcess = LoggedProcess;

/**
 * Spawns `node args` in the repository with exactly `env` and follows its JSON log records: the one way a test starts
 * a child process of ours and waits for it (`waitFor` an event, `listening()` for its port).
 */
export function spawnLogged(args: string[], env: Record<string, string | undefined>, what = "the process"): LoggedProcess {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const matches = (match: LogMatch, parsed: Record<string, unknown>) => (typeof match === "string" ? parsed.event === match : match(parsed));
  const waiters: { match: LogMatch; resolve: (line: Record<string, unknown>) => void }[] = [];
  const buffers = new Map<NodeJS.ReadableStream, string>();
  const follow = (stream: NodeJS.ReadableStream) =>
    stream.on("data", (chunk: Buffer) => {
      const parts = ((buffers.get(stream) ?? "") + chunk.toString()).split("\n");
      buffers.set(stream, parts.pop() ?? "");
      for (const line of parts) {
        lines.push(line);
        const parsed = parseLogRecord(line);
        if (parsed === undefined) continue;
        for (const w of [...waiters]) {
          if (matches(w.match, parsed)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(parsed);
          }
        }
      }
    });
  follow(child.stdout);
  follow(child.stderr);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const tail = () => lines.slice(-20).join("\n");
  const describe = (match: LogMatch) => (typeof match === "string" ? `"event":"${match}"` : "the predicate");
  const waitFor = (match: LogMatch, timeoutMs = 60_000): Promise<Record<string, unknown>> => {
    for (const line of lines) {
      const parsed = parseLogRecord(line);
      if (parsed !== undefined && matches(match, parsed)) return Promise.resolve(parsed);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no log record matching ${describe(match)} in ${timeoutMs} ms:\n${tail()}`)), timeoutMs);
      waiters.push({ match, resolve: (line) => { clearTimeout(timer); resolve(line); } });
      void exited.then(() => setTimeout(() => reject(new Error(`${what} exited before logging ${describe(match)}:\n${tail()}`)), 200));
    });
  };
  return {
    child,
    lines,
    exited,
    waitFor,
    async listening(timeoutMs) {
      const listened = await waitFor("api.listening", timeoutMs);
      return { url: String(listened.url), port: Number(listened.port) };
    },
    parsed: () => lines.map((line) => parseLogRecord(line) ?? { msg: line }),
    output: () => lines.join("\n"),
    stop: (signal) => stopChild(child, signal),
  };
}

/**
 * Starts `service/main.ts` (with tsx; with `compiled`, dist/service/main.js as `npm run service` runs it, which the
 * caller builds first) as a separate process with `env`, logging at info so tests can follow it. PORT is 0 unless
 * `env` says otherwise: the API listens on a free port, which `listening()` reports.
 */
export function spawnMirror(env: Record<string, string>, options: { compiled?: boolean } = {}): MirrorProcess {
  // `node --import tsx`, not the tsx wrapper: one process, so that a SIGKILL reaches the mirror itself.
  const args = options.compiled === true ? [join(ROOT, "dist", "service", "main.js")] : ["--import", "tsx", "service/main.ts"];
  return spawnLogged(args, { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: "0", ...env, LOG_LEVEL: "info" }, "the mirror");
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
