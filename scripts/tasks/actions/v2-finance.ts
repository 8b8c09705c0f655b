import type { TaskArguments } from "hardhat/types/tasks";

import * as c from "../../lib/ledger/claims.js";
import * as p from "../../lib/ledger/payments.js";
import { printStatement } from "../../lib/ledger/statement.js";
import { v2action } from "../ledger-run.js";
import { need, optional } from "../run.js";

/** Thin actions over scripts/lib/ledger/claims.ts, payments.ts and statement.ts. */

const invoice = (a: TaskArguments) => ({
  invoice: need(a, "invoice"),
  total: need(a, "total"),
  computeClass: need(a, "class"),
  serviceFrom: need(a, "serviceFrom"),
  serviceTo: need(a, "serviceTo"),
  gpuHours: need(a, "gpuHours"),
  paid: optional(a.paid),
});

export const claimAttest = v2action("SUPPLIER", (ctx, a) => c.attestInvoice(ctx, { ...invoice(a), buyer: need(a, "buyer") }));
export const claimSubmit = v2action("HOLDER", (ctx, a) =>
  c.submitClaim(ctx, {
    ...invoice(a),
    id: optional(a.id),
    programme: optional(a.programme),
    ref: optional(a.ref),
    amount: need(a, "amount"),
    supplier: need(a, "supplier"),
    contractDate: need(a, "contractDate"),
    attestation: need(a, "attestation"),
    paymentCommitment: need(a, "paymentCommitment"),
    contractCommitment: optional(a.contractCommitment),
    invoiceCommitment: optional(a.invoiceCommitment),
    electricityKwh: optional(a.electricityKwh),
    assessmentCommitment: optional(a.assessmentCommitment),
    unrelated: a.unrelated === true,
  }),
);
export const claimApprove = v2action("ISSUER", (ctx, a) => c.approveClaim(ctx, { claim: need(a, "claim") }));
export const claimReject = v2action("ISSUER", (ctx, a) => c.rejectClaim(ctx, { claim: need(a, "claim"), reason: need(a, "reason") }));
export const claimSettle = v2action("ANYONE", (ctx, a) => c.settleClaim(ctx, { claim: need(a, "claim") }));
export const claimShow = v2action("ANYONE", (ctx, a) => c.showClaim(ctx, { claim: need(a, "claim") }));

export const paymentRecord = v2action("FINANCE", (ctx, a) =>
  p.recordPayment(ctx, {
    programme: need(a, "programme"),
    payee: need(a, "payee"),
    year: need(a, "year"),
    amount: need(a, "amount"),
    reference: need(a, "reference"),
    salt: optional(a.salt),
    repayment: a.repayment === true,
  }),
);
export const paymentCorrect = v2action("FINANCE", (ctx, a) => p.correctEntry(ctx, { entry: need(a, "entry"), reason: need(a, "reason") }));

export const statement = v2action("ANYONE", (ctx, a) =>
  printStatement(ctx, { payee: need(a, "payee"), period: need(a, "period"), programme: optional(a.programme) }),
);
