import { enableCompileCache } from "node:module";

import type { ServiceConfig } from "./internal/config.js";
import type { Relay } from "./relay/index.js";

// Node keeps the code it compiled for the service's modules and packages (ethers, Express, zod, PGlite, …) in a cache
// in the system's temporary folder, so that a start does not compile them again (the API's modules then load in
// about 0.72 s of CPU instead of 0.88 s). It must be on before they load, hence the dynamic imports below.
// NODE_DISABLE_COMPILE_CACHE=1 turns it off.
enableCompileCache();
const [{ createApi, startHttpServer }, { createDashboardRouter }, { DEV_CHAIN_ID, loadConfig }, errors, { createLogger }, { boundHeapGrowth, openMirror }, relayModule] =
  await Promise.all([
    import("./api/index.js"),
    import("./dashboard/router.js"),
    import("./internal/config.js"),
    import("./internal/errors.js"),
    import("./internal/logger.js"),
    import("./mirror.js"),
    import("./relay/index.js"),
  ]);
const { ChainRefusedError, isRetryable, ServiceError } = errors;
const { createRelay, createRelayRouter, relayDepsFor, relayDocumented } = relayModule;

/**
 * `npm run service`: the mirror's writer (backfill, then follow the head), the redemption relay and the HTTP API
 * (audit API and redemption endpoints); or with READ_ONLY=true a replica that only serves the audit API from the
 * database. Stops cleanly on SIGINT / SIGTERM.
 *
 * The whole configuration (every section: mirror, API, relay) is parsed first: a bad value of any key is refused
 * with one line naming it, exit code 2, before anything is opened.
 */
async function main(): Promise<number> {
  let service: ServiceConfig;
  try {
    service = loadConfig();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  const { mirror: config, api: apiConfig } = service;
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
    let relay: Relay | undefined;
    if (!config.readOnly && service.relay.relayerKeys === undefined && mirror.target.chainId !== DEV_CHAIN_ID) {
      logger.warn("RELAYER_KEYS is not set: the redemption relay is off (POST /v1/redemptions and /v2/redemptions answer 404)");
    } else if (!config.readOnly) {
      relay = await createRelay({
        ...relayDepsFor(config, service.relay, mirror, logger),
        onLockLost: () => {
          exitCode = 3;
          controller.abort();
        },
      }).catch(async (error: unknown) => {
        await mirror.close();
        throw error;
      });
    }
    const routers = [
      createDashboardRouter(),
      ...(relay === undefined
        ? []
        : [createRelayRouter({ relay, checkTimeoutMs: apiConfig.requestTimeoutMs, onError: (error) => logger.error({ err: String(error) }, "relay endpoint failed") })]),
    ];
    const api = await createApi({ config, api: apiConfig, mirror, logger, routers, documented: relay === undefined ? [] : [relayDocumented(relay.version)] });
    const http = await startHttpServer(api).catch(async (error: unknown) => {
      await api.close();
      await relay?.stop();
      await mirror.close();
      throw error;
    });
    // Only now: while the modules load and the parts open, a heap let grow freely costs less CPU time in the collector.
    boundHeapGrowth();
    try {
      if (mirror.syncer === undefined) {
        logger.info("read-only mode: not syncing");
        await new Promise((resolve) => controller.signal.addEventListener("abort", resolve, { once: true }));
      } else {
        await mirror.syncer.run(controller.signal);
      }
    } finally {
      // Each part is closed even when another fails to, and a failure here does not hide the one that stopped us.
      for (const [part, close] of [
        ["HTTP server", () => http.close()],
        ["relay", () => relay?.stop()],
        ["API", () => api.close()],
        ["mirror", () => mirror.close()],
      ] as const) {
        await Promise.resolve()
          .then(close)
          .catch((error: unknown) => {
            logger.error({ err: (error as Error).message }, `closing the ${part} failed`);
            if (exitCode === 0) exitCode = 1;
          });
      }
    }
  } catch (error) {
    // Stopping cuts waits and retries short, and what they throw then is no failure. Anything else is, even when a
    // stop signal came at the same time: it is logged and the exit code says so.
    if (controller.signal.aborted && isRetryable(error)) return exitCode;
    // A chain the service cannot run on: the one line that says why, as a bad configuration is.
    if (error instanceof ChainRefusedError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    const code = error instanceof ServiceError ? error.code : "UNEXPECTED";
    logger.fatal({ code, err: (error as Error).message }, "the mirror stopped");
    return exitCode === 0 ? 1 : exitCode;
  }
  return exitCode;
}

process.exitCode = await main();
