import { expect } from "chai";
import hre from "hardhat";

/** EIP-170: the largest runtime code a contract may have on Ethereum-compatible chains, Besu included. */
const MAX_RUNTIME_BYTES = 24_576;

describe("ledger v2: contract sizes", function () {
  for (const name of ["VoucherLedger", "VoucherLedgerExtension", "VoucherLedgerClaims", "SchemeRegistry", "PaymentLedger"] as const) {
    it(`fits ${name} within EIP-170's 24,576 bytes of runtime code, with the production compiler settings`, async function () {
      const artifact = await hre.artifacts.readArtifact(name);
      const runtimeBytes = (artifact.deployedBytecode.length - 2) / 2;
      expect(runtimeBytes).to.be.greaterThan(0);
      expect(runtimeBytes).to.be.at.most(MAX_RUNTIME_BYTES);
    });
  }
});
