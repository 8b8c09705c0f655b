/**
 * Ledger v1's role grants, as `npm run chain` and `npm start` set up the local accounts (scripts/tasks/actions/deploy.ts).
 * The v1 admin tasks are gone; ledger v2's are in scripts/lib/ledger/.
 */
import type { ContractTransactionResponse } from "ethers";

import { ROLE, roleId, roleName } from "../../../service/domain/roles-v1.js";
import type { AdminContext } from "./context.js";
import { inWords } from "./errors.js";
import { UserError, parseAddress } from "./format.js";

/** Sends a transaction, waits for it, and says what was done; failures come back in words. */
export async function send(
  ctx: AdminContext,
  what: string,
  transaction: () => Promise<ContractTransactionResponse>,
): Promise<string> {
  return inWords(what, async () => {
    const tx = await transaction();
    const receipt = await tx.wait();
    ctx.log(`${what}: done in transaction ${tx.hash} (block ${receipt?.blockNumber}).`);
    return tx.hash;
  });
}

function managedRole(name: string): bigint {
  let id: bigint;
  try {
    id = roleId(name);
  } catch (error) {
    throw new UserError(`--role: ${(error as Error).message}`);
  }
  if (id === ROLE.ADMIN) throw new UserError("--role must be GOVERNOR, ISSUER or AUDITOR (ADMIN is the multisig's)");
  return id;
}

// ---------------------------------------------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------------------------------------------

export async function grantRole(ctx: AdminContext, args: { role: string; account: string; delay?: number }) {
  const role = managedRole(args.role);
  const account = parseAddress(args.account);
  const delay = args.delay ?? 0;
  if (!Number.isInteger(delay) || delay < 0) throw new UserError("--delay must be a whole number of seconds");
  await send(ctx, `Grant ${roleName(role)} to ${account}`, () => ctx.manager.grantRole(role, account, delay));
}
