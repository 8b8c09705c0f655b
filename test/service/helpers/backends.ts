import type { Signer } from "ethers";

import { type ApiFixture, startApiFixture, tokenFor } from "../api/helpers.js";
import type { TestLedger } from "./ledger.js";
import { deployTestLedgerV2, runV2Workload, type TestLedgerV2 } from "./ledger-v2.js";
import { type BackendKind, backends, type TestDatabase, testDatabases } from "./mirror.js";
import { type LocalNode, type NodeKind, startNode } from "./node.js";

/**
 * The suites' shared set-up, as mocha hooks: each function registers its `before` and `after` in the suite that calls
 * it and returns the fixture's getter, to destructure (typed) in each case: `const { f, token } = api();`.
 */

/** A getter of what a `before` hook made: throws when a case runs without it (the hook failed). */
function made<T>(what: string): { set: (value: T) => void; get: () => T; value: () => T | undefined } {
  let value: T | undefined;
  return {
    set: (v) => void (value = v),
    get: () => {
      if (value === undefined) throw new Error(`${what} was not set up (its before hook failed)`);
      return value;
    },
    value: () => value,
  };
}

/** The audit API over one backend, with an auditor's bearer token. */
export interface AuditorApi {
  backend: BackendKind;
  f: ApiFixture;
  token: string;
}

/**
 * The same cases over each backend (PGlite; PostgreSQL too where DATABASE_URL is set): for each, a suite
 * "over <backend>" with a fresh mirror of the chain's test ledger synced to its head, the audit API over it and the
 * auditor's token, closed (its database dropped) after the suite. `chain` is read when the suite starts, so that an
 * outer `before` may make it.
 */
export function overEachBackend(
  chain: () => { nodeUrl: string; t: TestLedger; auditor: Signer },
  cases: (api: () => AuditorApi) => void,
): void {
  for (const backend of backends()) {
    describe(`over ${backend}`, function () {
      const api = made<AuditorApi>(`the API over ${backend}`);

      before(async function () {
        const { nodeUrl, t, auditor } = chain();
        const f = await startApiFixture(nodeUrl, t, backend);
        api.set({ backend, f, token: await tokenFor(f.client, auditor) });
      });

      after(async function () {
        await api.value()?.f.close();
      });

      cases(api.get);
    });
  }
}

/** A node with ledger v2 deployed and its workload run, and fresh databases dropped at the suite's end. */
export interface LedgerV2Chain {
  node: LocalNode;
  t: TestLedgerV2;
  fresh: (kind: BackendKind) => Promise<TestDatabase>;
}

/**
 * Starts a `kind` node (with `extraArgs`) before the suite, deploys the test ledger v2 there and runs its workload
 * (`rounds` times); after the suite, drops the databases made with `fresh` and stops the node.
 */
export function ledgerV2Chain(kind: NodeKind, options: { extraArgs?: string[]; rounds?: number } = {}): () => LedgerV2Chain {
  const { fresh, dropAll } = testDatabases();
  const chain = made<LedgerV2Chain>("the ledger v2 chain");
  let node: LocalNode | undefined;
  let t: TestLedgerV2 | undefined;

  before(async function () {
    node = await startNode(kind, { extraArgs: options.extraArgs });
    t = await deployTestLedgerV2(node.url);
    for (let round = 0; round < (options.rounds ?? 1); round++) await runV2Workload(t);
    chain.set({ node, t, fresh });
  });

  after(async function () {
    await dropAll();
    await t?.connection.close();
    await node?.stop();
  });

  return chain.get;
}
