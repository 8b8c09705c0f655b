import { getAddress } from "ethers";

import { RangeTooLargeError, RpcAnswerError, RpcError } from "../internal/errors.js";

export interface BlockHeader {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
}

/** A log as `eth_getLogs` returns it, with the quantities parsed. */
export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
  transactionIndex: number;
  logIndex: number;
  removed: boolean;
}

export interface LogFilter {
  addresses: string[];
  fromBlock: number;
  toBlock: number;
  /**
   * Stop reading the answer once it holds more than this many logs, and throw a {@link RangeTooLargeError} that
   * proposes the blocks read in full before the last one seen: an answer is never held beyond this size.
   */
  maxLogs?: number;
}

/** A block: its number, or the head ("latest"), or the head with the node's pending transactions ("pending"). */
export type BlockTag = number | "latest" | "pending";

/** The latest block's header, with its base fee where the chain has EIP-1559 fees. */
export interface LatestBlock extends BlockHeader {
  baseFeePerGas: bigint | undefined;
}

/** A message call (`eth_call`): data to a contract, from an account if it matters. */
export interface CallRequest {
  from?: string;
  to: string;
  data: string;
}

/**
 * What an `eth_call` came to: the data the call returned, or its revert, with the revert data where the node gave
 * them (a custom error to decode), and the node's words.
 */
export type CallResult = { ok: true; data: string } | { ok: false; revert: string | undefined; message: string };

/** A mined transaction's receipt, with the quantities parsed. */
export interface TransactionReceipt {
  transactionHash: string;
  blockNumber: number;
  blockHash: string;
  /** 1 if the transaction succeeded, 0 if it reverted. */
  status: number;
  logs: RawLog[];
}

/** A transaction the node knows, mined (with its block) or pending (block undefined); its sender checksummed. */
export interface TransactionInfo {
  hash: string;
  from: string;
  nonce: bigint;
  blockNumber: number | undefined;
}

export interface Rpc {
  chainId(): Promise<number>;
  blockNumber(): Promise<number>;
  /** The header of a block, or undefined when the chain has no such block (yet, or any more). */
  header(number: number): Promise<BlockHeader | undefined>;
  /** Headers of several blocks in one batch request; undefined where the chain has no such block. */
  headers(numbers: number[]): Promise<(BlockHeader | undefined)[]>;
  /** The head block's header and base fee. */
  latestBlock(): Promise<LatestBlock>;
  getLogs(filter: LogFilter): Promise<RawLog[]>;
  /**
   * `eth_call` at `block` (the head by default). A revert is an answer ({ ok: false }); a node that failed or answered
   * another error throws an {@link RpcError}, as every other method does.
   */
  ethCall(request: CallRequest, block?: BlockTag): Promise<CallResult>;
  /** An account's transaction count: its next nonce at `block` ("pending": counting the node's pending transactions). */
  transactionCount(address: string, block: BlockTag): Promise<bigint>;
  /** Sends a signed transaction; returns its hash. A node's refusal is an {@link RpcAnswerError} carrying its words. */
  sendRawTransaction(raw: string): Promise<string>;
  /** The receipt of a mined transaction, or undefined while it is not mined (or the node does not know it). */
  receipt(hash: string): Promise<TransactionReceipt | undefined>;
  /** A transaction the node knows (mined or pending), or undefined. */
  transaction(hash: string): Promise<TransactionInfo | undefined>;
  /** `eth_gasPrice`: the node's legacy gas price. */
  gasPrice(): Promise<bigint>;
  /** `eth_maxPriorityFeePerGas`: the node's suggested EIP-1559 tip. */
  maxPriorityFeePerGas(): Promise<bigint>;
  call(method: string, params: unknown[]): Promise<unknown>;
}

export interface RpcOptions {
  url: string;
  timeoutMs: number;
  /** Largest number of calls in one JSON-RPC batch. */
  maxBatch?: number;
}

interface JsonRpcResponse {
  id?: number;
  result?: unknown;
  error?: { code?: number; message?: string; data?: unknown };
}

const hex = (n: number): string => `0x${n.toString(16)}`;
const quantity = (value: unknown): number => Number.parseInt(String(value), 16);
const bigQuantity = (method: string, value: unknown): bigint => {
  if (typeof value !== "string" || !/^0x[0-9a-f]+$/i.test(value)) throw new RpcError(`${method} did not answer a quantity: ${JSON.stringify(value)}`);
  return BigInt(value);
};
const tag = (block: BlockTag): string => (typeof block === "number" ? hex(block) : block);
const HEX_DATA = /^0x([0-9a-f]{2})*$/i;

