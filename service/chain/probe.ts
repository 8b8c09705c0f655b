import { getCreateAddress } from "ethers";

import { RpcAnswerError } from "../internal/errors.js";
import { createRpc } from "./rpc.js";

/**
 * What an Ethereum JSON-RPC node and its EVM support, read from the node itself: the facts that decide whether the
 * ledger can be deployed there (README, "Chains"). The EVM is probed with `eth_call` (or `eth_estimateGas`) of
 * contract-creation code, which runs on every node, state overrides or not, and is thrown away. The one transaction it
 * sends is `eth_sendTransaction` of nothing from the zero address, whose key no node holds: an honest node refuses it,
 * and one that answers is only pretending (FISCO BCOS).
 */

/** One JSON-RPC request; rejects with the node's error. */
export type RpcSend = (method: string, params: unknown[]) => Promise<unknown>;

/** "yes", "no", or "unknown" when the node's answer did not tell. */
export type Support = "yes" | "no" | "unknown";

export interface ProbeCheck {
  id: CheckId;
  /** What is checked, for a person ("Cancun: MCOPY"). */
  label: string;
  support: Support;
  /** Whether the ledger needs it: a required check that is not "yes" refuses a deployment. */
  required: boolean;
  /** What the node answered, and what to switch on where it lacks it. */
  detail: string;
}

export type CheckId =
  | "chainId"
  | "secondTimestamps"
  | "evmSecondTimestamps"
  | "push0"
  | "mcopy"
  | "transientStorage"
  | "blobBaseFee"
  | "codeSize"
  | "createAddress"
  | "codeSizeLimit"
  | "historicalCall"
  | "feeHistory"
  | "debug"
  | "honestSign"
  | "honestSendTransaction";

export interface ChainProbe {
  chainId: bigint;
  clientVersion: string | undefined;
  head: number;
  checks: ProbeCheck[];
}

/** EIP-170: the largest runtime code the ledger's contracts may have (test/ledger/size.test.ts keeps them within). */
export const EIP170_BYTES = 24_576;
/** A block timestamp above this (the year 5138 in seconds) is in milliseconds. */
const MILLISECOND_THRESHOLD = 100_000_000_000;
/** An account no node holds a key for: eth_sign and eth_sendTransaction for it must fail on an honest node. */
const NOBODY = "0x0000000000000000000000000000000000000000";

/** Contract-creation code that returns the 32-byte word left on the stack by `body` (pre-Shanghai opcodes only). */
const returnsWord = (body: string) => `0x${body}600052` + "60206000f3";

/** The probes: creation code, and the word it returns when the EVM runs it. */
export const CODE = {
  // PUSH1 1
  baseline: returnsWord("6001"),
  // NUMBER
  number: returnsWord("43"),
  // TIMESTAMP
  timestamp: returnsWord("42"),
  // ADDRESS: where the creation code runs, which Ethereum's rule puts at keccak256(rlp(sender, nonce))
  address: returnsWord("30"),
  // PUSH1 1, PUSH0, MSTORE, PUSH1 32, PUSH0, RETURN: PUSH0 (Shanghai) as the offsets
  push0: "0x60015f5260205ff3",
  // TSTORE(0, 1), TLOAD(0)
  transientStorage: returnsWord("600160005d60005c"),
  // MSTORE(0, 1), MCOPY(32, 0, 32), RETURN(32, 32)
  mcopy: "0x6001600052" + "602060006020" + "5e" + "60206020f3",
  // BLOBBASEFEE
  blobBaseFee: returnsWord("4a"),
  // CHAINID: the id the EVM gives contracts (block.chainid), which EIP-712 domains commit to
  chainId: returnsWord("46"),
} as const;

/** Creation code whose runtime code is `bytes` zero bytes: PUSH2 bytes, PUSH1 0, RETURN. */
const codeOfSize = (bytes: number) => `0x61${bytes.toString(16).padStart(4, "0")}6000f3`;

const ONE = `0x${"0".repeat(63)}1`;

/** The node's words for a failed request: what it answered (httpSend), or what the transport or provider said. */
function message(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string; error?: { message?: string } };
  const answered = error instanceof RpcAnswerError && error.rpcMessage !== "" ? error.rpcMessage : undefined;
  const text = answered ?? e.error?.message ?? e.shortMessage ?? e.message ?? String(error);
  return text.split("\n")[0]!.slice(0, 160);
}

