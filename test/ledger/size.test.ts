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

  it("builds for deployment (the production profile of hardhat ignition deploy) exactly as for the tests, isolated", function () {
    const { default: tested, production } = hre.config.solidity.profiles;
    expect(tested, "the default profile").to.not.equal(undefined);
    expect(production?.compilers, "compilers and their settings").to.deep.equal(tested?.compilers);
    expect(production?.overrides, "the extension's IR pipeline").to.deep.equal(tested?.overrides);
    expect(production?.isolated, "one compilation job per contract").to.equal(true);
    expect(production?.compilers[0]?.settings, "the EVM target").to.have.property("evmVersion", "cancun");
  });
});
