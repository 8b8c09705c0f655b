import type { ErrorRequestHandler, Request, Response } from "express";
import { z } from "zod";

import { FatalError, isRetryable } from "./errors.js";
import { PROBLEM_LANGUAGES, PROBLEM_TITLES_ZH_CN, type ProblemLanguage } from "./problem-titles.js";

/**
 * The one catalogue of problem codes: every code a client of the service's HTTP layer can see (the audit API, the
 * redemption relay, and refusals of Node's HTTP parser), with its HTTP status and title. Problem details (RFC 9457)
 * carry the code; `type` is a URN built from it, so it never points at a server that may not exist. A 503 that is
 * about the service's own state (not ready, a dependency down, overloaded) says when to try again (`Retry-After`).
 *
 * One failure has one code on every surface: a request that does not validate is VALIDATION_FAILED (with `errors`
 * naming each failing field), missing or unusable credentials are UNAUTHENTICATED. The README lists the codes this
 * catalogue merged.
 */
export const PROBLEMS = {
  // The HTTP request itself (Node's parser, Express's router, body reading).
  BAD_REQUEST: { status: 400, title: "The HTTP request is malformed" },
  METHOD_NOT_ALLOWED: { status: 405, title: "The method is not served here" },
  REQUEST_TIMEOUT: { status: 408, title: "The request was not received in time" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "The request body is too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "The request body's media type, charset or content encoding is not supported" },
  HEADERS_TOO_LARGE: { status: 431, title: "The request's header fields are too large" },
  ROUTE_NOT_FOUND: { status: 404, title: "No such route" },

  // Any request: its input, its credentials.
  VALIDATION_FAILED: { status: 400, title: "The request is not valid" },
  INVALID_JSON: { status: 400, title: "The request body is not valid JSON" },
  UNAUTHENTICATED: { status: 401, title: "Credentials are required: a bearer token, or the data center's signed Authorization header" },

  // The audit API.
  INVALID_CURSOR: { status: 400, title: "The cursor is not valid for this list" },
  BLOCK_NOT_INDEXED: { status: 400, title: "The block is above what the mirror has indexed" },
  BLOCK_NOT_KEPT: { status: 400, title: "The block is below the history the mirror keeps" },
  TOKEN_INVALID: { status: 401, title: "The bearer token is invalid or has expired" },
  SIWE_INVALID: { status: 401, title: "The Sign-In with Ethereum message was refused" },
  FORBIDDEN: { status: 403, title: "The address has no role that may read this" },
  NOT_FOUND: { status: 404, title: "No such record" },
  RATE_LIMITED: { status: 429, title: "Too many requests" },
  REGISTRY_MISMATCH: { status: 422, title: "A record of the identity registry does not match the chain" },
  NOT_WRITER: { status: 503, title: "Only the mirror's writer writes the identity registry", retryAfterSeconds: 5 },

  // The redemption relay.
  INVALID_SIGNATURE: { status: 401, title: "The data center's signature does not match the request" },
  NONCE_USED: { status: 409, title: "The forwarder nonce was already used" },
  NONCE_GAP: { status: 409, title: "The forwarder nonce is not the data center's next one" },
  NONCE_BLOCKED: { status: 409, title: "An earlier request of the data center failed without using its forwarder nonce; sign again from it" },
  INVOICE_IN_USE: { status: 409, title: "This invoice was submitted by another data center" },
  INVOICE_PENDING: { status: 409, title: "Another request for this invoice of the supplier's company is queued, in flight or confirmed" },
  REQUEST_MISMATCH: { status: 422, title: "The forward request does not call the ledger's redeem with this consent" },
  REQUEST_EXPIRED: { status: 422, title: "The forward request's deadline has passed" },
  LEDGER_REFUSED: { status: 422, title: "The ledger would refuse this redemption" },

  // Ledger reverts found by the relay's simulation, as service/domain/abi-v1.ts's decodeRevert names them.
  UNKNOWN_VOUCHER: { status: 422, title: "The ledger would refuse this redemption: the voucher does not exist" },
  WRONG_DATA_CENTER: { status: 422, title: "The ledger would refuse this redemption: the consent names another data center" },
  NOT_ACCREDITED: { status: 422, title: "The ledger would refuse this redemption: the data center is not accredited for the voucher's city (v1) or programme (v2)" },
  CONSENT_EXPIRED: { status: 422, title: "The ledger would refuse this redemption: the holder's consent has expired" },
  VOUCHER_INACTIVE: { status: 422, title: "The ledger would refuse this redemption: the voucher is not active" },
  VOUCHER_EXPIRED: { status: 422, title: "The ledger would refuse this redemption: the voucher has expired" },
  INVOICE_USED: { status: 422, title: "The ledger would refuse this redemption: the invoice was already redeemed" },
  INVALID_AMOUNT: { status: 422, title: "The ledger would refuse this redemption: the amount is not allowed" },
  OVER_RATIO: { status: 422, title: "The ledger would refuse this redemption: the amount is over the city's share of the invoice" },
  INSUFFICIENT_VALUE: { status: 422, title: "The ledger would refuse this redemption: the voucher has less left than the amount" },
  INVALID_CONSENT: { status: 422, title: "The ledger would refuse this redemption: the consent is not signed by the voucher's holder" },
  PAUSED: { status: 422, title: "The ledger would refuse this redemption: the ledger is paused" },
  UNTRUSTED_TARGET: { status: 422, title: "The ledger would refuse this redemption: the target does not trust the forwarder" },
  MISMATCHED_VALUE: { status: 422, title: "The ledger would refuse this redemption: the value sent does not match the request" },
  FAILED_CALL: { status: 422, title: "The ledger would refuse this redemption: the forwarded call failed" },
  REVERTED: { status: 422, title: "The ledger would refuse this redemption: the call reverted for an unknown reason" },

  // Ledger v2's reverts found by the relay's simulation, as service/domain/redemption-v2.ts's decodeRevertV2 names
  // them (besides the codes above that both ledgers share).
  VOUCHER_FROZEN: { status: 422, title: "The ledger would refuse this redemption: the voucher is frozen" },
  REISSUE_PENDING: { status: 422, title: "The ledger would refuse this redemption: the voucher has a re-issue pending" },
  NOT_BENEFICIARY: { status: 422, title: "The ledger would refuse this redemption: the holder is not an active address of a beneficiary company" },
  UNKNOWN_PROGRAMME: { status: 422, title: "The ledger would refuse this redemption: the voucher's programme is not configured" },
  PROGRAMME_PAUSED: { status: 422, title: "The ledger would refuse this redemption: the programme is paused" },
  WRONG_SUPPLIER: { status: 422, title: "The ledger would refuse this redemption: the consent names another supplier" },
  CLASS_NOT_ACCREDITED: { status: 422, title: "The ledger would refuse this redemption: the supplier is not accredited for the invoice's compute class" },
  OUTSIDE_WINDOW: { status: 422, title: "The ledger would refuse this redemption: now is outside the programme's redemption window" },
  CONTRACT_TOO_EARLY: { status: 422, title: "The ledger would refuse this redemption: the contract was signed before the programme's earliest date" },
  INVALID_SERVICE_PERIOD: { status: 422, title: "The ledger would refuse this redemption: the service period is inverted or out of range" },
  EVIDENCE_MISSING: { status: 422, title: "The ledger would refuse this redemption: evidence the programme requires is missing" },
  RELATED_PARTIES: { status: 422, title: "The ledger would refuse this redemption: buyer and supplier are related parties" },
  UNDECLARED_RELATION: { status: 422, title: "The ledger would refuse this redemption: the consent does not declare buyer and supplier unrelated" },
  INELIGIBLE: { status: 422, title: "The ledger would refuse this redemption: the programme pays nothing for this class and category" },
  INVALID_INVOICE: { status: 422, title: "The ledger would refuse this redemption: the invoice number hash is zero" },
  INVOICE_NOT_STACKABLE: { status: 422, title: "The ledger would refuse this redemption: the invoice cannot be paid by another programme too" },
  INVOICE_MISMATCH: { status: 422, title: "The ledger would refuse this redemption: the invoice's terms differ from those it was first redeemed with" },
  INVOICE_OTHER_BUYER: { status: 422, title: "The ledger would refuse this redemption: the invoice was paid for another buyer" },
  OVER_COMBINED_SHARE: { status: 422, title: "The ledger would refuse this redemption: the invoice's subsidy from every programme would exceed the combined share" },
  OUTSIDE_ENTITY_WINDOW: { status: 422, title: "The ledger would refuse this redemption: the service ends after the company's window in the programme" },
  CONSENT_TOO_LONG: { status: 422, title: "The ledger would refuse this redemption: the consent's deadline is more than 90 days ahead" },
  CONSENT_CANCELLED: { status: 422, title: "The ledger would refuse this redemption: the holder cancelled its consents" },
  PAYEE_NOT_ALLOWED: { status: 422, title: "The ledger would refuse this redemption: the programme does not pay suppliers" },
  INVOICE_CLAIMED: { status: 422, title: "The ledger would refuse this redemption: the buyer claimed the invoice, or a claim on it awaits review" },
  NOT_PERMITTED: { status: 422, title: "The ledger would refuse this redemption: its access manager does not let the supplier redeem" },

  // The service's own state.
  INTERNAL: { status: 500, title: "Internal error" },
  UNAVAILABLE: { status: 503, title: "A dependency (database or chain node) is unavailable", retryAfterSeconds: 2 },
  NOT_READY: { status: 503, title: "The mirror has not caught up with the chain", retryAfterSeconds: 5 },
  MIRROR_HALTED: { status: 503, title: "The chain replaced a block the mirror had verified final: the mirror stopped", retryAfterSeconds: 60 },
  TIMEOUT: { status: 503, title: "The request took too long", retryAfterSeconds: 2 },
} as const satisfies Record<string, { status: number; title: string; retryAfterSeconds?: number }>;

export type ProblemCode = keyof typeof PROBLEMS;

export const PROBLEM_CODES = Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]];

