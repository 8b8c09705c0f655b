import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { AddressLike, Interface, Signer } from "ethers";

import { probeChain, refusal } from "../../service/chain/probe.js";

import {
  LEDGER_FUNCTION_ROLES,
  PAYMENT_FUNCTION_ROLES,
  REGISTRY_FUNCTION_ROLES,
  ROLE,
  ROLE_ADMIN,
  roleIdOf,
  type RoleName,
} from "../../service/domain/roles.js";
import { assertGovernance } from "./governance/check.js";
import { GRANT_DELAYS, type GovernanceDelays, resolveDelays } from "./governance/policy.js";
import { deploySafe } from "./governance/safe.js";
import type {
  AccessManager,
  ERC2771Forwarder,
  IVoucherLedger,
  PaymentLedger,
  SchemeRegistry,
  VoucherLedger,
} from "../../types/ethers-contracts/index.js";
import { IVoucherLedger__factory, PaymentLedger__factory, SchemeRegistry__factory } from "../../types/ethers-contracts/index.js";

export interface SchemeDeployOptions {
  /** The deploying account, ADMIN while it wires the deployment; the first signer by default. */
  admin?: Signer;
  /**
   * Who holds ADMIN afterwards. Either `governance`: a Safe (an existing one's address, or owners and threshold for a
   * new one) is granted ADMIN, the deployer renounces it, the delays are set, and the deployment is checked
   * (scripts/lib/governance/check.ts) before it is returned; or `keepDeployerAsAdmin: true`, for test fixtures and
   * benchmarks that act as ADMIN with the deployer's key. One of the two is required.
   */
  governance?: {
    safe: string | { owners: string[]; threshold: number };
    /** The delays to set (default: the minimums of scripts/lib/governance/policy.ts); `governorDelay` is ignored. */
    delays?: Partial<GovernanceDelays>;
    /** The minimums the check holds them to (default: policy.ts's). */
    minimums?: GovernanceDelays;
  };
  keepDeployerAsAdmin?: boolean;
  governors?: AddressLike[];
  guardians?: AddressLike[];
  issuers?: AddressLike[];
  auditors?: AddressLike[];
  finance?: AddressLike[];
  /** Execution delay, in seconds, of every GOVERNOR grant (0 with keepDeployerAsAdmin; with governance, its delays'). */
  governorDelay?: number;
  currency?: string;
  decimals?: number;
  baseURI?: string;
  /**
   * Probe the node first and refuse, with one line, a chain the ledger cannot run on (chain id 0, block.timestamp in
   * milliseconds, no PUSH0 or MCOPY, contracts of EIP-170's size refused, contract addresses not by Ethereum's rule):
   * service/chain/probe.ts. On by default; `false` skips it.
   */
  probe?: boolean;
}

export interface SchemeDeployment {
  manager: AccessManager;
  forwarder: ERC2771Forwarder;
  registry: SchemeRegistry;
  payments: PaymentLedger;
  /** The ledger's whole surface (core and extension) at its address. */
  ledger: IVoucherLedger;
  /** The core contract itself (its constructor's view of things). */
  core: VoucherLedger;
  extension: string;
  claims: string;
  /** The Safe that holds ADMIN (with `governance`). */
  safe?: string;
}

/** The selectors of `names` in `iface`; throws for a name it lacks (roles.ts out of date). */
export function selectorsOf(iface: Interface, names: readonly string[], what: string): string[] {
  return names.map((name) => {
    const fragment = iface.getFunction(name);
    if (fragment === null) throw new Error(`the ${what} has no function ${name}: service/domain/roles.ts is out of date`);
    return fragment.selector;
  });
}

/** The wiring of one target: role id and selectors, from the table in service/domain/roles.ts. */
export function wiringOf(target: "ledger" | "registry" | "payments"): { role: RoleName | "PUBLIC"; selectors: string[] }[] {
  const [table, iface] =
    target === "ledger"
      ? [LEDGER_FUNCTION_ROLES, IVoucherLedger__factory.createInterface()]
      : target === "registry"
        ? [REGISTRY_FUNCTION_ROLES, SchemeRegistry__factory.createInterface()]
        : [PAYMENT_FUNCTION_ROLES, PaymentLedger__factory.createInterface()];
  return Object.entries(table).map(([role, names]) => ({
    role: role as RoleName | "PUBLIC",
    selectors: selectorsOf(iface, names ?? [], target),
  }));
}

/**
 * Deploys ledger v2 with the given signer: the AccessManager, the ERC2771Forwarder, the scheme registry, the ledger's
 * extension, claims module and core, and the payment ledger; connects the registry to the ledger, wires every restricted function to its role, grants the
 * initial members, and hands ISSUER and AUDITOR to GOVERNOR. The Ignition module does the same for real networks; this
 * serves tests and benchmarks, where a fresh deployment per fixture is what is wanted.
 */
