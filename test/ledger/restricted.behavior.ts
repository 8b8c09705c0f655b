import { expect } from "chai";
import type { BaseContract, FunctionFragment, Interface, ParamType, Signer } from "ethers";
import { ZeroAddress, ZeroHash } from "ethers";

import { ROLE, type RoleName } from "../../service/domain/roles.js";

/** A value of `param`'s type that every ABI encoder accepts: zeros, empty strings and arrays. */
export function zeroOf(param: ParamType): unknown {
  if (param.isTuple()) return param.components.map(zeroOf);
  if (param.isArray()) return param.arrayLength > 0 ? Array.from({ length: param.arrayLength }, () => zeroOf(param.arrayChildren)) : [];
  if (param.type === "address") return ZeroAddress;
  if (param.type === "bool") return false;
  if (param.type === "string") return "";
  if (param.type === "bytes") return "0x";
  if (param.type.startsWith("bytes")) return ZeroHash.slice(0, 2 + 2 * Number(param.type.slice(5)));
  return 0n;
}

/** Arguments of zeros for a function. */
export function zeroArgs(fragment: FunctionFragment): unknown[] {
  return fragment.inputs.map(zeroOf);
}

/** The name of the custom error a call reverted with, decoded with `iface`, or undefined if it did not revert. */
export async function revertName(iface: Interface, call: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await call();
    return undefined;
  } catch (e) {
    const data = (e as { data?: string }).data;
    if (data === undefined || data === "0x") return "(no reason)";
    return iface.parseError(data)?.name ?? data;
  }
}

export interface RestrictedTarget {
  /** The contract at the target's address, with every function of the wiring table. */
  contract: BaseContract;
  /** An interface that knows AccessManaged's errors (the implementation's). */
  errors: BaseContract;
  /** The functions of the table, by role. */
  table: Partial<Record<RoleName | "PUBLIC", readonly string[]>>;
}

export interface RoleHolders {
  /** A holder of each role, and accounts with none. */
  members: Record<RoleName, Signer>;
  outsiders: Signer[];
}

/**
 * For every function of `table` restricted to a role: every account without that role is refused with
 * AccessManagedUnauthorized(caller) before anything else is checked, and a holder of the role gets past the manager
 * (the call may still fail the function's own checks, with zero arguments).
 */
export function shouldBeRestrictedToTheirRoles(load: () => Promise<{ target: RestrictedTarget; holders: RoleHolders }>): void {
  for (const role of Object.keys(ROLE) as RoleName[]) {
    it(`refuses every ${role} function to every account without the ${role} role, and lets a holder of it through`, async function () {
      const { target, holders } = await load();
      const names = target.table[role] ?? [];
      const callers = [
        ...Object.entries(holders.members)
          .filter(([name]) => name !== role)
          .map(([, signer]) => signer),
        ...holders.outsiders,
      ];
      for (const name of names) {
        const fn = target.contract.interface.getFunction(name);
        expect(fn, name).to.not.equal(null);
        const args = zeroArgs(fn!);
        for (const caller of callers) {
          const address = await caller.getAddress();
          await expect(
            (target.contract.connect(caller)).getFunction(fn!.format())(...args),
            `${name} called by a non-${role}`,
          )
            .to.be.revertedWithCustomError(target.errors, "AccessManagedUnauthorized")
            .withArgs(address);
        }
        const member = target.contract.connect(holders.members[role]);
        const reason = await revertName(target.errors.interface, () => member.getFunction(fn!.format()).staticCall(...args));
        expect(reason, `${name} called by a ${role}`).to.not.equal("AccessManagedUnauthorized");
      }
    });
  }
}
