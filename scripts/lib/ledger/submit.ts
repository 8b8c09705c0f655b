import type { TransactionReceipt } from "ethers";

import { UserError } from "../admin/format.js";
import { type RouteResult, routeCall } from "../governance/route.js";
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
 * anything is sent, then sends it and waits for it to be mined. With `ctx.route` (`--via schedule | safe | …`) it
 * schedules the call in the AccessManager or proposes it to the Safe instead (scripts/lib/governance/route.ts), and
 * ends the task with {@link CallRouted}: here and nowhere else.
 */
/**
 * What a task ends with when its write was scheduled or proposed rather than sent (`--via schedule | safe…`): the
 * write takes effect later, so nothing after it in the task can run now. The task runner prints it and exits 0.
 */
export class CallRouted extends Error {
  constructor(readonly result: RouteResult) {
    super(CallRouted.describe(result));
    this.name = "CallRouted";
  }

  private static describe(result: RouteResult): string {
    switch (result.via) {
      case "direct":
        return `sent (${result.hash})`;
      case "schedule":
        return `scheduled as ${result.operation.id}: "npx hardhat delayed pending" shows when it may be executed`;
      default:
        return (
          `proposed to the Safe ${result.proposal.safe} as ${result.proposal.safeTxHash}, written to ${result.file}: ` +
          `owners add their signatures ("npx hardhat safe sign"), then "npx hardhat safe execute"`
        );
    }
  }
}

export async function submitCall(ctx: LedgerContext, call: Call, options: SubmitOptions = {}): Promise<TransactionReceipt> {
  if (ctx.route !== undefined && ctx.route.via !== "direct") {
    // Not simulated: as the signer alone the call is refused (a delay, or ADMIN being the Safe's); the AccessManager
    // and the Safe check it when it is executed.
    const result = await routeCall(
      { signer: ctx.signer, manager: await ctx.manager.getAddress(), safe: ctx.route.safe, proposalFile: ctx.route.proposalFile, log: ctx.log },
      call,
      ctx.route.via,
    );
    throw new CallRouted(result);
  }
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
