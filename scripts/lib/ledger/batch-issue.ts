import { readFile } from "node:fs/promises";

import { stringify } from "csv-stringify/sync";
import { toBeHex } from "ethers";

import { revertData } from "../admin/errors.js";
import { UserError, formatAmount } from "../admin/format.js";
import { chunksOf, forEachConcurrently, lineRanges } from "../admin/work.js";
import { t } from "../i18n/index.js";
import { type CompanyRow, parseCompanyBatch } from "./batch-file.js";
import { chainNow, type LedgerContext } from "./context.js";
import { type Problem, decodeBatchFile, describeProblems } from "./csv.js";
import { fiscalYearOf, money, parseProgramme, shanghaiTime } from "./format.js";
import { BatchReport, readPending, reportPathFor } from "./report.js";
import { submitCall } from "./submit.js";

/**
 * Issuing a CSV batch by company under one programme: the whole file is checked against the chain first (each
 * company registered, each holder an active address of its company, references not issued, the year's budget and
 * every company's cap over the whole batch), then the rows not issued yet go out in chunks through `issueBatch`,
 * with a report of every row. Running it again after a stop skips what was issued (the ledger refuses an application
 * twice); a transaction an earlier run left pending is waited for first.
 */

export interface CompanyBatchOptions {
  programme: string;
  file: string;
  dryRun?: boolean;
  chunkSize?: number;
  reportPath?: string;
  /** Stops between chunks when aborted (Ctrl-C). */
  signal?: AbortSignal;
  /** Called after each chunk is mined (tests stop a run here). */
  afterChunk?: (chunk: number) => void;
}

export interface CompanyBatchResult {
  issued: number;
  skipped: number;
  stopped: boolean;
  reportPath?: string;
}

export interface CompanyReportEntry {
  line: number;
  reference: string;
  creditCode: string;
  entity: number;
  holder: string;
  faceValue: string;
  expiresOn: string;
  voucherId: string;
  transactionHash: string;
  block: number;
  status: "issued" | "issued before";
}

const CSV_OPTIONS = { escape_formulas: true, record_delimiter: "windows", quoted_match: /[\r\n]/ } as const;
const COLUMNS = ["line", "application_ref", "credit_code", "company", "holder", "face_value", "currency", "expires_on", "voucher_id", "transaction_hash", "block", "status"];

function reportFormat(currency: string) {
  return {
    csvHeader: () => stringify([COLUMNS], { ...CSV_OPTIONS, bom: true }),
    csvRow: (e: CompanyReportEntry) =>
      stringify(
        [[e.line, e.reference, e.creditCode, e.entity, e.holder, e.faceValue, currency, e.expiresOn, toBeHex(BigInt(e.voucherId), 32), e.transactionHash, e.block, e.status]],
        CSV_OPTIONS,
      ),
  };
}

interface Checked {
  rows: CompanyRow[];
  entityOf: Map<string, number>;
  toIssue: CompanyRow[];
  issuedBefore: CompanyReportEntry[];
  problems: Problem[];
}

