import { expect } from "chai";

import { FatalError, isRetryable } from "../../../service/internal/errors.js";
import { deployTestLedger, type TestLedger } from "../helpers/ledger.js";
import { mirrorEnv, newDatabase, type TestDatabase, withMirror } from "../helpers/mirror.js";
import { type LocalNode, startNode } from "../helpers/node.js";

describe("sync: conditions that never heal are not retried", function () {
  let node: LocalNode;
  let t: TestLedger;
  let db: TestDatabase;

  before(async function () {
    node = await startNode("anvil");
    t = await deployTestLedger(node.url);
  });

  after(async function () {
    await db?.drop().catch(() => undefined);
    await node?.stop();
  });

  it("stops the sync loop at once with a non-retryable error when the mirror has no checkpoint", async function () {
    db = await newDatabase("pglite");
    const env = await mirrorEnv(node.url, t, db);
    await withMirror(env, async (m) => {
      await m.store.db.query("DELETE FROM sync_checkpoint");
      const step = await m.syncer!.step().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(step).to.be.instanceOf(FatalError);
      expect(isRetryable(step)).to.equal(false);
      expect((step as FatalError).code).to.equal("NOT_INITIALISED");
      // `run` retries only retryable errors: it gives up with this one instead of trying for ever.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 20_000);
      const ran = await m.syncer!.run(controller.signal).then(
        () => "returned",
        (error: unknown) => error,
      );
      clearTimeout(timer);
      expect(controller.signal.aborted, "run gave up before the test's deadline").to.equal(false);
      expect((ran as FatalError).code).to.equal("NOT_INITIALISED");
    });
  });
});
