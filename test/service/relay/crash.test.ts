import { expect } from "chai";

import type { RedemptionBody } from "../../../service/domain/redemption-wire.js";
import { body, eventually, readOut, type Scenario, type Service, setUp, startService } from "./helpers/scenario.js";

interface StoredRequest {
  id: string;
  invoice_hash: string;
  status: string;
  code: string | null;
  reason: string | null;
}

describe("relay: crash and restart", function () {
  let s: Scenario;
  let service: Service | undefined;

  before(async function () {
    // One block a second, so that transactions stay in flight long enough to be killed under.
    s = await setUp({ vouchers: 6, dataCenters: 6, blockTimeMs: 1000 });
  });

  after(async function () {
    await service?.stop("SIGKILL");
    await s?.stop();
  });

  /** Signs `perDc` redemptions for each data center and posts them, one batch per data center, all at once. */
  async function submitRound(round: number, perDc: number): Promise<RedemptionBody[]> {
    const bodies = await Promise.all(
      s.dataCenters.map(async (dc, i) => {
        const list: RedemptionBody[] = [];
        for (let k = 0; k < perDc; k++) list.push(await body(s, service!.client, i, dc, { amount: BigInt(round * 1000 + k + 1) }));
        return list;
      }),
    );
    const results = await Promise.all(bodies.map((list) => service!.client.submitBatch(list)));
    expect(results.flat().map((r) => r.status)).to.deep.equal(Array(s.dataCenters.length * perDc).fill(202));
    return bodies.flat();
  }

  const requests = () => readOut<StoredRequest[]>(service!, "/test/relay/requests");

  it("ends every request confirmed, each invoice redeemed exactly once, after SIGKILLs while queued and while in flight", async function () {
    service = await startService(s);
    const all: RedemptionBody[] = [];
    const killWhen: ("queued" | "submitted" | "confirmed")[] = ["queued", "submitted", "confirmed", "submitted"];
    for (const [round, moment] of killWhen.entries()) {
      all.push(...(await submitRound(round, 5)));
      if (moment !== "queued") {
        await eventually(async () => ((await requests()).some((r) => r.status === moment) ? true : undefined), `a request ${moment}`);
      }
      const counts = (await requests()).reduce<Record<string, number>>((c, r) => ({ ...c, [r.status]: (c[r.status] ?? 0) + 1 }), {});
      await service.stop("SIGKILL");
      service = await startService(s);
      // Sending the same bodies again after the restart finds the stored requests: no second request.
      const again = await service.client.submit(all[all.length - 1]!);
      expect(again.existing, JSON.stringify(counts)).to.equal(true);
    }
    const stored = await eventually(async () => {
      const rows = await requests();
      return rows.length === all.length && rows.every((r) => r.status === "confirmed" || r.status === "failed") ? rows : undefined;
    }, "every request to be confirmed or failed", 120_000);
    expect(stored.filter((r) => r.status !== "confirmed").map((r) => `${r.code}: ${r.reason}`)).to.deep.equal([]);
    const invoices = all.map((b) => b.consent.invoiceHash);
    expect(new Set(stored.map((r) => r.invoice_hash))).to.deep.equal(new Set(invoices));
    const logs = await s.t.ledger.queryFilter(s.t.ledger.filters.VoucherRedeemed(), s.t.deploymentBlock);
    const onChain = logs.map((l) => l.args.invoiceHash).filter((h) => invoices.includes(h));
    expect(onChain).to.have.length(invoices.length);
    expect(new Set(onChain).size).to.equal(invoices.length);
    const mirrored = await eventually(async () => {
      const rows = await readOut<{ invoice_hash: string }[]>(service!, "/test/mirror/redemptions");
      const mine = rows.filter((r) => invoices.includes(r.invoice_hash));
      return mine.length === invoices.length ? mine : undefined;
    }, "the mirror to hold every redemption");
    expect(new Set(mirrored.map((r) => r.invoice_hash)).size).to.equal(invoices.length);
  });
});
