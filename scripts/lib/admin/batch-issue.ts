import { readFile } from "node:fs/promises";

import { formatEther } from "ethers";

import type { IComputeVoucher } from "../../../types/ethers-contracts/index.js";
import { type BatchRow, type CheckStage, checkBatch, describeProblems, existingVouchers } from "./batch-check.js";
import { BatchReport, type ReportEntry, readPending, reportPathFor } from "./batch-report.js";
import type { AdminContext } from "./context.js";
import { explainError, revertData } from "./errors.js";
import { UserError, formatAmount, formatDate } from "./format.js";
import { chunksOf, forEachConcurrently, lineRanges } from "./work.js";

export { reportPathFor } from "./batch-report.js";
export type { ReportEntry } from "./batch-report.js";

export interface BatchIssueOptions {
  city: number;
  file: string;
  dryRun?: boolean;
  /** Vouchers per transaction. */
  chunkSize?: number;
  /** Where the JSON report goes; `<file>.report.json` by default, and the CSV report beside it. */
  reportPath?: string;
  /** Called after each chunk with the number of rows done (issued or found issued) and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Called as the check (and a dry run's estimate) goes: the stage, what is done of it, its total. */
  onCheck?: (stage: CheckStage | "issued" | "gas", done: number, total: number) => void;
  /** Called right after a chunk's transaction is sent and recorded, before it is mined (tests interrupt here). */
  afterSend?: (chunk: number, transactionHash: string) => void | Promise<void>;
  /** How long to wait for a transaction an earlier run left pending; 10 minutes by default. */
  pendingTimeoutMs?: number;
  /** Stops between chunks, or the wait for an earlier run's transaction, when aborted (Ctrl-C). */
  signal?: AbortSignal;
}

export interface BatchIssueResult {
  issued: number;
  skipped: number;
  gasEstimate: bigint;
  reportPath?: string;
  csvReportPath?: string;
  stopped: boolean;
}

/** Rows listed one by one on the console (to issue in a dry run, or skipped); the rest are counted. */
const LISTED_ROWS = 20;

/**
 * Issues the vouchers of a CSV batch file in `city`: waits for a transaction an earlier run left pending, checks the
 * whole file (and stops, sending nothing, on any problem), then sends the rows not issued yet in chunks through
 * `issueBatch`, and writes the reports of every row's voucher, transaction and block next to the input. Running it
 * again after an interruption skips what was issued; the ledger itself refuses an application issued twice.
 */
