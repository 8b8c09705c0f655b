import { z } from "zod";

import { companyFilter, programmeFilter, v2Scope } from "../auth/access.js";
import type { RequestContext } from "../context.js";
import { csvColumns, streamCsv } from "../csv.js";
import { type CursorKey, decodeCursor, encodeCursor, type KeyType, MAX_LIMIT, pageQueryShape } from "../cursor.js";
import { ApiError, defineEndpoint, STREAMED } from "../endpoint.js";
import { amountSchema, hashSchema, timeSchema } from "../format.js";
import { AS_OF_SQL, dayInput, fiscalYearOf, midnightOf, REPORT_TIME_ZONE } from "../reports-v2.js";
import { companyInput, programmeInput } from "./v2-inputs.js";
import { companyIdentitySchema, identity, identityOf, logIdentifyingRead } from "../identities.js";

const int = z.number().int();
const LINE_KINDS = ["redemption", "claim", "clawback", "payment", "repayment"] as const;

const lineSchema = z
  .strictObject({
    kind: z.enum(LINE_KINDS),
    programme: int,
    at: timeSchema,
    amount: amountSchema.meta({ description: "What the line adds to what is payable (clawbacks and payments negative, repayments positive)" }),
    blockNumber: int,
    logIndex: int.nullable(),
    transactionHash: hashSchema,
    voucherId: z.string().nullable(),
    claimId: z.string().nullable(),
    invoiceKey: hashSchema.nullable(),
    entryId: z.string().nullable().meta({ description: "The payment ledger's entry" }),
  })
  .meta({ id: "StatementLine" });

const totalsSchema = z.strictObject({
  programme: int,
  opening: amountSchema.meta({ description: "Payable at the start of the period" }),
  earned: amountSchema.meta({ description: "Redeemed (suppliers) or claimed (buyers) in the period, less clawbacks" }),
  paid: amountSchema.meta({ description: "Paid in the period, less repayments" }),
  payable: amountSchema.meta({ description: "Payable at the end of the period: opening + earned - paid" }),
});

const statementSchema = z
  .strictObject({
    company: int,
    companyIdentity: companyIdentitySchema,
    role: z.enum(["supplier", "beneficiary"]),
    from: z.iso.date(),
    to: z.iso.date(),
    timeZone: z.literal(REPORT_TIME_ZONE),
    currency: z.string(),
    asOfBlock: int,
    totals: z.array(totalsSchema).meta({ description: "One per programme with any line up to the period's end" }),
    lines: z.array(lineSchema).meta({ description: "The period's lines, in chain order: one page of them (`limit`, `cursor`)" }),
    nextCursor: z.string().nullable().meta({ description: "Cursor of the next page of lines; null on the last page" }),
  })
  .meta({ id: "Statement" });

type Row = Record<string, unknown>;
/** A line's place in the statement's order: its block, its log index (a payment's, which has none, after every log), its entry. */
const LINE_KEY: KeyType[] = ["bigint", "bigint", "text"];
const NO_LOG_INDEX = 2_147_483_647;
type Role = "supplier" | "beneficiary";

/**
 * Everything that changed what a programme owes company `$1`, ever, with the records that make each line checkable
 * on chain: a supplier's redemptions, or a buyer's approved claims (the approval's transaction), the clawbacks of
 * either, and the payment ledger's entries that stand.
 */
