import type { ErrorRequestHandler } from "express";

import { FatalError, isRetryable } from "../internal/errors.js";

/**
 * The relay's error catalogue: stable codes with their HTTP status and title. Ledger reverts found by the
 * simulation keep the code {@link decodeRevert} gives them (not-accredited, invoice-used, over-ratio, …) and answer
 * 422. Everything here is a non-retryable {@link FatalError}; a failing RPC node or database stays retryable and
 * answers 503.
 */
export const RELAY_ERRORS = {
  "INVALID_BODY": { status: 400, title: "The request body is not a valid redemption" },
  "REQUEST_MISMATCH": { status: 422, title: "The forward request does not call the ledger's redeem with this consent" },
  "INVALID_SIGNATURE": { status: 401, title: "The data center's signature does not match the request" },
  "REQUEST_EXPIRED": { status: 422, title: "The forward request's deadline has passed" },
  "NONCE_USED": { status: 409, title: "The forwarder nonce was already used" },
  "NONCE_GAP": { status: 409, title: "The forwarder nonce is not the data center's next one" },
  "NONCE_BLOCKED": { status: 409, title: "An earlier request of the data center failed without using its forwarder nonce; sign again from it" },
  "INVOICE_IN_USE": { status: 409, title: "This invoice was submitted by another data center" },
  "LEDGER_REFUSED": { status: 422, title: "The ledger would refuse this redemption" },
  UNAUTHORIZED: { status: 401, title: "A signed Authorization header of the data center is required" },
  "NOT_FOUND": { status: 404, title: "No such redemption request" },
  UNAVAILABLE: { status: 503, title: "The chain or the database is unavailable; try again" },
} as const;

export type RelayErrorCode = keyof typeof RELAY_ERRORS;

export class RelayProblem extends FatalError {
  readonly status: number;
  readonly title: string;
  readonly extra: Record<string, unknown>;
  /** `code` is from {@link RELAY_ERRORS}, or for `ledger-refused` the decoded revert's code. */
  constructor(kind: RelayErrorCode, detail: string, extra: Record<string, unknown> = {}, code: string = kind) {
    super(code, detail);
    this.status = RELAY_ERRORS[kind].status;
    this.title = kind === "LEDGER_REFUSED" ? `${RELAY_ERRORS[kind].title}: ${code}` : RELAY_ERRORS[kind].title;
    this.extra = extra;
  }

  /** RFC 9457 problem details. */
  toJSON(instance?: string): Record<string, unknown> {
    return {
      type: `urn:compute-voucher:problem:${this.code}`,
      title: this.title,
      status: this.status,
      code: this.code,
      detail: this.message,
      ...(instance === undefined ? {} : { instance }),
      ...this.extra,
    };
  }
}

/** The problem details of any error: known ones as they are, a retryable one as 503, anything else a bare 500. */
export function problemOf(error: unknown, instance?: string): { status: number; body: Record<string, unknown> } {
  if (error instanceof RelayProblem) return { status: error.status, body: error.toJSON(instance) };
  const e = error as { type?: unknown; status?: unknown; expose?: unknown; message?: unknown };
  if (e?.type === "entity.parse.failed" || e?.type === "entity.too.large") {
    const p = new RelayProblem("INVALID_BODY", `the body is not JSON the service accepts (${String(e.message)})`);
    return { status: p.status, body: p.toJSON(instance) };
  }
  if (isRetryable(error)) {
    const p = new RelayProblem("UNAVAILABLE", "the chain node or the database did not answer; try again");
    return { status: p.status, body: p.toJSON(instance) };
  }
  return {
    status: 500,
    body: { type: "about:blank", title: "Internal Server Error", status: 500, code: "INTERNAL", ...(instance ? { instance } : {}) },
  };
}

/**
 * An Express error middleware answering `application/problem+json`; for mounting where the audit API's own error
 * middleware is not there (the relay's tests). Unknown errors are logged by `log`, never shown.
 */
export function relayProblemHandler(log?: (error: unknown) => void): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const { status, body } = problemOf(error, req.originalUrl);
    if (status >= 500) log?.(error);
    res.status(status).type("application/problem+json").send(JSON.stringify(body));
  };
}
