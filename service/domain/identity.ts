import { keccak256, solidityPackedKeccak256, toUtf8Bytes } from "ethers";

/**
 * How the ledger names companies and invoices on chain: deterministic, domain-separated hashes, so that one company
 * or one invoice cannot be registered or paid twice, while the chain holds no name or number in the clear.
 */

/** GB 32100-2015: the 31 characters of a unified social credit code, in the order of their values. */
const USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** What is wrong with an identifier, by kind, with the values its message names (for tools that translate it). */
export type IdentityProblem =
  | { kind: "length"; length: number }
  | { kind: "character"; position: number; char: string }
  | { kind: "checkCharacter"; last: string; expected: string }
  | { kind: "invoice" }
  | { kind: "notDate"; value: string }
  | { kind: "notDay"; value: string };

export class IdentityError extends Error {
  override name = "IdentityError";

  constructor(
    message: string,
    readonly problem: IdentityProblem,
  ) {
    super(message);
  }
}

/** The check character a unified social credit code's first 17 characters call for (GB 32100-2015, 4.2). */
export function creditCodeCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_CHARSET.indexOf(first17[i] ?? "");
    if (value < 0) {
      const char = JSON.stringify(first17[i] ?? "");
      throw new IdentityError(`character ${i + 1} (${char}) is not one GB 32100 allows`, { kind: "character", position: i + 1, char });
    }
    sum += value * USCC_WEIGHTS[i]!;
  }
  const check = (31 - (sum % 31)) % 31;
  return USCC_CHARSET[check]!;
}

/**
 * The canonical form of a unified social credit code: trimmed, upper case, 18 characters of GB 32100's alphabet, with
 * the right check character. Throws an {@link IdentityError} that says what is wrong.
 */
export function canonicalCreditCode(input: string): string {
  const code = input.trim().toUpperCase();
  if (code.length !== 18) {
    throw new IdentityError(`a unified social credit code has 18 characters, this one has ${code.length}`, { kind: "length", length: code.length });
  }
  const expected = creditCodeCheckCharacter(code.slice(0, 17));
  const last = code[17]!;
  if (!USCC_CHARSET.includes(last)) {
    throw new IdentityError(`character 18 (${JSON.stringify(last)}) is not one GB 32100 allows`, { kind: "character", position: 18, char: JSON.stringify(last) });
  }
  if (last !== expected) {
    throw new IdentityError(`the check character is ${last}, but the first 17 characters call for ${expected}`, { kind: "checkCharacter", last, expected });
  }
  return code;
}

/** The hash a company is registered by: `keccak256("cvl:uscc:v1:" + canonical code)`. */
export function creditCodeHash(code: string): string {
  return keccak256(toUtf8Bytes(`cvl:uscc:v1:${canonicalCreditCode(code)}`));
}

/**
 * The canonical form of an invoice's identifier: a fully digital invoice's 20-digit number (全电发票号码), or a
 * paper or electronic invoice's code (发票代码, 10 or 12 digits) and number (发票号码, 8 digits), written
 * `<code>-<number>`. Spaces are dropped; nothing else is accepted.
 */
export function canonicalInvoiceNumber(input: string): string {
  const text = input.replace(/\s+/g, "");
  if (/^\d{20}$/.test(text)) return text;
  const m = /^(\d{10}|\d{12})[-:/](\d{8})$/.exec(text);
  if (m !== null) return `${m[1]}-${m[2]}`;
  throw new IdentityError(
    "an invoice is its 20-digit number (全电发票), or its 10- or 12-digit code and 8-digit number as CODE-NUMBER",
    { kind: "invoice" },
  );
}

/** The hash an invoice is identified by: `keccak256("cvl:invoice:v1:" + canonical number)`. */
export function invoiceNumberHash(invoice: string): string {
  return keccak256(toUtf8Bytes(`cvl:invoice:v1:${canonicalInvoiceNumber(invoice)}`));
}

/** The day number (days since 1970-01-01) of a calendar date `YYYY-MM-DD`, as the ledger counts days. */
export function dayNumber(isoDate: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (m === null) throw new IdentityError(`${JSON.stringify(isoDate)} is not a date YYYY-MM-DD`, { kind: "notDate", value: JSON.stringify(isoDate) });
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new IdentityError(`${isoDate} is not a day of the calendar`, { kind: "notDay", value: isoDate });
  }
  return t / 86_400_000;
}

/** The calendar date `YYYY-MM-DD` of a day number. */
export function dateOfDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** The day number of an instant (unix seconds) in China Standard Time, as `LedgerCalendar.dayOf`. */
export function dayOfInstant(seconds: bigint | number): number {
  return Math.floor((Number(seconds) + 8 * 3600) / 86_400);
}

/** The unix seconds of 00:00 China Standard Time on a calendar date. */
export function instantOfDate(isoDate: string): bigint {
  return BigInt(dayNumber(isoDate) * 86_400 - 8 * 3600);
}

/**
 * The salted commitment to a private document (a contract, an invoice document, a proof of payment) that a consent
 * and a redemption carry: `keccak256(salt ‖ keccak256(document))` (solidityPacked bytes32, bytes32). Whoever holds the
 * document (or its keccak256) and the salt can open it; the chain learns nothing of the document.
 */
export function documentCommitment(salt: string, documentHash: string): string {
  return solidityPackedKeccak256(["bytes32", "bytes32"], [salt, documentHash]);
}
