import { readFile, rename, writeFile } from "node:fs/promises";

import { formatEther } from "ethers";

import type { IComputeVoucher } from "../../../types/ethers-contracts/index.js";
import { type BatchRow, checkBatch, describeProblems, existingVouchers } from "./batch-check.js";
import type { AdminContext } from "./context.js";
import { explainError, revertData } from "./errors.js";
import { UserError, formatAmount } from "./format.js";

export interface BatchIssueOptions {
  city: number;
  file: string;
  dryRun?: boolean;
  /** Vouchers per transaction. */
  chunkSize?: number;
  /** Where the report goes; `<file>.report.json` by default. */
  reportPath?: string;
  /** Called after each chunk with the number of rows done (issued or found issued) and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Called right after a chunk's transaction is sent, before it is mined (tests interrupt here). */
  afterSend?: (chunk: number, transactionHash: string) => void | Promise<void>;
  /** Stops between chunks when aborted (Ctrl-C). */
  signal?: AbortSignal;
}

export interface ReportEntry {
  line: number;
  reference: string;
  holder: string;
  faceValue: string;
  voucherId: string;
  transactionHash: string;
  block: number;
}

export interface BatchIssueResult {
  issued: number;
  skipped: number;
  gasEstimate: bigint;
  reportPath?: string;
  stopped: boolean;
}

/** The default report path: the input's name with `.report.json` in place of its extension. */
export function reportPathFor(file: string): string {
  return `${file.replace(/\.csv$/i, "")}.report.json`;
}

/**
 * Issues the vouchers of a CSV batch file in `city`: checks the whole file first (and stops, sending nothing, on
 * any problem), then sends the rows not issued yet in chunks through `issueBatch`, and writes a report of every
 * row's voucher, transaction and block next to the input. Running it again after an interruption skips what was
 * issued; the ledger itself refuses an application issued twice.
 */
export async function batchIssue(ctx: AdminContext, options: BatchIssueOptions): Promise<BatchIssueResult> {
  const { city, decimals, currency } = { ...ctx, city: options.city };
  const chunkSize = options.chunkSize ?? 50;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new UserError("--chunk-size must be a positive number");
  let text: string;
  try {
    text = await readFile(options.file, "utf8");
  } catch (error) {
    throw new UserError(`cannot read the batch file ${options.file}: ${(error as Error).message}`);
  }
  const check = await checkBatch(ctx, city, text);
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

  if (options.dryRun === true) {
    let gas = 0n;
    for (const chunk of chunks) gas += await ctx.ledger.issueBatch.estimateGas(city, chunk.map(requestOf));
    const fees = await ctx.provider.getFeeData();
    const price = fees.gasPrice ?? fees.maxFeePerGas ?? 0n;
    ctx.log(`Dry run: would use about ${gas} gas, costing ${formatEther(gas * price)} in the chain's native coin.`);
    for (const row of check.toIssue) {
      ctx.log(
        `  line ${row.line}: ${row.reference} -> ${row.holder} ${formatAmount(row.faceValue, decimals)} ${currency}`,
      );
    }
    ctx.log("Nothing was sent.");
    return { issued: 0, skipped: check.alreadyIssued.length, gasEstimate: gas, stopped: false };
  }

  const reportPath = options.reportPath ?? reportPathFor(options.file);
  const report = new Map<number, ReportEntry>();
  for (const entry of await findIssued(ctx, check.alreadyIssued)) report.set(entry.line, entry);
  const done = () => report.size;
  await writeReport(reportPath, ctx, city, report);
  options.onProgress?.(done(), check.rows.length);

  let issued = 0;
  for (let index = 0; index < chunks.length; index++) {
    if (options.signal?.aborted === true) {
      ctx.log(`Stopped after ${issued} voucher(s); run the same command again to issue the rest.`);
      return { issued, skipped: check.alreadyIssued.length, gasEstimate: 0n, reportPath, stopped: true };
    }
    const sent = await sendChunk(ctx, city, chunks[index]!, index, options);
    for (const entry of sent.entries) report.set(entry.line, entry);
    issued += sent.issued;
    await writeReport(reportPath, ctx, city, report);
    options.onProgress?.(done(), check.rows.length);
  }
  ctx.log(`Issued ${issued} voucher(s); the report is in ${reportPath}.`);
  return { issued, skipped: check.alreadyIssued.length, gasEstimate: 0n, reportPath, stopped: false };
}