export async function deployScheme(ethers: HardhatEthers, options: SchemeDeployOptions = {}): Promise<SchemeDeployment> {
  if ((options.governance === undefined) === (options.keepDeployerAsAdmin !== true)) {
    throw new Error("deployScheme: pass either governance (a Safe holds ADMIN) or keepDeployerAsAdmin: true, not both or neither");
  }
  if (options.probe !== false) {
    const refused = refusal(await probeChain((method, params) => ethers.provider.send(method, params)), "this chain");
    if (refused !== undefined) throw new Error(refused);
  }
  const delays = options.governance === undefined ? undefined : resolveDelays(options.governance.delays);
  const admin = options.admin ?? (await ethers.getSigners())[0];
  if (admin === undefined) throw new Error("no signer to deploy with");
  const adminAddress = await admin.getAddress();
  const manager = await ethers.deployContract("AccessManager", [adminAddress], admin);
  const managerAddress = await manager.getAddress();
  const forwarder = await ethers.deployContract("ERC2771Forwarder", ["VoucherLedgerForwarder"], admin);
  const forwarderAddress = await forwarder.getAddress();
  const registry = await ethers.deployContract("SchemeRegistry", [managerAddress], admin);
  const extension = await ethers.deployContract("VoucherLedgerExtension", [forwarderAddress], admin);
  const extensionAddress = await extension.getAddress();
  const claims = await ethers.deployContract("VoucherLedgerClaims", [forwarderAddress], admin);
  const claimsAddress = await claims.getAddress();
  const core = await ethers.deployContract(
    "VoucherLedger",
    [
      managerAddress,
      await registry.getAddress(),
      extensionAddress,
      claimsAddress,
      forwarderAddress,
      options.currency ?? "CNY",
      options.decimals ?? 2,
      options.baseURI ?? "https://vouchers.example.gov.cn/metadata/",
    ],
    admin,
  );
  const ledgerAddress = await core.getAddress();
  const ledger = await ethers.getContractAt("IVoucherLedger", ledgerAddress, admin);
  const payments = await ethers.deployContract("PaymentLedger", [managerAddress, ledgerAddress], admin);

  const m = manager.connect(admin);
  for (const [name, id] of Object.entries(ROLE)) {
    if (id !== ROLE.ADMIN) await (await m.labelRole(id, name)).wait();
  }
  const targets = [
    ["ledger", ledgerAddress],
    ["registry", await registry.getAddress()],
    ["payments", await payments.getAddress()],
  ] as const;
  for (const [target, address] of targets) {
    for (const { role, selectors } of wiringOf(target)) {
      await (await m.setTargetFunctionRole(address, selectors, roleIdOf(role))).wait();
    }
  }
  await (await registry.connect(admin).setLedger(ledgerAddress)).wait();
  const grants: [RoleName, AddressLike[] | undefined, number][] = [
    ["GOVERNOR", options.governors, delays?.governorExecution ?? options.governorDelay ?? 0],
    ["GUARDIAN", options.guardians, 0],
    ["ISSUER", options.issuers, 0],
    ["AUDITOR", options.auditors, 0],
    ["FINANCE", options.finance, 0],
  ];
  for (const [role, members, delay] of grants) {
    for (const member of members ?? []) await (await m.grantRole(ROLE[role], member, delay)).wait();
  }
  for (const [role, adminRole] of Object.entries(ROLE_ADMIN)) {
    if (adminRole !== "ADMIN") await (await m.setRoleAdmin(ROLE[role as RoleName], ROLE[adminRole])).wait();
  }
  const deployment = { manager, forwarder, registry, payments, ledger, core, extension: extensionAddress, claims: claimsAddress };
  if (options.governance === undefined || delays === undefined) return deployment;

  for (const [role, name] of Object.entries(GRANT_DELAYS) as [RoleName, keyof GovernanceDelays][]) {
    await (await m.setGrantDelay(ROLE[role], delays[name])).wait();
  }
  for (const [, address] of targets) await (await m.setTargetAdminDelay(address, delays.targetAdmin)).wait();
  const { safe } = options.governance;
  const safeAddress = typeof safe === "string" ? safe : await (await deploySafe(admin, safe)).getAddress();
  await (await m.grantRole(ROLE.ADMIN, safeAddress, 0)).wait();
  await (await m.renounceRole(ROLE.ADMIN, adminAddress)).wait();
  await assertGovernance(
    admin,
    { manager: managerAddress, ledger: ledgerAddress, registry: await registry.getAddress(), payments: await payments.getAddress() },
    { minimums: options.governance.minimums },
  );
  return { ...deployment, safe: safeAddress };
}
