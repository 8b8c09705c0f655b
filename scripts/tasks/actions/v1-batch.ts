/** `npx hardhat v1 batch-issue`: ledger v1's batch issue by city, kept for the batch benchmark until the service follows v2. */
import { dirname, resolve } from "node:path";


import { batchIssue } from "../../lib/admin/batch-issue.js";
import { parseCity } from "../../lib/admin/format.js";
import { action, need, optional } from "../run.js";

/** What each stage of a batch run is doing, for its progress line. */
const STAGES: Record<string, string> = {
  file: "reading the file",
  vouchers: "looking up its vouchers",
  holders: "reading holders' tallies",
  issued: "reading earlier transactions",
  gas: "estimating gas",
  issue: "issuing",
};

/**
 * A progress line on stderr: one line redrawn on a terminal (at most 10 times a second), else a line at each tenth
 * of the way, so that a log of a 100,000-row run stays short. The check's stages show only for large files, where
 * they take a while.
 */
function progressLine(): (stage: string, done: number, total: number) => void {
  let last = { stage: "", tenth: -1, at: 0 };
  return (stage, done, total) => {
    if (stage !== "issue" && total < 1000) return;
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    const label = (STAGES[stage] ?? stage).padEnd(28);
    const text = `${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total}`;
    const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
    const now = Date.now();
    if (process.stderr.isTTY) {
      if (stage === last.stage && done !== total && now - last.at < 100) return;
      process.stderr.write(`\r${text}${done === total ? "\n" : ""}`);
    } else {
      if (stage === last.stage && tenth === last.tenth) return;
      process.stderr.write(`${text}\n`);
    }
    last = { stage, tenth, at: now };
  };
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
  const progress = progressLine();
  try {
    await batchIssue(ctx, {
      city: parseCity(need(a, "city")),
      file,
      dryRun: a.dryRun === true,
      chunkSize: Number(a.chunkSize),
      reportPath: optional(a.report) === undefined ? undefined : resolve(dirname(file), String(a.report)),
      onCheck: progress,
      onProgress: (done, total) => progress("issue", done, total),
      signal: controller.signal,
    });
  } finally {
    process.off("SIGINT", onInterrupt);
  }
});
