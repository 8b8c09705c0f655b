import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { AddressLike, ContractRunner, Signer } from "ethers";

import type { AccessManager, ComputeVoucher, ERC2771Forwarder } from "../../types/ethers-contracts/index.js";
import { LEDGER_FUNCTION_ROLES, ROLE, ROLE_ADMIN } from "../../service/domain/roles-v1.js";

export interface LedgerDeployOptions {
  /** Holder of ADMIN in the AccessManager (the regulator's multisig); the first signer by default. */
  admin?: Signer;
  governors?: AddressLike[];
  issuers?: AddressLike[];
  auditors?: AddressLike[];
  /** Execution delay, in seconds, of every GOVERNOR grant (0 on a local node). */
  governorDelay?: number;
  currency?: string;
  decimals?: number;
  baseURI?: string;
}

export interface LedgerDeployment {
  manager: AccessManager;
  forwarder: ERC2771Forwarder;
  ledger: ComputeVoucher;
}

/**
 * Deploys the AccessManager, the ERC2771Forwarder and the ledger with the given signer and wires the roles of
 * {@link LEDGER_FUNCTION_ROLES}. The Ignition module does the same for real networks; this helper serves tests and
 * benchmarks, where a fresh deployment per fixture is what we want.
 */
export async function deployLedger(ethers: HardhatEthers, options: LedgerDeployOptions = {}): Promise<LedgerDeployment> {
  const admin = options.admin ?? (await ethers.getSigners())[0];
  if (admin === undefined) throw new Error("no signer to deploy with");
  const adminAddress = await admin.getAddress();

  const manager = await ethers.deployContract("AccessManager", [adminAddress], admin);
  const forwarder = await ethers.deployContract(
    "ERC2771Forwarder",
    ["ComputeVoucherForwarder"],
    admin,
  );
  const ledger = await ethers.deployContract(
    "ComputeVoucher",
    [
      await manager.getAddress(),
      await forwarder.getAddress(),
      options.currency ?? "CNY",
      options.decimals ?? 2,
      options.baseURI ?? "https://vouchers.example.gov.cn/metadata/",
    ],
    admin,
  );

  await wireRoles(manager, ledger, admin);
  const managerAs = manager.connect(admin);
  // Initial members are granted while ADMIN still administers every role; then governors take over issuers and
  // auditors.
  for (const governor of options.governors ?? []) {
    await (await managerAs.grantRole(ROLE.GOVERNOR, governor, options.governorDelay ?? 0)).wait();
  }
  for (const issuer of options.issuers ?? []) {
    await (await managerAs.grantRole(ROLE.ISSUER, issuer, 0)).wait();
  }
  for (const auditor of options.auditors ?? []) {
    await (await managerAs.grantRole(ROLE.AUDITOR, auditor, 0)).wait();
  }
  await setRoleAdmins(manager, admin);
  return { manager, forwarder, ledger };
}

/** Labels the roles and assigns every restricted ledger function its role. */
export async function wireRoles(manager: AccessManager, ledger: ComputeVoucher, admin: ContractRunner): Promise<void> {
  const m = manager.connect(admin);
  const target = await ledger.getAddress();
  for (const [name, id] of Object.entries(ROLE)) {
    if (id !== ROLE.ADMIN) await (await m.labelRole(id, name)).wait();
  }
  for (const [role, functions] of Object.entries(LEDGER_FUNCTION_ROLES)) {
    const selectors = functions.map((name) => {
      const fragment = ledger.interface.getFunction(name as Parameters<typeof ledger.interface.getFunction>[0]);
      if (fragment === null) throw new Error(`the ledger has no function ${name}: roles.ts is out of date`);
      return fragment.selector;
    });
    await (await m.setTargetFunctionRole(target, selectors, ROLE[role as keyof typeof ROLE])).wait();
  }
}

/** Hands the administration of each role to the role {@link ROLE_ADMIN} names (ADMIN keeps GOVERNOR). */
export async function setRoleAdmins(manager: AccessManager, admin: ContractRunner): Promise<void> {
  const m = manager.connect(admin);
  for (const [role, adminRole] of Object.entries(ROLE_ADMIN)) {
    if (adminRole !== "ADMIN") {
      await (await m.setRoleAdmin(ROLE[role as keyof typeof ROLE], ROLE[adminRole])).wait();
    }
  }
}
