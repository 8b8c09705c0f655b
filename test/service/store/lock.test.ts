import { expect } from "chai";
import pg from "pg";

import { createLogger } from "../../../service/internal/logger.js";
import { advisoryLock, type AdvisoryLockOptions } from "../../../service/store/lock.js";

/** The advisory lock needs PostgreSQL: these run where DATABASE_URL is set (as CI does), like the mirror's PostgreSQL suites. */
const url = process.env.DATABASE_URL;

if (url !== undefined) {
  describe("store: the one advisory-lock helper (PostgreSQL)", function () {
    const logger = createLogger({ level: "silent", name: "lock-test" });
    const key = `lock-test:${process.pid}:${Date.now()}`;
    const options = (extra: Partial<AdvisoryLockOptions> = {}): AdvisoryLockOptions => ({
      key,
      logger,
      fields: {},
      waiting: "waiting",
      stopped: () => new Error("stopped"),
      pollMs: 20,
      ...extra,
    });
    /** The backend pids holding the test's lock. */
    async function holders(): Promise<number[]> {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ pid: number }>(
          "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = (hashtext($1)::bigint & 4294967295)::oid",
          [key],
        );
        return rows.map((r) => r.pid);
      } finally {
        await client.end();
      }
    }

    it("lets one session hold it, makes a second wait, and hands it over on release", async function () {
      const first = await advisoryLock({ connectionString: url }, options());
      let secondHeld = false;
      const controller = new AbortController();
      const second = advisoryLock({ connectionString: url }, options({ signal: controller.signal })).then((lock) => {
        secondHeld = true;
        return lock;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(secondHeld, "the second waits while the first holds it").to.equal(false);
      expect(await holders()).to.have.length(1);
      await first.release();
      const lock = await second;
      expect(secondHeld).to.equal(true);
      expect(await holders()).to.have.length(1);
      await lock.release();
      expect(await holders()).to.deep.equal([]);
    });

    it("throws the holder's own error when its wait is aborted, and holds nothing", async function () {
      const first = await advisoryLock({ connectionString: url }, options());
      const controller = new AbortController();
      const waiting = advisoryLock({ connectionString: url }, options({ signal: controller.signal, stopped: () => new Error("gave up waiting") }));
      setTimeout(() => controller.abort(), 100);
      let thrown: unknown;
      await waiting.catch((error: unknown) => (thrown = error));
      expect((thrown as Error | undefined)?.message).to.equal("gave up waiting");
      expect(await holders()).to.have.length(1);
      await first.release();
    });

    it("reports the lock lost when its connection is ended by the server", async function () {
      const lost: Error[] = [];
      const lock = await advisoryLock({ connectionString: url }, options({ onLost: (error) => lost.push(error) }));
      const [pid] = await holders();
      expect(pid).to.be.a("number");
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query("SELECT pg_terminate_backend($1)", [pid]);
      await admin.end();
      for (let i = 0; i < 100 && lost.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(lost.length, "onLost was called").to.be.greaterThan(0);
      expect(await holders()).to.deep.equal([]);
      const reported = lost.length;
      await lock.release();
      expect(lost.length, "a release after the loss reports nothing more").to.equal(reported);
    });
  });
}
