import { Interface } from "ethers";

/**
 * Ledger v1's redemption surface as human-readable ABI, and its revert catalogue: the fragments the relay calls and
 * decodes, and that a data center's or a start-up's software needs, so that the relay and the client library stand on
 * their own (no Hardhat artifacts). They must match contracts/IComputeVoucher.sol and OpenZeppelin's
 * ERC2771Forwarder; test/service/relay/catalogue.test.ts checks them against the compiled contracts.
 */
export const LEDGER_ABI = [
  "function redeem((uint256 voucherId, address dataCenter, uint128 amount, bytes32 invoiceHash, uint128 invoiceTotal, uint64 deadline) consent, bytes signature)",
  "function invoiceUsed(bytes32 invoiceHash) view returns (bool)",
  "function trustedForwarder() view returns (address)",
  "function currency() view returns (string)",
  "function decimals() view returns (uint8)",
  "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)",
  "event VoucherRedeemed(uint256 indexed id, uint32 indexed city, address indexed dataCenter, address holder, bytes32 invoiceHash, uint128 amount, uint128 invoiceTotal, uint128 remaining)",
  "error ComputeVoucherUnknownVoucher(uint256 id)",
  "error ComputeVoucherWrongDataCenter(address consented, address caller)",
  "error ComputeVoucherNotAccredited(address dataCenter, uint32 city)",
  "error ComputeVoucherConsentExpired(uint64 deadline, uint256 timestamp)",
  "error ComputeVoucherInactive(uint256 id, uint8 status)",
  "error ComputeVoucherExpired(uint256 id, uint64 expiresAt)",
  "error ComputeVoucherInvoiceUsed(bytes32 invoiceHash)",
  "error ComputeVoucherInvalidAmount(uint256 amount)",
  "error ComputeVoucherOverRatio(uint256 amount, uint256 invoiceTotal, uint16 ratioBps)",
  "error ComputeVoucherInsufficientValue(uint256 id, uint256 amount, uint256 remaining)",
  "error ComputeVoucherInvalidConsent(uint256 id, address holder)",
  "error EnforcedPause()",
];

export const FORWARDER_ABI = [
  "function nonces(address owner) view returns (uint256)",
  "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)",
  "function execute((address from, address to, uint256 value, uint256 gas, uint48 deadline, bytes data, bytes signature) request) payable",
  "function executeBatch((address from, address to, uint256 value, uint256 gas, uint48 deadline, bytes data, bytes signature)[] requests, address refundReceiver) payable",
  "event ExecutedForwardRequest(address indexed signer, uint256 nonce, bool success)",
  "error ERC2771ForwarderInvalidSigner(address signer, address from)",
  "error ERC2771ForwarderExpiredRequest(uint48 deadline)",
  "error ERC2771UntrustfulTarget(address target, address forwarder)",
  "error ERC2771ForwarderMismatchedValue(uint256 requestedValue, uint256 msgValue)",
  "error FailedCall()",
];

export const ledgerInterface = new Interface(LEDGER_ABI);
export const forwarderInterface = new Interface(FORWARDER_ABI);

const STATUS = ["None", "Active", "Redeemed", "Revoked", "Expired", "Reissued"];

/** A revert decoded into a stable code and words. */
export interface DecodedRevert {
  code: string;
  error: string;
  message: string;
  args: Record<string, string>;
}

/** Turns revert data of the ledger (or the forwarder) into a stable code and a sentence. */
export function decodeRevert(data: string | undefined | null): DecodedRevert {
  const unknown = { code: "REVERTED", error: "unknown", args: {} };
  if (data === undefined || data === null || data === "0x") {
    return { ...unknown, message: "the call reverted without a reason" };
  }
  const parsed = ledgerInterface.parseError(data) ?? forwarderInterface.parseError(data);
  if (parsed === null) return { ...unknown, message: `the call reverted with unknown data ${data.slice(0, 10)}` };
  const a = parsed.args;
  const s = (i: number) => (i < a.length ? String(a[i]) : "?");
  const args: Record<string, string> = {};
  parsed.fragment.inputs.forEach((input, i) => {
    args[input.name] = String(a[i]);
  });
  const words: Record<string, () => [string, string]> = {
    ComputeVoucherUnknownVoucher: () => ["UNKNOWN_VOUCHER", `voucher ${s(0)} does not exist`],
    ComputeVoucherWrongDataCenter: () => ["WRONG_DATA_CENTER", `the consent names data center ${s(0)}, but ${s(1)} is redeeming`],
    ComputeVoucherNotAccredited: () => ["NOT_ACCREDITED", `data center ${s(0)} is not accredited for city ${s(1)}`],
    ComputeVoucherConsentExpired: () => ["CONSENT_EXPIRED", `the holder's consent expired at ${s(0)} (chain time ${s(1)})`],
    ComputeVoucherInactive: () => ["VOUCHER_INACTIVE", `voucher ${s(0)} is ${STATUS[Number(a[1])] ?? s(1)}, not Active`],
    ComputeVoucherExpired: () => ["VOUCHER_EXPIRED", `voucher ${s(0)} expired at ${s(1)}`],
    ComputeVoucherInvoiceUsed: () => ["INVOICE_USED", `invoice ${s(0)} has already been redeemed`],
    ComputeVoucherInvalidAmount: () => ["INVALID_AMOUNT", `the amount ${s(0)} is not allowed`],
    ComputeVoucherOverRatio: () => ["OVER_RATIO", `the amount ${s(0)} is more than ${Number(a[2]) / 100}% of the invoice total ${s(1)}`],
    ComputeVoucherInsufficientValue: () => ["INSUFFICIENT_VALUE", `voucher ${s(0)} has ${s(2)} left, less than the amount ${s(1)}`],
    ComputeVoucherInvalidConsent: () => ["INVALID_CONSENT", `the consent is not signed by voucher ${s(0)}'s holder ${s(1)}`],
    EnforcedPause: () => ["PAUSED", "the ledger is paused"],
    ERC2771ForwarderInvalidSigner: () => ["INVALID_SIGNATURE", `the forward request is signed by ${s(0)}, not by ${s(1)} (or its nonce is used)`],
    ERC2771ForwarderExpiredRequest: () => ["REQUEST_EXPIRED", `the forward request expired at ${s(0)}`],
    ERC2771UntrustfulTarget: () => ["UNTRUSTED_TARGET", `${s(0)} does not trust the forwarder ${s(1)}`],
    ERC2771ForwarderMismatchedValue: () => ["MISMATCHED_VALUE", `the request carries value ${s(0)} but ${s(1)} was sent`],
    FailedCall: () => ["FAILED_CALL", "the forwarded call failed"],
  };
  const [code, message] = words[parsed.name]?.() ?? ["REVERTED", parsed.name];
  return { code, error: parsed.name, message, args };
}
