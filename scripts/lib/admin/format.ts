import { encodeBytes32String, decodeBytes32String, getAddress, ZeroAddress, ZeroHash } from "ethers";

import { t } from "../i18n/index.js";

/**
 * How the admin tools read and write what people type: amounts as decimals in the currency, dates as ISO dates,
 * reason codes as short words, addresses checksummed. Every parser throws a {@link UserError} whose message names
 * what was wrong in plain words; callers add the flag or the line number.
 */

/** A mistake in what the person typed or supplied: shown as is, without a stack trace. */
export class UserError extends Error {
  override readonly name = "UserError";
}

const UINT128_MAX = 2n ** 128n - 1n;

/** Parses a decimal amount ("1250000.00", "1250000") into minor units; positive, at most `decimals` digits. */
export function parseAmount(text: string, decimals: number): bigint {
  const value = text.trim();
  if (value === "") throw new UserError(t("amount.empty"));
  if (/^[-\u2212]\s*\d/.test(value)) throw new UserError(t("amount.negative", { value }));
  if (/[,_\s]/.test(value)) {
    throw new UserError(t("amount.separators", { value }));
  }
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value);
  if (match === null) throw new UserError(t("amount.notNumber", { value }));
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > decimals) {
    throw new UserError(t("amount.decimals", { value, digits: fraction.length, decimals }));
  }
  const minor = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
  if (minor === 0n) throw new UserError(t("amount.zero", { value }));
  if (minor > UINT128_MAX) throw new UserError(t("amount.tooLarge", { value }));
  return minor;
}

/** Formats minor units as a decimal amount with exactly `decimals` digits after the point ("1250000.00"). */
export function formatAmount(minor: bigint, decimals: number): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals);
  return `${negative ? "-" : ""}${whole}${decimals > 0 ? `.${fraction}` : ""}`;
}

/** Parses an ISO date ("2027-06-30") or date-time ("2027-06-30T12:00:00Z") into unix seconds (UTC). */
export function parseDate(text: string): bigint {
  const value = text.trim();
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (dateOnly !== null) {
    const [year, month, day] = [Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3])];
    const ms = Date.UTC(year, month - 1, day);
    const back = new Date(ms);
    if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
      throw new UserError(`"${value}" is not a calendar date`);
    }
    return BigInt(ms / 1000);
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return BigInt(Math.floor(ms / 1000));
  }
  throw new UserError(`"${value}" is not a date like 2027-06-30 (or 2027-06-30T12:00:00Z)`);
}

/** Formats unix seconds as an ISO date ("2027-06-30") when at midnight UTC, else as an ISO date-time. */
export function formatDate(seconds: bigint | number): string {
  const iso = new Date(Number(seconds) * 1000).toISOString();
  return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : `${iso.slice(0, 19)}Z`;
}

/** Parses a duration in days ("365") into seconds. */
export function parseDays(text: string): bigint {
  if (!/^\d+$/.test(text.trim()) || BigInt(text.trim()) === 0n) {
    throw new UserError(`"${text}" is not a whole, positive number of days`);
  }
  return BigInt(text.trim()) * 86_400n;
}

/** A reason code: a short lower-case word ("fraud", "lost-key") as bytes32. */
export function reasonCode(word: string): string {
  const value = word.trim();
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(value)) {
    throw new UserError(
      `the reason "${word}" is not a short word: use lower-case letters, digits and "-", at most 31 (fraud, duplicate, lost-key)`,
    );
  }
  return encodeBytes32String(value);
}

/** How many bytes of UTF-8 a reference may take on the ledger (a bytes32 holding text). */
export const REFERENCE_MAX_BYTES = 31;

/**
 * Control characters (tab, CR, LF…), Unicode line and paragraph separators, and invisible format characters
 * (zero-width spaces, bidirectional overrides, a BOM): none of them may be inside a reference, where they would make
 * two references that look the same differ, or break the line of a report.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

/**
 * The one form of a reference: Unicode NFKC (full-width letters, digits and punctuation become their ASCII forms,
 * an ideographic or no-break space a plain space), then trimmed; with `fold`, letters upper-cased as well. Refuses an
 * empty reference, one with control, line-break or invisible characters inside, and one longer than
 * {@link REFERENCE_MAX_BYTES} bytes.
 */
