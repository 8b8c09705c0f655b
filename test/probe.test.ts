import { network } from "hardhat";
import { encodeBytes32String, id as keccakText, ZeroHash } from "ethers";

const { ethers } = await network.connect();

describe("probe gas", () => {
  it("measures", async () => {
    const [admin, registry, issuer, supplier, holder, holder2] = await ethers.getSigners();
    const manager = await ethers.deployContract("AccessManager", [admin!.address]);
    const forwarder = await ethers.deployContract("ERC2771Forwarder", ["f"]);
    const ext = await ethers.deployContract("VoucherLedgerExtension", [await forwarder.getAddress()]);
    const core = await ethers.deployContract("VoucherLedger", [await manager.getAddress(), registry!.address, await ext.getAddress(), await forwarder.getAddress(), "CNY", 2, ""]);
    const L = await core.getAddress();
    const ledger = await ethers.getContractAt("IVoucherLedger", L);
    const sel = (f: string) => ledger.interface.getFunction(f)!.selector;
    await manager.setTargetFunctionRole(L, [sel("issue"), sel("issueBatch")], 2n);
    await manager.setTargetFunctionRole(L, [sel("redeem"), sel("redeemBatch"), sel("expire")], 2n ** 64n - 1n);
    await manager.grantRole(2n, issuer!.address, 0);
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const P = 1;
    const lr = ledger.connect(registry!);
    await lr.configureProgramme(P, { firstYear: 2026, yearCount: 3, flags: 0, capGroup: 0, defaultValidity: 365 * 86400, maxValidity: 730 * 86400, redeemUntil: now + 10n ** 8n, capPerCompany: 10n ** 12n }, 86400);
    await lr.configureRedemption(P, 1, { redeemFrom: now - 10n, redeemUntil: now + 10n ** 8n, earliestContractDay: 0, maxCombinedBps: 10000, entityWindowDays: 0, flags: 2, ratios: 3000n | (2000n << 16n) });
    await lr.configureAccount(holder!.address, 10, 1, 1, false);
    await lr.configureAccount(holder2!.address, 11, 1, 1, false);
    await lr.configureAccount(supplier!.address, 20, 0, 2, false);
    await lr.configureAccreditation(supplier!.address, P, 20, now - 10n, now + 10n ** 8n, 1, false);
    await lr.configureIssuer(issuer!.address, P, true);
    const year = new Date((Number(now) + 8 * 3600) * 1000).getUTCFullYear();
    await manager.setTargetFunctionRole(L, [sel("setBudget")], 0n);
    await ledger.setBudget(P, year, 10n ** 15n, ZeroHash);
    const li = ledger.connect(issuer!);
    let tx = await li.issue(P, { holder: holder!.address, applicationRef: encodeBytes32String("A1"), faceValue: 100000000n, expiresAt: 0 });
    console.log("issue first", (await tx.wait())!.gasUsed);
    tx = await li.issue(P, { holder: holder!.address, applicationRef: encodeBytes32String("A2"), faceValue: 100000000n, expiresAt: 0 });
    console.log("issue tally exists", (await tx.wait())!.gasUsed);
    const id = await ledger.voucherId(P, encodeBytes32String("A2"));
    const domain = await ledger.eip712Domain();
    const types = {
      Consent: [
        { name: "voucherId", type: "uint256" }, { name: "supplier", type: "address" }, { name: "invoiceNumberHash", type: "bytes32" },
        { name: "amount", type: "uint64" }, { name: "invoiceTotal", type: "uint64" }, { name: "computeClass", type: "uint8" },
        { name: "serviceFromDay", type: "uint32" }, { name: "serviceToDay", type: "uint32" }, { name: "gpuCentihours", type: "uint64" },
        { name: "contractDay", type: "uint32" }, { name: "evidence", type: "Evidence" }, { name: "unrelated", type: "bool" },
        { name: "epoch", type: "uint32" }, { name: "deadline", type: "uint64" },
      ],
      Evidence: [
        { name: "contractCommitment", type: "bytes32" }, { name: "invoiceCommitment", type: "bytes32" }, { name: "paymentCommitment", type: "bytes32" },
        { name: "electricityKwh", type: "uint64" }, { name: "assessmentCommitment", type: "bytes32" },
      ],
    };
    for (const n of [1, 2]) {
      const consent = {
        voucherId: id, supplier: supplier!.address, invoiceNumberHash: keccakText("INV" + n), amount: 300000n, invoiceTotal: 1000000n,
        computeClass: 1, serviceFromDay: 20400, serviceToDay: 20430, gpuCentihours: 123456n, contractDay: 20390,
        evidence: { contractCommitment: keccakText("c" + n), invoiceCommitment: keccakText("i" + n), paymentCommitment: keccakText("p" + n), electricityKwh: 0n, assessmentCommitment: ZeroHash },
        unrelated: true, epoch: 0, deadline: now + 86400n,
      };
      const sig = await holder!.signTypedData({ name: domain.name, version: domain.version, chainId: domain.chainId, verifyingContract: domain.verifyingContract }, types, consent);
      tx = await ledger.connect(supplier!).redeem(consent, sig);
      const data = tx.data.slice(2); let cd = 0; for (let i = 0; i < data.length; i += 2) cd += data.slice(i, i + 2) === "00" ? 4 : 16;
      console.log("redeem", (await tx.wait())!.gasUsed, "calldata gas", cd, "bytes", data.length / 2);
      if (n === 2) {
        const trace = await ethers.provider.send("debug_traceTransaction", [tx.hash, { disableStorage: true, disableMemory: true, disableStack: true }]);
        const by: Record<string, number> = {}; let depthGas: Record<number, number> = {};
        for (const l of trace.structLogs) { by[l.op] = (by[l.op] ?? 0) + l.gasCost; }
        const top = Object.entries(by).sort((a, b) => b[1] - a[1]).slice(0, 25);
        console.log(JSON.stringify(top), "steps", trace.structLogs.length);
        const logs = trace.structLogs;
        for (let i = 0; i < logs.length; i++) {
          if (logs[i].depth === 1 && (logs[i].op === "STATICCALL" || logs[i].op === "CALL")) {
            let j = i + 1; while (j < logs.length && logs[j].depth !== 1) j++;
            console.log("call at", i, "cost", logs[i].gas - logs[j].gas);
          }
        }
        // gas by depth-1 segments between SLOAD/SSTORE
        let steps1 = 0, g1 = 0; for (let i = 0; i + 1 < logs.length; i++) if (logs[i].depth === 1 && logs[i + 1].depth === 1) { steps1++; g1 += logs[i].gas - logs[i + 1].gas; }
        console.log("depth1 steps", steps1, "gas", g1, "start gas", logs[0].gas);
        const sl = logs.filter((l: any) => l.op === "SLOAD").map((l: any) => `${l.depth}:${l.gasCost}`);
        console.log("SLOADs", sl.join(" "));
      }
    }
    const bare = await ethers.deployContract("BareERC1155");
    tx = await bare.mint(holder!.address, 1, 1000); console.log("bare mint", (await tx.wait())!.gasUsed);
    tx = await bare.burn(holder!.address, 1, 10); console.log("bare burn", (await tx.wait())!.gasUsed);
  });
});
