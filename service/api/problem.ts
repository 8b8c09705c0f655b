import type { RequestHandler } from "express";
import type { z } from "zod";

import type { Logger } from "../internal/logger.js";
import { fieldErrorSchema, Problem, PROBLEMS, problemMiddleware, type ProblemCode, problemSchema, sendProblem, validationProblem } from "../internal/problems.js";

/**
 * The audit API's problems. Codes, statuses and titles come from the service's one catalogue
 * (service/internal/problems.ts), which the redemption relay shares, and so do the problem format and the error
 * middleware.
 */
export { fieldErrorSchema, PROBLEMS, type ProblemCode, problemSchema, sendProblem, validationProblem };

export type ApiProblem = z.infer<typeof problemSchema>;

/** An error the API reports as problem details with its catalogue code. Handlers just throw it. */
export class ApiError extends Problem {
  constructor(code: ProblemCode, detail?: string, options: { errors?: { path: string; message: string }[]; headers?: Record<string, string> } = {}) {
    super(code, detail, { extensions: options.errors === undefined ? {} : { errors: options.errors }, ...(options.headers === undefined ? {} : { headers: options.headers }) });
  }
}

/** The one error middleware, after every route, logging what it answers with a 5xx. */
export function errorMiddleware(logger: Logger): ReturnType<typeof problemMiddleware> {
  return problemMiddleware((error, problem, path) => {
    logger.error({ err: (error as Error)?.message, stack: (error as Error)?.stack, path, code: problem.code }, "request failed");
  });
}

/** The JSON 404, last of all. */
export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, new ApiError("ROUTE_NOT_FOUND", `no route ${req.method} ${req.path}`), req.path);
};

