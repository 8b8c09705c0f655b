import type { RequestHandler, Router } from "express";
import { z } from "zod";

import type { RouteConfig } from "@asteasolutions/zod-to-openapi";

import type { ApiServices, RequestContext } from "./context.js";
import { ApiError, type ProblemCode, PROBLEMS, problemSchema, validationProblem } from "./problem.js";

/** Returned by a handler that wrote the response itself (a CSV stream). */
export const STREAMED = Symbol("streamed");

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface EndpointInput<P, Q, B> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
}

/**
 * One endpoint: its route, its input and output zod schemas (the single source of the types, of validation and of
 * the OpenAPI document) and its handler, which returns the output or throws an {@link ApiError}.
 */
export interface Endpoint<
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  O extends z.ZodType = z.ZodType,
> {
  id: string;
  method: "get" | "post";
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** `token`: needs a bearer token of an address with a role that may read; `public`: anyone. */
  auth: "public" | "token";
  params?: P;
  query?: Q;
  body?: B;
  output: O;
  /** Another media type for the success response (CSV for lists, text for metrics). */
  alternative?: { mediaType: string; description: string };
  status?: number;
  /** The problem codes this endpoint documents besides the ones every endpoint can answer. */
  errors: ProblemCode[];
  handle(input: EndpointInput<P, Q, B>, ctx: RequestContext): Promise<z.input<O> | typeof STREAMED>;
}

export function defineEndpoint<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  O extends z.ZodType = z.ZodType,
>(endpoint: Endpoint<P, Q, B, O>): Endpoint<P, Q, B, O> {
  return endpoint;
}

/** Any endpoint, as the router and the OpenAPI document take them (`handle` is a method: its input is bivariant). */
export type AnyEndpoint = Endpoint;

/** `/v1/cities/{code}` → `/v1/cities/:code`. */
export const expressPath = (path: string): string => path.replace(/\{(\w+)\}/g, ":$1");

/** The path of the first string in `value` holding U+0000, which no PostgreSQL text value can hold. */
function nulAt(value: unknown, path: string[] = [], depth = 0): string[] | undefined {
  if (typeof value === "string") return value.includes("\u0000") ? path : undefined;
  if (value === null || typeof value !== "object" || depth > 32) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = key.includes("\u0000") ? [...path, key] : nulAt(inner, [...path, key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function parse<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): unknown {
  if (schema === undefined) return undefined;
  const nul = nulAt(value);
  if (nul !== undefined) {
    const path = [where, ...nul].join(".");
    throw new ApiError("VALIDATION_FAILED", `${path}: holds a NUL character (U+0000)`, { errors: [{ path, message: "holds a NUL character (U+0000)" }] });
  }
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw validationProblem(where, result.error);
  return result.data;
}

/** The Express handler of an endpoint: validates the input, runs the handler, validates and sends the output. */
export function handlerOf(
  endpoint: AnyEndpoint,
  services: ApiServices,
  options: { validateResponses: boolean },
): RequestHandler {
  return async (req, res) => {
    const input = {
      params: parse(endpoint.params, req.params, "params"),
      query: parse(endpoint.query, req.query, "query"),
      body: parse(endpoint.body, req.body, "body"),
    };
    const access = res.locals.access ?? { kind: "none", address: null };
    const result = await endpoint.handle(input, { ...services, access, req, res });
    if (result === STREAMED || res.headersSent) return;
    if (options.validateResponses) {
      const checked = endpoint.output.safeParse(result);
      if (!checked.success) {
        throw new Error(`response of ${endpoint.id} does not match its schema: ${JSON.stringify(checked.error.issues.slice(0, 3))}`);
      }
    }
    res.status(endpoint.status ?? 200).json(result);
  };
}

export function mount(
  router: Router,
  endpoint: AnyEndpoint,
  before: RequestHandler[],
  handler: RequestHandler,
): void {
  router[endpoint.method](expressPath(endpoint.path), ...before, handler);
}

const ALWAYS: ProblemCode[] = ["BAD_REQUEST", "VALIDATION_FAILED", "RATE_LIMITED", "INTERNAL", "UNAVAILABLE", "TIMEOUT"];
const TOKEN: ProblemCode[] = ["UNAUTHENTICATED", "TOKEN_INVALID", "FORBIDDEN"];

/** The OpenAPI operation of an endpoint. */
export function routeConfig(endpoint: AnyEndpoint): RouteConfig {
  const codes = [...new Set([...ALWAYS, ...(endpoint.auth === "token" ? TOKEN : []), ...endpoint.errors])];
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of codes) byStatus.set(PROBLEMS[code].status, [...(byStatus.get(PROBLEMS[code].status) ?? []), code]);
  const responses: RouteConfig["responses"] = {
    [endpoint.status ?? 200]: {
      description: "Success",
      content: {
        "application/json": { schema: endpoint.output },
        ...(endpoint.alternative === undefined
          ? {}
          : { [endpoint.alternative.mediaType]: { schema: z.string().meta({ description: endpoint.alternative.description }) } }),
      },
    },
  };
  for (const [status, list] of [...byStatus.entries()].sort((a, b) => a[0] - b[0])) {
    responses[status] = {
      description: `Problem: ${list.join(", ")}`,
      content: { "application/problem+json": { schema: problemSchema } },
    };
  }
  return {
    method: endpoint.method,
    path: endpoint.path,
    operationId: endpoint.id,
    summary: endpoint.summary,
    ...(endpoint.description === undefined ? {} : { description: endpoint.description }),
    tags: [endpoint.tag],
    ...(endpoint.auth === "token" ? { security: [{ bearer: [] }] } : {}),
    request: {
      ...(endpoint.params === undefined ? {} : { params: endpoint.params as never }),
      ...(endpoint.query === undefined ? {} : { query: endpoint.query as never }),
      ...(endpoint.body === undefined
        ? {}
        : { body: { required: true, content: { "application/json": { schema: endpoint.body } } } }),
    },
    responses,
  };
}

export { ApiError };
