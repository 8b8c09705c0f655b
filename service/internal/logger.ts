import { pino, type Logger } from "pino";

export type { Logger };

export interface LoggerOptions {
  level?: string;
  name?: string;
}

/** A JSON logger on stdout (pino). Tests pass `level: "silent"`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    name: options.name ?? "mirror",
    level: options.level ?? "info",
    base: { pid: process.pid },
    // bigint values (block numbers, amounts) print as decimal strings.
    formatters: { log: (object) => JSON.parse(JSON.stringify(object, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as Record<string, unknown> },
  });
}

/** A log line (pino's JSON, one a line) as its record; undefined for a line that is not a JSON object. */
export function parseLogRecord(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
