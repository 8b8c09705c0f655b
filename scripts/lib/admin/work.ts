import { setImmediate as nextTurn } from "node:timers/promises";

/**
 * Long work without blocking the event loop: a batch of 100,000 rows is parsed, hashed and checked in slices, and
 * the process hands the loop back between slices, so that the HTTP client sees a node close an idle keep-alive
 * connection (Hardhat's node does after 5 s) instead of sending the next request into a dead socket.
 */

/** How long, at most, synchronous work runs before it yields to the event loop. */
export const SLICE_MS = 20;
/** How many steps, at most, run between two yields, however fast the machine. */
export const SLICE_STEPS = 1000;

/**
 * Returns a function to call at each step of a long loop: it yields to the event loop once `sliceMs` have passed, or
 * `sliceSteps` steps have run, since the last time.
 */
export function yielder(sliceMs = SLICE_MS, sliceSteps = SLICE_STEPS): () => Promise<void> {
  let since = performance.now();
  let steps = 0;
  return async () => {
    if (++steps < sliceSteps && performance.now() - since < sliceMs) return;
    await nextTurn();
    since = performance.now();
    steps = 0;
  };
}

/** Reports `done` out of `total`. */
export type Progress = (done: number, total: number) => void;

/**
 * Runs `work` on every item with at most `concurrency` calls in flight, in item order as far as starting goes.
 * Resolves when all are done, or rejects with the first failure once the calls in flight settle. Progress goes to
 * `onProgress` as items finish, at most every 200 ms, and always the last.
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
  onProgress?: Progress,
): Promise<void> {
  let next = 0;
  let done = 0;
  let failure: { error: unknown } | undefined;
  let reported = 0;
  const report = () => {
    const now = performance.now();
    if (onProgress !== undefined && (done === items.length || now - reported >= 200)) {
      reported = now;
      onProgress(done, items.length);
    }
  };
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        await work(items[index]!, index);
      } catch (error) {
        failure ??= { error };
        return;
      }
      done++;
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
  if (items.length === 0) onProgress?.(0, 0);
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Line numbers as ranges a person reads: [2, 3, 4, 7] → "2–4, 7". */
export function lineRanges(lines: readonly number[]): string {
  const sorted = [...lines].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}
