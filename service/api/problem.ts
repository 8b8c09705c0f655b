import type { ErrorRequestHandler, RequestHandler } from "express";
import { z } from "zod";

import type { Logger } from "../internal/logger.js";
import { API_VOCABULARY, Problem, PROBLEM_CODES, PROBLEMS, type ProblemCode, sendProblem, toProblem } from "../internal/problems.js";

/**
 * The audit API's problems. Codes, statuses and titles come from the service's one catalogue
 * (service/internal/problems.ts), which the redemption relay shares.
 */
export { PROBLEMS, type ProblemCode, sendProblem };

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

export type ApiProblem = z.infer<typeof problemSchema>;

/** An error the API reports as problem details with its catalogue code. Handlers just throw it. */
export class ApiError extends Problem {
  constructor(code: ProblemCode, detail?: string, options: { errors?: { path: string; message: string }[]; headers?: Record<string, string> } = {}) {
    super(code, detail, { extensions: options.errors === undefined ? {} : { errors: options.errors }, ...(options.headers === undefined ? {} : { headers: options.headers }) });
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

/** Maps anything thrown to a problem in the API's words (body-parser errors by their type, service errors by kind). */
export const toApiError = (error: unknown): Problem => toProblem(error, API_VOCABULARY);

/** The one error middleware, after every route: problem details, never a stack trace. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const problem = toApiError(error);
    if (problem.status >= 500) {
      logger.error({ err: (error as Error)?.message, stack: (error as Error)?.stack, path: req.path, code: problem.code }, "request failed");
    }
    if (res.headersSent) {
      // Nothing a request contains gets here (a CSV export checks and reads its first page before it answers):
      // a dependency that failed half way through a stream. All we can do is cut it short.
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