/** Checks the whole file against the chain; sends nothing. */
export async function checkCompanyBatch(ctx: LedgerContext, programme: number, bytes: Uint8Array): Promise<Checked> {
  const decoded = decodeBatchFile(bytes);
  const empty = { rows: [], entityOf: new Map(), toIssue: [], issuedBefore: [] };
  if ("problem" in decoded) return { ...empty, problems: [decoded.problem] };
  const now = await chainNow(ctx);
  const { rows, problems } = await parseCompanyBatch(decoded.text, { programme, decimals: ctx.decimals, now });
  if (programme > Number(await ctx.registry.programmeCount())) {
    return { ...empty, rows, problems: [...problems, { line: 0, message: t("batch.noProgramme", { programme }) }] };
  }
  const [rules, paused] = await ctx.registry.getProgramme(programme);
  if (paused) problems.push({ line: 0, message: t("batch.paused", { programme }) });
  if (!(await ctx.ledger.isIssuer(ctx.signerAddress, programme))) {
    problems.push({ line: 0, message: t("batch.notIssuer", { signer: ctx.signerAddress, programme }) });
  }
  // Companies and holders.
  const entityOf = new Map<string, number>();
  for (const hash of new Set(rows.map((r) => r.creditCodeHash))) entityOf.set(hash, Number(await ctx.registry.entityByCreditCode(hash)));
  const accounts = new Map<string, { entity: number; active: boolean }>();
  await forEachConcurrently([...new Set(rows.map((r) => r.holder))], 16, async (holder) => {
    const [entity, active] = await ctx.registry.entityOf(holder);
    accounts.set(holder, { entity: Number(entity), active });
  });
  const valid: CompanyRow[] = [];
  for (const row of rows) {
    const entity = entityOf.get(row.creditCodeHash)!;
    const account = accounts.get(row.holder)!;
    if (entity === 0) problems.push({ line: row.line, message: t("batch.noCompany", { creditCode: row.creditCode }) });
    else if (account.entity !== entity || !account.active) {
      problems.push({
        line: row.line,
        message:
          account.entity === 0
            ? t("batch.holderNoCompany", { holder: row.holder, entity })
            : account.entity !== entity
              ? t("batch.holderOtherCompany", { holder: row.holder, other: account.entity, creditCode: row.creditCode, entity })
              : t("batch.holderRemoved", { holder: row.holder, entity }),
      });
    } else valid.push(row);
  }
  // Vouchers issued before: skipped when the chain holds the same holder and value, a problem otherwise.
  const toIssue: CompanyRow[] = [];
  const issuedBefore: CompanyReportEntry[] = [];
  const existing = new Set<bigint>();
  await forEachConcurrently(valid, 16, async (row) => {
    if (await voucherExists(ctx, row.voucherId)) existing.add(row.voucherId);
  });
  const events = existing.size === 0 ? [] : await ctx.ledger.queryFilter(ctx.ledger.filters.VoucherIssued(undefined, programme), ctx.fromBlock);
  const byId = new Map(events.map((e) => [e.args.id, e]));
  for (const row of valid) {
    if (!existing.has(row.voucherId)) {
      toIssue.push(row);
      continue;
    }
    const e = byId.get(row.voucherId);
    if (e === undefined) {
      problems.push({ line: row.line, message: t("batch.noIssueEvent", { reference: row.reference, block: ctx.fromBlock }) });
    } else if (e.args.holder !== row.holder || e.args.faceValue !== row.faceValue) {
      problems.push({
        line: row.line,
        message: t("batch.issuedOtherwise", { reference: row.reference, holder: e.args.holder, amount: money(e.args.faceValue, ctx.decimals, ctx.currency) }),
      });
    } else {
      issuedBefore.push(entryOf(ctx, row, Number(e.args.entity), e.args.expiresAt, e.transactionHash, e.blockNumber, "issued before"));
    }
  }
  // The year's budget and each company's cap, over the whole batch.
  const year = fiscalYearOf(now);
  const total = toIssue.reduce((s, r) => s + r.faceValue, 0n);
  const first = Number(rules.firstYear);
  if (year < first || year >= first + Number(rules.yearCount)) {
    if (toIssue.length > 0) problems.push({ line: 0, message: t("batch.noYear", { programme, year }) });
  } else {
    const p = await ctx.ledger.getPeriod(programme, year);
    const left = p.budget - (p.issued - p.revoked - p.expired - p.clawedBack);
    if (total > left) {
      problems.push({
        line: 0,
        message: t("batch.overBudget", { total: money(total, ctx.decimals, ctx.currency), year, programme, left: money(left, ctx.decimals, ctx.currency) }),
      });
    }
  }
  if (rules.capPerCompany > 0n) {
    const perCompany = new Map<number, CompanyRow[]>();
    for (const row of toIssue) {
      const entity = entityOf.get(row.creditCodeHash)!;
      perCompany.set(entity, [...(perCompany.get(entity) ?? []), row]);
    }
    for (const [entity, list] of perCompany) {
      const tally = await ctx.ledger.getTally(entity, programme);
      const counts = Number(tally.programme) === programme && (rules.capLifetime || Number(tally.year) === year);
      const left = rules.capPerCompany - (counts ? tally.committed : 0n);
      const asked = list.reduce((s, r) => s + r.faceValue, 0n);
      if (asked > left) {
        problems.push({
          line: list[0]!.line,
          message: t("batch.overCap", {
            creditCode: list[0]!.creditCode,
            asked: money(asked, ctx.decimals, ctx.currency),
            lines: lineRanges(list.map((r) => r.line)),
            left: money(left, ctx.decimals, ctx.currency),
          }),
        });
      }
    }
  }
  return { rows, entityOf, toIssue, issuedBefore, problems };
}

/** Whether the ledger has a voucher of this id (it refuses to read one it never issued). */
async function voucherExists(ctx: LedgerContext, id: bigint): Promise<boolean> {
  try {
    return Number((await ctx.ledger.getVoucher(id)).status) !== 0;
  } catch (error) {
    if ((revertData(error) ?? "").startsWith(ctx.ledger.interface.getError("VoucherLedgerUnknownVoucher")!.selector)) return false;
    throw error;
  }
}

function entryOf(
  ctx: LedgerContext,
  row: CompanyRow,
  entity: number,
  expiresAt: bigint,
  transactionHash: string,
  block: number,
  status: CompanyReportEntry["status"],
): CompanyReportEntry {
  return {
    line: row.line,
    reference: row.reference,
    creditCode: row.creditCode,
    entity,
    holder: row.holder,
    faceValue: formatAmount(row.faceValue, ctx.decimals),
    expiresOn: shanghaiTime(expiresAt),
    voucherId: row.voucherId.toString(),
    transactionHash,
    block,
    status,
  };
}

