import { createRequire } from "node:module";

import hardhatToolboxMochaEthersPlugin from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

import { adminTasks } from "./scripts/tasks/index.js";

const require = createRequire(import.meta.url);

/**
 * The Solidity compiler is the `solc` npm package, pinned in package.json to exactly this version and handed to
 * Hardhat by path, so that compiling never downloads anything.
 */
const SOLC_VERSION = "0.8.34";
const solcPackageVersion = (require("solc/package.json") as { version: string }).version;
if (solcPackageVersion !== SOLC_VERSION) {
  throw new Error(`solc ${solcPackageVersion} is installed but hardhat.config.ts expects ${SOLC_VERSION}: run npm ci`);
}

/**
 * Coverage instrumentation makes the ledger larger than EIP-170 allows, so only a coverage run lifts the limit on
 * the in-process network. The real size is checked by test/ComputeVoucher.size.test.ts and by every deployment.
 */
const coverageRun = process.argv.includes("--coverage");

const SOLC_PATH = require.resolve("solc/soljson.js");
const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 1000 },
  evmVersion: "cancun",
  // The storage layouts, for the test that checks the ledger's core and extension agree on theirs.
  outputSelection: { "*": { "*": ["storageLayout"] } },
};

/**
 * The `localhost` network is the node at LOCALHOST_RPC_URL (environment or Hardhat keystore); without it, the local
 * node that `npm run chain` and `npm start` start: 127.0.0.1 on CHAIN_PORT, 8545 by default. The tasks check that
 * the chain there is the one the deployment file records (scripts/tasks/run.ts).
 */
const localPort = /^\d{1,5}$/.test(process.env.CHAIN_PORT ?? "") ? process.env.CHAIN_PORT : "8545";
const LOCALHOST_DEFAULT_URL = `http://127.0.0.1:${localPort}`;

/** One compiler configuration for every build profile: what the tests run is what is deployed. */
const COMPILERS = {
  compilers: [{ version: SOLC_VERSION, path: SOLC_PATH, settings: SOLC_SETTINGS }],
  // The ledger's extension holds the less frequent functions: compiled through the IR pipeline, for size (EIP-170)
  // rather than gas. Everything else, the ledger's core first, is tuned for gas.
  overrides: {
    "contracts/VoucherLedgerExtension.sol": {
      version: SOLC_VERSION,
      path: SOLC_PATH,
      settings: { ...SOLC_SETTINGS, optimizer: { enabled: true, runs: 1 }, viaIR: true },
    },
  },
};

export default defineConfig({
  plugins: [hardhatToolboxMochaEthersPlugin],
  solidity: {
    // The production profile (`hardhat ignition deploy`, `--build-profile production`) is declared, not derived:
    // Hardhat derives it from the default profile's compiler versions only, without their settings, and would build
    // for its own EVM target with 200 runs and the extension over EIP-170 (test/ledger/size.test.ts checks both).
    profiles: {
      default: COMPILERS,
      production: { ...COMPILERS, isolated: true },
    },
    // Deployed as OpenZeppelin ships them: the governance and relaying contracts around the ledger.
    npmFilesToBuild: [
      "@openzeppelin/contracts/access/manager/AccessManager.sol",
      "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol",
    ],
  },
  tasks: adminTasks,
  paths: {
    tests: { mocha: "test" },
    ignition: "scripts/ignition",
  },
  test: {
    mocha: { timeout: 120_000 },
  },
  networks: {
    default: {
      type: "edr-simulated",
      chainType: "l1",
      allowUnlimitedContractSize: coverageRun,
    },
    // The oldest EVM the project supports (README, "Chains"): CI runs the contract suite here as well.
    cancun: {
      type: "edr-simulated",
      chainType: "l1",
      hardfork: "cancun",
      allowUnlimitedContractSize: coverageRun,
    },
    localhost: {
      type: "http",
      chainType: "l1",
      url: configVariable("LOCALHOST_RPC_URL", { default: LOCALHOST_DEFAULT_URL }),
    },
    // FISCO BCOS 3.10+ through its web3 RPC, and a BSN Ethereum-based chain (README, "Chains"). A gas price of 0 sends
    // legacy transactions, which FISCO BCOS takes without eth_feeHistory (it has none) and charges nothing for.
    fisco: {
      type: "http",
      chainType: "l1",
      url: configVariable("FISCO_RPC_URL"),
      accounts: [configVariable("FISCO_DEPLOYER_KEY")],
      gasPrice: 0,
    },
    bsn: {
      type: "http",
      chainType: "l1",
      url: configVariable("BSN_RPC_URL"),
      accounts: [configVariable("BSN_DEPLOYER_KEY")],
    },
    besu: {
      type: "http",
      chainType: "l1",
      url: configVariable("BESU_RPC_URL"),
      accounts: [configVariable("BESU_DEPLOYER_KEY")],
      gasPrice: 0,
    },
  },
});
