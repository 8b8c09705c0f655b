/**
 * The mirror benchmark's child process (scripts/bench/mirror.ts): one cold backfill into the store its configuration
 * names, opened as the service opens it (the mirror's and the API's migrations first, so the API's indexes are kept
 * up during the backfill). Prints `{ events, seconds, peakRssMiB }`; with `serve`, then serves the audit API on what
 * it mirrored (its URL, a token and voucher ids in the same line) until stdin ends, and answers a line "rss" with its
 * resident set. Run compiled, as the service runs (scripts/bench/lib/service.ts).
 */
import { createInterface } from "node:readline";

import { createApi, migrateApi, startHttpServer } from "../../../service/api/index.js";
import { loadConfig } from "../../../service/internal/config.js";
import { createLogger } from "../../../service/internal/logger.js";
import { boundHeapGrowth, openMirror } from "../../../service/mirror.js";

export interface Backfill {
  events: number;
  seconds: number;
  peakRssMiB: number;
  /** The largest of each part of process.memoryUsage() sampled during the backfill, and the RSS before it, in MiB. */
  memory?: { beforeRssMiB: number; heapUsedMiB: number; heapTotalMiB: number; externalMiB: number; arrayBuffersMiB: number };
}

const MiB = 2 ** 20;

const input = JSON.parse(process.argv[2]!) as { env: Record<string, string>; serve: boolean; auditor: string };
const { mirror: config, api: apiConfig } = loadConfig(input.env);
const logger = createLogger({ level: "warn" });
boundHeapGrowth();
const mirror = await openMirror({ config, logger });
await migrateApi(mirror.store.db);
const memory = { beforeRssMiB: process.memoryUsage().rss / MiB, heapUsedMiB: 0, heapTotalMiB: 0, externalMiB: 0, arrayBuffersMiB: 0 };
const sample = () => {
  const m = process.memoryUsage();
  memory.heapUsedMiB = Math.max(memory.heapUsedMiB, m.heapUsed / MiB);
  memory.heapTotalMiB = Math.max(memory.heapTotalMiB, m.heapTotal / MiB);
  memory.externalMiB = Math.max(memory.externalMiB, m.external / MiB);
  memory.arrayBuffersMiB = Math.max(memory.arrayBuffersMiB, m.arrayBuffers / MiB);
};
const sampler = setInterval(sample, 50);
const started = process.hrtime.bigint();
await mirror.syncer!.syncToHead();
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
clearInterval(sampler);
sample();
const events = await mirror.store.eventCount();
const result: Backfill = { events, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024, memory };
if (!input.serve) {
  await mirror.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
const api = await createApi({ config, api: apiConfig, mirror, logger });
const server = await startHttpServer(api, { host: "127.0.0.1", port: 0 });
const ids = await mirror.store.db.query<{ id: string }>("SELECT id::text AS id FROM vouchers ORDER BY random() LIMIT 2000");
process.stdout.write(`${JSON.stringify({ ...result, api: server.url, token: api.services.auth.tokens.issue(input.auditor).token, ids: ids.map((r) => r.id) })}\n`);
// "rss" asks for the resident set now; the end of stdin closes the mirror (so that its store can be opened again) and
// stops the process.
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "rss") process.stdout.write(`${JSON.stringify({ rssMiB: process.memoryUsage().rss / 2 ** 20 })}\n`);
});
process.stdin.on("end", () => {
  void server.close().then(() => api.close()).then(() => mirror.close()).finally(() => process.exit(0));
});
