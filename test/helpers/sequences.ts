import { expect } from "chai";
import fc from "fast-check";

import { propertySeed } from "./seed.js";

/** One random sequence's runner: runs an operation against the chain and the model, then checks every rule. */
export interface SequenceRunner<Op> {
  run(op: Op, label: string): Promise<void>;
  check(label: string): Promise<void>;
}

export interface SequenceTest<Op extends { kind: string }, R extends SequenceRunner<Op>> {
  /** The operations a sequence is drawn from. */
  ops: fc.Arbitrary<Op>;
  /** Steps in a sequence of the default run (its own environment variable in each test). */
  steps: number;
  /** Sequences of the default run (FC_RUNS). */
  runs: number;
  /** A fresh runner on a fresh fixture (loadFixture) for each sequence. */
  start(): Promise<R>;
  /** The checks at the end of a sequence, on top of those after every step. */
  end(runner: R, label: string): Promise<void>;
  /** How often each outcome came (printed by the long run, and by the default run with FC_STATS=1). */
  stats: ReadonlyMap<string, number>;
}

/**
 * The `it` of a model-based property test over random sequences of operations, shared by the ledger's property
 * tests. The default run: `runs` sequences of `steps` steps, seeded by {@link propertySeed} (FC_SEED, FC_PATH to jump
 * to a shrunk case, FC_SHRINK=0 to stop at the first failure). LEDGER_LONG_RUN=1 runs the long run instead: at least
 * LEDGER_LONG_STEPS (10,000) steps in sequences of 100, printing seed, sequences, steps, time and outcomes.
 */
export function itRunsSequences<Op extends { kind: string }, R extends SequenceRunner<Op>>(test: SequenceTest<Op, R>): void {
  const seed = propertySeed();
  const runSequence = async (ops: Op[], sequence: number): Promise<number> => {
    const runner = await test.start();
    for (const [i, op] of ops.entries()) {
      const label = `sequence ${sequence}, step ${i} (${op.kind})`;
      await runner.run(op, label);
      await runner.check(label);
    }
    await test.end(runner, `sequence ${sequence}, at the end`);
    return ops.length;
  };
  const printStats = () => {
    const rows = [...test.stats].sort(([a], [b]) => a.localeCompare(b));
    console.log(`      outcomes: ${rows.map(([k, n]) => `${k} ${n}`).join(", ")}`);
  };

  if (process.env.LEDGER_LONG_RUN !== "1") {
    it(`keep every rule after every step of ${test.runs} random sequences of ${test.steps} steps (seed ${seed})`, async function () {
      this.timeout(0);
      let sequence = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(test.ops, { minLength: test.steps, maxLength: test.steps }), async (ops) => {
          await runSequence(ops, sequence++);
        }),
        { numRuns: test.runs, seed, ...(process.env.FC_PATH === undefined ? {} : { path: process.env.FC_PATH }), endOnFailure: process.env.FC_SHRINK === "0" },
      );
      if (process.env.FC_STATS === "1") printStats();
    });
    return;
  }
  const longSteps = Number(process.env.LEDGER_LONG_STEPS ?? 10_000);
  const longSequence = 100;
  it(`keep every rule after every one of at least ${longSteps} steps (seed ${seed}; LEDGER_LONG_RUN)`, async function () {
    this.timeout(0);
    const started = Date.now();
    let sequence = 0;
    let steps = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(test.ops, { minLength: longSequence, maxLength: longSequence }), async (ops) => {
        steps += await runSequence(ops, sequence++);
      }),
      { numRuns: Math.ceil(longSteps / longSequence), seed, endOnFailure: true },
    );
    console.log(`      long run: seed ${seed}, ${sequence} sequences, ${steps} steps, ${((Date.now() - started) / 1000).toFixed(0)} s`);
    printStats();
    expect(steps).to.be.at.least(longSteps);
  });
}