export async function batchIssue(ctx: AdminContext, options: BatchIssueOptions): Promise<BatchIssueResult> {
  const { city, decimals, currency } = { ...ctx, city: options.city };
  const chunkSize = options.chunkSize ?? 50;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new UserError("--chunk-size must be a positive number");
  let bytes: Uint8Array;
  try {
    bytes = await readFile(options.file);
  } catch (error) {
    throw new UserError(`cannot read the batch file ${options.file}: ${(error as Error).message}`);
  }
  const reportPath = options.reportPath ?? reportPathFor(options.file);
  const header = { ledger: await ctx.ledger.getAddress(), city, currency };
  await waitForEarlierRun(ctx, reportPath, header, options);

  const check = await checkBatch(ctx, city, bytes, options.onCheck);
  if (check.problems.length > 0) {
    throw new UserError(
      `${options.file} has ${check.problems.length} problem(s); nothing was sent:\n${describeProblems(check.problems)}`,
    );
  }
  const total = check.toIssue.reduce((sum, row) => sum + row.faceValue, 0n);
  const chunks = chunksOf(check.toIssue, chunkSize);
  ctx.log(
    `${options.file}: ${check.rows.length} row(s); ${check.alreadyIssued.length} issued before (skipped); ` +
      `${check.toIssue.length} to issue, ${formatAmount(total, decimals)} ${currency} in city ${city}, ` +
      `in ${chunks.length} transaction(s) of at most ${chunkSize}.`,
  );
  const before = await issuedBefore(ctx, check.alreadyIssued, options);
  logSkipped(ctx, before);

  if (options.dryRun === true) {
    const gas = await estimateGas(ctx, city, chunks, options);
    const fees = await ctx.provider.getFeeData();
    const price = fees.gasPrice ?? fees.maxFeePerGas ?? 0n;
    ctx.log(`Dry run: would use about ${gas} gas, costing ${formatEther(gas * price)} in the chain's native coin.`);
    for (const row of check.toIssue.slice(0, LISTED_ROWS)) {
      ctx.log(
        `  line ${row.line}: ${row.reference} -> ${row.holder} ${formatAmount(row.faceValue, decimals)} ${currency}`,
      );
    }
    if (check.toIssue.length > LISTED_ROWS) ctx.log(`  … and ${check.toIssue.length - LISTED_ROWS} more row(s)`);
    ctx.log("Nothing was sent.");
    return { issued: 0, skipped: check.alreadyIssued.length, gasEstimate: gas, stopped: false };
  }

  const report = new BatchReport(reportPath, header);
  for (const entry of before) report.set(entry);
  await report.write(true);
  options.onProgress?.(report.size, check.rows.length);
  const result = (issued: number, stopped: boolean): BatchIssueResult => ({
    issued,
    skipped: check.alreadyIssued.length,
    gasEstimate: 0n,
    reportPath,
    csvReportPath: report.csvPath,
    stopped,
  });

  let issued = 0;
  try {
    for (let index = 0; index < chunks.length; index++) {
      if (options.signal?.aborted === true) {
        ctx.log(`Stopped after ${issued} voucher(s); run the same command again to issue the rest.`);
        return result(issued, true);
      }
      issued += await sendChunk(ctx, city, chunks[index]!, index, report, options);
      await report.write();
      options.onProgress?.(report.size, check.rows.length);
    }
  } finally {
    await report.write(true);
  }
  ctx.log(`Issued ${issued} voucher(s); the reports are ${reportPath} and ${report.csvPath}.`);
  return result(issued, false);
}

/**
 * Before checking, waits for what an earlier run may have left in flight: the transaction its report records as
 * pending, and any other transaction of this account the node has not mined yet. Otherwise the check would count
 * those rows as still to issue, and sending them again would fail with "exists already".
 */
async function waitForEarlierRun(
  ctx: AdminContext,
  reportPath: string,
  header: { ledger: string; city: number; currency: string },
  options: BatchIssueOptions,
): Promise<void> {
  const deadline = Date.now() + (options.pendingTimeoutMs ?? 10 * 60_000);
  const dry = options.dryRun === true;
  const recorded = await readPending(reportPath, header);
  if (recorded !== undefined && (await ctx.provider.getTransactionReceipt(recorded.transactionHash)) === null) {
    const { transactionHash, lines } = recorded;
    if ((await ctx.provider.getTransaction(transactionHash)) === null) {
      ctx.log(
        `Transaction ${transactionHash} of an earlier run (lines ${lines}) is no longer known to the node: ` +
          "those rows are checked again like the others.",
      );
    } else if (dry) {
      ctx.log(`Note: transaction ${transactionHash} of an earlier run (lines ${lines}) is still pending.`);
    } else {
      ctx.log(
        `Transaction ${transactionHash} of an earlier run (lines ${lines}) is still pending: waiting for it ` +
          "before checking the file (Ctrl-C stops waiting).",
      );
      await waitFor(
        async () => (await ctx.provider.getTransactionReceipt(transactionHash)) !== null,
        deadline,
        options.signal,
        `transaction ${transactionHash} of an earlier run (lines ${lines})`,
      );
      ctx.log(`Transaction ${transactionHash} is mined.`);
    }
  }
  const account = ctx.signerAddress;
  const [inPool, mined] = await Promise.all([
    ctx.provider.getTransactionCount(account, "pending"),
    ctx.provider.getTransactionCount(account, "latest"),
  ]);
  if (inPool <= mined) return;
  if (dry) {
    ctx.log(`Note: account ${account} has ${inPool - mined} transaction(s) pending; rows they issue show as to issue.`);
    return;
  }
  ctx.log(
    `Account ${account} has ${inPool - mined} transaction(s) pending (sent before this run): waiting for them ` +
      "before checking the file (Ctrl-C stops waiting).",
  );
  await waitFor(
    async () => (await ctx.provider.getTransactionCount(account, "latest")) >= inPool,
    deadline,
    options.signal,
    `${inPool - mined} transaction(s) of account ${account}`,
  );
}

