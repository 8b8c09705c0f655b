import { expect } from "chai";
import { Wallet } from "ethers";

import { RedemptionProblem } from "../../../service/client/index.js";
import type { RedemptionBody } from "../../../service/client/wire.js";
import { SHANGHAI } from "../helpers/ledger.js";
import { body, eventually, FACE, invoiceHash, readOut, type Scenario, type Service, setUp, startService } from "./helpers/scenario.js";

/** Posts a body and returns the problem the service answered with (failing if it accepted it). */
async function refusal(service: Service, b: RedemptionBody): Promise<RedemptionProblem> {
  try {
    const accepted = await service.client.submit(b);
    throw new Error(`accepted: ${JSON.stringify(accepted)}`);
  } catch (error) {
    if (!(error instanceof RedemptionProblem)) throw error;
    return error;
  }
}

describe("relay: redemptions through POST /v1/redemptions", function () {
  let s: Scenario;
  let service: Service;

  before(async function () {
    s = await setUp({ vouchers: 12, dataCenters: 12, blockTimeMs: 250 });
    service = await startService(s);
  });

  after(async function () {
    await service?.stop();
    await s?.stop();
  });

  it("redeems end to end: 202, confirmed on chain by the data center, visible in the mirror", async function () {
    const dc = s.dataCenters[0]!;
    const b = await body(s, service.client, 0, dc, { amount: 5000n });
    const accepted = await service.client.submit(b);
    expect(accepted.existing).to.equal(false);
    expect(accepted.status).to.equal("queued");
    expect(accepted.statusUrl).to.equal(`/v1/redemptions/requests/${accepted.id}`);
    const done = await service.client.wait(accepted.id, dc, { intervalMs: 100 });
    expect(done.status, done.reason ?? "").to.equal("confirmed");
    expect(done.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(done.blockNumber).to.be.a("number");
    expect(await s.t.ledger.invoiceUsed(b.consent.invoiceHash)).to.equal(true);
    expect(await s.t.ledger.balanceOf(s.vouchers[0]!.holder.address, s.vouchers[0]!.id)).to.equal(FACE - 5000n);
    const receipt = await s.t.provider.getTransactionReceipt(done.transactionHash!);
    const redeemed = receipt!.logs.map((l) => s.t.ledger.interface.parseLog(l)).find((e) => e?.name === "VoucherRedeemed");
    expect(redeemed?.args.dataCenter).to.equal(dc.address);
    expect(redeemed?.args.city).to.equal(BigInt(SHANGHAI));
    const mirrored = await eventually(async () => {
      const rows = await readOut<{ invoice_hash: string; data_center: string; amount: string }[]>(service, "/test/mirror/redemptions");
      return rows.find((r) => r.invoice_hash === b.consent.invoiceHash);
    }, "the mirror to see the redemption");
    expect(mirrored).to.deep.include({ data_center: dc.address, amount: "5000" });
    const final = await service.client.wait(accepted.id, dc, { intervalMs: 100, final: true });
    expect(final.final).to.equal(true);
  });
});