/**
 * Whether a JSON-RPC error answered to `eth_call` is the call's revert (EIP-1474's code 3, or the node's words say it
 * reverted, as geth, Erigon, Besu, Hardhat and anvil do), and its revert data, found as ethers finds them: the
 * error's `data`, or a `data` within it (Hardhat nests `{ message, data }`), or in such an object written as JSON.
 */
function revertOf(error: RpcAnswerError): { revert: string | undefined } | undefined {
  const words = (value: unknown, depth = 0): string =>
    depth > 4 || value === null || typeof value !== "object"
      ? ""
      : `${String((value as { message?: unknown }).message ?? "")} ${words((value as { data?: unknown }).data, depth + 1)}`;
  if (error.rpcCode !== 3 && !/revert/i.test(`${error.rpcMessage} ${words(error.data)}`)) return undefined;
  const data = (value: unknown, depth = 0): string | undefined => {
    if (depth > 4 || value === null || value === undefined) return undefined;
    if (typeof value === "string") {
      if (HEX_DATA.test(value)) return value;
      try {
        return data(JSON.parse(value), depth + 1);
      } catch {
        return undefined;
      }
    }
    return typeof value === "object" ? data((value as { data?: unknown }).data, depth + 1) : undefined;
  };
  return { revert: data(error.data) };
}

/** Messages (from geth, Erigon, Besu, Alchemy, Infura, QuickNode, Hardhat, anvil…) that mean "ask for less". */
const RANGE_ERROR =
  /range|too many|more than \d+ results|limit exceeded|response size|results? (limit|exceed)|exceeds? (the )?max|query timeout|too large|too wide/i;

/** Reads the range a node proposed: "[0xfrom, 0xto]" (Alchemy, Infura), or a maximum number of blocks. */
export function parseRangeSuggestion(message: string): { to: number } | { size: number } | undefined {
  const pair = /\[\s*(0x[0-9a-f]+)\s*,\s*(0x[0-9a-f]+)\s*\]/i.exec(message);
  if (pair?.[2] !== undefined) return { to: quantity(pair[2]) };
  const size = /(?:max(?:imum)?|limit(?:ed)?(?: to)?|up to)[^0-9]{0,24}([0-9][0-9,_]*)\s*(?:blocks?)?/i.exec(message);
  if (size?.[1] !== undefined) {
    const n = Number(size[1].replace(/[,_]/g, ""));
    if (Number.isSafeInteger(n) && n > 0) return { size: n };
  }
  return undefined;
}

function parseHeader(raw: unknown): BlockHeader | undefined {
  if (raw === null || raw === undefined) return undefined;
  const b = raw as Record<string, unknown>;
  return {
    number: quantity(b.number),
    hash: String(b.hash),
    parentHash: String(b.parentHash),
    timestamp: quantity(b.timestamp),
  };
}

function parseReceipt(raw: unknown): TransactionReceipt | undefined {
  if (raw === null || raw === undefined) return undefined;
  const r = raw as Record<string, unknown>;
  // A node that answers a receipt for a pending transaction gives it no block: not mined yet.
  if (r.blockNumber === null || r.blockNumber === undefined) return undefined;
  return {
    transactionHash: String(r.transactionHash),
    blockNumber: quantity(r.blockNumber),
    blockHash: String(r.blockHash),
    status: quantity(r.status),
    logs: Array.isArray(r.logs) ? r.logs.map(parseLog) : [],
  };
}

function parseTransaction(raw: unknown): TransactionInfo | undefined {
  if (raw === null || raw === undefined) return undefined;
  const t = raw as Record<string, unknown>;
  return {
    hash: String(t.hash),
    from: getAddress(String(t.from)),
    nonce: bigQuantity("eth_getTransactionByHash", t.nonce),
    blockNumber: t.blockNumber === null || t.blockNumber === undefined ? undefined : quantity(t.blockNumber),
  };
}

function parseLog(raw: unknown): RawLog {
  const l = raw as Record<string, unknown>;
  return {
    address: String(l.address),
    topics: (l.topics as string[]) ?? [],
    data: String(l.data),
    blockNumber: quantity(l.blockNumber),
    blockHash: String(l.blockHash),
    transactionHash: String(l.transactionHash),
    transactionIndex: quantity(l.transactionIndex),
    logIndex: quantity(l.logIndex),
    removed: l.removed === true,
  };
}

