import { randomBytes } from "node:crypto";

/**
 * One-time SIWE nonces, kept in this process's memory for their time to live. `consume` takes a nonce out, so a
 * nonce works once however many requests race for it. The store is bounded: past `max` the oldest go first.
 */
export interface Nonces {
  issue(now?: number): { nonce: string; expiresAt: number };
  /** True once for a nonce this process issued and that has not expired. */
  consume(nonce: string, now?: number): boolean;
}

export function createNonces(options: { ttlMs: number; max?: number }): Nonces {
  const max = options.max ?? 100_000;
  const live = new Map<string, number>();
  const prune = (now: number) => {
    for (const [nonce, expires] of live) {
      if (expires > now && live.size < max) break;
      live.delete(nonce);
    }
  };
  return {
    issue(now = Date.now()) {
      prune(now);
      // SIWE nonces are alphanumeric, at least 8 characters.
      const nonce = randomBytes(16).toString("hex");
      const expiresAt = now + options.ttlMs;
      live.set(nonce, expiresAt);
      return { nonce, expiresAt };
    },
    consume(nonce, now = Date.now()) {
      const expires = live.get(nonce);
      if (expires === undefined) return false;
      live.delete(nonce);
      return expires > now;
    },
  };
}
