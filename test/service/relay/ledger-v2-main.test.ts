import { expect } from "chai";

import { deployTestLedgerV2, mirrorEnvV2 } from "../helpers/ledger-v2.js";
import { newDatabase } from "../helpers/mirror.js";
import { startNode } from "../helpers/node.js";
import { spawnMirror } from "../helpers/process.js";
import { TEST_RELAYER_KEYS } from "./helpers/scenario.js";

describe("relay: the service process (service/main.ts) on ledger v2", function () {
  it("starts the relay for ledger v2, serves /v2/redemptions and documents it in /openapi.json, without v1's routes", async function () {
    const node = await startNode("hardhat");
    const db = await newDatabase("pglite");
    try {
      const t = await deployTestLedgerV2(node.url);
      const service = spawnMirror({ ...mirrorEnvV2(node.url, t, db), RELAYER_KEYS: TEST_RELAYER_KEYS.join(",") });
      try {
        const started = await service.waitFor("relay.started");
        expect(started.ledgerVersion).to.equal(2);
        const listening = await service.waitFor("api.listening");
        const url = String(listening.url);
        const info = (await (await fetch(`${url}/v2/redemptions/signing-info?dataCenter=${t.f.supplier.address}`)).json()) as Record<string, unknown>;
        expect(info).to.deep.include({ ledger: await t.f.ledger.getAddress(), forwarder: await t.f.forwarder.getAddress(), nextNonce: "0" });
        const withHolder = (await (await fetch(`${url}/v2/redemptions/signing-info?holder=${t.f.holder.address}`)).json()) as Record<string, unknown>;
        expect(withHolder.holder).to.deep.equal({ address: t.f.holder.address, consentEpoch: 0, beneficiary: true });
        expect(withHolder.chainTime).to.match(/^\d+$/);
        const document = (await (await fetch(`${url}/openapi.json`)).json()) as {
          paths: Record<string, Record<string, { operationId?: string; parameters?: { name: string }[] }>>;
        };
        const signingInfo = document.paths["/v2/redemptions/signing-info"]?.get;
        expect(signingInfo?.parameters?.map((p) => p.name)).to.include.members(["dataCenter", "holder"]);
        expect(JSON.stringify(document)).to.include("consentEpoch");
        expect(document.paths["/v2/redemptions"]?.post?.operationId).to.equal("postRedemptionV2");
        expect(document.paths["/v2/redemptions/batch"]?.post?.operationId).to.equal("postRedemptionBatchV2");
        expect(document.paths["/v2/redemptions/requests/{id}"]?.get?.operationId).to.equal("getRedemptionRequestV2");
        expect(document.paths["/v1/redemptions"]?.post).to.equal(undefined);
        expect(service.lines.join("\n")).to.not.include("ledger v1 only");
      } finally {
        await service.stop();
      }
    } finally {
      await node.stop();
      await db.drop();
    }
  });
});