/** The JSON-RPC error code of a failed request, where the transport kept it. */
function errorCode(error: unknown): number | undefined {
  if (error instanceof RpcAnswerError) return error.rpcCode;
  const e = error as { code?: unknown; error?: { code?: unknown } };
  const code = typeof e.error?.code === "number" ? e.error.code : e.code;
  return typeof code === "number" ? code : undefined;
}

/** Whether the error says the method does not exist (JSON-RPC -32601, or the words geth, Besu and FISCO use). */
export function isMethodMissing(error: unknown): boolean {
  return errorCode(error) === -32601 || /method not found|not supported|does not exist|not available|unsupported method/i.test(message(error));
}

type Outcome = { ok: true; result: unknown } | { ok: false; error: string };

async function attempt(send: RpcSend, method: string, params: unknown[]): Promise<Outcome> {
  try {
    return { ok: true, result: await send(method, params) };
  } catch (error) {
    return { ok: false, error: message(error) };
  }
}

/** How a node runs creation code: `eth_call` (returns its output) or, where that fails, `eth_estimateGas`. */
export interface Runner {
  way: "eth_call" | "eth_estimateGas" | "none";
  /** Runs creation code at `block`; the word it returns (eth_call) or "" (eth_estimateGas), or the error. */
  run(code: string, block?: string): Promise<Outcome>;
}

export async function runner(send: RpcSend): Promise<Runner> {
  const call = (code: string, block = "latest") => attempt(send, "eth_call", [{ from: NOBODY, data: code }, block]);
  const baseline = await call(CODE.baseline);
  if (baseline.ok && baseline.result === ONE) return { way: "eth_call", run: call };
  const estimate = (code: string) => attempt(send, "eth_estimateGas", [{ from: NOBODY, data: code }]);
  if ((await estimate(CODE.baseline)).ok) {
    return {
      way: "eth_estimateGas",
      run: async (code) => {
        const outcome = await estimate(code);
        return outcome.ok ? { ok: true, result: "" } : outcome;
      },
    };
  }
  const why = baseline.ok ? `it answered ${String(baseline.result).slice(0, 66)}` : baseline.error;
  return { way: "none", run: async () => ({ ok: false, error: `the node runs no creation code in eth_call (${why})` }) };
}

/** Runs an opcode probe: "yes" when the code ran (and returned 1 through eth_call), "no" with the EVM's error. */
async function opcode(r: Runner, code: string): Promise<{ support: Support; detail: string }> {
  const outcome = await r.run(code);
  if (r.way === "none") return { support: "unknown", detail: outcome.ok ? "" : outcome.error };
  if (!outcome.ok) return { support: "no", detail: `the EVM refused it: ${outcome.error}` };
  if (r.way === "eth_call" && outcome.result !== ONE) {
    return { support: "no", detail: `it ran but returned ${String(outcome.result).slice(0, 66)}` };
  }
  return { support: "yes", detail: `runs (${r.way})` };
}

export const quantity = (value: unknown): number => Number(BigInt(String(value)));

