import type { TaskArguments } from "hardhat/types/tasks";

import { issueCompanyBatch } from "../../lib/ledger/batch-issue.js";
import * as v from "../../lib/ledger/vouchers.js";
import { v2action } from "../ledger-run.js";
import { need, optional } from "../run.js";

/** Thin actions over scripts/lib/ledger/vouchers.ts and batch-issue.ts. */

const voucher = (a: TaskArguments) => ({ id: optional(a.id), programme: optional(a.programme), ref: optional(a.ref) });

export const voucherIssue = v2action("ISSUER", (ctx, a) =>
  v.issueVoucher(ctx, {
    programme: need(a, "programme"),
    ref: need(a, "ref"),
    holder: need(a, "holder"),
    amount: need(a, "amount"),
    expires: optional(a.expires),
  }),
);
export const voucherShow = v2action("ANYONE", (ctx, a) => v.showVoucher(ctx, voucher(a)));
export const voucherRevoke = v2action(
  (a) => (a.governor === true ? "GOVERNOR" : "ISSUER"),
  (ctx, a) => v.revokeVoucher(ctx, { ...voucher(a), reason: need(a, "reason"), asGovernor: a.governor === true }),
);
export const voucherExpire = v2action("ANYONE", (ctx, a) => v.expireVouchers(ctx, { ...voucher(a), ids: optional(a.ids), all: a.all === true }));
export const voucherReissue = v2action("ISSUER", (ctx, a) => v.requestReissue(ctx, { ...voucher(a), to: need(a, "to"), reason: need(a, "reason") }));
export const voucherReissueApprove = v2action("GOVERNOR", (ctx, a) => v.approveReissue(ctx, voucher(a)));
export const voucherReissueExecute = v2action("ISSUER", (ctx, a) => v.executeReissue(ctx, voucher(a)));
export const voucherReissueCancel = v2action("ISSUER", (ctx, a) => v.cancelReissue(ctx, { ...voucher(a), reason: need(a, "reason") }));
export const voucherFreeze = v2action("GUARDIAN", (ctx, a) => v.setFrozen(ctx, { ...voucher(a), reason: need(a, "reason") }, true));
export const voucherUnfreeze = v2action("GOVERNOR", (ctx, a) => v.setFrozen(ctx, { ...voucher(a), reason: need(a, "reason") }, false));

export const voucherBatchIssue = v2action("ISSUER", async (ctx, a) => {
  const controller = new AbortController();
  const stop = () => {
    ctx.log("Stopping after the transaction in flight (Ctrl-C again to force)…");
    controller.abort();
  };
  process.once("SIGINT", stop);
  try {
    await issueCompanyBatch(ctx, {
      programme: need(a, "programme"),
      file: need(a, "file"),
      dryRun: a.dryRun === true,
      chunkSize: Number(optional(a.chunkSize) ?? "50"),
      reportPath: optional(a.report),
      signal: controller.signal,
    });
  } finally {
    process.off("SIGINT", stop);
  }
});
