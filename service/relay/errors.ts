import type { ErrorRequestHandler } from "express";

import { isProblemCode, Problem, problemMiddleware, type ProblemDetails, PROBLEMS, toProblem } from "../internal/problems.js";

/** The codes the relay answers with itself; statuses and titles are the service's one catalogue's. */
const RELAY_CODES = [
  "VALIDATION_FAILED", "REQUEST_MISMATCH", "INVALID_SIGNATURE", "REQUEST_EXPIRED", "NONCE_USED", "NONCE_GAP", "NONCE_BLOCKED", "INVOICE_IN_USE",
  "INVOICE_PENDING", "LEDGER_REFUSED", "UNAUTHENTICATED", "NOT_FOUND", "UNAVAILABLE",
] as const;

export type RelayErrorCode = (typeof RELAY_CODES)[number];

/** The relay's part of the catalogue (service/internal/problems.ts). */
export const RELAY_ERRORS = Object.fromEntries(RELAY_CODES.map((code) => [code, PROBLEMS[code]])) as { [C in RelayErrorCode]: (typeof PROBLEMS)[C] };

/**
 * A refusal of the relay. Ledger reverts found by the simulation (kind `LEDGER_REFUSED`) carry the code
 * decodeRevert gives them (NOT_ACCREDITED, INVOICE_USED, OVER_RATIO, …), each in the catalogue with status 422.
 * It is a non-retryable error; a failing RPC node or database stays retryable and answers 503 UNAVAILABLE.
 */
export class RelayProblem extends Problem {
  /** `code` is for `LEDGER_REFUSED`: the decoded revert's code. */
  constructor(kind: RelayErrorCode, detail: string, extra: Record<string, unknown> = {}, code: string = kind) {
    super(kind === "LEDGER_REFUSED" && isProblemCode(code) ? code : kind, detail, { extensions: extra });
  }

  /** RFC 9457 problem details. */
  toJSON(instance?: string): ProblemDetails {
    return this.details(instance);
  }
}

/** The problem details of any error, as the service answers it: a retryable one as 503, an unknown one as a bare 500. */
export function problemOf(error: unknown, instance?: string): { status: number; body: ProblemDetails; problem: Problem } {
  const problem = toProblem(error);
  return { status: problem.status, body: problem.details(instance), problem };
}

/**
 * The relay's routes end in the service's one error middleware (`application/problem+json`, `Retry-After` on a
 * 503), so that a refusal of theirs is answered the same whether or not the audit API's app serves them. Unknown
 * errors are logged by `log`, never shown.
 */
export function relayProblemHandler(log?: (error: unknown) => void): ErrorRequestHandler {
  return problemMiddleware(log === undefined ? undefined : (error) => log(error));
}