function linesSql(role: Role): string {
  const earned = role === "supplier"
    ? `SELECT 'redemption' AS kind, r.programme, r.block_timestamp AS at, r.amount, r.block_number, r.log_index, r.transaction_hash,
              r.voucher_id::text, NULL::text AS claim_id, r.invoice_key, NULL::text AS entry_id
         FROM v2_redemptions r WHERE r.supplier_entity = $1`
    : `SELECT 'claim', c.programme, e.block_timestamp, c.amount, e.block_number, e.log_index, e.transaction_hash,
              c.voucher_id::text, c.claim_id::text, c.invoice_key, NULL::text
         FROM v2_claims c JOIN events e ON e.contract = 'ledger' AND e.event_name = 'ClaimApproved' AND e.claim_id = c.claim_id
        WHERE c.beneficiary_entity = $1 AND c.status = 'Approved'`;
  return `${earned}
  UNION ALL
  SELECT 'clawback', k.programme, k.block_timestamp, -k.amount, k.block_number, k.log_index, k.transaction_hash, k.voucher_id::text,
         k.claim_id::text, k.invoice_key, NULL
    FROM v2_clawbacks k WHERE k.payee = $1 AND k.kind = '${role === "supplier" ? "redemption" : "claim"}'
  UNION ALL
  SELECT lower(b.kind), b.programme, b.recorded_at, CASE b.kind WHEN 'Payment' THEN -b.amount ELSE b.amount END, b.block_number, NULL,
         b.transaction_hash, NULL, NULL, NULL, b.entry_id::text
    FROM v2_payment_entries b WHERE b.payee = $1 AND NOT b.corrected`;
}

