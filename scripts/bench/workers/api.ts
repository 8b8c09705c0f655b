/**
 * The API benchmark's server process (scripts/bench/api.ts): the mirror (synced first), the audit API on it, and a
 * bare Express handler. Prints their URLs, a token, voucher ids and the mirror's size in one JSON line, then serves
 * until stdin ends. Run compiled, as the service runs (scripts/bench/lib/service.ts).
 */
import type http from "node:http";

import express from "express";

import { createApi, startHttpServer } from "../../../service/api/index.js";
import { loadConfig } from "../../../service/internal/config.js";
import { createLogger } from "../../../service/internal/logger.js";
import { openMirror } from "../../../service/mirror.js";

const input = JSON.parse(process.argv[2]!) as { env: Record<string, string>; auditor: string };
const { mirror: config, api: apiConfig } = loadConfig(input.env);
const logger = createLogger({ level: "warn" });
const mirror = await openMirror({ config, logger });
const started = Date.now();
await mirror.syncer!.syncToHead();
const syncSeconds = (Date.now() - started) / 1000;
const api = await createApi({ config, api: apiConfig, mirror, logger });
const server = await startHttpServer(api, { host: "127.0.0.1", port: 0 });
const bare = express();
bare.disable("x-powered-by");
bare.set("etag", false);
bare.get("/bare", (_req, res) => {
  res.json({ ok: true });
});
const bareServer = await new Promise<http.Server>((resolve) => {
  const s = bare.listen(0, "127.0.0.1", () => resolve(s));
});
const ids = await mirror.store.db.query<{ id: string }>("SELECT id::text AS id FROM vouchers ORDER BY random() LIMIT 2000");
const events = await mirror.store.eventCount();
const head = await mirror.store.checkpoint();
process.stdout.write(`${JSON.stringify({
  api: server.url, bare: `http://127.0.0.1:${(bareServer.address() as { port: number }).port}`,
  token: api.services.auth.tokens.issue(input.auditor).token, ids: ids.map((r) => r.id), events, syncSeconds,
  head: head?.number ?? 0,
})}\n`);
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
