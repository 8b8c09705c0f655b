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
