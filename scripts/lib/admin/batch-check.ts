import { parse } from "csv-parse/sync";
import { AbiCoder, keccak256 } from "ethers";

import { ROLE } from "../roles.js";
import type { AdminContext } from "./context.js";
import { revertData } from "./errors.js";
import { UserError, formatAmount, formatDate, parseAddress, parseAmount, parseDate, referenceCode } from "./format.js";

/** The columns of a batch file, in the order a template shows them; `expires_on` may be left out. */
export const BATCH_COLUMNS = ["application_ref", "holder", "face_value", "expires_on"] as const;
const REQUIRED_COLUMNS = ["application_ref", "holder", "face_value"] as const;

/** One valid row of a batch file. */
export interface BatchRow {
  line: number;
  reference: string;
  applicationRef: string;
  holder: string;
  faceValue: bigint;
  /** Unix seconds; 0 = the city's default validity. */
  expiresAt: bigint;
  voucherId: bigint;
}

/** A mistake, with the line of the file it is on (0 for the batch as a whole). */
export interface Problem {
  line: number;
  message: string;
}

export interface BatchCheck {
  rows: BatchRow[];
  /** Rows whose voucher does not exist yet: what a run would issue. */
  toIssue: BatchRow[];
  /** Rows issued before with the same holder and value (an earlier, interrupted run): skipped. */
  alreadyIssued: BatchRow[];
  problems: Problem[];
}

/** The voucher id the ledger gives the application `applicationRef` of `city`. */
export function voucherIdOf(city: number, applicationRef: string): bigint {
  return BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint32", "bytes32"], [city, applicationRef])));
}

/** Formats problems as the lines a person reads, sorted by line. */
export function describeProblems(problems: Problem[]): string {
  return [...problems]
    .sort((a, b) => a.line - b.line)
    .map((p) => (p.line === 0 ? `  batch: ${p.message}` : `  line ${p.line}: ${p.message}`))
    .join("\n");
}

/** Parses the text of a batch file: the header, then every row on its own. No chain access. */
export function parseBatchFile(text: string, decimals: number, now: bigint): { rows: BatchRow[]; problems: Problem[] } {
  const problems: Problem[] = [];
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 0;
    return { rows: [], problems: [{ line, message: `the file is not valid CSV: ${(error as Error).message}` }] };
  }
  const [header, ...body] = records;
  if (header === undefined) return { rows: [], problems: [{ line: 1, message: "the file is empty" }] };
  const columns = header.record.map((name) => name.toLowerCase());
  const unknown = columns.filter((name) => !(BATCH_COLUMNS as readonly string[]).includes(name));
  const missing = REQUIRED_COLUMNS.filter((name) => !columns.includes(name));
  if (unknown.length > 0 || missing.length > 0 || new Set(columns).size !== columns.length) {
    const parts = [
      missing.length > 0 ? `missing column(s) ${missing.join(", ")}` : "",
      unknown.length > 0 ? `unknown column(s) ${unknown.map((c) => `"${c}"`).join(", ")}` : "",
      new Set(columns).size !== columns.length ? "a column appears twice" : "",
    ].filter((part) => part !== "");
    problems.push({
      line: header.info.lines,
      message: `the header is wrong: ${parts.join("; ")}. It must be: ${BATCH_COLUMNS.join(",")} (expires_on optional)`,
    });
    return { rows: [], problems };
  }
  if (body.length === 0) problems.push({ line: header.info.lines, message: "the file has a header but no rows" });

  const rows: BatchRow[] = [];
  const firstLineOf = new Map<string, number>();
  for (const { record, info } of body) {
    const line = info.lines;
    if (record.slice(columns.length).some((extra) => extra !== "")) {
      problems.push({ line, message: `the row has ${record.length} cells but the header ${columns.length} columns` });
      continue;
    }
    const cell = (name: string): string => record[columns.indexOf(name)] ?? "";
    const before = problems.length;
    const attempt = <T>(what: string, parseCell: () => T): T | undefined => {
      try {
        return parseCell();
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        problems.push({ line, message: `${what}: ${error.message}` });
        return undefined;
      }
    };
    const reference = cell("application_ref");
    const applicationRef = attempt("application_ref", () => referenceCode(reference, "the application reference"));
    const holder = attempt("holder", () => parseAddress(cell("holder")));
    const faceValue = attempt("face_value", () => parseAmount(cell("face_value"), decimals));
    const expiresAt = attempt("expires_on", () => {
      const text = cell("expires_on");
      if (text === "") return 0n;
      const at = parseDate(text);
      if (at <= now) throw new UserError(`the expiry ${formatDate(at)} is not in the future`);
      return at;
    });
    if (applicationRef !== undefined) {
      const first = firstLineOf.get(reference);
      if (first !== undefined) {
        problems.push({ line, message: `application_ref "${reference}" appears already on line ${first}` });
      } else {
        firstLineOf.set(reference, line);
      }
    }
    if (problems.length === before && applicationRef && holder && faceValue !== undefined && expiresAt !== undefined) {
      rows.push({ line, reference, applicationRef, holder, faceValue, expiresAt, voucherId: 0n });
    }
  }
  return { rows, problems };
}