/** Sends one chunk; if the ledger says some of its vouchers exist already (a transaction sent by a run that was
 * interrupted got mined since), drops those and sends the rest. */
async function sendChunk(
  ctx: AdminContext,
  city: number,
  chunk: BatchRow[],
  index: number,
  options: BatchIssueOptions,
): Promise<{ entries: ReportEntry[]; issued: number }> {
  let rows = chunk;
  const entries: ReportEntry[] = [];
  const existsSelector = ctx.ledger.interface.getError("ComputeVoucherExists")!.selector;
  for (let attempt = 0; rows.length > 0; attempt++) {
    const failed = (error: unknown) =>
      new UserError(
        `sending the vouchers of lines ${rows[0]!.line}..${rows.at(-1)!.line} failed: ${explainError(error)}. ` +
          "What was sent before is in the report; run the same command again to continue.",
      );
    let tx: Awaited<ReturnType<typeof ctx.ledger.issueBatch>>;
    try {
      tx = await ctx.ledger.issueBatch(city, rows.map(requestOf));
    } catch (error) {
      // A transaction of an interrupted run may have been mined since the check: drop what exists, send the rest.
      if (attempt > 0 || !(revertData(error) ?? "").startsWith(existsSelector)) throw failed(error);
      const existing = await existingVouchers(ctx, rows);
      entries.push(
        ...(await findIssued(
          ctx,
          rows.filter((row) => existing.has(row.voucherId)),
        )),
      );
      rows = rows.filter((row) => !existing.has(row.voucherId));
      continue;
    }
    await options.afterSend?.(index, tx.hash);
    const receipt = await tx.wait().catch((error: unknown) => {
      throw failed(error);
    });
    if (receipt === null || receipt.status !== 1) throw failed(new Error(`transaction ${tx.hash} failed`));
    const byId = new Map(rows.map((row) => [row.voucherId, row]));
    for (const log of receipt.logs) {
      const parsed = ctx.ledger.interface.parseLog(log);
      const row = parsed?.name === "VoucherIssued" ? byId.get(parsed.args[0] as bigint) : undefined;
      if (row !== undefined) entries.push(entryOf(ctx, row, receipt.hash, receipt.blockNumber));
    }
    return { entries, issued: rows.length };
  }
  return { entries, issued: 0 };
}

/** Report entries, with transaction and block, for rows whose vouchers were issued before (read from events). */
async function findIssued(ctx: AdminContext, rows: BatchRow[]): Promise<ReportEntry[]> {
  const entries: ReportEntry[] = [];
  for (let i = 0; i < rows.length; i += 100) {
    const slice = rows.slice(i, i + 100);
    const byId = new Map(slice.map((row) => [row.voucherId, row]));
    const filter = ctx.ledger.filters.VoucherIssued(slice.map((row) => row.voucherId) as unknown as bigint);
    for (const event of await ctx.ledger.queryFilter(filter, ctx.fromBlock, "latest")) {
      const row = byId.get(event.args.id);
      if (row !== undefined) entries.push(entryOf(ctx, row, event.transactionHash, event.blockNumber));
    }
  }
  return entries;
}

function entryOf(ctx: AdminContext, row: BatchRow, transactionHash: string, block: number): ReportEntry {
  return {
    line: row.line,
    reference: row.reference,
    holder: row.holder,
    faceValue: formatAmount(row.faceValue, ctx.decimals),
    voucherId: row.voucherId.toString(),
    transactionHash,
    block,
  };
}

function requestOf(row: BatchRow): IComputeVoucher.IssueRequestStruct {
  return { holder: row.holder, applicationRef: row.applicationRef, faceValue: row.faceValue, expiresAt: row.expiresAt };
}

function chunksOf<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Writes the report atomically, rows in file order. */
async function writeReport(path: string, ctx: AdminContext, city: number, report: Map<number, ReportEntry>) {
  const body = {
    ledger: await ctx.ledger.getAddress(),
    city,
    currency: ctx.currency,
    updatedAt: new Date().toISOString(),
    vouchers: [...report.values()].sort((a, b) => a.line - b.line),
  };
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(body, null, 2)}\n`);
  await rename(temporary, path);
}
