import { ChainMovedError, ChainRefusedError, RpcAnswerError } from "../internal/errors.js";
import { CODE, feeHistory, historical, quantity, runner, type RpcSend } from "./probe.js";
import type { Rpc } from "./rpc.js";

/**
 * What the service may ask of the chain's node, read from the node at start-up (README, "The service's chain
 * profile"): its chain id, whether its clock counts seconds, whether `eth_call` at a past block reads that block's
 * state (FISCO BCOS ignores the block tag), and whether it has `eth_feeHistory`. Configuration overrides what is
 * detected. The service never uses `eth_sendTransaction` or `eth_sign` on any chain (the relay signs locally and
 * sends raw transactions), so nothing here depends on them.
 */
export interface ChainProfile {
  /** The chain's id: the node's `eth_chainId`, or CHAIN_ID where the node answers 0. */
  chainId: number;
  chainIdSource: "node" | "configured";
  /** Whether `eth_call` at a past block reads that block's state; without it, reads are at a head checked not to move. */
  historicalCalls: boolean;
  historicalCallsSource: "detected" | "configured";
  /** What the node answered (or that the setting says so). */
  historicalCallsDetail: string;
  /** How the relay prices gas: EIP-1559 fees, or a legacy gas price (`eth_gasPrice`) where the node has no fee history. */
  fees: "eip1559" | "legacy";
  feesSource: "detected" | "configured";
}

/** The chain profile's settings (CHAIN_ID, CHAIN_HISTORICAL_CALLS, CHAIN_FEES in service/internal/config.ts). */
export interface ChainSettings {
  chainId: number | undefined;
  historicalCalls: "auto" | "yes" | "no";
  fees: "auto" | "eip1559" | "legacy";
}

export const AUTO: ChainSettings = { chainId: undefined, historicalCalls: "auto", fees: "auto" };

const sendOf = (rpc: Rpc): RpcSend => (method, params) => rpc.call(method, params);

/** Whether `value` (a timestamp) is closer to the wall clock read as milliseconds than as seconds. */
function inMilliseconds(value: number, nowMs: number): boolean {
  const now = nowMs / 1000;
  return Math.abs(value / 1000 - now) < Math.abs(value - now);
}

/**
 * Reads the node behind `rpc` and decides the profile; throws a {@link ChainRefusedError} for a node the service
 * cannot run on: chain id 0 with no CHAIN_ID, a CHAIN_ID the node or its EVM contradicts, or a clock in milliseconds.
 */
export async function detectChainProfile(rpc: Rpc, settings: ChainSettings, nowMs = Date.now()): Promise<ChainProfile> {
  const send = sendOf(rpc);
  const nodeChainId = await rpc.chainId();
  const configured = settings.chainId;
  if (nodeChainId === 0 && configured === undefined) {
    throw new ChainRefusedError(
      "eth_chainId answers 0 and CHAIN_ID is not set: configure the chain's id on the node (FISCO BCOS: " +
        "setSystemConfigByKey web3_chain_id) or set CHAIN_ID to it",
    );
  }
  if (configured !== undefined && nodeChainId !== 0 && nodeChainId !== configured) {
    throw new ChainRefusedError(`CHAIN_ID is ${configured} but the node's eth_chainId is ${nodeChainId}: wrong chain (or wrong CHAIN_ID)`);
  }
  const chainId = nodeChainId === 0 ? configured! : nodeChainId;

  const head = await rpc.blockNumber();
  const latest = await rpc.header(head);
  if (latest !== undefined && inMilliseconds(latest.timestamp, nowMs)) {
    throw new ChainRefusedError(
      `block timestamps are in milliseconds (block ${head}'s is ${latest.timestamp}, the clock says ${Math.floor(nowMs / 1000)}): ` +
        "switch on feature_evm_timestamp (FISCO BCOS)",
    );
  }
  const evm = await runner(send);
  if (evm.way === "eth_call") {
    const time = await evm.run(CODE.timestamp);
    if (time.ok && inMilliseconds(quantity(time.result), nowMs)) {
      throw new ChainRefusedError(
        `the EVM's block.timestamp is in milliseconds (${quantity(time.result)}, the clock says ${Math.floor(nowMs / 1000)}): ` +
          "switch on feature_evm_timestamp (FISCO BCOS)",
      );
    }
    const evmChainId = await evm.run(CODE.chainId);
    if (evmChainId.ok && quantity(evmChainId.result) !== chainId) {
      throw new ChainRefusedError(
        `the chain's id is ${chainId} (${nodeChainId === 0 ? "CHAIN_ID" : "eth_chainId"}) but the EVM's block.chainid is ` +
          `${quantity(evmChainId.result)}: signatures made for one would not verify on the other`,
      );
    }
  }

  let historicalCalls: boolean;
  let historicalCallsDetail: string;
  if (settings.historicalCalls === "auto") {
    const check = await historical(evm, head);
    historicalCalls = check.support === "yes";
    historicalCallsDetail = check.support === "unknown" ? `could not be shown (${check.detail}): taken as unavailable` : check.detail;
  } else {
    historicalCalls = settings.historicalCalls === "yes";
    historicalCallsDetail = `CHAIN_HISTORICAL_CALLS=${settings.historicalCalls}`;
  }

  let fees: ChainProfile["fees"];
  if (settings.fees === "auto") {
    const raw = (await rpc.call("eth_getBlockByNumber", ["latest", false])) as { baseFeePerGas?: unknown } | null;
    fees = (await feeHistory(send)).support === "yes" && raw?.baseFeePerGas !== undefined && raw.baseFeePerGas !== null ? "eip1559" : "legacy";
  } else {
    fees = settings.fees;
  }

  return {
    chainId,
    chainIdSource: nodeChainId === 0 ? "configured" : "node",
    historicalCalls,
    historicalCallsSource: settings.historicalCalls === "auto" ? "detected" : "configured",
    historicalCallsDetail,
    fees,
    feesSource: settings.fees === "auto" ? "detected" : "configured",
  };
}

