import { getAddress, type Signer } from "ethers";

import { AccessManager__factory } from "../../../types/ethers-contracts/index.js";
import { type SafeProposal, proposeSafeTx, signProposal, writeProposal } from "./proposal.js";
import { safeInfo } from "./safe.js";
import { type ScheduledOperation, scheduleCall } from "./scheduled.js";

/**
 * How a governance or admin call reaches the chain:
 * - `direct`: the signer sends it (a role without an execution delay);
 * - `schedule`: the signer schedules it in the AccessManager, to be executed after its delay (`governance execute`);
 * - `safe`: a Safe transaction making the call is proposed and written to a file for the owners to sign;
 * - `safe-schedule`: a Safe transaction that schedules the call (the Safe's ADMIN calls behind a target admin delay);
 * - `safe-execute`: a Safe transaction that executes the call the Safe scheduled, once its delay has passed.
 */
export type Via = "direct" | "schedule" | "safe" | "safe-schedule" | "safe-execute";

export const VIAS: readonly Via[] = ["direct", "schedule", "safe", "safe-schedule", "safe-execute"];

export interface RouteContext {
  signer: Signer;
  /** The AccessManager of the deployment. */
  manager: string;
  /** The Safe that holds ADMIN (required for the safe… routes). */
  safe?: string;
  /** Where a Safe proposal is written (required for the safe… routes). */
  proposalFile?: string;
  /** Whether the proposer also signs the Safe proposal (when it is an owner); true by default. */
  signProposal?: boolean;
  log?: (line: string) => void;
}

export interface RoutedCall {
  target: string;
  data: string;
  /** What it does, for people: kept in the proposal file and in the log. */
  label: string;
}

export type RouteResult =
  | { via: "direct"; hash: string }
  | { via: "schedule"; operation: ScheduledOperation }
  | { via: "safe" | "safe-schedule" | "safe-execute"; file: string; proposal: SafeProposal };

/**
 * Sends, schedules or proposes one call, as `via` says: the single way every governance and admin task reaches the
 * chain, so that a role with a delay and a role held by a Safe use the same tasks as a key that acts at once.
 */
export async function routeCall(ctx: RouteContext, call: RoutedCall, via: Via): Promise<RouteResult> {
  const log = ctx.log ?? (() => undefined);
  const manager = AccessManager__factory.connect(ctx.manager, ctx.signer);
  switch (via) {
    case "direct": {
      const sent = await ctx.signer.sendTransaction({ to: call.target, data: call.data });
      await sent.wait();
      log(`${call.label}: sent (${sent.hash})`);
      return { via, hash: sent.hash };
    }
    case "schedule": {
      const operation = await scheduleCall(ctx.signer, ctx.manager, call);
      log(`${call.label}: scheduled as ${operation.id}`);
      return { via, operation };
    }
    case "safe":
    case "safe-schedule":
    case "safe-execute": {
      if (ctx.safe === undefined || ctx.proposalFile === undefined) throw new Error(`--via ${via} needs the Safe and a proposal file`);
      const provider = ctx.signer.provider;
      if (provider === null) throw new Error("the signer has no provider");
      const [to, data] =
        via === "safe"
          ? [call.target, call.data]
          : via === "safe-schedule"
            ? [ctx.manager, manager.interface.encodeFunctionData("schedule", [call.target, call.data, 0])]
            : [ctx.manager, manager.interface.encodeFunctionData("execute", [call.target, call.data])];
      const label = via === "safe" ? call.label : `${via === "safe-schedule" ? "schedule" : "execute"}: ${call.label}`;
      let proposal = await proposeSafeTx(provider, { safe: getAddress(ctx.safe), to, data, label });
      const owners = (await safeInfo(ctx.safe, provider))?.owners ?? [];
      if (ctx.signProposal !== false && owners.includes(getAddress(await ctx.signer.getAddress()))) {
        proposal = await signProposal(proposal, ctx.signer);
      }
      await writeProposal(ctx.proposalFile, proposal);
      log(`${label}: proposed to the Safe ${proposal.safe} as ${proposal.safeTxHash} (nonce ${proposal.tx.nonce}), written to ${ctx.proposalFile}`);
      return { via, file: ctx.proposalFile, proposal };
    }
  }
}
