/**
 * The service's error tree. A {@link RetryableError} is worth trying again (an RPC node or database connection
 * that failed or timed out); a {@link FatalError} is not (bad input, a value that cannot be decoded, a broken
 * constraint, a reorg deeper than the finality window). The sync loop retries only the first kind.
 */
export class ServiceError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class RetryableError extends ServiceError {}

export class FatalError extends ServiceError {}

/** The RPC node failed, timed out, or answered with an error that may pass. */
export class RpcError extends RetryableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("RPC_UNAVAILABLE", message, options);
  }
}

/**
 * The node answered a request with a JSON-RPC error (it was reached, and said no): what it said, for callers that tell
 * a refusal from a node that did not answer (a plain {@link RpcError}). Retryable like any RPC error.
 */
export class RpcAnswerError extends RpcError {
  readonly method: string;
  /** The JSON-RPC error's code, message and data. */
  readonly rpcCode: number | undefined;
  readonly rpcMessage: string;
  readonly data: unknown;
  constructor(method: string, error: { code?: number; message?: string; data?: unknown }) {
    super(`${method}: ${error.message ?? "error"} (code ${error.code ?? "?"})`);
    this.method = method;
    this.rpcCode = error.code;
    this.rpcMessage = error.message ?? "";
    this.data = error.data;
  }
}

/** The node refused an `eth_getLogs` range as too large or as returning too many logs. */
export class RangeTooLargeError extends RetryableError {
  /** The range the node proposed, if it named one: an end block, or a number of blocks. */
  readonly suggestion: { to: number } | { size: number } | undefined;
  constructor(message: string, suggestion: { to: number } | { size: number } | undefined) {
    super("RPC_RANGE_TOO_LARGE", message);
    this.suggestion = suggestion;
  }
}

/** The chain changed while a range was being read (a log's block is not the block read next): read it again. */
export class ChainMovedError extends RetryableError {
  constructor(message: string) {
    super("CHAIN_MOVED", message);
  }
}

/**
 * The node has not got the mirror's newest blocks (it is behind, or was rewound) and shows no other block in their
 * place: nothing to roll back; wait for it.
 */
export class NodeBehindError extends RetryableError {
  constructor(message: string) {
    super("NODE_BEHIND", message);
  }
}

/** The database connection failed. */
export class DatabaseConnectionError extends RetryableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("DB_UNAVAILABLE", message, options);
  }
}

export class ConfigError extends FatalError {
  constructor(message: string) {
    super("BAD_CONFIG", message);
  }
}

export class DecodeError extends FatalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("DECODE_FAILED", message, options);
  }
}

/** The chain replaced a block the mirror had verified final: it stops rather than change what it served as final. */
export class ReorgTooDeepError extends FatalError {
  constructor(message: string) {
    super("REORG_TOO_DEEP", message);
  }
}

/** The mirror's data do not belong to this chain (another chain id, or a checkpoint no longer on the chain). */
export class WrongChainError extends FatalError {
  constructor(message: string) {
    super("WRONG_CHAIN", message);
  }
}

/** The chain's node is not one the service can run on (service/chain/profile.ts): one line saying why and what to change. */
export class ChainRefusedError extends FatalError {
  constructor(reason: string) {
    super("CHAIN_REFUSED", `refusing the chain: ${reason}`);
  }
}

/** Database error classes (SQLSTATE) that mean the connection, not the statement, failed. */
const RETRYABLE_SQLSTATE = /^(08|57P|53)/;

/** Wraps an error from the database driver into the tree: connection problems are retryable, the rest fatal. */
export function classifyDatabaseError(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error;
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  const message = typeof e.message === "string" ? e.message : String(error);
  if (RETRYABLE_SQLSTATE.test(code) || /ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection terminated/i.test(message)) {
    return new DatabaseConnectionError(`database unavailable: ${message}`, { cause: error });
  }
  return new FatalError("DB_STATEMENT_FAILED", `database statement failed: ${message}`, { cause: error });
}

export function isRetryable(error: unknown): boolean {
  return error instanceof RetryableError;
}
