import type { Interface } from "ethers";

import {
  AccessManager__factory,
  IVoucherLedger__factory,
  PaymentLedger__factory,
  SchemeRegistry__factory,
} from "../../../types/ethers-contracts/index.js";
import { revertData } from "../admin/errors.js";
import { UserError, readCode } from "../admin/format.js";

/** The interfaces whose custom errors a refusal may carry. */
const INTERFACES: Interface[] = [
  IVoucherLedger__factory.createInterface(),
  SchemeRegistry__factory.createInterface(),
  PaymentLedger__factory.createInterface(),
  AccessManager__factory.createInterface(),
];

/** One argument of a custom error as a person reads it: numbers in decimal, a bytes32 holding text as that text. */
function argument(value: unknown): string {
  if (typeof value === "string" && /^0x[0-9a-f]{64}$/i.test(value)) {
    const text = readCode(value);
    return text !== value && /^[\x20-\x7e]+$/.test(text) ? `"${text}"` : value;
  }
  if (Array.isArray(value)) return `[${(value as unknown[]).map(argument).join(", ")}]`;
  return String(value);
}

/** The custom error in a failed call, as `Name(arg, …)`; undefined when there is none the contracts declare. */
export function customError(error: unknown): string | undefined {
  const data = revertData(error);
  if (data === undefined) return undefined;
  for (const iface of INTERFACES) {
    const parsed = iface.parseError(data);
    if (parsed !== null) return `${parsed.name}(${(parsed.args).toArray().map(argument).join(", ")})`;
  }
  return `an error the contracts do not declare (${data.slice(0, 10)})`;
}

/** A failed call in words: the contract's custom error and its arguments, or the node's message. */
export function explainRefusal(error: unknown): string {
  if (error instanceof UserError) return error.message;
  const custom = customError(error);
  if (custom !== undefined) return `the chain refused with ${custom}`;
  const message = (error as { shortMessage?: string; message?: string }).shortMessage ?? String(error);
  return `the node refused the transaction: ${message.split("\n")[0]}`;
}

/** Runs `read`; rethrows a failure as a {@link UserError} naming what was being read. */
export async function reading<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`reading ${what} failed: ${explainRefusal(error)}`);
  }
}
