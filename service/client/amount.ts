import { AbiCoder, encodeBytes32String, keccak256 } from "ethers";

/**
 * Amounts as people type them: a decimal in the currency ("300000.00" CNY), as the admin tasks take them, read into
 * the ledger's minor units (fen). Voucher ids from a city and an application reference, as the ledger derives them.
 */

const UINT128_MAX = 2n ** 128n - 1n;

/** The parts of a decimal as typed: digits and at most one "."; no sign, exponent or separators. */
function readDecimal(text: string): { value: string; whole: string; fraction: string } {
  const value = text.trim();
  if (value === "") throw new RangeError("the amount is empty");
  if (/[,_\s]/.test(value)) throw new RangeError(`the amount "${value}" has separators in it: write it as digits and one "." (300000.00)`);
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value);
  if (match === null) throw new RangeError(`the amount "${value}" is not a number like 300000.00`);
  if (/^[0.]+$/.test(value)) throw new RangeError(`the amount "${value}" is zero: it must be positive`);
  return { value, whole: match[1] ?? "0", fraction: match[2] ?? "" };
}

/** Checks that `text` is written as an amount, before the currency's decimals are known; throws a RangeError if not. */
export function checkAmountForm(text: string): void {
  readDecimal(text);
}

/** "300000.00" → 30000000n for 2 decimals; positive, digits and at most one ".", at most `decimals` after it. */
export function parseAmount(text: string, decimals: number): bigint {
  const { value, whole, fraction } = readDecimal(text);
  if (fraction.length > decimals) {
    throw new RangeError(`the amount "${value}" has ${fraction.length} digits after "." but the currency has ${decimals}`);
  }
  const minor = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
  if (minor > UINT128_MAX) throw new RangeError(`the amount "${value}" is too large`);
  return minor;
}

/** 30000000n → "300000.00" for 2 decimals. */
export function formatAmount(minor: bigint, decimals: number): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals);
  return `${negative ? "-" : ""}${whole}${decimals > 0 ? `.${fraction}` : ""}`;
}

/** The ledger's voucher id: `uint256(keccak256(abi.encode(uint32 city, bytes32 applicationRef)))`. */
export function voucherIdOf(city: number, applicationRef: string): bigint {
  if (!Number.isInteger(city) || city <= 0 || city > 0xffffffff) throw new RangeError(`the city code ${city} is not a GB/T 2260 code like 310000`);
  let ref: string;
  try {
    ref = encodeBytes32String(applicationRef);
  } catch {
    throw new RangeError(`the application reference "${applicationRef}" is longer than 31 bytes`);
  }
  return BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint32", "bytes32"], [city, ref])));
}

/**
 * Ledger v2's voucher id: the programme in the top 32 bits, then the low 224 bits of `keccak256(abi.encode(uint32
 * programme, bytes32 applicationRef))` (`VoucherLedger.voucherId`).
 */
export function voucherIdV2Of(programme: number, applicationRef: string): bigint {
  if (!Number.isInteger(programme) || programme <= 0 || programme > 0xffffffff) throw new RangeError(`the programme ${programme} is not a programme number`);
  let ref: string;
  try {
    ref = encodeBytes32String(applicationRef);
  } catch {
    throw new RangeError(`the application reference "${applicationRef}" is longer than 31 bytes`);
  }
  const low = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint32", "bytes32"], [programme, ref]))) & ((1n << 224n) - 1n);
  return (BigInt(programme) << 224n) | low;
}
