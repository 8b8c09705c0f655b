import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { expect } from "chai";
import hre from "hardhat";

const BESU = join(process.cwd(), "scripts", "besu");

/** The `key=value` lines of a flat TOML file (strings, numbers, booleans and one-line or multi-line arrays). */
function parseFlatToml(text: string): Record<string, unknown> {
  const withoutComments = text
    .split("\n")
    .filter((line) => !line.trim().startsWith("#"))
    .join("\n");
  const entries: Record<string, unknown> = {};
  for (const match of withoutComments.matchAll(/^([a-z0-9-]+)\s*=\s*(\[[^\]]*\]|[^\n]+)$/gm)) {
    entries[match[1]!] = JSON.parse(match[2]!.trim().replace(/,\s*\]/, "]"));
  }
  return entries;
}

describe("Besu target", function () {
  it("has a QBFT genesis for 4 validators with zero base fee and large gas and contract size limits", async function () {
    const qbft = JSON.parse(await readFile(join(BESU, "qbftConfigFile.json"), "utf8"));
    expect(qbft.blockchain.nodes).to.deep.equal({ generate: true, count: 4 });
    const { config, gasLimit } = qbft.genesis;
    expect(config.qbft.blockperiodseconds).to.be.a("number");
    expect(config.zeroBaseFee).to.equal(true);
    expect(config.contractSizeLimit).to.be.at.least(24_576 * 2);
    expect(BigInt(gasLimit) >= 100_000_000n).to.equal(true);
  });

  it("has a node configuration with gas price 0 and allow-lists pointing at files that exist", async function () {
    const config = parseFlatToml(await readFile(join(BESU, "config.toml"), "utf8"));
    const qbft = JSON.parse(await readFile(join(BESU, "qbftConfigFile.json"), "utf8"));
    expect(config["min-gas-price"]).to.equal(0);
    expect(config["network-id"]).to.equal(qbft.genesis.config.chainId);
    expect(config["permissions-nodes-config-file-enabled"]).to.equal(true);
    expect(config["permissions-accounts-config-file-enabled"]).to.equal(true);
    const permissions = parseFlatToml(
      await readFile(join(BESU, String(config["permissions-nodes-config-file"])), "utf8"),
    );
    expect(config["permissions-accounts-config-file"]).to.equal(config["permissions-nodes-config-file"]);
    expect(permissions["nodes-allowlist"]).to.have.length(4);
    expect((permissions["accounts-allowlist"] as string[]).length).to.be.greaterThan(0);
  });

  it("matches the besu network of hardhat.config.ts: gas price 0 and keys from configuration variables", async function () {
    const besu = hre.config.networks.besu;
    expect(besu?.type).to.equal("http");
    expect(besu?.type === "http" ? besu.gasPrice : undefined).to.equal(0n);
    const source = await readFile(join(process.cwd(), "hardhat.config.ts"), "utf8");
    expect(source).to.contain('configVariable("BESU_RPC_URL")').and.to.contain('configVariable("BESU_DEPLOYER_KEY")');
  });
});
