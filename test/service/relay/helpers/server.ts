/**
 * The service as the relay's tests (and the benchmark) run it: the mirror's writer and the relay in one process,
 * the relay's router on a minimal Express 5 app, and two read-outs for the tests (the mirror's redemptions, the
 * relay's requests, with the times the benchmark splits a request's time by: admitted, sent, settled). Prints the `{"event":"api.listening","port":…}` record on stdout once it serves. service/main.ts wires the same relay into
 * the production process, next to the audit API.
 */
import type { AddressInfo } from "node:net";
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
        `SELECT r.id, r.invoice_hash, r.data_center, r.forwarder_nonce::text AS nonce, r.status, r.code, r.reason, r.transaction_hash,
           r.block_number::text AS block_number, (extract(epoch FROM r.created_at) * 1000)::float8 AS created_ms,
           (extract(epoch FROM r.updated_at) * 1000)::float8 AS updated_ms, (extract(epoch FROM t.sent_at) * 1000)::float8 AS sent_ms
         FROM relay_requests r LEFT JOIN relay_transactions t ON t.hash = r.transaction_hash ORDER BY r.seq`,
      ),
    );
  });
  const server = app.listen(config.port, "127.0.0.1", () => {
    // The record service/api/server.ts logs, written whatever the log level: the port bound (PORT=0: any free one).
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ event: "api.listening", port, url: `http://127.0.0.1:${port}` })}\n`);
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
