import type { ErrorRequestHandler, RequestHandler } from "express";
import { z } from "zod";

import { RetryableError } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";

/**
 * The API's error catalogue: every error a client can see, with its HTTP status and a stable code. Problem details
 * (RFC 9457) carry the code; `type` is a URN built from it, so it never points at a server that may not exist.
 */
export const PROBLEMS = {
  VALIDATION_FAILED: { status: 400, title: "The request is not valid" },
  INVALID_JSON: { status: 400, title: "The request body is not valid JSON" },
  INVALID_CURSOR: { status: 400, title: "The cursor is not valid for this list" },
  BLOCK_NOT_INDEXED: { status: 400, title: "The block is above what the mirror has indexed" },
  UNAUTHENTICATED: { status: 401, title: "A bearer token is required" },
  TOKEN_INVALID: { status: 401, title: "The bearer token is invalid or has expired" },
  SIWE_INVALID: { status: 401, title: "The Sign-In with Ethereum message was refused" },
  FORBIDDEN: { status: 403, title: "The address has no role that may read this" },
  NOT_FOUND: { status: 404, title: "No such record" },
  ROUTE_NOT_FOUND: { status: 404, title: "No such route" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "The request body is too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "The request body must be application/json" },
  RATE_LIMITED: { status: 429, title: "Too many requests" },
  INTERNAL: { status: 500, title: "Internal error" },
  UNAVAILABLE: { status: 503, title: "A dependency (database or chain node) is unavailable" },
  NOT_READY: { status: 503, title: "The mirror has not caught up with the chain" },
  MIRROR_HALTED: { status: 503, title: "The chain replaced a block the mirror had verified final: the mirror stopped" },
  TIMEOUT: { status: 503, title: "The request took too long" },
} as const;

export type ProblemCode = keyof typeof PROBLEMS;

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
    code: z.enum(Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]]),
    instance: z.string().meta({ description: "The request path" }),
    errors: z.array(fieldErrorSchema).optional().meta({ description: "The failing fields, for VALIDATION_FAILED" }),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details" });

export type Problem = z.infer<typeof problemSchema>;

/** An error the API reports as problem details with its catalogue code. Handlers just throw it. */
export class ApiError extends Error {
  readonly code: ProblemCode;
  readonly errors: { path: string; message: string }[] | undefined;
  readonly headers: Record<string, string>;
  constructor(code: ProblemCode, detail?: string, options: { errors?: { path: string; message: string }[]; headers?: Record<string, string> } = {}) {
    super(detail ?? PROBLEMS[code].title);
    this.name = "ApiError";
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
  get status(): number {
    return PROBLEMS[this.code].status;
  }
}

/** A zod failure as VALIDATION_FAILED, naming each failing field under `where` (query, params, body). */
export function validationError(where: string, error: z.ZodError): ApiError {
  const errors = error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
  const first = errors[0];
  return new ApiError("VALIDATION_FAILED", first === undefined ? "invalid request" : `${first.path}: ${first.message}`, { errors });
}

export function problemBody(code: ProblemCode, detail: string, instance: string, errors?: Problem["errors"]): Problem {
  const entry = PROBLEMS[code];
  return {
    type: `urn:compute-voucher:problem:${code}`,
    title: entry.title,
    status: entry.status,
    detail,
    code,
    instance,
    ...(errors === undefined ? {} : { errors }),
  };
}

/** Maps anything thrown to an {@link ApiError}: body-parser errors by their type, service errors by their kind. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const e = error as { type?: unknown; status?: unknown; code?: unknown };
  if (e.type === "entity.parse.failed") return new ApiError("INVALID_JSON", "the body is not valid JSON");
  if (e.type === "entity.too.large") return new ApiError("PAYLOAD_TOO_LARGE");
  if (e.type === "charset.unsupported" || e.type === "encoding.unsupported") return new ApiError("UNSUPPORTED_MEDIA_TYPE", "unsupported charset or encoding");
  if (typeof e.status === "number" && e.status >= 400 && e.status < 500) {
    // Other client errors from Express itself (a malformed URI, an aborted body…).
    return new ApiError("VALIDATION_FAILED", (error as Error).message || "bad request");
  }
  if (error instanceof RetryableError) return new ApiError("UNAVAILABLE");
  if (e.code === "57014") return new ApiError("TIMEOUT", "the database statement timed out");
  return new ApiError("INTERNAL", "internal error");
}

export function sendProblem(res: import("express").Response, error: ApiError, instance: string): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res
    .status(error.status)
    .type("application/problem+json")
    .send(JSON.stringify(problemBody(error.code, error.message, instance, error.errors)));
}

/** The one error middleware, after every route: problem details, never a stack trace. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const problem = toApiError(error);
    if (problem.status >= 500) {
      logger.error({ err: (error as Error)?.message, stack: (error as Error)?.stack, path: req.path, code: problem.code }, "request failed");
    }
    if (res.headersSent) {
      // A streamed response (CSV) that failed half way: all we can do is cut it short.
      res.destroy();
      return;
    }
    sendProblem(res, problem, req.path);
  };
}

/** The JSON 404, last of all. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, new ApiError("ROUTE_NOT_FOUND", `no route ${req.method} ${req.path}`), req.path);
};
