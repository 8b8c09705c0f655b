import { dirname, resolve } from "node:path";

import type { TaskArguments } from "hardhat/types/tasks";

import { batchIssue } from "../../lib/admin/batch-issue.js";
import { parseCity } from "../../lib/admin/format.js";
import * as v from "../../lib/admin/vouchers.js";
import { action, optional } from "../run.js";
import { need } from "./governor.js";

const selector = (a: TaskArguments) => ({ id: optional(a.id), city: optional(a.city), ref: optional(a.ref) });
const actorOf = (a: TaskArguments) => (a.governor === true ? "GOVERNOR" : "ISSUER");

export const voucherIssue = action("ISSUER", (ctx, a) =>
  v.issueOne(ctx, {
    city: need(a, "city"),
    ref: need(a, "ref"),
    holder: need(a, "holder"),
    amount: need(a, "amount"),
    expires: optional(a.expires),
  }),
);

export const voucherShow = action("ANYONE", (ctx, a) => v.showVoucher(ctx, selector(a)));

export const voucherRevoke = (a: TaskArguments, hre: Parameters<ReturnType<typeof action>>[1]) =>
  action(actorOf(a), (ctx) =>
    v.revokeVoucher(ctx, { ...selector(a), reason: need(a, "reason"), asGovernor: a.governor === true }),
  )(a, hre);

export const voucherReissue = (a: TaskArguments, hre: Parameters<ReturnType<typeof action>>[1]) =>
  action(actorOf(a), (ctx) =>
    v.reissueVoucher(ctx, {
      ...selector(a),
      holder: need(a, "holder"),
      newRef: need(a, "newRef"),
      reason: need(a, "reason"),
      expires: optional(a.expires),
      asGovernor: a.governor === true,
    }),
  )(a, hre);

export const voucherExpire = action("ANYONE", (ctx, a) =>
  v.expireVouchers(ctx, { ...selector(a), all: a.all === true }),
);

/** A one-line progress bar on the terminal (a line per chunk when the output is not a terminal). */
function progressBar(done: number, total: number): void {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const text = `[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${text}${done === total ? "\n" : ""}`);
  else process.stderr.write(`${text}\n`);
}

export const voucherBatchIssue = action("ISSUER", async (ctx, a) => {
  const file = resolve(need(a, "file"));
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write("\nStopping after the transaction in flight (press Ctrl-C again to quit now)...\n");
    controller.abort();
  };
  process.on("SIGINT", onInterrupt);
  try {
    await batchIssue(ctx, {
      city: parseCity(need(a, "city")),
      file,
      dryRun: a.dryRun === true,
      chunkSize: Number(a.chunkSize),
      reportPath: optional(a.report) === undefined ? undefined : resolve(dirname(file), String(a.report)),
      onProgress: progressBar,
      signal: controller.signal,
    });
  } finally {
    process.off("SIGINT", onInterrupt);
  }
});
