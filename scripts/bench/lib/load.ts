/**
 * HTTP load generation for the benchmarks: keep-alive requests to 127.0.0.1, each run bounded by a request count
 * and a time limit.
 */
import http from "node:http";

export interface Sample {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** The run of median throughput. */
export const medianByRate = (samples: Sample[]): Sample => [...samples].sort((a, b) => a.rps - b.rps)[Math.floor(samples.length / 2)]!;

/** The run of median p99 latency. */
export const medianByP99 = (samples: Sample[]): Sample => [...samples].sort((a, b) => a.p99 - b.p99)[Math.floor(samples.length / 2)]!;

/**
 * One GET; with `timeoutMs`, a request not answered by then is abandoned and counts as failed, with the time it
 * waited as its latency (so that an overloaded server cannot stretch a run without bound, and shows in the p99).
 */
function once(agent: http.Agent, url: string, token: string | undefined, timeoutMs?: number): Promise<{ ms: number; ok: boolean }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, ok });
    };
    const req = http.get(url, { agent, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on("end", () => done(res.statusCode === 200));
    });
    req.on("error", () => done(false));
    if (timeoutMs !== undefined) {
      const timer = setTimeout(() => {
        done(false);
        req.destroy();
      }, timeoutMs);
      req.on("close", () => clearTimeout(timer));
    }
  });
}

function summary(latencies: number[], errors: number, started: bigint): Sample {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const done = latencies.length;
  return { requests: done, seconds, rps: done / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

/**
 * Closed loop: `concurrency` requests in flight until `total` are done or `maxSeconds` have passed, whichever comes
 * first (so that a slow endpoint cannot stretch the benchmark without bound); the rate counts the requests done.
 */
export async function closedLoop(
  urls: () => string,
  token: string | undefined,
  total: number,
  concurrency: number,
  maxSeconds: number,
): Promise<Sample> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  const started = process.hrtime.bigint();
  const deadline = Number(started) / 1e6 + maxSeconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (issued < total && Number(process.hrtime.bigint()) / 1e6 < deadline) {
      issued++;
      const r = await once(agent, urls(), token);
      latencies.push(r.ms);
      if (!r.ok) errors++;
    }
  }));
  agent.destroy();
  return summary(latencies, errors, started);
}

/**
 * Open loop: `total` requests started at a fixed rate whatever the answers (so queueing shows in the latency); a
 * request unanswered after `timeoutMs` (default 10 s) is abandoned and counted as an error at that latency.
 */
export async function fixedRate(urls: () => string, token: string, rate: number, total: number, timeoutMs = 10_000): Promise<Sample> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies: number[] = [];
  let errors = 0;
  const started = process.hrtime.bigint();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = Number(started) / 1e6 + (i * 1000) / rate;
    const wait = due - Number(process.hrtime.bigint()) / 1e6;
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inflight.push(once(agent, urls(), token, timeoutMs).then((r) => {
      latencies.push(r.ms);
      if (!r.ok) errors++;
    }));
  }
  await Promise.all(inflight);
  agent.destroy();
  const sample = summary(latencies, errors, started);
  return { ...sample, requests: total, rps: total / sample.seconds };
}
