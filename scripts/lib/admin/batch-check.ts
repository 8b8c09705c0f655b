import { ROLE } from "../../../service/domain/roles-v1.js";
import { type BatchRow, type Problem, decodeBatchFile, parseBatchFile } from "./batch-file.js";
import type { AdminContext } from "./context.js";
import { revertData } from "./errors.js";
import { formatAmount } from "./format.js";
import { forEachConcurrently, yielder } from "./work.js";

export { BATCH_COLUMNS, type BatchRow, type Problem, voucherIdOf } from "./batch-file.js";

/** Calls to the node in flight at once while checking: enough to hide latency, few enough for a shared node. */
export const READ_CONCURRENCY = 16;

/** What the check is doing, for a progress display: reading the file, reading vouchers, reading holders' tallies. */
export type CheckStage = "file" | "vouchers" | "holders";
export type CheckProgress = (stage: CheckStage, done: number, total: number) => void;

export interface BatchCheck {
  rows: BatchRow[];
  /** Rows whose voucher does not exist yet: what a run would issue. */
  toIssue: BatchRow[];
  /** Rows issued before with the same holder and value (an earlier, interrupted run): skipped. */
  alreadyIssued: BatchRow[];
  problems: Problem[];
}

export { describeProblems } from "../ledger/csv.js";

/**
 * Checks a whole batch file against the chain before anything is sent: the file itself (see
 * {@link parseBatchFile}), the city, the issuer's role and binding, the pause, references already issued, the
 * city's remaining budget and every holder's cap over the whole batch. Sends nothing. Reads the chain a few calls at
 * a time and never holds the event loop for long, so that 100,000 rows finish.
 */
export async function checkBatch(
  ctx: AdminContext,
  city: number,
  file: string | Uint8Array,
  onProgress?: CheckProgress,
): Promise<BatchCheck> {
  const { ledger, manager, signerAddress, decimals } = ctx;
  const decoded = typeof file === "string" ? { text: file } : decodeBatchFile(file);
  if ("problem" in decoded) return { rows: [], toIssue: [], alreadyIssued: [], problems: [decoded.problem] };
  const latest = await ctx.provider.getBlock("latest");
  const now = BigInt(latest?.timestamp ?? Math.floor(Date.now() / 1000));
  const { rows, problems } = await parseBatchFile(decoded.text, {
    city,
    decimals,
    now,
    onProgress: (done, total) => onProgress?.("file", done, total),
  });

  const registered = (await ledger.cityCodes()).map(Number).includes(city);
  if (!registered) {
    problems.push({ line: 0, message: `city ${city} is not registered on the ledger` });
    return { rows, toIssue: [], alreadyIssued: [], problems };
  }
  const [hasIssuer] = await manager.hasRole(ROLE.ISSUER, signerAddress);
  if (!hasIssuer) problems.push({ line: 0, message: `account ${signerAddress} does not have the ISSUER role` });
  const boundTo = Number(await ledger.issuerCity(signerAddress));
  if (boundTo !== city) {
    problems.push({
      line: 0,
      message: `account ${signerAddress} is ${boundTo === 0 ? "not bound to any city" : `bound to city ${boundTo}`}, not to ${city}`,
    });
  }
  if (await ledger.paused()) problems.push({ line: 0, message: "the ledger is paused: nothing can be issued now" });

  const toIssue: BatchRow[] = [];
  const alreadyIssued: BatchRow[] = [];
  const existing = await existingVouchers(ctx, rows, (done, total) => onProgress?.("vouchers", done, total));
  for (const row of rows) {
    const record = existing.get(row.voucherId);
    if (record === undefined) {
      toIssue.push(row);
    } else if (
      record.holder === row.holder &&
      (record.faceValue === row.faceValue || record.reissuedTo !== 0n) &&
      (row.expiresAt === 0n || record.expiresAt === row.expiresAt)
    ) {
      alreadyIssued.push(row);
    } else {
      problems.push({
        line: row.line,
        message:
          `application_ref "${row.reference}" was already issued on the ledger to ${record.holder} for ` +
          `${formatAmount(record.faceValue, decimals)} ${ctx.currency}, which this row does not match`,
      });
    }
  }

  const cityParams = await ledger.getCity(city);
  const counters = await ledger.getCityCounters(city);
  const available = cityParams.budget - (counters.issued - counters.revoked - counters.expired);
  let running = 0n;
  for (const row of toIssue) {
    running += row.faceValue;
    if (running > available) {
      problems.push({
        line: row.line,
        message:
          `the batch needs ${formatAmount(running, decimals)} ${ctx.currency} up to this line, but city ${city} has ` +
          `only ${formatAmount(available, decimals)} left in its budget`,
      });
      break;
    }
  }
  await checkHolderCaps(ctx, city, cityParams.holderCap, toIssue, problems, onProgress);
  return { rows, toIssue, alreadyIssued, problems };
}

/** Each holder's tally (read from the ledger once per holder) plus the batch's rows, against the city's cap. */
async function checkHolderCaps(
  ctx: AdminContext,
  city: number,
  cap: bigint,
  toIssue: BatchRow[],
  problems: Problem[],
  onProgress?: CheckProgress,
): Promise<void> {
  if (cap === 0n) return;
  const holders = [...new Set(toIssue.map((row) => row.holder))];
  const totals = new Map<string, bigint>();
  await forEachConcurrently(
    holders,
    READ_CONCURRENCY,
    async (holder) => {
      totals.set(holder, await ctx.ledger.issuedTo(city, holder));
    },
    (done, total) => onProgress?.("holders", done, total),
  );
  const reported = new Set<string>();
  const linesOf = new Map<string, number[]>();
  const pause = yielder();
  for (const row of toIssue) {
    const total = totals.get(row.holder)! + row.faceValue;
    totals.set(row.holder, total);
    const lines = linesOf.get(row.holder) ?? [];
    if (lines.length === 0) linesOf.set(row.holder, lines);
    lines.push(row.line);
    if (total > cap && !reported.has(row.holder)) {
      reported.add(row.holder);
      problems.push({
        line: row.line,
        message:
          `holder ${row.holder} would receive ${formatAmount(total, ctx.decimals)} ${ctx.currency} in city ${city} ` +
          `(including earlier vouchers${lines.length > 1 ? ` and lines ${lines.slice(0, -1).join(", ")}` : ""}), ` +
          `above the cap of ${formatAmount(cap, ctx.decimals)}`,
      });
    }
    await pause();
  }
}

export interface ExistingVoucher {
  holder: string;
  faceValue: bigint;
  expiresAt: bigint;
  reissuedTo: bigint;
}

/** The vouchers among the rows' ids that exist on the ledger, read {@link READ_CONCURRENCY} calls at a time. */
export async function existingVouchers(
  ctx: AdminContext,
  rows: BatchRow[],
  onProgress?: (done: number, total: number) => void,
): Promise<Map<bigint, ExistingVoucher>> {
  const found = new Map<bigint, ExistingVoucher>();
  const unknownSelector = ctx.ledger.interface.getError("ComputeVoucherUnknownVoucher")!.selector;
  await forEachConcurrently(
    rows,
    READ_CONCURRENCY,
    async (row) => {
      try {
        const v = await ctx.ledger.getVoucher(row.voucherId);
        found.set(row.voucherId, {
          holder: v.holder,
          faceValue: v.faceValue,
          expiresAt: v.expiresAt,
          reissuedTo: v.reissuedTo,
        });
      } catch (error) {
        if (!(revertData(error) ?? "").startsWith(unknownSelector)) throw error;
      }
    },
    onProgress,
  );
  return found;
}
