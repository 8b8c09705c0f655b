import { decodeBytes32String, getAddress } from "ethers";
import { z } from "zod";

import { checksum } from "../chain/abi.js";

/**
 * How values go on the wire: amounts as decimal strings in the currency ("1234.56" CNY for 123456 fen), addresses
 * checksummed, times ISO 8601 (UTC), block numbers as integers, token ids and hashes as strings.
 */
export interface Format {
  readonly currency: string;
  readonly decimals: number;
  amount(minor: unknown): string;
  /** Parses a decimal amount in the currency back to minor units (for filters). */
  parseAmount(text: string): bigint;
  address(value: unknown): string;
  time(unixSeconds: unknown): string;
  /** Whether a block is at or below the block the mirror verified final (none is while the mirror halted). */
  final(block: unknown): boolean;
}

/** `finalized`: the highest block the mirror verified final, or -1 when it vouches for none (ChainView.finalized). */
export function createFormat(options: { currency: string; decimals: number; finalized: () => number }): Format {
  const scale = 10n ** BigInt(options.decimals);
  return {
    currency: options.currency,
    decimals: options.decimals,
    amount(minor) {
      const value = BigInt(String(minor));
      const negative = value < 0n;
      const abs = negative ? -value : value;
      const whole = (abs / scale).toString();
      const text = options.decimals === 0 ? whole : `${whole}.${(abs % scale).toString().padStart(options.decimals, "0")}`;
      return negative ? `-${text}` : text;
    },
    parseAmount(text) {
      const [whole = "0", fraction = ""] = text.split(".");
      return BigInt(whole) * scale + BigInt(fraction.padEnd(options.decimals, "0") || "0");
    },
    address: (value) => checksum(String(value)),
    time: (unixSeconds) => new Date(Number(unixSeconds) * 1000).toISOString(),
    final: (block) => Number(block) <= options.finalized(),
  };
}

/** A bytes32 reference as text when it is a short string, else null. */
export function bytes32Text(value: unknown): string | null {
  try {
    const text = decodeBytes32String(String(value));
    return text === "" ? null : text;
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------------------------------------------------------
// Wire schemas shared by the endpoints (the OpenAPI components).
// ------------------------------------------------------------------------------------------------------------------

export const amountSchema = z
  .string()
  .regex(/^-?[0-9]+(\.[0-9]+)?$/)
  .meta({ id: "Amount", description: "An amount in the currency, as a decimal string (CNY: yuan with 2 decimals)", example: "1234.56" });

export const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/)
  .meta({ id: "Address", description: "An EIP-55 checksummed address", example: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" });

export const hashSchema = z.string().regex(/^0x[0-9a-f]{64}$/).meta({ id: "Hash", description: "32 bytes, 0x hex" });

export const timeSchema = z.iso.datetime().meta({ id: "Time", description: "ISO 8601, UTC", example: "2026-01-31T16:00:00.000Z" });

export const tokenIdSchema = z.string().regex(/^[0-9]+$/).meta({ id: "VoucherId", description: "A voucher id (uint256), in decimal" });

export const provenanceShape = {
  blockNumber: z.number().int().nonnegative(),
  blockHash: hashSchema,
  transactionHash: hashSchema,
  logIndex: z.number().int().nonnegative(),
  timestamp: timeSchema,
  final: z.boolean().meta({
    description:
      "Whether the block is at or below the block the mirror verified final (FINALITY_DEPTH below a head it has seen, " +
      "linked by parent hash to the headers it kept). Never true while the mirror is halted",
  }),
};

/** The provenance fields of a row that came from one event (block_number, block_hash, … columns). */
export function provenance(format: Format, row: Record<string, unknown>) {
  return {
    blockNumber: Number(row.block_number),
    blockHash: String(row.block_hash),
    transactionHash: String(row.transaction_hash),
    logIndex: Number(row.log_index),
    timestamp: format.time(row.block_timestamp),
    final: format.final(row.block_number),
  };
}

// ------------------------------------------------------------------------------------------------------------------
// Input schemas (query strings and path parameters arrive as strings).
// ------------------------------------------------------------------------------------------------------------------

export const addressInput = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "not an address")
  .refine((value) => {
    try {
      getAddress(value);
      return true;
    } catch {
      return false;
    }
  }, "bad checksum")
  .transform((value) => getAddress(value))
  .meta({ description: "An address (any case; a mixed-case one must have a valid checksum)" });

export const cityInput = z.coerce
  .number()
  .int()
  .min(1)
  .max(4_294_967_295)
  .meta({ description: "GB/T 2260 city code", example: 310000 });

export const blockInput = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const tokenIdInput = z
  .string()
  .regex(/^[0-9]{1,78}$/, "a decimal uint256")
  // zod runs every check even after one failed: this one must not throw on a non-number.
  .refine((value) => /^[0-9]{1,78}$/.test(value) && BigInt(value) < 2n ** 256n, "above uint256")
  .transform((value) => BigInt(value).toString())
  .meta({ description: "A voucher id (uint256) in decimal" });

export const dateInput = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .transform((value) => Math.floor(Date.parse(value) / 1000))
  .meta({ description: "ISO 8601 date (UTC midnight) or date-time" });
