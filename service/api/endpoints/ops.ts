import { z } from "zod";

import { defineEndpoint, STREAMED } from "../endpoint.js";
import { ApiError } from "../problem.js";

/** Operations endpoints: no token, small answers, in the OpenAPI document like the rest. */

const statusSchema = z
  .strictObject({
    chainId: z.number().int(),
    ledger: z.string(),
    accessManager: z.string(),
    head: z.number().int().meta({ description: "The chain's newest block" }),
    indexed: z.number().int().meta({ description: "The last block the mirror has fully indexed" }),
    lag: z.number().int().meta({ description: "head − indexed" }),
    finalityDepth: z.number().int(),
    finalizedBlock: z.number().int().meta({ description: "Blocks up to this one are final (head − finality depth)" }),
    nodeReachable: z.boolean(),
    ready: z.boolean(),
  })
  .meta({ id: "Status" });

export const getHealth = defineEndpoint({
  id: "getHealth",
  method: "get",
  path: "/health",
  summary: "Liveness: the process answers",
  tag: "Operations",
  auth: "public",
  output: z.strictObject({ status: z.literal("ok") }),
  errors: [],
  async handle() {
    return { status: "ok" as const };
  },
});

export const getReady = defineEndpoint({
  id: "getReady",
  method: "get",
  path: "/ready",
  summary: "Readiness: 200 once the mirror has caught up with the chain, 503 before",
  tag: "Operations",
  auth: "public",
  output: z.strictObject({ status: z.literal("ready"), head: z.number().int(), indexed: z.number().int() }),
  errors: ["NOT_READY"],
  async handle(_input, ctx) {
    const s = await ctx.chain.refresh();
    if (!s.nodeReachable || s.indexed < 0 || s.head - s.indexed > ctx.config.readyMaxLag) {
      throw new ApiError("NOT_READY", `indexed block ${s.indexed}, head ${s.head}${s.nodeReachable ? "" : " (node unreachable)"}`);
    }
    return { status: "ready" as const, head: s.head, indexed: s.indexed };
  },
});

export const getStatus = defineEndpoint({
  id: "getStatus",
  method: "get",
  path: "/status",
  summary: "Head, indexed block, lag and finality depth",
  tag: "Operations",
  auth: "public",
  output: statusSchema,
  errors: [],
  async handle(_input, ctx) {
    const s = await ctx.chain.refresh();
    return {
      chainId: ctx.target.chainId,
      ledger: ctx.target.ledger,
      accessManager: ctx.target.accessManager,
      head: s.head,
      indexed: s.indexed,
      lag: Math.max(0, s.head - s.indexed),
      finalityDepth: ctx.finalityDepth,
      finalizedBlock: Math.max(-1, s.head - ctx.finalityDepth),
      nodeReachable: s.nodeReachable,
      ready: s.nodeReachable && s.indexed >= 0 && s.head - s.indexed <= ctx.config.readyMaxLag,
    };
  },
});

export const getMetrics = defineEndpoint({
  id: "getMetrics",
  method: "get",
  path: "/metrics",
  summary: "Prometheus metrics: requests, latency, sync lag, events indexed",
  tag: "Operations",
  auth: "public",
  output: z.string(),
  alternative: { mediaType: "text/plain", description: "Prometheus text exposition format" },
  errors: [],
  async handle(_input, ctx) {
    const text = await ctx.metrics.registry.metrics();
    ctx.res.status(200).type(ctx.metrics.registry.contentType).send(text);
    return STREAMED;
  },
});
