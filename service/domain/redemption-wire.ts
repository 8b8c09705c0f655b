import { getAddress, isAddress } from "ethers";
import { z } from "zod";

/**
 * The redemption endpoints' wire format (ledger v1), shared by the relay (which validates with it) and the client
 * (which builds with it). Amounts, ids, nonces and deadlines are decimal strings; addresses are checksummed on output.
 */
export const address = z
  .string()
  .refine((value) => isAddress(value), { error: "not an address" })
  .transform((value) => getAddress(value));
/** A decimal integer (a string, or a JSON number up to 2^53) that fits an ABI `uint<bits>`. */
export function uintOf(bits: 48 | 64 | 128 | 256) {
  const max = 2n ** BigInt(bits) - 1n;
  return z
    .union([z.string().regex(/^(0|[1-9][0-9]{0,77})$/, "a non-negative decimal integer"), z.number().int().nonnegative()])
    .transform((value) => BigInt(value))
    .refine((value) => value <= max, { error: `does not fit a uint${bits} (at most ${max})` });
}
export const uint = uintOf(256);
export const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "32 bytes as 0x hex").transform((v) => v.toLowerCase());
export const hexBytes = z.string().regex(/^0x([0-9a-fA-F]{2})*$/, "bytes as 0x hex");

/** The ledger's `Consent` (uint256 voucherId, uint128 amount and invoiceTotal, uint64 deadline). */
export const consentSchema = z.object({
  voucherId: uint,
  dataCenter: address,
  amount: uintOf(128),
  invoiceHash: bytes32,
  invoiceTotal: uintOf(128),
  deadline: uintOf(64),
  /** The holder's EIP-712 signature over the other fields (or an ERC-1271 signature of a contract wallet). */
  signature: hexBytes,
});

/**
 * The forwarder's `ForwardRequest` (uint256 value, gas and nonce; its uint48 deadline is checked by the relay, which
 * answers a larger one with REQUEST_MISMATCH).
 */
export const forwardRequestSchema = z.object({
  from: address,
  to: address,
  value: uint,
  gas: uint,
  nonce: uint,
  deadline: uint,
  data: hexBytes,
  /** The data center's EIP-712 signature of the ERC2771Forwarder's `ForwardRequest`. */
  signature: hexBytes,
});

export const redemptionBodySchema = z.object({ consent: consentSchema, request: forwardRequestSchema });
export const redemptionBatchSchema = z.object({ redemptions: z.array(z.unknown()).min(1).max(100) });

export type RedemptionBody = z.infer<typeof redemptionBodySchema>;
export type RedemptionBodyInput = z.input<typeof redemptionBodySchema>;
export type Consent = Omit<RedemptionBody["consent"], "signature">;
export type ForwardRequest = Omit<RedemptionBody["request"], "signature">;

export const requestStatus = z.enum(["queued", "submitted", "confirmed", "failed"]);
export type RequestStatus = z.infer<typeof requestStatus>;

/**
 * The answer to a posted redemption: the request stored for it (queued now, or found: the same request sent again,
 * whatever became of it, or the invoice's live request). A failed one carries its `code` and `reason`.
 */
export const acceptedSchema = z.object({
  id: z.string(),
  status: requestStatus,
  invoiceHash: z.string(),
  statusUrl: z.string(),
  code: z.string().nullable(),
  reason: z.string().nullable(),
});
export type Accepted = z.infer<typeof acceptedSchema>;

export const statusSchema = z.object({
  id: z.string(),
  status: requestStatus,
  dataCenter: z.string(),
  voucherId: z.string(),
  invoiceHash: z.string(),
  amount: z.string(),
  forwarderNonce: z.string(),
  createdAt: z.string(),
  transactionHash: z.string().nullable(),
  blockNumber: z.number().nullable(),
  blockHash: z.string().nullable(),
  final: z.boolean().nullable(),
  code: z.string().nullable(),
  reason: z.string().nullable(),
});
export type RequestView = z.infer<typeof statusSchema>;

export const problemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  code: z.string(),
  detail: z.string().optional(),
});
export type Problem = z.infer<typeof problemSchema>;

export const batchResultSchema = z.object({
  results: z.array(
    z.object({ index: z.number(), status: z.number(), accepted: acceptedSchema.optional(), problem: problemSchema.optional() }),
  ),
});
export type BatchResult = z.infer<typeof batchResultSchema>;

export const domainSchema = z.object({
  name: z.string(),
  version: z.string(),
  chainId: z.string(),
  verifyingContract: z.string(),
});

export const signingInfoSchema = z.object({
  chainId: z.string(),
  ledger: z.string(),
  forwarder: z.string(),
  consentDomain: domainSchema,
  forwarderDomain: domainSchema,
  /** The ledger's currency (ISO 4217, "CNY") and the digits of its minor unit (2): amounts on chain are minor units. */
  currency: z.string(),
  decimals: z.number().int().min(0).max(36),
  /** The forwarder nonce the data center's next request must carry (counting its requests that can still run). */
  nextNonce: z.string().optional(),
});
export type SigningInfo = z.infer<typeof signingInfoSchema>;

/** JSON of a body: bigints as decimal strings. */
export function toWire(body: RedemptionBody): RedemptionBodyInput {
  const str = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v]));
  return { consent: str(body.consent), request: str(body.request) } as RedemptionBodyInput;
}

/** The message a data center signs (EIP-191) to read its own requests: `Authorization: EIP191 addr.time.sig`. */
export function readAuthMessage(id: string, timestamp: number): string {
  return `compute-voucher-ledger: read redemption request ${id} at ${timestamp}`;
}