/** The problem format as a zod schema: what every surface answers, and what the OpenAPI document shows. */
export const fieldErrorSchema = z.strictObject({
  path: z.string().meta({ description: "Where the failing value is: `query.limit`, `body.message`, `params.code`" }),
  message: z.string(),
});

export const problemSchema = z
  .strictObject({
    type: z.string().meta({ example: "urn:compute-voucher:problem:VALIDATION_FAILED" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(PROBLEM_CODES),
    instance: z.string().meta({ description: "The request path" }),
    errors: z.array(fieldErrorSchema).optional().meta({ description: "The failing fields, for VALIDATION_FAILED" }),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details" });


export function isProblemCode(code: unknown): code is ProblemCode {
  return typeof code === "string" && Object.hasOwn(PROBLEMS, code);
}

/** RFC 9457 problem details as the service writes them; extension members (`errors`, `field`, `nextNonce`…) follow. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ProblemCode;
  instance?: string;
  [extension: string]: unknown;
}

/** The one problem builder: the details of `code`, with its catalogue status and title. */
export function problemDetails(code: ProblemCode, detail: string, instance?: string, extensions: Record<string, unknown> = {}): ProblemDetails {
  const entry = PROBLEMS[code];
  return {
    type: `urn:compute-voucher:problem:${code}`,
    title: entry.title,
    status: entry.status,
    detail,
    code,
    ...(instance === undefined ? {} : { instance }),
    ...extensions,
  };
}

/** The response headers of a problem: `Retry-After` where the catalogue gives one, then the problem's own. */
export function problemHeaders(code: ProblemCode, own: Record<string, string> = {}): Record<string, string> {
  const entry: { status: number; retryAfterSeconds?: number } = PROBLEMS[code];
  return { ...(entry.retryAfterSeconds === undefined ? {} : { "retry-after": String(entry.retryAfterSeconds) }), ...own };
}

/**
 * A refusal with its catalogue code, thrown by handlers and answered by the error middleware. Not retryable as an
 * error (the sync loop never sees one); a client may still try a 503 again after its `Retry-After`.
 */
export class Problem extends FatalError {
  declare readonly code: ProblemCode;
  /** Extension members of the details (RFC 9457 §3.2): `errors`, `field`, `nextNonce`, `error`, `args`. */
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;
  constructor(code: ProblemCode, detail?: string, options: { extensions?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(code, detail ?? PROBLEMS[code].title, options.cause === undefined ? undefined : { cause: options.cause });
    this.extensions = options.extensions ?? {};
    this.headers = problemHeaders(code, options.headers);
  }
  get status(): number {
    return PROBLEMS[this.code].status;
  }
  get title(): string {
    return PROBLEMS[this.code].title;
  }
  details(instance?: string): ProblemDetails {
    return problemDetails(this.code, this.message, instance, this.extensions);
  }
}

/** The failing fields of a VALIDATION_FAILED problem: `query.limit`, `body.consent.amount`, `params.code`. */
export interface FieldError {
  path: string;
  message: string;
}

/** A zod failure as VALIDATION_FAILED, naming each failing field under `where` (query, params, body…). */
export function validationProblem(where: string, error: z.ZodError, hint?: string): Problem {
  const errors: FieldError[] = error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  const first = errors[0];
  const detail = first === undefined ? "invalid request" : `${first.path}: ${first.message}`;
  return new Problem("VALIDATION_FAILED", hint === undefined ? detail : `${detail} (${hint})`, { extensions: { errors } });
}

/**
 * Maps anything thrown to a {@link Problem}: body-parser's errors by their type, Express's other client errors by
 * their 4xx status, a retryable service error as UNAVAILABLE, a statement timeout as TIMEOUT, anything else as
 * INTERNAL (whose details never carry the error's words). The audit API and the relay answer alike.
 */
export function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  const e = (error ?? {}) as { type?: unknown; status?: unknown; code?: unknown; message?: unknown };
  const message = typeof e.message === "string" ? e.message : "";
  if (e.type === "entity.parse.failed") return new Problem("INVALID_JSON", "the body is not valid JSON", { cause: error });
  if (e.type === "entity.too.large") return new Problem("PAYLOAD_TOO_LARGE", "the body is larger than this route accepts", { cause: error });
  if (e.type === "charset.unsupported" || e.type === "encoding.unsupported" || e.status === 415) {
    return new Problem("UNSUPPORTED_MEDIA_TYPE", `unsupported charset or content encoding (${message})`, { cause: error });
  }
  if (typeof e.status === "number" && e.status >= 400 && e.status < 500) {
    if (error instanceof URIError) return new Problem("VALIDATION_FAILED", `the URL is not valid percent-encoding (${message})`, { cause: error });
    return new Problem("VALIDATION_FAILED", `the request could not be read (${message || "bad request"})`, { cause: error });
  }
  if (isRetryable(error)) return new Problem("UNAVAILABLE", "the chain node or the database did not answer; try again", { cause: error });
  if (e.code === "57014") return new Problem("TIMEOUT", "the database statement timed out", { cause: error });
  return new Problem("INTERNAL", "internal error", { cause: error });
}

/**
 * The language of a problem's title for a request: Chinese when its Accept-Language prefers `zh-CN` (or `zh`) to
 * English, else English (also without the header). A request is absent where Node's parser refuses it.
 */
export function problemLanguage(req: Request | undefined): ProblemLanguage {
  if (req?.get("accept-language") === undefined) return "en";
  return req.acceptsLanguages([...PROBLEM_LANGUAGES]) === "zh-CN" ? "zh-CN" : "en";
}

/**
 * Writes a problem as `application/problem+json` with its status and headers; its title in the language the request
 * asks for (problemLanguage), its code, status and detail unchanged.
 */
export function sendProblem(res: Response, problem: Problem, instance?: string): void {
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  const language = problemLanguage(res.req as Request | undefined);
  const details = problem.details(instance);
  if (language === "zh-CN") details.title = PROBLEM_TITLES_ZH_CN[problem.code];
  res.vary("accept-language").setHeader("content-language", language);
  res.status(problem.status).type("application/problem+json").send(JSON.stringify(details));
}

/**
 * The one error middleware, after the routes: problem details, never a stack trace. `onError` sees what is answered
 * with a 5xx. A response already under way (a stream whose dependency failed half way) can only be cut short.
 */
export function problemMiddleware(onError?: (error: unknown, problem: Problem, path: string) => void): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const problem = toProblem(error);
    if (problem.status >= 500) onError?.(error, problem, req.path);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, problem, req.originalUrl.split("?")[0]);
  };
}