/** `"blockNumber": "0x…"`: one in every log of an `eth_getLogs` answer, and nowhere else in it. */
const LOG_BLOCK = /"blockNumber"\s*:\s*"(0x[0-9a-fA-F]+)"/g;
/** Longer than any {@link LOG_BLOCK} match: where the scan of the next chunk starts again, at the latest. */
const LOG_BLOCK_OVERLAP = 96;

/** An `eth_getLogs` answer the client stopped reading because it held more logs than asked for (`maxLogs`). */
export class AnswerTooLargeError extends RangeTooLargeError {}

interface LogCap {
  maxLogs: number;
  fromBlock: number;
}

/**
 * Reads an `eth_getLogs` answer as it arrives, counting its logs, and stops reading (closing the connection) once
 * it holds more than `maxLogs`. It then throws a {@link RangeTooLargeError} that proposes to end the range before
 * the last block seen, whose logs may not all have arrived. When every log seen is in one block, it proposes the
 * blocks before that one, or that block alone when it is the first.
 */
async function readLogs(response: Response, { maxLogs, fromBlock }: LogCap): Promise<string> {
  if (response.body === null) return "";
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const decoder = new TextDecoder();
  /** The pieces of text read so far, joined once at the end (scanning one growing string would copy it each time). */
  const parts: string[] = [];
  /** The end of the text before this piece: a log's key may begin there and end in this piece. */
  let carry = "";
  let logs = 0;
  let first: number | undefined;
  let last: number | undefined;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw new RpcError(`RPC node's eth_getLogs answer broke off: ${(error as Error).message}`, { cause: error });
    }
    if (chunk.done) {
      parts.push(decoder.decode());
      return parts.join("");
    }
    const piece = decoder.decode(chunk.value, { stream: true });
    parts.push(piece);
    const scan = carry + piece;
    // A match that ends within the carry was whole in the scan before, and counted there.
    for (const match of scan.matchAll(LOG_BLOCK)) {
      if (match.index + match[0].length <= carry.length) continue;
      logs++;
      last = quantity(match[1]);
      first ??= last;
    }
    carry = scan.slice(-LOG_BLOCK_OVERLAP);
    if (logs > maxLogs && first !== undefined && last !== undefined) {
      await reader.cancel().catch(() => undefined);
      const message = `eth_getLogs: the answer holds more than ${maxLogs} logs (read up to block ${last}); asking for less`;
      const suggestion = last > first ? { to: last - 1 } : first > fromBlock ? { to: first - 1 } : { size: 1 };
      throw new AnswerTooLargeError(message, suggestion);
    }
  }
}

/**
 * The service's one JSON-RPC client (the mirror, the API, verify and the relay): over HTTP (fetch), with batches, a
 * timeout per request (RPC_TIMEOUT_MS), and errors sorted into the service's tree: anything from the transport is an
 * {@link RpcError} (retryable), an error the node answered an {@link RpcAnswerError} (an RpcError that carries the
 * node's code, words and data), a refused log range a {@link RangeTooLargeError}; a revert of `eth_call` is an answer.
 * It does not retry by itself; callers decide.
 */