/** Issues a batch by company; see the module's comment. */
export async function issueCompanyBatch(ctx: LedgerContext, options: CompanyBatchOptions): Promise<CompanyBatchResult> {
  const programme = parseProgramme(options.programme);
  const chunkSize = options.chunkSize ?? 50;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new UserError(t("batch.chunkSize"));
  let bytes: Uint8Array;
  try {
    bytes = await readFile(options.file);
  } catch (error) {
    throw new UserError(t("batch.unreadable", { file: options.file, detail: (error as Error).message }));
  }
  const reportPath = options.reportPath ?? reportPathFor(options.file);
  const header = { ledger: await ctx.ledger.getAddress(), programme, currency: ctx.currency };
  const pending = await readPending(reportPath, header);
  if (pending !== undefined && (await ctx.provider.getTransactionReceipt(pending.transactionHash)) === null) {
    if ((await ctx.provider.getTransaction(pending.transactionHash)) !== null) {
      ctx.log(`Waiting for transaction ${pending.transactionHash} of an earlier run (lines ${pending.lines}) to be mined.`);
      await ctx.provider.waitForTransaction(pending.transactionHash, 1, 10 * 60_000);
    }
  }
  const check = await checkCompanyBatch(ctx, programme, bytes);
  if (check.problems.length > 0) {
    throw new UserError(t("batch.problems", { file: options.file, count: check.problems.length, problems: describeProblems(check.problems) }));
  }
  const total = check.toIssue.reduce((s, r) => s + r.faceValue, 0n);
  const chunks = chunksOf(check.toIssue, chunkSize);
  ctx.log(
    `${options.file}: ${check.rows.length} row(s); ${check.issuedBefore.length} issued before (skipped); ${check.toIssue.length} ` +
      `to issue, ${money(total, ctx.decimals, ctx.currency)} under programme ${programme}, in ${chunks.length} transaction(s).`,
  );
  for (const e of check.issuedBefore) ctx.log(`  line ${e.line}: ${e.reference} was issued before (transaction ${e.transactionHash}): skipped`);
  if (options.dryRun === true) {
    for (const row of check.toIssue.slice(0, 20)) {
      ctx.log(`  line ${row.line}: ${row.reference} -> ${row.creditCode} ${row.holder} ${money(row.faceValue, ctx.decimals, ctx.currency)}`);
    }
    ctx.log("Dry run: nothing was sent.");
    return { issued: 0, skipped: check.issuedBefore.length, stopped: false };
  }
  const report = new BatchReport<CompanyReportEntry>(reportPath, header, reportFormat(ctx.currency));
  for (const e of check.issuedBefore) report.set(e);
  await report.write(true);
  let issued = 0;
  try {
    for (let index = 0; index < chunks.length; index++) {
      if (options.signal?.aborted === true) {
        ctx.log(`Stopped after ${issued} voucher(s); run the same command again to issue the rest.`);
        return { issued, skipped: check.issuedBefore.length, stopped: true, reportPath };
      }
      const chunk = chunks[index]!;
      const lines = lineRanges(chunk.map((r) => r.line));
      const requests = chunk.map((r) => ({ holder: r.holder, applicationRef: r.applicationRef, faceValue: r.faceValue, expiresAt: r.expiresAt }));
      const receipt = await submitCall(
        ctx,
        {
          target: await ctx.ledger.getAddress(),
          data: ctx.ledger.interface.encodeFunctionData("issueBatch", [programme, requests]),
          label: `issue the vouchers of lines ${lines}`,
        },
        {
          onSent: async (transactionHash) => {
            report.setPending({ transactionHash, lines, sentAt: new Date().toISOString() });
            await report.write(true);
          },
        },
      );
      report.setPending(null);
      const byId = new Map(chunk.map((r) => [r.voucherId, r]));
      for (const log of receipt.logs) {
        const parsed = ctx.ledger.interface.parseLog(log);
        const row = parsed?.name === "VoucherIssued" ? byId.get(parsed.args.id as bigint) : undefined;
        if (row !== undefined) {
          report.set(entryOf(ctx, row, Number(parsed!.args.entity), parsed!.args.expiresAt as bigint, receipt.hash, receipt.blockNumber, "issued"));
        }
      }
      issued += chunk.length;
      await report.write();
      options.afterChunk?.(index);
    }
  } finally {
    await report.write(true);
  }
  ctx.log(`Issued ${issued} voucher(s); the reports are ${reportPath} and ${report.csvPath}.`);
  return { issued, skipped: check.issuedBefore.length, stopped: false, reportPath };
}
