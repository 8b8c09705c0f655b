import { z } from "zod";

import { forbidden } from "../auth/access.js";
import { ApiError, defineEndpoint } from "../endpoint.js";
import { loadRecords, RegistryMismatchError } from "../../store/registry.js";

const MAX_RECORDS = 10_000;
const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "0x and 64 hexadecimal digits");

const body = z
  .strictObject({
    companies: z
      .array(z.strictObject({
        creditCode: z.string().max(64).meta({ description: "Unified social credit code, 18 characters, check character verified" }),
        name: z.string().max(200).meta({ description: "The registered name" }),
        nameEn: z.string().max(200).nullable().optional(),
      }))
      .max(MAX_RECORDS)
      .optional(),
    invoices: z
      .array(z.strictObject({
        supplierCreditCode: z.string().max(64).meta({ description: "The supplier's unified social credit code" }),
        invoiceNumber: z.string().max(64).meta({ description: "20 digits, or the 10- or 12-digit code and 8-digit number as CODE-NUMBER" }),
      }))
      .max(MAX_RECORDS)
      .optional(),
    salts: z
      .array(z.strictObject({
        commitment: hex32.meta({ description: "The evidence commitment of a redemption or claim" }),
        salt: hex32,
        documentHash: hex32.meta({ description: "keccak256 of the document's bytes" }),
      }))
      .max(MAX_RECORDS)
      .optional(),
  })
  .meta({ id: "RegistryRecords" });

/**
 * POST /v2/registry: an issuer loads names, credit codes, invoice numbers and document salts into the identity
 * registry. Every record is checked against the chain (as the mirror holds it) and all are written, or none.
 */
export const postRegistry = defineEndpoint({
  id: "postRegistry",
  method: "post",
  path: "/v2/registry",
  summary: "Load the identity registry (issuers): companies' names and credit codes, invoice numbers, document salts",
  description:
    "Each record is checked against the chain's hashes: a company's credit-code hash must be a registered company's, an " +
    "invoice's key (supplier and number hash) an invoice of that supplier, a salt must open a redemption's or claim's " +
    "evidence commitment (`keccak256(salt ‖ keccak256(document))`). One refused record refuses the whole load " +
    "(422 REGISTRY_MISMATCH, `errors` naming each). A record loaded again replaces the one before. Served by the mirror's " +
    "writer only (503 NOT_WRITER on a replica).",
  tag: "Ledger v2",
  auth: "token",
  body,
  output: z
    .strictObject({ companies: z.number().int(), invoices: z.number().int(), salts: z.number().int() })
    .meta({ id: "RegistryLoaded", description: "How many records of each kind were written" }),
  errors: ["REGISTRY_MISMATCH", "NOT_WRITER", "INVALID_JSON", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"],
  async handle(input, ctx) {
    if (ctx.access.kind !== "programmes") throw forbidden("only an issuer bound to a programme may load the identity registry");
    if (ctx.registry === undefined) throw new ApiError("NOT_WRITER", "this is a read-only replica: load the registry through the mirror's writer");
    try {
      return await loadRecords(ctx.registry, input.body, ctx.access.address);
    } catch (error) {
      if (!(error instanceof RegistryMismatchError)) throw error;
      throw new ApiError("REGISTRY_MISMATCH", `${error.problems.length} record(s) do not match the chain; nothing was written`, {
        errors: error.problems.map((p) => ({ path: `body.${p.path}`, message: p.message })),
      });
    }
  },
});
