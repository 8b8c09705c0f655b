import { type Interface } from "ethers";

import { AccessManager__factory, ComputeVoucher__factory } from "../../../types/ethers-contracts/index.js";
import { roleName } from "../../../service/domain/roles-v1.js";
import { UserError, formatDate, readCode } from "./format.js";

const VOUCHER_STATUS = ["never issued", "active", "fully redeemed", "revoked", "expired", "re-issued"];

/** What each custom error of the ledger and the AccessManager means, in words. */
const MESSAGES: Record<string, (args: readonly unknown[]) => string> = {
  ComputeVoucherUnknownCity: ([city]) => `city ${city} is not registered`,
  ComputeVoucherCityExists: ([city]) => `city ${city} is registered already`,
  ComputeVoucherInvalidRatio: ([bps]) => `the ratio ${Number(bps) / 100}% is not between 0 (excluded) and 100`,
  ComputeVoucherInvalidValidity: () => "the default validity must be at least one day",
  ComputeVoucherBudgetBelowCommitted: ([city, , committed]) =>
    `the new budget of city ${city} is below what it has already committed (${committed} in minor units)`,
  ComputeVoucherBudgetExceeded: ([city, requested, available]) =>
    `city ${city} has ${available} (minor units) left in its budget; ${requested} was asked for`,
  ComputeVoucherHolderCapExceeded: ([city, holder, requested, available]) =>
    `holder ${holder} may receive only ${available} more (minor units) in city ${city}; ${requested} was asked for`,
  ComputeVoucherInvalidHolder: () => "the holder is the zero address",
  ComputeVoucherInvalidAmount: () => "the amount is zero",
  ComputeVoucherInvalidExpiry: ([expiresAt]) => `the expiry ${formatDate(expiresAt as bigint)} is not in the future`,
  ComputeVoucherExists: ([id]) => `voucher ${id} exists already: this application was issued before`,
  ComputeVoucherUnknownVoucher: ([id]) => `there is no voucher ${id}`,
  ComputeVoucherInactive: ([id, status]) => `voucher ${id} is ${VOUCHER_STATUS[Number(status)] ?? "not active"}`,
  ComputeVoucherExpired: ([id, at]) => `voucher ${id} expired on ${formatDate(at as bigint)}`,
  ComputeVoucherNotExpired: ([id, at]) => `voucher ${id} does not expire before ${formatDate(at as bigint)}`,
  ComputeVoucherIssuerNotInCity: ([issuer, city]) =>
    Number(city) === 0
      ? `issuer ${issuer} is not bound to any city`
      : `account ${issuer} is not an issuer of city ${city}`,
  ComputeVoucherIssuerAlreadyBound: ([issuer, city]) =>
    `issuer ${issuer} is bound to city ${city} already: unbind it first`,
  ComputeVoucherNoAccreditation: ([dc, city]) => `data center ${dc} was never accredited for city ${city}`,
  ComputeVoucherInvalidAccreditation: () => "the accreditation must end after it starts, for a real data center",
  ComputeVoucherSuspensionUnchanged: ([dc, city, suspended]) =>
    `data center ${dc} is ${suspended ? "suspended already" : "not suspended"} in city ${city}`,
  ComputeVoucherBatchLength: () => "the batch is empty",
  AccessManagedUnauthorized: ([caller]) => `account ${caller} does not have the role this action needs`,
  AccessManagerUnauthorizedAccount: ([account, role]) =>
    `account ${account} is not allowed: it needs the ${roleName(role as bigint)} role`,
  AccessManagerNotScheduled: () => "the operation was not scheduled",
  AccessManagerNotReady: () => "the scheduled operation is not ready yet",
  EnforcedPause: () => "the ledger is paused",
  ExpectedPause: () => "the ledger is not paused",
};

const INTERFACES: Interface[] = [ComputeVoucher__factory.createInterface(), AccessManager__factory.createInterface()];

/** The revert data inside an ethers or Hardhat error, if there is any. */
export function revertData(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== null && typeof current === "object"; depth++) {
    const data = (current as { data?: unknown }).data;
    if (typeof data === "string" && data.startsWith("0x") && data.length >= 10) return data;
    if (data !== null && typeof data === "object" && typeof (data as { data?: unknown }).data === "string") {
      return (data as { data: string }).data;
    }
    current = (current as { error?: unknown; cause?: unknown }).error ?? (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Turns a failed call into words: the ledger's or AccessManager's custom error, or the node's message. */
export function explainError(error: unknown): string {
  if (error instanceof UserError) return error.message;
  const data = revertData(error);
  if (data !== undefined) {
    for (const iface of INTERFACES) {
      const parsed = iface.parseError(data);
      if (parsed !== null) {
        const explain = MESSAGES[parsed.name];
        return explain !== undefined
          ? `the ledger refused: ${explain(parsed.args.toArray())}`
          : `the ledger refused with ${parsed.name}(${parsed.args
              .toArray()
              .map((a) => readCode(String(a)))
              .join(", ")})`;
      }
    }
  }
  const message = (error as { shortMessage?: string; message?: string }).shortMessage ?? String(error);
  return `the node refused the transaction: ${message}`;
}

/** Runs `action`; rethrows any failure as a {@link UserError} in words, prefixed with what was being done. */
export async function inWords<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${what} failed: ${explainError(error)}`);
  }
}