export function canonicalReference(text: string, what = t("what.reference"), fold = false): string {
  let value = text.normalize("NFKC").trim();
  if (fold) value = value.toUpperCase().normalize("NFKC");
  if (value === "") throw new UserError(t("reference.empty", { what }));
  const invisible = INVISIBLE.exec(value);
  if (invisible !== null) {
    const code = invisible[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
    const char = invisible[0];
    const kind = /[\n\r\u2028\u2029]/.test(char)
      ? t("reference.kind.lineBreak")
      : char === "\t"
        ? t("reference.kind.tab")
        : /\p{Cc}/u.test(char)
          ? t("reference.kind.control")
          : t("reference.kind.invisible");
    throw new UserError(t("reference.invisible", { what, value: JSON.stringify(value), kind, code, position: invisible.index + 1 }));
  }
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > REFERENCE_MAX_BYTES) {
    throw new UserError(t("reference.tooLong", { what, value, bytes, limit: t("reference.limit") }));
  }
  return value;
}

/**
 * A reference (an appropriation reference, say) as bytes32: {@link canonicalReference}, its case kept.
 */
export function referenceCode(text: string, what = t("what.reference")): string {
  return encodeBytes32String(canonicalReference(text, what));
}

/**
 * An application reference: with the city it fixes the voucher id, so references that differ only in case, width
 * (full-width and ASCII letters) or surrounding spaces are the same application. Its one form is
 * {@link canonicalReference} with letters upper-cased ("sh-2026-0001 " → "SH-2026-0001"); that form is what the
 * ledger records, what the voucher id is derived from, and what reports show.
 */
export function applicationReference(text: string, what = t("what.applicationReference")): { text: string; code: string } {
  const value = canonicalReference(text, what, true);
  return { text: value, code: encodeBytes32String(value) };
}

/** Reads back a bytes32 written by {@link reasonCode} or {@link referenceCode}; hex if it is not text. */
export function readCode(code: string): string {
  if (code === ZeroHash) return "";
  try {
    return decodeBytes32String(code);
  } catch {
    return code;
  }
}

/**
 * Parses an account address. Mixed-case addresses must carry a valid checksum; all-lower or all-upper case ones
 * are refused unless `allowUnchecksummed`, because a typo in them cannot be detected.
 */
export function parseAddress(text: string, allowUnchecksummed = false): string {
  const value = text.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new UserError(t("address.notAddress", { value }));
  }
  const body = value.slice(2);
  const singleCase = body === body.toLowerCase() || body === body.toUpperCase();
  const address = getAddress(value.toLowerCase()); // one checksum computation: a batch checks 100,000 of them
  if (singleCase && !allowUnchecksummed && address !== value) {
    throw new UserError(t("address.noChecksum", { value, address }));
  }
  if (!singleCase && address !== value) {
    throw new UserError(t("address.badChecksum", { value }));
  }
  if (address === ZeroAddress) throw new UserError(t("address.zero"));
  return address;
}

/** Parses a city code (GB/T 2260, six digits, e.g. 310000 for Shanghai). */
export function parseCity(text: string | number): number {
  const value = String(text).trim();
  if (!/^\d{6}$/.test(value) || Number(value) === 0) {
    throw new UserError(`"${value}" is not a city code: use the six-digit GB/T 2260 code (310000 for Shanghai)`);
  }
  return Number(value);
}

/** Parses a ratio given as a percentage ("80" or "80.5") into basis points. */
export function parsePercent(text: string): number {
  const value = text.trim();
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(value)) throw new UserError(`"${value}" is not a percentage like 80 or 80.5`);
  const bps = Math.round(Number(value) * 100);
  if (bps <= 0 || bps > 10_000) throw new UserError(`the ratio ${value}% is not between 0 (excluded) and 100`);
  return bps;
}

/** Parses a voucher id: decimal or 0x hex. */
export function parseVoucherId(text: string): bigint {
  const value = text.trim();
  if (!/^(\d+|0x[0-9a-fA-F]{1,64})$/.test(value)) throw new UserError(`"${value}" is not a voucher id`);
  return BigInt(value);
}