/**
 * Checks a whole batch file against the chain before anything is sent: the file itself (see
 * {@link parseBatchFile}), the city, the issuer's role and binding, the pause, references already issued, the
 * city's remaining budget and every holder's cap over the whole batch. Sends nothing.
 */
export async function checkBatch(ctx: AdminContext, city: number, text: string): Promise<BatchCheck> {
  const { ledger, manager, signerAddress, decimals } = ctx;
  const latest = await ctx.provider.getBlock("latest");
  const now = BigInt(latest?.timestamp ?? Math.floor(Date.now() / 1000));
  const { rows, problems } = parseBatchFile(text, decimals, now);
  for (const row of rows) row.voucherId = voucherIdOf(city, row.applicationRef);

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
  const existing = await existingVouchers(ctx, rows);
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
  await checkHolderCaps(ctx, city, cityParams.holderCap, toIssue, problems);
  return { rows, toIssue, alreadyIssued, problems };
}

async function checkHolderCaps(
  ctx: AdminContext,
  city: number,
  cap: bigint,
  toIssue: BatchRow[],
  problems: Problem[],
): Promise<void> {
  if (cap === 0n) return;
  const totals = new Map<string, bigint>();
  const reported = new Set<string>();
  const linesOf = new Map<string, number[]>();
  for (const row of toIssue) {
    if (!totals.has(row.holder)) totals.set(row.holder, await ctx.ledger.issuedTo(city, row.holder));
    const total = totals.get(row.holder)! + row.faceValue;
    totals.set(row.holder, total);
    linesOf.set(row.holder, [...(linesOf.get(row.holder) ?? []), row.line]);
    if (total > cap && !reported.has(row.holder)) {
      reported.add(row.holder);
      const lines = linesOf.get(row.holder)!;
      problems.push({
        line: row.line,
        message:
          `holder ${row.holder} would receive ${formatAmount(total, ctx.decimals)} ${ctx.currency} in city ${city} ` +
          `(including earlier vouchers${lines.length > 1 ? ` and lines ${lines.slice(0, -1).join(", ")}` : ""}), ` +
          `above the cap of ${formatAmount(cap, ctx.decimals)}`,
      });
    }
  }
}

interface ExistingVoucher {
  holder: string;
  faceValue: bigint;
  expiresAt: bigint;
  reissuedTo: bigint;
}

/** The vouchers among the rows' ids that exist on the ledger, a few calls at a time. */
export async function existingVouchers(ctx: AdminContext, rows: BatchRow[]): Promise<Map<bigint, ExistingVoucher>> {
  const found = new Map<bigint, ExistingVoucher>();
  const unknownSelector = ctx.ledger.interface.getError("ComputeVoucherUnknownVoucher")!.selector;
  const lookup = async (row: BatchRow) => {
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
  };
  for (let i = 0; i < rows.length; i += 25) await Promise.all(rows.slice(i, i + 25).map(lookup));
  return found;
}