function defineStatement(role: Role, id: string, path: string) {
  return defineEndpoint({
    id,
    method: "get",
    path,
    summary: `A ${role}'s statement for a period: ${role === "supplier" ? "redeemed" : "claimed"}, clawed back, paid, payable, with the records behind each line`,
    description:
      "Days in Asia/Shanghai, inclusive; default the fiscal year of the mirror's checkpoint. The lines are keyset-paged in chain order " +
      `(\`limit\`, default ${MAX_LIMIT}; \`cursor\` from \`nextCursor\`); the totals are the whole period's on every page. \`format=csv\` ` +
      "(or `Accept: text/csv`) gives every line as CSV. A company reads its own statements only; an issuer its programmes' lines.",
    tag: "Ledger v2 reports",
    auth: "token",
    params: z.strictObject({ entity: companyInput }),
    query: z.strictObject({
      from: dayInput.optional().meta({ description: "First day (inclusive)" }),
      to: dayInput.optional().meta({ description: "Last day (inclusive)" }),
      programme: programmeInput.optional(),
      cursor: pageQueryShape.cursor,
      limit: pageQueryShape.limit.default(MAX_LIMIT).meta({ description: `Lines per page (1–${MAX_LIMIT}, default ${MAX_LIMIT})` }),
      format: pageQueryShape.format,
    }),
    output: statementSchema,
    alternative: { mediaType: "text/csv", description: "The statement's lines as CSV (the hardening issue's safe CSV)" },
    errors: ["INVALID_CURSOR"],
    async handle({ params, query }, ctx: RequestContext) {
      const scope = v2Scope(ctx.access, "statements");
      companyFilter(scope, params.entity, "statements");
      const programmes = programmeFilter(scope, query.programme, "statements");
      const asOf = (await ctx.db.query<Row>(AS_OF_SQL))[0]!;
      const year = fiscalYearOf(Number(asOf.at));
      const from = query.from ?? `${year}-01-01`;
      const to = query.to ?? `${year}-12-31`;
      if (from > to) throw new ApiError("VALIDATION_FAILED", `from (${from}) is after to (${to})`, { errors: [{ path: "query.from", message: "after to" }] });
      const start = midnightOf(from);
      const end = midnightOf(to) + 86_400;
      const lines = `SELECT *, coalesce(log_index, ${NO_LOG_INDEX}) AS ord, coalesce(entry_id, '') AS tie
          FROM (${linesSql(role)}) x(kind, programme, at, amount, block_number, log_index, transaction_hash, voucher_id, claim_id, invoice_key, entry_id)
         WHERE ($4::int[] IS NULL OR programme = ANY($4::int[])) AND at < $3`;
      const values = [params.entity, start, end, programmes ?? null];
      const f = ctx.format;
      const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
      /** The period's lines after `key` in chain order (payments, which have no log index, last in their block), at most `n`. */
      const page = async (key: CursorKey | undefined, n: number) => {
        const rows = await ctx.db.query<Row>(
          `SELECT kind, programme, at::text, amount::text, block_number::text, log_index, transaction_hash, voucher_id, claim_id, invoice_key,
                  entry_id, ord::text, tie
             FROM (${lines}) l
            WHERE at >= $2 AND ($5::bigint IS NULL OR (block_number, ord, tie) > ($5::bigint, $6::bigint, $7::text))
            ORDER BY block_number, ord, tie LIMIT $8`,
          [...values, key?.[0] ?? null, key?.[1] ?? null, key?.[2] ?? null, n],
        );
        return rows.map((r) => ({
          key: [Number(r.block_number), Number(r.ord), String(r.tie)] as CursorKey,
          line: {
            kind: String(r.kind) as (typeof LINE_KINDS)[number], programme: Number(r.programme), at: f.time(r.at), amount: f.amount(r.amount),
            blockNumber: Number(r.block_number), logIndex: r.log_index === null ? null : Number(r.log_index), transactionHash: String(r.transaction_hash),
            voucherId: text(r.voucher_id), claimId: text(r.claim_id), invoiceKey: text(r.invoice_key), entryId: text(r.entry_id),
          },
        }));
      };
      let after = decodeCursor(id, query.cursor, LINE_KEY);
      if (query.format === "csv" || (query.format === undefined && ctx.req.accepts(["application/json", "text/csv"]) === "text/csv")) {
        let done = false;
        await streamCsv(ctx.res, `${role}-statement-${params.entity}-${from}-${to}`, csvColumns(lineSchema), async () => {
          if (done) return undefined;
          const rows = await page(after, MAX_LIMIT);
          if (rows.length < MAX_LIMIT) done = true;
          if (rows.length > 0) after = rows[rows.length - 1]!.key;
          return rows.map((r) => r.line);
        });
        return STREAMED;
      }
      const totals = await ctx.db.query<Row>(
        `SELECT programme,
                coalesce(sum(amount) FILTER (WHERE at < $2), 0)::text AS opening,
                coalesce(sum(amount) FILTER (WHERE at >= $2 AND kind IN ('redemption', 'claim', 'clawback')), 0)::text AS earned,
                coalesce(-sum(amount) FILTER (WHERE at >= $2 AND kind IN ('payment', 'repayment')), 0)::text AS paid,
                coalesce(sum(amount), 0)::text AS payable
           FROM (${lines}) l GROUP BY programme ORDER BY programme`,
        values,
      );
      const rows = await page(after, query.limit + 1);
      const shown = rows.slice(0, query.limit);
      const named = await ctx.db.query<Row>(`SELECT ${identityOf("$1::int")} AS identity`, [params.entity]);
      const companyIdentity = identity(named[0]?.identity);
      if (companyIdentity !== null) await logIdentifyingRead(ctx, id, { ...params, ...query }, [`company ${params.entity}`]);
      return {
        company: params.entity, companyIdentity, role, from, to, timeZone: REPORT_TIME_ZONE, currency: f.currency, asOfBlock: Number(asOf.block),
        totals: totals.map((r) => ({
          programme: Number(r.programme), opening: f.amount(r.opening), earned: f.amount(r.earned), paid: f.amount(r.paid),
          payable: f.amount(r.payable),
        })),
        lines: shown.map((r) => r.line),
        nextCursor: rows.length > query.limit ? encodeCursor(id, shown[shown.length - 1]!.key) : null,
      };
    },
  });
}

/** GET /v2/statements/suppliers/{entity}: what a supplier redeemed, had clawed back, was paid, and is owed. */
export const getSupplierStatement = defineStatement("supplier", "getSupplierStatement", "/v2/statements/suppliers/{entity}");
/** GET /v2/statements/beneficiaries/{entity}: what a buyer claimed (approved), had clawed back, was paid, and is owed. */
export const getBeneficiaryStatement = defineStatement("beneficiary", "getBeneficiaryStatement", "/v2/statements/beneficiaries/{entity}");