export function createRpc(options: RpcOptions): Rpc {
  const maxBatch = options.maxBatch ?? 100;
  let nextId = 1;

  async function post(body: unknown, cap?: LogCap): Promise<unknown> {
    let response: Response | undefined;
    // A request that died with a reused keep-alive socket (the server closed it first) is sent once more at once:
    // every call is a read but `eth_sendRawTransaction`, and a signed transaction sent twice is the same one (the
    // relay takes "already known" as sent). Anything else goes up as a retryable error.
    for (let attempt = 0; response === undefined; attempt++) {
      try {
        response = await fetch(options.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        const cause = String((error as { cause?: { message?: string } }).cause?.message ?? "");
        if (attempt === 0 && /other side closed|ECONNRESET|socket hang up/i.test(cause)) continue;
        throw new RpcError(`RPC request to ${options.url} failed: ${(error as Error).message} ${cause}`, { cause: error });
      }
    }
    const text = response.ok && cap !== undefined ? await readLogs(response, cap) : await response.text().catch(() => "");
    if (!response.ok) {
      const error = new RpcError(`RPC node answered HTTP ${response.status}: ${text.slice(0, 200)}`);
      // Some providers put the range error in a 4xx body.
      if (RANGE_ERROR.test(text) && response.status !== 429 && response.status < 500) {
        throw new RangeTooLargeError(text.slice(0, 300), parseRangeSuggestion(text));
      }
      throw error;
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new RpcError(`RPC node answered invalid JSON: ${text.slice(0, 200)}`, { cause: error });
    }
  }

  function unwrap(method: string, response: JsonRpcResponse | undefined): unknown {
    if (response === undefined) throw new RpcError(`RPC node gave no answer to ${method}`);
    if (response.error !== undefined) {
      const error = new RpcAnswerError(method, response.error);
      const detail = `${response.error.message ?? ""} ${JSON.stringify(response.error.data ?? "")}`;
      if (method === "eth_getLogs" && (RANGE_ERROR.test(detail) || response.error.code === -32005)) {
        throw new RangeTooLargeError(error.message, parseRangeSuggestion(detail));
      }
      throw error;
    }
    return response.result;
  }

  async function call(method: string, params: unknown[], cap?: LogCap): Promise<unknown> {
    const id = nextId++;
    const response = (await post({ jsonrpc: "2.0", id, method, params }, cap)) as JsonRpcResponse;
    return unwrap(method, response);
  }

  async function batch(method: string, paramsList: unknown[][]): Promise<unknown[]> {
    const results: unknown[] = [];
    for (let start = 0; start < paramsList.length; start += maxBatch) {
      const chunk = paramsList.slice(start, start + maxBatch);
      const first = nextId;
      nextId += chunk.length;
      const body = chunk.map((params, i) => ({ jsonrpc: "2.0", id: first + i, method, params }));
      const answer = await post(body);
      if (!Array.isArray(answer)) {
        // A node that does not batch, or an error for the whole batch.
        unwrap(method, answer as JsonRpcResponse);
        throw new RpcError(`RPC node did not answer the ${method} batch with an array`);
      }
      const byId = new Map((answer as JsonRpcResponse[]).map((r) => [r.id, r]));
      for (let i = 0; i < chunk.length; i++) results.push(unwrap(method, byId.get(first + i)));
    }
    return results;
  }

  return {
    call,
    async chainId() {
      return quantity(await call("eth_chainId", []));
    },
    async blockNumber() {
      return quantity(await call("eth_blockNumber", []));
    },
    async header(number) {
      return parseHeader(await call("eth_getBlockByNumber", [hex(number), false]));
    },
    async headers(numbers) {
      if (numbers.length === 0) return [];
      const raw = await batch(
        "eth_getBlockByNumber",
        numbers.map((n) => [hex(n), false]),
      );
      return raw.map(parseHeader);
    },
    async latestBlock() {
      const raw = (await call("eth_getBlockByNumber", ["latest", false])) as { baseFeePerGas?: unknown } | null;
      const header = parseHeader(raw);
      if (header === undefined || raw === null) throw new RpcError("the node has no latest block");
      const fee = raw.baseFeePerGas;
      return { ...header, baseFeePerGas: fee === undefined || fee === null ? undefined : bigQuantity("eth_getBlockByNumber", fee) };
    },
    async ethCall(request, block = "latest") {
      try {
        const data = await call("eth_call", [request, tag(block)]);
        if (typeof data !== "string" || !HEX_DATA.test(data)) throw new RpcError(`eth_call did not answer data: ${JSON.stringify(data)}`);
        return { ok: true, data };
      } catch (error) {
        const revert = error instanceof RpcAnswerError ? revertOf(error) : undefined;
        if (revert === undefined) throw error;
        return { ok: false, revert: revert.revert, message: (error as RpcAnswerError).rpcMessage };
      }
    },
    async transactionCount(address, block) {
      return bigQuantity("eth_getTransactionCount", await call("eth_getTransactionCount", [address, tag(block)]));
    },
    async sendRawTransaction(raw) {
      return String(await call("eth_sendRawTransaction", [raw]));
    },
    async receipt(hash) {
      return parseReceipt(await call("eth_getTransactionReceipt", [hash]));
    },
    async transaction(hash) {
      return parseTransaction(await call("eth_getTransactionByHash", [hash]));
    },
    async gasPrice() {
      return bigQuantity("eth_gasPrice", await call("eth_gasPrice", []));
    },
    async maxPriorityFeePerGas() {
      return bigQuantity("eth_maxPriorityFeePerGas", await call("eth_maxPriorityFeePerGas", []));
    },
    async getLogs(filter) {
      const result = await call(
        "eth_getLogs",
        [{ address: filter.addresses, fromBlock: hex(filter.fromBlock), toBlock: hex(filter.toBlock) }],
        filter.maxLogs === undefined ? undefined : { maxLogs: filter.maxLogs, fromBlock: filter.fromBlock },
      );
      if (!Array.isArray(result)) throw new RpcError("eth_getLogs did not return an array");
      return result.map(parseLog);
    },
  };
}
