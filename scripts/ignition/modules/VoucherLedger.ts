import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { ROLE, ROLE_ADMIN, roleIdOf, type RoleName } from "../../../service/domain/roles.js";
import { wiringOf } from "../../lib/ledger-deploy.js";

/**
 * Deploys ledger v2 with its governance: the OpenZeppelin AccessManager (ADMIN is the deploying account), the
 * ERC2771Forwarder for relayed calls, the scheme registry, the ledger's extension, claims module and core (one
 * address); labels the
 * roles, assigns every restricted function of the ledger and the registry its role from service/domain/roles.ts,
 * connects the registry to the ledger, grants GOVERNOR (`governor`, with the `governorDelay` execution delay in
 * seconds) and GUARDIAN (`guardian`), and hands ISSUER and AUDITOR to GOVERNOR.
 *
 * Parameters (module id `VoucherLedger`): governor, governorDelay, guardian, currency, decimals, baseURI.
 */
export default buildModule("VoucherLedger", (m) => {
  const admin = m.getAccount(0);
  const governor = m.getParameter("governor", admin);
  const governorDelay = m.getParameter("governorDelay", 0);
  const guardian = m.getParameter("guardian", admin);
  const currency = m.getParameter("currency", "CNY");
  const decimals = m.getParameter("decimals", 2);
  const baseURI = m.getParameter("baseURI", "https://vouchers.example.gov.cn/metadata/");

  const manager = m.contract("AccessManager", [admin]);
  const forwarder = m.contract("ERC2771Forwarder", ["VoucherLedgerForwarder"]);
  const registry = m.contract("SchemeRegistry", [manager]);
  const extension = m.contract("VoucherLedgerExtension", [forwarder]);
  const claims = m.contract("VoucherLedgerClaims", [forwarder]);
  const ledger = m.contract("VoucherLedger", [manager, registry, extension, claims, forwarder, currency, decimals, baseURI]);
  const payments = m.contract("PaymentLedger", [manager, ledger]);

  const wiring = [];
  for (const [name, id] of Object.entries(ROLE)) {
    if (id !== ROLE.ADMIN) wiring.push(m.call(manager, "labelRole", [id, name], { id: `labelRole_${name}` }));
  }
  for (const [target, contract] of [["ledger", ledger], ["registry", registry], ["payments", payments]] as const) {
    for (const { role, selectors } of wiringOf(target)) {
      wiring.push(
        m.call(manager, "setTargetFunctionRole", [contract, selectors, roleIdOf(role)], {
          id: `setTargetFunctionRole_${target}_${role}`,
        }),
      );
    }
  }
  const connect = m.call(registry, "setLedger", [ledger], { after: wiring });
  const grants = [
    m.call(manager, "grantRole", [ROLE.GOVERNOR, governor, governorDelay], { id: "grantRole_GOVERNOR", after: [connect] }),
    m.call(manager, "grantRole", [ROLE.GUARDIAN, guardian, 0], { id: "grantRole_GUARDIAN", after: [connect] }),
  ];
  for (const [role, adminRole] of Object.entries(ROLE_ADMIN) as [Exclude<RoleName, "ADMIN">, RoleName][]) {
    if (adminRole !== "ADMIN") {
      m.call(manager, "setRoleAdmin", [ROLE[role], ROLE[adminRole]], { id: `setRoleAdmin_${role}`, after: grants });
    }
  }
  return { manager, forwarder, registry, extension, claims, ledger, payments };
});
