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

export interface RetryOptions extends BackoffOptions {
  /** Tries in all, the first included; unset: until `fn` succeeds or `signal` aborts. */
  attempts?: number;
  /** Stops the retries: the last try's error is thrown, at once (a wait is cut short). */
  signal?: AbortSignal;
  /** Which errors are worth another try (default {@link isRetryable}); any other is thrown at once. */
  retryable?: (error: unknown) => boolean;
  /**
   * Called before each wait with the error, how many tries have failed so far (1, 2, …) and the wait in ms: where
   * the caller logs the retry, with an `event` field, or adjusts what the next try asks for.
   */
  onRetry?: (error: unknown, failures: number, delayMs: number) => void;
}

/**
 * The one retry loop: runs `fn` (given how many tries have failed so far) until it resolves; an error `retryable`
 * accepts is tried again after {@link backoffDelay} (`initialMs`, then growing to `maxMs`, with jitter). Throws a
 * non-retryable error at once, and the last error when `attempts` are used up or `signal` aborts.
 */
export async function withRetry<T>(fn: (failures: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const retryable = options.retryable ?? isRetryable;
  for (let failures = 0; ; ) {
    try {
      return await fn(failures);
    } catch (error) {
      failures++;
      if (!retryable(error) || options.signal?.aborted || (options.attempts !== undefined && failures >= options.attempts)) throw error;
      const delayMs = backoffDelay(failures - 1, options);
      options.onRetry?.(error, failures, delayMs);
      await sleep(delayMs, options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}
