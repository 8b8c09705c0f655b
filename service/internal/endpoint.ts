import type { RequestHandler, Router } from "express";
import { z } from "zod";

import type { RouteConfig } from "@asteasolutions/zod-to-openapi";

import { type ProblemCode, PROBLEMS, Problem, validationProblem } from "./problems.js";

/**
 * The service's one endpoint style, shared by the audit API and the redemption relay: a route, its input and output
 * zod schemas (the single source of the TypeScript types, of request and response validation, and of the OpenAPI
 * document) and a handler that returns the output (or a {@link Reply} of it) or throws a {@link Problem}.
 */

/** Returned by a handler that wrote the response itself (a CSV stream). */
export const STREAMED = Symbol("streamed");

/** An answer with another status than the endpoint's usual one, or with headers (`Location`). */
export class Reply<T> {
  constructor(
    readonly body: T,
    readonly status: number,
    readonly headers: Record<string, string> = {},
  ) {}
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface EndpointInput<P, Q, B> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
}

/** Who may call an endpoint, as its OpenAPI `security` says. */
export type EndpointAuth =
  /** Anyone. */
  | "public"
  /** A bearer token of an address with a role that may read (the audit API). */
  | "token"
  /** `Authorization: EIP191 <address>.<unix seconds>.<signature>` of the data center (the relay's status read). */
  | "signature";

/** One endpoint, handled with a context `C` (the audit API's services, or the relay). */
export interface Endpoint<
  C = never,
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
  auth: EndpointAuth;
  params?: P;
  query?: Q;
  body?: B;
  output: O;
  /** Another media type for the success response (CSV for lists, text for metrics). */
  alternative?: { mediaType: string; description: string };
  /** The usual success status (200). */
  status?: number;
  /** Other success statuses the handler answers with a {@link Reply}, and what each means. */
  replies?: { status: number; description: string }[];
  /** The problem codes this endpoint documents besides the ones every endpoint of its surface can answer. */
  errors: ProblemCode[];
  handle(input: EndpointInput<P, Q, B>, ctx: C): Promise<z.input<O> | Reply<z.input<O>> | typeof STREAMED>;
}

/** The `defineEndpoint` of a surface whose handlers get the context `C`: it checks an endpoint's types, and returns it. */
export function endpointDefiner<C>() {
  return <
    P extends z.ZodType | undefined = undefined,
    Q extends z.ZodType | undefined = undefined,
    B extends z.ZodType | undefined = undefined,
    O extends z.ZodType = z.ZodType,
  >(endpoint: Endpoint<C, P, Q, B, O>): Endpoint<C, P, Q, B, O> => endpoint;
}

/** Any endpoint, as routers and the OpenAPI document take them (`handle` is a method: its context is bivariant). */
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
    throw new Problem("VALIDATION_FAILED", `${path}: holds a NUL character (U+0000)`, {
      extensions: { errors: [{ path, message: "holds a NUL character (U+0000)" }] },
    });
  }
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw validationProblem(where, result.error);
  return result.data;
}

/**
 * The Express handler of an endpoint: validates the input, runs the handler with the context `context` makes for the
 * request, validates the output (when asked) and sends it.
 */
export function handlerOf<C>(
  endpoint: Endpoint<C>,
  context: (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]) => C,
  options: { validateResponses: boolean },
): RequestHandler {
  return async (req, res) => {
    const input = {
      params: parse(endpoint.params, req.params, "params"),
      query: parse(endpoint.query, req.query, "query"),
      body: parse(endpoint.body, req.body, "body"),
    };
    const result = await endpoint.handle(input, context(req, res));
    if (result === STREAMED || res.headersSent) return;
    const reply = result instanceof Reply ? result : new Reply(result, endpoint.status ?? 200);
    if (options.validateResponses) {
      const checked = endpoint.output.safeParse(reply.body);
      if (!checked.success) {
        throw new Error(`response of ${endpoint.id} does not match its schema: ${JSON.stringify(checked.error.issues.slice(0, 3))}`);
      }
    }
    for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
    res.status(reply.status).json(reply.body);
  };
}

export function mount(router: Router, endpoint: AnyEndpoint, before: RequestHandler[], handler: RequestHandler): void {
  router[endpoint.method](expressPath(endpoint.path), ...before, handler);
}

const AUTH_ERRORS: Record<EndpointAuth, ProblemCode[]> = {
  public: [],
  token: ["UNAUTHENTICATED", "TOKEN_INVALID", "FORBIDDEN"],
  signature: ["UNAUTHENTICATED"],
};

const SECURITY: Record<EndpointAuth, RouteConfig["security"]> = {
  // Says so explicitly: an operation without `security` would inherit a global one, were one ever added.
  public: [],
  token: [{ bearer: [] }],
  signature: [{ eip191: [] }],
};

/**
 * The OpenAPI operation of an endpoint. `always` are the codes every endpoint of its surface can answer;
 * `problemSchema` is the registered schema of problem details.
 */
export function routeConfig(endpoint: AnyEndpoint, always: readonly ProblemCode[], problemSchema: z.ZodType): RouteConfig {
  const codes = [...new Set([...always, ...AUTH_ERRORS[endpoint.auth], ...endpoint.errors])];
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of codes) byStatus.set(PROBLEMS[code].status, [...(byStatus.get(PROBLEMS[code].status) ?? []), code]);
  const success = (description: string) => ({
    description,
    content: {
      "application/json": { schema: endpoint.output },
      ...(endpoint.alternative === undefined
        ? {}
        : { [endpoint.alternative.mediaType]: { schema: z.string().meta({ description: endpoint.alternative.description }) } }),
    },
  });
  const responses: RouteConfig["responses"] = { [endpoint.status ?? 200]: success("Success") };
  for (const reply of endpoint.replies ?? []) responses[reply.status] = success(reply.description);
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
    security: SECURITY[endpoint.auth],
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
