import type { z } from "zod";

import { type Endpoint as AnyContextEndpoint, type AnyEndpoint, endpointDefiner, expressPath, handlerOf as handlerWith, mount, Reply, routeConfig, STREAMED } from "../internal/endpoint.js";
import type { ProblemCode } from "../internal/problems.js";
import type { ApiServices, RequestContext } from "./context.js";
import { ApiError } from "./problem.js";

/** An audit API endpoint: the service's one endpoint style (service/internal/endpoint.ts), with the API's context. */
export type Endpoint<
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  O extends z.ZodType = z.ZodType,
> = AnyContextEndpoint<RequestContext, P, Q, B, O>;

export const defineEndpoint = endpointDefiner<RequestContext>();

/** What every audit API endpoint can answer besides its own codes (it runs under the API's limits and timeout). */
export const API_ALWAYS: ProblemCode[] = ["BAD_REQUEST", "VALIDATION_FAILED", "RATE_LIMITED", "INTERNAL", "UNAVAILABLE", "TIMEOUT"];

/** The Express handler of an API endpoint, with the services and the caller's access as its context. */
export function handlerOf(endpoint: AnyEndpoint, services: ApiServices, options: { validateResponses: boolean }) {
  return handlerWith(endpoint as Endpoint, (req, res) => ({ ...services, access: res.locals.access ?? { kind: "none", address: null }, req, res }), options);
}

export { ApiError, type AnyEndpoint, expressPath, mount, Reply, routeConfig, STREAMED };