/** Reads what the node behind `send` supports. */
export async function probeChain(send: RpcSend): Promise<ChainProbe> {
  const checks: ProbeCheck[] = [];
  const add = (id: CheckId, label: string, required: boolean, result: { support: Support; detail: string }) =>
    checks.push({ id, label, required, ...result });

  const chainId = BigInt(String(await send("eth_chainId", [])));
  const version = await attempt(send, "web3_clientVersion", []);
  const clientVersion = version.ok ? String(version.result) : undefined;
  const head = quantity(await send("eth_blockNumber", []));
  add("chainId", "a chain id (eth_chainId is not 0)", true, {
    support: chainId === 0n ? "no" : "yes",
    detail: chainId === 0n ? "eth_chainId answers 0: configure the chain's id (FISCO BCOS: web3_chain_id)" : `chain ${chainId}`,
  });

  const block = (await send("eth_getBlockByNumber", ["latest", false])) as { timestamp?: unknown } | null;
  const headerTime = block?.timestamp === undefined ? undefined : quantity(block.timestamp);
  add("secondTimestamps", "block timestamps in seconds (block headers; the service reads them)", false, timestamps(headerTime, "the latest block's timestamp"));

  const r = await runner(send);
  const evmTime = r.way === "eth_call" ? await r.run(CODE.timestamp) : undefined;
  add(
    "evmSecondTimestamps",
    "block.timestamp in seconds (the EVM)",
    true,
    evmTime?.ok === true
      ? timestamps(quantity(evmTime.result), "block.timestamp")
      : { support: "unknown", detail: evmTime?.ok === false ? evmTime.error : "needs eth_call of creation code" },
  );

  add("push0", "Shanghai: PUSH0", true, await opcode(r, CODE.push0));
  const mcopy = await opcode(r, CODE.mcopy);
  add("mcopy", "Cancun: MCOPY", true, withHint(mcopy));
  add("transientStorage", "Cancun: TSTORE and TLOAD (not used by the ledger)", false, withHint(await opcode(r, CODE.transientStorage)));
  add("blobBaseFee", "Cancun: BLOBBASEFEE (not used by the ledger)", false, await opcode(r, CODE.blobBaseFee));

  const fits = r.way === "none" ? undefined : await r.run(codeOfSize(EIP170_BYTES));
  add("codeSize", `contracts of ${EIP170_BYTES.toLocaleString("en")} bytes (EIP-170's limit)`, true,
    fits === undefined
      ? { support: "unknown", detail: "needs eth_call of creation code" }
      : fits.ok
        ? { support: "yes", detail: "a contract of that size can be created" }
        : { support: "no", detail: `creating one fails: ${fits.error}` },
  );
  const over = r.way === "none" ? undefined : await r.run(codeOfSize(EIP170_BYTES + 1));
  add("codeSizeLimit", "EIP-170 enforced (a larger contract is refused)", false,
    over === undefined
      ? { support: "unknown", detail: "needs eth_call of creation code" }
      : over.ok
        ? { support: "no", detail: "a contract of 24,577 bytes can be created: the node's limit is higher" }
        : { support: "yes", detail: over.error },
  );

  add("createAddress", "contract addresses by Ethereum's rule (sender and nonce)", true, await createAddress(send, r));

  add("historicalCall", "eth_call at a past block (honours the block tag)", false, await historical(r, head));

  add("feeHistory", "eth_feeHistory", false, await feeHistory(send));

  const trace = await attempt(send, "debug_traceCall", [{ from: NOBODY, data: CODE.baseline }, "latest", {}]);
  add("debug", "debug_* tracing (not used by the ledger)", false,
    trace.ok || !isMethodMissing(trace.error)
      ? { support: "yes", detail: "debug_traceCall answers" }
      : { support: "no", detail: trace.error });

  const sign = await attempt(send, "eth_sign", [NOBODY, "0x00"]);
  add("honestSign", "eth_sign refuses an account the node holds no key for", false, sign.ok
    ? { support: "no", detail: `it answered ${String(sign.result).slice(0, 66)}: a fake signature; never use eth_sign here` }
    : { support: "yes", detail: sign.error });
  const sendTx = await attempt(send, "eth_sendTransaction", [{ from: NOBODY, to: NOBODY, value: "0x0", gas: "0x5208" }]);
  add("honestSendTransaction", "eth_sendTransaction refuses an account the node holds no key for", false, sendTx.ok
    ? { support: "no", detail: `it answered ${String(sendTx.result).slice(0, 66)}: a fake hash; sign locally and use eth_sendRawTransaction` }
    : { support: "yes", detail: sendTx.error });

  return { chainId, clientVersion, head, checks };
}

/** Whether the node answers `eth_feeHistory` (FISCO BCOS has none: a legacy gas price is used there). */
export async function feeHistory(send: RpcSend): Promise<{ support: Support; detail: string }> {
  const fees = await attempt(send, "eth_feeHistory", ["0x1", "latest", []]);
  return fees.ok ? { support: "yes", detail: "answers" } : { support: "no", detail: `${fees.error}: use a legacy gas price (eth_gasPrice)` };
}

