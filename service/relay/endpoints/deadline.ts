import { RelayProblem } from "../errors.js";

/**
 * Waits for `work` at most `ms`; past that, refuses with 503 UNAVAILABLE (`Retry-After`). Only for work that
 * stores nothing (checks and reads): what it would have answered is dropped, so a refusal never hides a request
 * that was stored. The work runs on, its outcome ignored.
 */
export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new RelayProblem("UNAVAILABLE", `${what} took more than ${ms} ms; nothing was stored; try again`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}
