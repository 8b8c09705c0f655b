import { expect } from "chai";

import { FatalError, RpcError } from "../../../service/internal/errors.js";
import { withRetry } from "../../../service/internal/retry.js";

/** Fails with `errors[i]` on try i, then resolves with the number of tries. */
function failing(errors: Error[]): { fn: (failures: number) => Promise<number>; tries: number[] } {
  const tries: number[] = [];
  return {
    tries,
    fn: async (failures) => {
      tries.push(failures);
      const error = errors[tries.length - 1];
      if (error !== undefined) throw error;
      return tries.length;
    },
  };
}

describe("the retry helper", function () {
  it("retries retryable errors with growing delays (jittered within each ceiling), then returns the answer", async function () {
    const { fn, tries } = failing([1, 2, 3, 4].map((n) => new RpcError(`down ${n}`)));
    const retries: { failures: number; delayMs: number; message: string }[] = [];
    const answer = await withRetry(fn, {
      initialMs: 4,
      maxMs: 20,
      onRetry: (error, failures, delayMs) => retries.push({ failures, delayMs, message: (error as Error).message }),
    });
    expect(answer).to.equal(5);
    expect(tries).to.deep.equal([0, 1, 2, 3, 4]);
    expect(retries.map((r) => [r.failures, r.message])).to.deep.equal([[1, "down 1"], [2, "down 2"], [3, "down 3"], [4, "down 4"]]);
    // Ceilings 4, 8, 16, then capped at 20; each delay lies in [ceiling / 2, ceiling].
    for (const [i, ceiling] of [4, 8, 16, 20].entries()) {
      expect(retries[i]!.delayMs).to.be.within(ceiling / 2, ceiling);
    }
    expect(retries[2]!.delayMs).to.be.greaterThan(retries[0]!.delayMs);
  });

  it("throws a non-retryable error at once, without a retry", async function () {
    const fatal = new FatalError("DECODE", "cannot decode");
    const { fn, tries } = failing([fatal]);
    let retried = 0;
    const thrown = await withRetry(fn, { initialMs: 1, maxMs: 1, onRetry: () => retried++ }).catch((error: unknown) => error);
    expect(thrown).to.equal(fatal);
    expect(tries).to.have.length(1);
    expect(retried).to.equal(0);
  });

  it("throws the last error when the attempts are used up", async function () {
    const { fn, tries } = failing([1, 2, 3, 4].map((n) => new RpcError(`down ${n}`)));
    const thrown = await withRetry(fn, { attempts: 3, initialMs: 1, maxMs: 1 }).catch((error: unknown) => error);
    expect((thrown as Error).message).to.equal("down 3");
    expect(tries).to.have.length(3);
  });

  it("retries what `retryable` accepts, the default's non-retryable errors included", async function () {
    const { fn } = failing([new FatalError("X", "once")]);
    expect(await withRetry(fn, { initialMs: 1, maxMs: 1, retryable: () => true })).to.equal(2);
  });

  it("keeps trying without `attempts` until the answer comes", async function () {
    const { fn, tries } = failing(Array.from({ length: 50 }, (_, n) => new RpcError(`down ${n + 1}`)));
    expect(await withRetry(fn, { initialMs: 0, maxMs: 0 })).to.equal(51);
    expect(tries).to.have.length(51);
  });

  it("stops when the signal aborts during a wait: throws the last error at once, cutting the wait short", async function () {
    const controller = new AbortController();
    const { fn, tries } = failing(Array.from({ length: 1000 }, (_, n) => new RpcError(`down ${n + 1}`)));
    const thrown = await withRetry(fn, {
      // A wait of a minute would time the test out: the abort must end it.
      initialMs: 60_000,
      maxMs: 60_000,
      signal: controller.signal,
      onRetry: (_error, failures, delayMs) => {
        if (failures === 1) expect(delayMs).to.be.at.least(30_000);
        if (failures === 1) setImmediate(() => controller.abort());
      },
    }).catch((error: unknown) => error);
    expect((thrown as Error).message).to.equal("down 1");
    expect(tries).to.have.length(1);
  });

  it("does not start a retry once the signal has aborted", async function () {
    const controller = new AbortController();
    controller.abort();
    const { fn, tries } = failing([new RpcError("down")]);
    let retried = 0;
    const thrown = await withRetry(fn, { initialMs: 1, maxMs: 1, signal: controller.signal, onRetry: () => retried++ }).catch((error: unknown) => error);
    expect((thrown as Error).message).to.equal("down");
    expect(tries).to.have.length(1);
    expect(retried).to.equal(0);
  });
});