function timestamps(value: number | undefined, what: string): { support: Support; detail: string } {
  if (value === undefined || value === 0) return { support: "unknown", detail: `${what} is ${value ?? "missing"}` };
  if (value > MILLISECOND_THRESHOLD) {
    return { support: "no", detail: `${what} is ${value}, in milliseconds: switch on feature_evm_timestamp (FISCO BCOS)` };
  }
  return { support: "yes", detail: `${what} is ${value} (${new Date(value * 1000).toISOString()})` };
}

function withHint(result: { support: Support; detail: string }): { support: Support; detail: string } {
  if (result.support !== "no") return result;
  return { ...result, detail: `${result.detail}; needs a Cancun EVM (FISCO BCOS 3.10+ with feature_evm_cancun, Besu cancunTime)` };
}

/**
 * Whether a contract created by NOBODY lands where Ethereum's rule puts it: ethers (and Ignition) compute a new
 * contract's address from the deployer and its nonce; FISCO BCOS does that only with feature_evm_address.
 */
async function createAddress(send: RpcSend, r: Runner): Promise<{ support: Support; detail: string }> {
  if (r.way !== "eth_call") return { support: "unknown", detail: "needs eth_call of creation code" };
  const outcome = await r.run(CODE.address);
  if (!outcome.ok) return { support: "unknown", detail: outcome.error };
  const nonce = quantity(await send("eth_getTransactionCount", [NOBODY, "latest"]));
  const expected = getCreateAddress({ from: NOBODY, nonce }).toLowerCase();
  const seen = `0x${String(outcome.result).slice(-40)}`.toLowerCase();
  return seen === expected
    ? { support: "yes", detail: `a contract created by ${NOBODY.slice(0, 6)}… at nonce ${nonce} is at ${seen}, as Ethereum's rule says` }
    : { support: "no", detail: `a contract was created at ${seen}, not ${expected}: switch on feature_evm_address (FISCO BCOS)` };
}

/** Whether `eth_call` at block head-1 runs in that block: creation code returning NUMBER answers head-1 there. */
export async function historical(r: Runner, head: number): Promise<{ support: Support; detail: string }> {
  if (r.way !== "eth_call") return { support: "unknown", detail: "needs eth_call of creation code" };
  if (head < 1) return { support: "unknown", detail: "the chain has only its genesis block: probe again after one block" };
  const past = head - 1;
  const outcome = await r.run(CODE.number, `0x${past.toString(16)}`);
  if (!outcome.ok) return { support: "no", detail: `eth_call at block ${past} fails: ${outcome.error}` };
  const seen = quantity(outcome.result);
  return seen === past
    ? { support: "yes", detail: `eth_call at block ${past} runs in block ${past}` }
    : { support: "no", detail: `eth_call at block ${past} ran in block ${seen}: the node ignores block tags (reads are at its head)` };
}

/** The required checks the node fails, or cannot be shown to pass. */
export function missing(probe: ChainProbe): ProbeCheck[] {
  return probe.checks.filter((check) => check.required && check.support !== "yes");
}

/** One line refusing a deployment to `where`, or undefined when the chain has everything the ledger needs. */
export function refusal(probe: ChainProbe, where: string): string | undefined {
  const lacking = missing(probe);
  if (lacking.length === 0) return undefined;
  const reasons = lacking.map((check) => `${check.label}: ${check.support === "no" ? "missing" : "could not be checked"} (${check.detail})`);
  return `refusing to deploy to ${where}: ${reasons.join("; ")}`;
}

/**
 * Plain JSON-RPC over HTTP to `url`, through the service's one RPC client (chain/rpc.ts): what the node itself
 * answers, with nothing in between (Hardhat's provider answers eth_sign and eth_sendTransaction itself for the
 * accounts a network configures). A node's error is an {@link RpcAnswerError} with its code and words.
 */
export function httpSend(url: string, timeoutMs = 30_000): RpcSend {
  const rpc = createRpc({ url, timeoutMs });
  return (method, params) => rpc.call(method, params);
}

/** An EIP-1193 provider (Hardhat's `connection.provider`) as an {@link RpcSend}. */
export function eip1193Send(provider: { request(args: { method: string; params?: unknown[] }): Promise<unknown> }): RpcSend {
  return (method, params) => provider.request({ method, params });
}
