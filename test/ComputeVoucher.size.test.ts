import { expect } from "chai";
import hre from "hardhat";

/** EIP-170: the largest runtime code a contract may have on Ethereum-compatible chains, Besu included. */
const MAX_RUNTIME_BYTES = 24_576;

describe("ComputeVoucher: size", function () {
  it("fits the EIP-170 limit of 24,576 bytes of runtime code with the production compiler settings", async function () {
    const artifact = await hre.artifacts.readArtifact("ComputeVoucher");
    const runtimeBytes = (artifact.deployedBytecode.length - 2) / 2;
    expect(runtimeBytes).to.be.greaterThan(0);
    expect(runtimeBytes).to.be.at.most(MAX_RUNTIME_BYTES);
  });
});
