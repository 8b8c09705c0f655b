import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { expect } from "chai";
import { Wallet } from "ethers";
import { z } from "zod";

import { parseRangeSuggestion } from "../../../service/chain/rpc.js";
import {
  DEV_RELAYER_INDEX,
  devAccountKey,
  ENV_KEYS,
  envSchema,
  loadConfig,
  loadVerifyConfig,
  relayConfigFor,
} from "../../../service/internal/config.js";
import { ConfigError } from "../../../service/internal/errors.js";
import { ROOT } from "../helpers/node.js";

const RPC = { RPC_URL: "http://127.0.0.1:9" };

describe("the service's configuration", function () {
  it("applies the defaults: PGlite in .data, port 8080, finality depth 12", function () {
    const config = loadConfig(RPC).mirror;
    expect(config.database).to.deep.equal({ kind: "pglite", dataDir: ".data" });
    expect(config.port).to.equal(8080);
    expect(config.finalityDepth).to.equal(12);
    expect(config.ledger).to.deep.equal({ kind: "file", path: undefined });
  });

  it("hands every section its keys: the API's public URL follows PORT, the relay has no keys until given", function () {
    const { api, relay } = loadConfig({ ...RPC, PORT: "9000", RELAY_POLL_MS: "50" });
    expect(api).to.include({ port: 9000, publicUrl: "http://127.0.0.1:9000", domain: "127.0.0.1:9000", tokenTtlSeconds: 900, validateResponses: false });
    expect(relay).to.deep.equal({ relayerKeys: undefined, batchSize: 20, maxInFlight: 32, pollMs: 50, resendAfterMs: 15_000, maxAttempts: 5 });
  });

  it("uses PostgreSQL when DATABASE_URL is set, and accepts FINALITY_DEPTH=0", function () {
    const config = loadConfig({ ...RPC, DATABASE_URL: "postgres://u@h/db", FINALITY_DEPTH: "0" }).mirror;
    expect(config.database).to.deep.equal({ kind: "postgres", url: "postgres://u@h/db", schema: "public" });
    expect(config.finalityDepth).to.equal(0);
  });

  it("requires RPC_URL of the service, naming it", function () {
    expect(() => loadConfig({})).to.throw(ConfigError, /^configuration: RPC_URL is invalid \(unset\)/);
  });

  for (const [key, value] of [
    ["RPC_URL", "not a url"],
    ["FINALITY_DEPTH", "-1"],
    ["PORT", "eighty"],
    ["LEDGER_ADDRESS", "0x1234"],
    ["DATABASE_URL", "mysql://x/y"],
    ["READ_ONLY", "perhaps"],
    ["AUTH_TOKEN_TTL_SECONDS", "5"],
    ["AUTH_SECRET", "short"],
    ["API_VALIDATE_RESPONSES", "maybe"],
    ["RELAYER_KEYS", "not-a-key"],
    ["RELAY_BATCH_SIZE", "0"],
    ["RELAY_MAX_ATTEMPTS", "many"],
  ] as const) {
    it(`fails at once naming ${key} when it is ${JSON.stringify(value)}`, function () {
      expect(() => loadConfig({ ...RPC, [key]: value })).to.throw(ConfigError, new RegExp(`^configuration: ${key} is invalid`));
    });
  }

  it("needs DEPLOYMENT_BLOCK with LEDGER_ADDRESS", function () {
    expect(() => loadConfig({ ...RPC, LEDGER_ADDRESS: "0x5FbDB2315678afecb367f032d93F642f64180aa3" })).to.throw(ConfigError, /DEPLOYMENT_BLOCK/);
  });

  it("refuses RELAYER_KEYS naming the bad entry, and twice the same account, without showing any key", function () {
    const good = devAccountKey(17);
    expect(() => loadConfig({ ...RPC, RELAYER_KEYS: `${good},0x1234` })).to.throw(ConfigError, /^configuration: RELAYER_KEYS is invalid: entry 2 is not a private key$/);
    expect(() => loadConfig({ ...RPC, RELAYER_KEYS: `${good}, ${good}` })).to.throw(ConfigError, /RELAYER_KEYS is invalid: give one or more distinct/);
    expect(() => loadConfig({ ...RPC, RELAYER_KEYS: " , " })).to.throw(ConfigError, /RELAYER_KEYS is invalid/);
    try {
      loadConfig({ ...RPC, RELAYER_KEYS: `${good},0x1234` });
    } catch (error) {
      expect((error as Error).message).not.to.include(good.slice(2, 12));
    }
  });

  it("resolves the relayer accounts for the chain: the keys given, dev account #19 on 31337, none elsewhere", function () {
    const keys = [devAccountKey(17), devAccountKey(18)];
    expect(relayConfigFor(loadConfig({ ...RPC, RELAYER_KEYS: keys.join(",") }).relay, 1).relayerKeys).to.deep.equal(keys);
    const dev = relayConfigFor(loadConfig(RPC).relay, 31337).relayerKeys;
    expect(dev.map((k) => new Wallet(k).address)).to.deep.equal(["0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199"]);
    expect(DEV_RELAYER_INDEX).to.equal(19);
    expect(() => relayConfigFor(loadConfig(RPC).relay, 5555)).to.throw(ConfigError, /RELAYER_KEYS is required on chain 5555/);
  });

  it("gives npm run verify the same schema: LOG_LEVEL warn by default, the local stack without RPC_URL, a bad key refused", function () {
    expect(loadVerifyConfig({})).to.deep.equal({ logLevel: "warn", dataDir: ".data", mirror: undefined });
    expect(loadVerifyConfig({ LOG_LEVEL: "", DATA_DIR: "/tmp/x" })).to.include({ logLevel: "warn", dataDir: "/tmp/x" });
    expect(loadVerifyConfig({ ...RPC, LOG_LEVEL: "debug" }).mirror).to.include({ rpcUrl: RPC.RPC_URL, logLevel: "debug" });
    expect(() => loadVerifyConfig({ LOG_LEVEL: "loud" })).to.throw(ConfigError, /^configuration: LOG_LEVEL is invalid \("loud"\)/);
    expect(() => loadVerifyConfig({ RELAY_POLL_MS: "1" })).to.throw(ConfigError, /^configuration: RELAY_POLL_MS is invalid/);
  });

  it("is the README's configuration table: the same keys, and each default the one the schema applies", async function () {
    const readme = await readFile(join(ROOT, "README.md"), "utf8");
    const marker = "<!-- configuration: every key of service/internal/config.ts -->";
    expect(readme).to.include(marker);
    const rows = readme.slice(readme.indexOf(marker) + marker.length).trimStart().split("\n");
    const table = rows.slice(2, rows.findIndex((line) => !line.startsWith("|")));
    const documented = new Map<string, string>();
    for (const row of table) {
      const [, key, defaultCell] = row.split("|").map((cell) => cell.trim());
      const name = /^`([A-Z0-9_]+)`$/.exec(key ?? "")?.[1];
      expect(name, `a row naming one key: ${row}`).to.be.a("string");
      documented.set(name!, (defaultCell ?? "").replaceAll("`", ""));
    }
    expect([...documented.keys()].sort()).to.deep.equal([...ENV_KEYS].sort());
    for (const [key, schema] of Object.entries(envSchema.shape)) {
      if (schema instanceof z.ZodDefault) {
        expect(documented.get(key), key).to.match(new RegExp(`^${String(schema.def.defaultValue).replaceAll(".", "\\.")}( |$)`));
      }
    }
  });

  it("reads the range a node proposes from its error message", function () {
    expect(parseRangeSuggestion("Try with this block range [0x10, 0x1f].")).to.deep.equal({ to: 31 });
    expect(parseRangeSuggestion("exceed maximum block range: 2000")).to.deep.equal({ size: 2000 });
    expect(parseRangeSuggestion("too many results")).to.equal(undefined);
  });
});
