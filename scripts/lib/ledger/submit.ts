import type { TransactionReceipt } from "ethers";

import { UserError } from "../admin/format.js";
import type { LedgerContext } from "./context.js";
import { explainRefusal } from "./errors.js";

/** One write to a contract of the ledger: where, the ABI-encoded call, and what it does in words. */
export interface Call {
  target: string;
  data: string;
  label: string;
}

/** What a caller may learn while a call is under way. */
export interface SubmitOptions {
  /** Called with the transaction's hash once it is sent, before it is mined (a batch records it as pending). */
  onSent?: (transactionHash: string) => void | Promise<void>;
}

/**
 * The one place where the ledger tools send a write (governor, guardian, admin, finance, issuer and public calls
 * alike): for now it simulates the call as the signer, to refuse it with the contract's custom error before
 * anything is sent, then sends it and waits for it to be mined. Routing a call to a Safe proposal or an
 * AccessManager schedule (scripts/lib/governance/) plugs in here and nowhere else.
 */
export async function submitCall(ctx: LedgerContext, call: Call, options: SubmitOptions = {}): Promise<TransactionReceipt> {
  const request = { from: ctx.signerAddress, to: call.target, data: call.data };
  try {
    await ctx.provider.call(request);
  } catch (error) {
    throw new UserError(`${call.label}: ${explainRefusal(error)}; nothing was sent`);
  }
  let receipt: TransactionReceipt | null;
  try {
    const tx = await ctx.signer.sendTransaction({ to: call.target, data: call.data });
    await options.onSent?.(tx.hash);
    receipt = await tx.wait();
  } catch (error) {
    throw new UserError(`${call.label}: ${explainRefusal(error)}`);
  }
  if (receipt === null || receipt.status !== 1) throw new UserError(`${call.label}: the transaction failed`);
  return receipt;
}
