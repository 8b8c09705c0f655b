/**
 * The service as the relay's tests (and the benchmark) run it: the mirror's writer and the relay in one process,
 * the relay's router on a minimal Express 5 app, and two read-outs for the tests (the mirror's redemptions, the
 * relay's requests). Prints `{"listening":port}` on stdout once it serves. service/main.ts wires the same relay into
 * the production process, next to the audit API.
 */
import { fileURLToPath } from "node:url";

import express from "express";

import { answerParserRefusals } from "../../../../service/api/server.js";
import { loadConfig } from "../../../../service/internal/config.js";
import { createLogger } from "../../../../service/internal/logger.js";
import { openMirror } from "../../../../service/mirror.js";
import { createRelay, relayDepsFor } from "../../../../service/relay/relay.js";
import { createRelayRouter } from "../../../../service/relay/router.js";

async function serve(): Promise<void> {
  const service = loadConfig(process.env);
  const config = service.mirror;
  const logger = createLogger({ level: config.logLevel, name: "relay" });
  const controller = new AbortController();
  const mirror = await openMirror({ config, logger, signal: controller.signal });
  const relay = await createRelay(relayDepsFor(config, service.relay, mirror, logger));
  const syncing = mirror.syncer!.run(controller.signal).catch((error: unknown) => logger.error({ err: String(error) }, "mirror stopped"));

  const app = express();
  app.use(createRelayRouter({ relay, onError: (error) => logger.error({ err: String(error) }, "unexpected error") }));
  app.get("/test/mirror/redemptions", async (_req, res) => {
    res.json(await mirror.store.db.query("SELECT invoice_hash, data_center, amount::text AS amount, transaction_hash FROM redemptions"));
  });
  app.get("/test/mirror/v2-redemptions", async (_req, res) => {
    res.json(
      await mirror.store.db.query(
        "SELECT invoice_number_hash, supplier, programme, amount::text AS amount, transaction_hash, consent_digest FROM v2_redemptions",
      ),
    );
  });
  app.get("/test/relay/requests", async (_req, res) => {
    res.json(
      await mirror.store.db.query(
        "SELECT id, invoice_hash, data_center, forwarder_nonce::text AS nonce, status, code, reason, transaction_hash FROM relay_requests ORDER BY seq",
      ),
    );
  });
  const server = app.listen(config.port, "127.0.0.1", () => {
    process.stdout.write(`${JSON.stringify({ listening: config.port })}\n`);
  });
  answerParserRefusals(server);

  process.once("SIGTERM", () => {
    controller.abort();
    server.close();
    void (async () => {
      await relay.stop();
      await syncing;
      await mirror.close();
      process.exit(0);
    })();
  });
}

// Mocha's file discovery imports every file under test/: only serve when run as the child process.
if (process.argv[1] === fileURLToPath(import.meta.url)) await serve();
