import type { Signer } from "ethers";

import { executeProposal, proposeSafeTx, signProposal } from "../../scripts/lib/governance/proposal.js";

/** Has the Safe call `to` with `data`, signed by `owners` (the last of them executes). */
export async function executeWithOwners(safe: string, owners: Signer[], to: string, data: string, label = "test call") {
  const executor = owners.at(-1);
  if (executor === undefined || executor.provider === null) throw new Error("no owner to execute with");
  let proposal = await proposeSafeTx(executor.provider, { safe, to, data, label });
  for (const owner of owners.slice(0, -1)) proposal = await signProposal(proposal, owner);
  return executeProposal(proposal, executor);
}
