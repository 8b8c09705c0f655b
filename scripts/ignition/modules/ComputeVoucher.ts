import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { Interface } from "ethers";

import { ComputeVoucher__factory } from "../../../types/ethers-contracts/index.js";
import { LEDGER_FUNCTION_ROLES, ROLE, ROLE_ADMIN, type RoleName } from "../../../service/domain/roles-v1.js";

const ledgerInterface: Interface = ComputeVoucher__factory.createInterface();

/** The selectors of the ledger functions a role may call, from the one table in scripts/lib/roles.ts. */
function selectorsOf(role: keyof typeof LEDGER_FUNCTION_ROLES): string[] {
  return LEDGER_FUNCTION_ROLES[role].map((name) => {
    const fragment = ledgerInterface.getFunction(name);
    if (fragment === null) throw new Error(`the ledger has no function ${name}: roles.ts is out of date`);
    return fragment.selector;
  });
}

/**
 * Deploys the ledger with its governance: the OpenZeppelin AccessManager (ADMIN is the deploying account, the
 * regulator's multisig in production), the ERC2771Forwarder for relayed redemptions, and the ledger; then labels
 * the roles, assigns every restricted function its role, grants GOVERNOR to the `governor` parameter with the
 * `governorDelay` execution delay (seconds; 0 on a local node), and hands the administration of ISSUER and AUDITOR
 * to GOVERNOR. Issuers and auditors are granted afterwards by a governor (`npx hardhat role grant`).
 *
 * Parameters (module id `ComputeVoucher`): governor, governorDelay, currency, decimals, baseURI.
 */
export default buildModule("ComputeVoucher", (m) => {
  const admin = m.getAccount(0);
  const governor = m.getParameter("governor", admin);
  const governorDelay = m.getParameter("governorDelay", 0);
  const currency = m.getParameter("currency", "CNY");
  const decimals = m.getParameter("decimals", 2);
  const baseURI = m.getParameter("baseURI", "https://vouchers.example.gov.cn/metadata/");

  const manager = m.contract("AccessManager", [admin]);
  const forwarder = m.contract("ERC2771Forwarder", ["ComputeVoucherForwarder"]);
  const ledger = m.contract("ComputeVoucher", [manager, forwarder, currency, decimals, baseURI]);

  const wiring = [];
  for (const [name, id] of Object.entries(ROLE)) {
    if (id !== ROLE.ADMIN) wiring.push(m.call(manager, "labelRole", [id, name], { id: `labelRole_${name}` }));
  }
  for (const role of Object.keys(LEDGER_FUNCTION_ROLES) as (keyof typeof LEDGER_FUNCTION_ROLES)[]) {
    wiring.push(
      m.call(manager, "setTargetFunctionRole", [ledger, selectorsOf(role), ROLE[role]], {
        id: `setTargetFunctionRole_${role}`,
      }),
    );
  }
  const grant = m.call(manager, "grantRole", [ROLE.GOVERNOR, governor, governorDelay], {
    id: "grantRole_GOVERNOR",
    after: wiring,
  });
  for (const [role, adminRole] of Object.entries(ROLE_ADMIN) as [Exclude<RoleName, "ADMIN">, RoleName][]) {
    if (adminRole !== "ADMIN") {
      m.call(manager, "setRoleAdmin", [ROLE[role], ROLE[adminRole]], { id: `setRoleAdmin_${role}`, after: [grant] });
    }
  }
  return { manager, forwarder, ledger };
});
