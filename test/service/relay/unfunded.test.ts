import { expect } from "chai";
import { Wallet } from "ethers";

import { parseLogRecord } from "../../../service/internal/logger.js";
import { rpcCall } from "../helpers/node.js";
import { body, FACE, type Scenario, type Service, setUp, startService } from "./helpers/scenario.js";

/**
 * A relayer account the node refuses to take transactions from (no funds for gas): what it signed is dropped and its
 * requests wait in the queue; the gap its unused nonce leaves is filled by a no-op, signed again the same way each
 * time (the same transaction, the same hash) until the node takes it. Once the account is funded, the redemption
 * goes through.
 */
describe("relay: a relayer the node refuses until it is funded", function () {
  let s: Scenario;
  let service: Service;
  const relayer = Wallet.createRandom();

  before(async function () {
    s = await setUp({ vouchers: 1, dataCenters: 1 });
    service = await startService(s, { RELAYER_KEYS: relayer.privateKey, LOG_LEVEL: "info" });
  });

  after(async function () {
    await service?.stop();
    await s?.stop();
  });

  it("keeps the request queued while the node refuses the relayer's transactions, and confirms it once the relayer is funded", async function () {
    const dc = s.dataCenters[0]!;
    const b = await body(s, service.client, 0, dc, { amount: 7000n });
    const accepted = await service.client.submit(b);
    // The node refuses what the relayer signed, more than once (the first send, then the nonce-gap filler again).
    const refusals = () => service.output().split("\n").filter((l) => parseLogRecord(l)?.event === "relay.refused").length;
    for (const deadline = Date.now() + 60_000; refusals() < 3; ) {
      if (Date.now() > deadline) throw new Error(`the node did not refuse the relayer's transactions: ${service.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await service.client.status(accepted.id, dc)).status).to.not.equal("failed");
    await rpcCall(s.node.url, "hardhat_setBalance", [relayer.address, "0x56bc75e2d63100000"]);
    const done = await service.client.wait(accepted.id, dc, { intervalMs: 100 });
    expect(done.status, `${done.reason ?? ""} ${service.output()}`).to.equal("confirmed");
    expect(await s.t.ledger.invoiceUsed(b.consent.invoiceHash)).to.equal(true);
    expect(await s.t.ledger.balanceOf(s.vouchers[0]!.holder.address, s.vouchers[0]!.id)).to.equal(FACE - 7000n);
    expect(service.output()).to.not.include("duplicate key");
  });
});
