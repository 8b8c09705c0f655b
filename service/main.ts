import { loadConfig } from "./internal/config.js";
import { ServiceError } from "./internal/errors.js";
import { createLogger } from "./internal/logger.js";
import { openMirror } from "./mirror.js";

/**
 * `npm run service`: the mirror's writer (backfill, then follow the head), or with READ_ONLY=true a replica that
 * only reads the database (the HTTP API joins this process in a later issue). Stops cleanly on SIGINT / SIGTERM.
 */
async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const logger = createLogger({ level: config.logLevel });
  const controller = new AbortController();
  let exitCode = 0;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      logger.info({ signal }, "stopping");
      controller.abort();
    });
  }
  try {
    const mirror = await openMirror({
      config,
      logger,
      signal: controller.signal,
      onLockLost: (error) => {
        logger.fatal({ err: error.message }, "lost the writer lock; stopping");
        exitCode = 3;
        controller.abort();
      },
    });
    try {
      if (mirror.syncer === undefined) {
        logger.info("read-only mode: not syncing");
        await new Promise((resolve) => controller.signal.addEventListener("abort", resolve, { once: true }));
      } else {
        await mirror.syncer.run(controller.signal);
      }
    } finally {
      await mirror.close();
    }
  } catch (error) {
    if (controller.signal.aborted && exitCode === 0) return 0;
    const code = error instanceof ServiceError ? error.code : "UNEXPECTED";
    logger.fatal({ code, err: (error as Error).message }, "the mirror stopped");
    return 1;
  }
  return exitCode;
}

process.exitCode = await main();