async function waitFor(done: () => Promise<boolean>, deadline: number, signal: AbortSignal | undefined, what: string) {
  while (!(await done())) {
    if (signal?.aborted === true) throw new UserError(`stopped while waiting for ${what}; nothing was sent`);
    if (Date.now() > deadline) {
      throw new UserError(
        `${what} is still pending: the node has not mined it. Nothing was sent; run the same command again ` +
          "once it is mined (or dropped)",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Sends one chunk; if the ledger says some of its vouchers exist already (a transaction sent by a run that was
 * interrupted got mined since), reports those as issued before and sends the rest. Returns how many it issued. */
async function sendChunk(
  ctx: AdminContext,
  city: number,
  chunk: BatchRow[],
  index: number,
  report: BatchReport,
  options: BatchIssueOptions,
): Promise<number> {
  let rows = chunk;
  const existsSelector = ctx.ledger.interface.getError("ComputeVoucherExists")!.selector;
  for (let attempt = 0; rows.length > 0; attempt++) {
    const lines = lineRanges(rows.map((row) => row.line));
    const failed = (error: unknown) =>
      new UserError(
        `sending the vouchers of lines ${lines} failed: ${explainError(error)}. ` +
          "What was sent before is in the report; run the same command again to continue.",
      );
    let tx: Awaited<ReturnType<typeof ctx.ledger.issueBatch>>;
    try {
      tx = await ctx.ledger.issueBatch(city, rows.map(requestOf));
    } catch (error) {
      // A transaction of an interrupted run may have been mined since the check: drop what exists, send the rest.
      if (attempt > 0 || !(revertData(error) ?? "").startsWith(existsSelector)) throw failed(error);
      const existing = await existingVouchers(ctx, rows);
      for (const entry of await issuedBefore(
        ctx,
        rows.filter((row) => existing.has(row.voucherId)),
      )) {
        report.set(entry);
      }
      rows = rows.filter((row) => !existing.has(row.voucherId));
      continue;
    }
    report.setPending({ transactionHash: tx.hash, lines, sentAt: new Date().toISOString() });
    await report.write();
    await options.afterSend?.(index, tx.hash);
    const receipt = await tx.wait().catch((error: unknown) => {
      throw failed(error); // the transaction stays recorded as pending: a run started again waits for it
    });
    report.setPending(null);
    if (receipt === null || receipt.status !== 1) throw failed(new Error(`transaction ${tx.hash} failed`));
    const byId = new Map(rows.map((row) => [row.voucherId, row]));
    for (const log of receipt.logs) {
      const parsed = ctx.ledger.interface.parseLog(log);
      const row = parsed?.name === "VoucherIssued" ? byId.get(parsed.args[0] as bigint) : undefined;
      if (row !== undefined) {
        const { holder, faceValue, expiresAt } = parsed!.args.toObject() as {
          holder: string;
          faceValue: bigint;
          expiresAt: bigint;
        };
        report.set(entryOf(ctx, row, { holder, faceValue, expiresAt }, receipt.hash, receipt.blockNumber, "issued"));
      }
    }
    return rows.length;
  }
  return 0;
}

/**
 * Report entries for rows whose vouchers exist already, as the chain holds them: holder, amount and expiry from the
 * event that created the voucher (VoucherIssued, or VoucherReissued for a re-issue's new voucher), with its
 * transaction and block.
 */
async function issuedBefore(ctx: AdminContext, rows: BatchRow[], options?: BatchIssueOptions): Promise<ReportEntry[]> {
  const entries = new Map<bigint, ReportEntry>();
  const byId = new Map(rows.map((row) => [row.voucherId, row]));
  const { ledger } = ctx;
  await forEachConcurrently(
    chunksOf(rows, 100),
    4,
    async (slice) => {
      const ids = slice.map((row) => row.voucherId) as unknown as bigint;
      for (const event of await ledger.queryFilter(ledger.filters.VoucherIssued(ids), ctx.fromBlock, "latest")) {
        const row = byId.get(event.args.id)!;
        entries.set(row.voucherId, entryOf(ctx, row, event.args, event.transactionHash, event.blockNumber));
      }
      const missing = slice.filter((row) => !entries.has(row.voucherId));
      if (missing.length === 0) return;
      const newIds = missing.map((row) => row.voucherId) as unknown as bigint;
      const filter = ledger.filters.VoucherReissued(undefined, newIds);
      for (const event of await ledger.queryFilter(filter, ctx.fromBlock, "latest")) {
        const row = byId.get(event.args.newId)!;
        const { newHolder, amount, expiresAt } = event.args;
        const args = { holder: newHolder, faceValue: amount, expiresAt };
        entries.set(row.voucherId, entryOf(ctx, row, args, event.transactionHash, event.blockNumber));
      }
    },
    (done, total) => options?.onCheck?.("issued", done, total),
  );
  const found = rows.filter((row) => entries.has(row.voucherId)).map((row) => entries.get(row.voucherId)!);
  if (found.length < rows.length) {
    const lost = rows.filter((row) => !entries.has(row.voucherId)).map((row) => row.line);
    throw new UserError(
      `the vouchers of lines ${lineRanges(lost)} exist on the ledger, but no event issuing them was found from block ` +
        `${ctx.fromBlock}: is the deployment block right? Nothing was sent`,
    );
  }
  return found;
}

function logSkipped(ctx: AdminContext, entries: ReportEntry[]): void {
  for (const entry of entries.slice(0, LISTED_ROWS)) {
    ctx.log(
      `  line ${entry.line}: ${entry.reference} was issued before to ${entry.holder}, ${entry.faceValue} ` +
        `${ctx.currency}, in transaction ${entry.transactionHash} (block ${entry.block}): skipped`,
    );
  }
  if (entries.length > LISTED_ROWS) {
    const rest = entries.slice(LISTED_ROWS).map((entry) => entry.line);
    ctx.log(`  … and lines ${lineRanges(rest)}, issued before too: skipped (each is in the report)`);
  }
}

/** Transactions a dry run estimates one by one; a larger batch is estimated from this many spread over it. */
const GAS_SAMPLE = 100;

/**
 * The gas of the batch's transactions, each estimated against the chain as it is now (which also simulates it), a
 * few at a time. Above {@link GAS_SAMPLE} transactions, that many evenly spread over the batch are estimated and the
 * total scaled by vouchers; the log says so.
 */
async function estimateGas(ctx: AdminContext, city: number, chunks: BatchRow[][], options: BatchIssueOptions) {
  const step = Math.max(1, chunks.length / GAS_SAMPLE);
  const sample = [
    ...new Set(Array.from({ length: Math.min(chunks.length, GAS_SAMPLE) }, (_, i) => Math.floor(i * step))),
  ];
  if (chunks.length > 1 && !sample.includes(chunks.length - 1)) sample.push(chunks.length - 1);
  let gas = 0n;
  let vouchers = 0;
  await forEachConcurrently(
    sample,
    4,
    async (index) => {
      gas += await ctx.ledger.issueBatch.estimateGas(city, chunks[index]!.map(requestOf));
      vouchers += chunks[index]!.length;
    },
    (done, total) => options.onCheck?.("gas", done, total),
  );
  if (sample.length === chunks.length) return gas;
  const all = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  ctx.log(`(gas estimated for ${sample.length} of the ${chunks.length} transactions, spread over the batch)`);
  return (gas * BigInt(all)) / BigInt(vouchers);
}

function entryOf(
  ctx: AdminContext,
  row: BatchRow,
  onChain: { holder: string; faceValue: bigint; expiresAt: bigint },
  transactionHash: string,
  block: number,
  status: ReportEntry["status"] = "issued before",
): ReportEntry {
  return {
    line: row.line,
    reference: row.reference,
    holder: onChain.holder,
    faceValue: formatAmount(onChain.faceValue, ctx.decimals),
    expiresOn: formatDate(onChain.expiresAt),
    voucherId: row.voucherId.toString(),
    transactionHash,
    block,
    status,
  };
}

function requestOf(row: BatchRow): IComputeVoucher.IssueRequestStruct {
  return { holder: row.holder, applicationRef: row.applicationRef, faceValue: row.faceValue, expiresAt: row.expiresAt };
}
