/**
 * The ceiling of a backfill: a bare `eth_getLogs` sweep of the ledger's two contracts over the same blocks, one
 * request at a time, each answer fetched and JSON-parsed and nothing else (no decoding, no database). The ranges
 * follow the mirror's own rule with the same settings (start at `initialRange` blocks, double while an answer has
 * fewer than half `targetLogs` logs, halve when it has more), so that the node is asked the same questions.
 */
export interface Sweep {
  logs: number;
  requests: number;
  seconds: number;
}

export async function bareSweep(options: {
  url: string;
  addresses: string[];
  fromBlock: number;
  toBlock: number;
  initialRange: number;
  targetLogs: number;
  maxRange?: number;
}): Promise<Sweep> {
  const maxRange = options.maxRange ?? 100_000;
  let range = options.initialRange;
  let logs = 0;
  let requests = 0;
  const started = process.hrtime.bigint();
  for (let from = options.fromBlock; from <= options.toBlock; ) {
    const to = Math.min(options.toBlock, from + range - 1);
    const response = await fetch(options.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0", id: ++requests, method: "eth_getLogs",
        params: [{ address: options.addresses, fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}` }],
      }),
    });
    const body = JSON.parse(await response.text()) as { result?: unknown[]; error?: { message: string } };
    if (!Array.isArray(body.result)) throw new Error(`eth_getLogs ${from}–${to}: ${body.error?.message ?? "no result"}`);
    const n = body.result.length;
    logs += n;
    if (n > options.targetLogs) range = Math.max(1, Math.floor(range / 2));
    else if (n < options.targetLogs / 2 && to - from + 1 >= range) range = Math.min(maxRange, range * 2);
    from = to + 1;
  }
  return { logs, requests, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