/**
 * Confirms a detected "historical calls work" against state: `eth_call` of the ledger at the block before its
 * deployment must find no code there (an empty answer). A node that answers as the ledger does now read its head,
 * whatever block context it reported, and the profile says so. An error (a node that pruned that state) leaves the
 * profile as it is: such a node refuses what it cannot read rather than answering it wrongly.
 */
export async function confirmHistoricalCalls(
  rpc: Rpc,
  profile: ChainProfile,
  ledger: { address: string; deploymentBlock: number; probe: string },
): Promise<ChainProfile> {
  if (!profile.historicalCalls || profile.historicalCallsSource !== "detected" || ledger.deploymentBlock < 1) return profile;
  const before = ledger.deploymentBlock - 1;
  let answer: string;
  try {
    answer = String(await rpc.call("eth_call", [{ to: ledger.address, data: ledger.probe }, `0x${before.toString(16)}`]));
  } catch {
    return profile;
  }
  if (answer === "0x") return profile;
  return {
    ...profile,
    historicalCalls: false,
    historicalCallsDetail: `eth_call of the ledger at block ${before}, before it was deployed, answered ${answer.slice(0, 66)}: the node reads its head`,
  };
}

/** The fees of a new transaction: EIP-1559's two, or a legacy gas price. */
export type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { gasPrice: bigint };

/** The tip where the node suggests none (`eth_maxPriorityFeePerGas` refused), as ethers and viem take it: 1 gwei. */
const DEFAULT_PRIORITY_FEE = 1_000_000_000n;

/**
 * The fees of a new transaction, as the profile says the chain prices gas: a legacy chain's `eth_gasPrice`; else the
 * node's tip (`eth_maxPriorityFeePerGas`, 1 gwei where it has none) over twice the head's base fee, which holds
 * through six full blocks of rising base fees (ethers' `getFeeData`); a head without a base fee gets the gas price.
 */
export async function feesFor(rpc: Rpc, profile: ChainProfile): Promise<Fees> {
  if (profile.fees === "legacy") return { gasPrice: await rpc.gasPrice() };
  const [latest, tip] = await Promise.all([
    rpc.latestBlock(),
    rpc.maxPriorityFeePerGas().catch((error: unknown) => {
      if (error instanceof RpcAnswerError) return DEFAULT_PRIORITY_FEE;
      throw error;
    }),
  ]);
  if (latest.baseFeePerGas === undefined) return { gasPrice: await rpc.gasPrice() };
  return { maxFeePerGas: latest.baseFeePerGas * 2n + tip, maxPriorityFeePerGas: tip };
}

/** The head block's number and hash. */
export interface Head {
  number: number;
  hash: string;
}

export async function readHead(rpc: Rpc): Promise<Head> {
  const raw = (await rpc.call("eth_getBlockByNumber", ["latest", false])) as { number?: unknown; hash?: unknown } | null;
  if (raw === null || raw.number === undefined) throw new ChainMovedError("the node has no latest block");
  return { number: quantity(raw.number), hash: String(raw.hash) };
}

/**
 * Runs `read` (calls at "latest") between two reads of the head and returns what it read with the head it read at,
 * once the head was the same block before and after; reads again when it moved, up to `attempts` times. Where the
 * node ignores block tags, this is how reads of one block's state are made.
 */
export async function atSteadyHead<H extends Head, T>(
  head: () => Promise<H>,
  read: (at: H) => Promise<T>,
  attempts = 5,
): Promise<{ head: H; value: T }> {
  for (let attempt = 1; ; attempt++) {
    const before = await head();
    const value = await read(before);
    const after = await head();
    if (after.number === before.number && after.hash === before.hash) return { head: before, value };
    if (attempt >= attempts) {
      throw new ChainMovedError(`the chain's head moved during each of ${attempts} reads (block ${before.number}, then ${after.number}): read again`);
    }
  }
}

/** One line for the start-up log: what the profile is, and where it came from. */
export function describeProfile(profile: ChainProfile): string {
  const id = `chain ${profile.chainId}${profile.chainIdSource === "configured" ? " (CHAIN_ID; the node answers 0)" : ""}`;
  const reads = profile.historicalCalls
    ? "historical eth_call available"
    : "historical eth_call unavailable: verify and the relay read at a head checked not to have moved";
  return `${id}; ${reads} (${profile.historicalCallsDetail}); fees: ${profile.fees === "legacy" ? "legacy gas price" : "EIP-1559"}` +
    (profile.feesSource === "configured" ? " (CHAIN_FEES)" : "");
}
