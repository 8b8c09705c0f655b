import { z } from "zod";

import { readiness } from "../chain-view.js";
import { defineEndpoint, STREAMED } from "../endpoint.js";
import { ApiError } from "../problem.js";

/** Operations endpoints: no token, small answers, in the OpenAPI document like the rest. */

const statusSchema = z
  .strictObject({
    chainId: z.number().int(),
    ledger: z.string(),
    accessManager: z.string(),
    ledgerVersion: z.union([z.literal(1), z.literal(2)]).meta({ description: "Which ledger the mirror follows (LEDGER_VERSION): 1 ComputeVoucher, 2 ledger v2" }),
    head: z.number().int().meta({ description: "The chain's newest block" }),
    indexed: z.number().int().meta({ description: "The last block the mirror has fully indexed" }),
    lag: z.number().int().meta({ description: "head − indexed" }),
    finalityDepth: z.number().int(),
    finalizedBlock: z.number().int().meta({
      description:
        "Blocks up to this one are final: the block the writer verified final (finality depth below a head it has " +
        "seen, linked by parent hash). -1 while the mirror is halted",
    }),
    nodeReachable: z.boolean(),
    halted: z
      .strictObject({ code: z.string(), reason: z.string() })
      .nullable()
      .meta({ description: "Why the mirror stopped: the chain replaced its final block (recorded by the writer, or seen on the node)" }),
    ready: z.boolean(),
    historicalCalls: z.boolean().meta({
      description:
        "Whether the node reads past state (eth_call at a block; FISCO BCOS does not): without it, verify reads the " +
        "contract at the head, checked not to have moved, against the mirror's history (time travel, atBlock, answers from it)",
    }),
    fees: z.enum(["eip1559", "legacy"]).meta({ description: "How the relay prices gas: legacy gasPrice where the node has no eth_feeHistory" }),
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
  summary: "Readiness: 200 once the mirror has caught up with the chain and its final block is on the node's chain, 503 before or when it halted",
  tag: "Operations",
  auth: "public",
  output: z.strictObject({ status: z.literal("ready"), head: z.number().int(), indexed: z.number().int() }),
  errors: ["NOT_READY", "MIRROR_HALTED"],
  async handle(_input, ctx) {
    const s = await ctx.chain.refresh();
    const r = readiness(s, ctx.config.readyMaxLag);
    if (!r.ready) throw new ApiError(r.code, r.detail);
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
      ledgerVersion: ctx.target.v2 === undefined ? (1 as const) : (2 as const),
      head: s.head,
      indexed: s.indexed,
      lag: Math.max(0, s.head - s.indexed),
      finalityDepth: ctx.finalityDepth,
      finalizedBlock: s.finalized,
      nodeReachable: s.nodeReachable,
      halted: s.halted ?? null,
      ready: readiness(s, ctx.config.readyMaxLag).ready,
      historicalCalls: ctx.profile.historicalCalls,
      fees: ctx.profile.fees,
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
