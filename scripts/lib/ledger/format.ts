import { dateOfDay, dayNumber, dayOfInstant, IdentityError, canonicalCreditCode, instantOfDate } from "../../../service/domain/identity.js";
import { UserError, formatAmount } from "../admin/format.js";
import { shanghaiTime as isoInstant } from "../governance/time.js";
import { type MessageKey, t } from "../i18n/index.js";

/**
 * How the ledger v2 tools write and read what people type: amounts in CNY decimals with thousands separators, dates
 * as ISO dates in China Standard Time (Asia/Shanghai, the fiscal year's clock), companies by their unified social
 * credit code.
 */

const GROUPED = new Intl.NumberFormat("en-US", { useGrouping: true });

/** Minor units as a decimal amount with separators and the currency ("1,250,000.00 CNY"). */
export function money(minor: bigint, decimals = 2, currency = "CNY"): string {
  const plain = formatAmount(minor, decimals);
  const negative = plain.startsWith("-");
  const [whole, fraction] = (negative ? plain.slice(1) : plain).split(".");
  const grouped = GROUPED.format(BigInt(whole!));
  return `${negative ? "-" : ""}${grouped}${fraction === undefined ? "" : `.${fraction}`} ${currency}`;
}

/** An instant (unix seconds) as an ISO date in Asia/Shanghai; with its time (+08:00) unless it is midnight there. */
export function shanghaiTime(seconds: bigint | number): string {
  const iso = isoInstant(seconds);
  return iso.endsWith("T00:00:00+08:00") ? iso.slice(0, 10) : iso;
}

/** The ISO date (Asia/Shanghai) of an instant. */
export function shanghaiDate(seconds: bigint | number): string {
  return dateOfDay(dayOfInstant(seconds));
}

/** The fiscal year (the calendar year in Asia/Shanghai) of an instant. */
export function fiscalYearOf(seconds: bigint | number): number {
  return Number(shanghaiDate(seconds).slice(0, 4));
}

/**
 * Parses an ISO date ("2027-06-30": 00:00 in Asia/Shanghai) or an ISO date-time with its offset
 * ("2027-06-30T12:00:00+08:00") into unix seconds.
 */
export function parseInstant(text: string, what = t("what.date")): bigint {
  const value = text.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    try {
      return instantOfDate(value);
    } catch (error) {
      throw new UserError(t("instant.invalid", { what, detail: identityMessage(error) }));
    }
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return BigInt(Math.floor(ms / 1000));
  }
  throw new UserError(t("instant.notDate", { what, value }));
}

/** Parses an ISO date into the ledger's day number (days since 1970-01-01). */
export function parseDay(text: string, what = t("what.date")): number {
  try {
    return dayNumber(text.trim());
  } catch (error) {
    throw new UserError(t("instant.invalid", { what, detail: identityMessage(error) }));
  }
}

/** What an {@link IdentityError} says, in the environment's language; another error's message as it is. */
export function identityMessage(error: unknown): string {
  if (!(error instanceof IdentityError)) return (error as Error).message;
  const { kind, ...values } = error.problem;
  return t(`identity.${kind}` as MessageKey, values);
}

/** A unified social credit code in its canonical form, its check character verified (GB 32100-2015). */
export function parseCreditCode(text: string, what = t("what.creditCode")): string {
  try {
    return canonicalCreditCode(text);
  } catch (error) {
    if (error instanceof IdentityError) throw new UserError(t("creditCode.invalid", { what, value: text.trim(), detail: identityMessage(error) }));
    throw error;
  }
}

/** A whole number within [min, max]. */
export function parseWhole(text: string | number, what: string, min = 1, max = 2 ** 32 - 1): number {
  const value = String(text).trim();
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UserError(`${what} "${value}" is not a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

/** A programme's id. */
export function parseProgramme(text: string | number): number {
  return parseWhole(text, "the programme", 1);
}

/** GPU-hours as a decimal with at most two places, in hundredths (the ledger's centihours). */
export function parseGpuHours(text: string): bigint {
  const value = text.trim();
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(value);
  if (match === null) throw new UserError(`the GPU-hours "${value}" are not a number like 720 or 720.5`);
  return BigInt(match[1]!) * 100n + BigInt((match[2] ?? "").padEnd(2, "0"));
}
