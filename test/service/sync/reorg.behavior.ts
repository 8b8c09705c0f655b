import { expect } from "chai";

import type { Queryable } from "../../../service/store/database.js";
import { type BackendKind, backends, syncAndRead, type TestDatabase } from "../helpers/mirror.js";

/** One ledger's side of the fork cases: how to mine its work, go back, and read and check a mirror of it. */
export interface ForkSubject {
  /** A fresh database of `backend`, dropped at the suite's end. */
  fresh: (backend: BackendKind) => Promise<TestDatabase>;
  /** The mirror's settings over `db`, with a window of finality deep enough for the forks below. */
  env: (db: TestDatabase) => Promise<Record<string, string>>;
  /** Marks the node's state (and the work's own bookkeeping) to go back to: what is mined after it can be replaced. */
  snapshot: () => Promise<() => Promise<void>>;
  /** Mines the ledger's work: "large" makes more blocks than "small"; `seed` makes each call's values its own. */
  work: (size: "small" | "large", seed: number) => Promise<unknown>;
  /** The mirror's derived tables, row by row, to compare two mirrors. */
  dump: (db: Queryable) => Promise<Record<string, string[]>>;
  /** Fails unless the mirror holds exactly the node's events and state. */
  expectEqualsChain: (db: Queryable) => Promise<unknown>;
  /** After the case, pass or fail: puts back what the next case needs (a chain shared by the cases, say). */
  done?: () => Promise<void>;
}

/**
 * What a mirror does when blocks it has read are replaced, whichever ledger it follows: through a longer fork, then a
 * shorter one (the head falls below the mirror's checkpoint), it keeps equal to the chain, keeps the replaced events
 * aside, and ends with the same tables, row by row, as a mirror synced afresh from the new history.
 */
export function shouldFollowForksLikeAFreshSync(subject: () => ForkSubject | Promise<ForkSubject>): void {
  for (const backend of backends()) {
    it(`replaces blocks the ${backend} mirror has read (a longer fork, then a shorter one) and ends equal to the chain and to a fresh sync`, async function () {
      const s = await subject();
      try {
        await forks(s, backend);
      } finally {
        await s.done?.();
      }
    });
  }
}

/** The cases' steps: a longer fork, then a shorter one, each mirror compared with the chain and with a fresh sync. */
async function forks(s: ForkSubject, backend: BackendKind): Promise<void> {
  await s.work("large", 10);
  const env = await s.env(await s.fresh(backend));

  // A longer fork: other events, more blocks.
  let revert = await s.snapshot();
  await s.work("small", 11);
  await syncAndRead(env, (m) => s.expectEqualsChain(m.store.db));
  await revert();
  await s.work("large", 12);
  await syncAndRead(env, (m) => s.expectEqualsChain(m.store.db));

  // A shorter fork: the head falls below the mirror's checkpoint.
  revert = await s.snapshot();
  await s.work("large", 13);
  await syncAndRead(env, (m) => s.expectEqualsChain(m.store.db));
  await revert();
  await s.work("small", 14);
  const { actual, reorged } = await syncAndRead(env, async (m) => {
    await s.expectEqualsChain(m.store.db);
    const rows = await m.store.db.query<{ n: string }>("SELECT count(*)::text AS n FROM reorged_events");
    return { actual: await s.dump(m.store.db), reorged: Number(rows[0]!.n) };
  });
  expect(reorged, "events of replaced blocks are kept aside").to.be.greaterThan(0);
  const expected = await syncAndRead(await s.env(await s.fresh(backend)), (m) => s.dump(m.store.db));
  expect(actual).to.deep.equal(expected);
}
