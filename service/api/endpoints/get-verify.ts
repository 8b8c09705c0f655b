import { z } from "zod";

import { requireAll } from "../auth/access.js";
import { defineEndpoint } from "../endpoint.js";

const differenceSchema = z
  .strictObject({
    against: z.enum(["contract", "mirror", "registry"]).meta({
      description: "What the state rebuilt from the chain's logs was compared with: the contract, the mirror, or the identity registry (ledger v2)",
    }),
    entity: z.string().meta({ example: "voucher" }),
    key: z.string(),
    field: z.string(),
    expected: z.string().meta({ description: "What the chain's logs say" }),
    actual: z.string().meta({ description: "What the contract or the mirror says" }),
    block: z.number().int().nullable().meta({ description: "The block of the last event that touched it" }),
  })
  .meta({ id: "Difference" });

const reportSchema = z
  .strictObject({
    chainId: z.number().int(),
    ledger: z.string(),
    atBlock: z.number().int(),
    contractBlock: z.number().int().nullable().meta({
      description:
        "The block whose state the contract's views were read in: atBlock; where the node cannot read past state, its " +
        "head, checked not to have moved; null when not compared",
    }),
    historicalCalls: z.boolean().meta({ description: "Whether the node reads past state (eth_call at a block): the chain profile" }),
    events: z.number().int(),
    checked: z.union([
      z.strictObject({
        cities: z.number().int(), vouchers: z.number().int(), accreditations: z.number().int(), issuers: z.number().int(),
        roles: z.number().int(), redemptions: z.number().int(),
      }).meta({ description: "Ledger v1: what was compared" }),
      z.strictObject({
        programmes: z.number().int(), periods: z.number().int(), vouchers: z.number().int(), claims: z.number().int(),
        invoices: z.number().int(), redemptions: z.number().int(), payments: z.number().int(), companies: z.number().int(),
        accreditations: z.number().int(), payees: z.number().int(),
        registry: z.number().int().meta({ description: "Records of the identity registry checked against the chain" }),
      }).meta({ description: "Ledger v2: what was compared" }),
    ]),
    mirrorCompared: z.boolean().meta({ description: "Whether the mirror's event log was compared, up to atBlock" }),
    mirrorTablesCompared: z.boolean().meta({
      description: "Whether the mirror's tables were compared too: they hold the state at its checkpoint, so only when atBlock is it",
    }),
    mirrorCheckpoint: z.number().int().nullable().meta({ description: "The mirror's checkpoint when it was compared" }),
    differences: z.array(differenceSchema),
    ok: z.boolean(),
  })
  .meta({ id: "VerifyReport" });

/** GET /v1/verify: the chain-only rebuild compared with the contract and the mirror (auditors and governors). */
export const getVerify = defineEndpoint({
  id: "getVerify",
  method: "get",
  path: "/v1/verify",
  summary: "Rebuild the ledger from the chain's logs alone and compare it with the contract and the mirror",
  description: "Reads every log of the ledger; one verification runs at a time (concurrent requests share it).",
  tag: "Verification",
  auth: "token",
  output: reportSchema,
  errors: [],
  async handle(_input, ctx) {
    requireAll(ctx.access, "the verification report");
    return ctx.verify();
  },
});
