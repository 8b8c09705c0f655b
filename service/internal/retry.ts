import { isRetryable } from "./errors.js";

export interface BackoffOptions {
  /** First delay, in milliseconds. */
  initialMs: number;
  /** Largest delay, in milliseconds. */
  maxMs: number;
}

/** Exponential backoff with full jitter: the delay before attempt `attempt` (0-based). */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Runs `fn`, retrying retryable errors up to `attempts` times in all with backoff; a non-retryable error, or the
 * last retryable one, is thrown.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  options: BackoffOptions & { attempts: number; signal?: AbortSignal; onRetry?: (error: unknown, attempt: number) => void },
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isRetryable(error) || attempt + 1 >= options.attempts || options.signal?.aborted) throw error;
      options.onRetry?.(error, attempt);
      await sleep(backoffDelay(attempt, options), options.signal);
    }
  }
}
