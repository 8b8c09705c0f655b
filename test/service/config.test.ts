import { expect } from "chai";

import { parseRangeSuggestion } from "../../service/chain/rpc.js";
import { loadConfig } from "../../service/internal/config.js";
import { ConfigError } from "../../service/internal/errors.js";

describe("mirror configuration", function () {
  it("applies the defaults: PGlite in .data, port 8080, finality depth 12", function () {
    const config = loadConfig({ RPC_URL: "http://127.0.0.1:9" });
    expect(config.database).to.deep.equal({ kind: "pglite", dataDir: ".data" });
    expect(config.port).to.equal(8080);
    expect(config.finalityDepth).to.equal(12);
    expect(config.ledger).to.deep.equal({ kind: "file", path: undefined });
  });

  it("uses PostgreSQL when DATABASE_URL is set, and accepts FINALITY_DEPTH=0", function () {
    const config = loadConfig({ RPC_URL: "http://127.0.0.1:9", DATABASE_URL: "postgres://u@h/db", FINALITY_DEPTH: "0" });
    expect(config.database).to.deep.equal({ kind: "postgres", url: "postgres://u@h/db", schema: "public" });
    expect(config.finalityDepth).to.equal(0);
  });

  for (const [key, value] of [
    ["RPC_URL", "not a url"],
    ["FINALITY_DEPTH", "-1"],
    ["PORT", "eighty"],
    ["LEDGER_ADDRESS", "0x1234"],
    ["DATABASE_URL", "mysql://x/y"],
    ["READ_ONLY", "perhaps"],
  ] as const) {
    it(`fails at once naming ${key} when it is ${JSON.stringify(value)}`, function () {
      expect(() => loadConfig({ RPC_URL: "http://127.0.0.1:9", [key]: value })).to.throw(ConfigError, new RegExp(`^configuration: ${key} is invalid`));
    });
  }

  it("needs DEPLOYMENT_BLOCK with LEDGER_ADDRESS", function () {
    expect(() => loadConfig({ RPC_URL: "http://127.0.0.1:9", LEDGER_ADDRESS: "0x5FbDB2315678afecb367f032d93F642f64180aa3" })).to.throw(
      ConfigError,
      /DEPLOYMENT_BLOCK/,
    );
  });

  it("reads the range a node proposes from its error message", function () {
    expect(parseRangeSuggestion("Try with this block range [0x10, 0x1f].")).to.deep.equal({ to: 31 });
    expect(parseRangeSuggestion("exceed maximum block range: 2000")).to.deep.equal({ size: 2000 });
    expect(parseRangeSuggestion("too many results")).to.equal(undefined);
  });
});
