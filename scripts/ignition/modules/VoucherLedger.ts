import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ContractAtFuture, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { ZeroAddress } from "ethers";

import { ROLE, ROLE_ADMIN, roleIdOf, type RoleName } from "../../../service/domain/roles.js";
import { DELAY_PARAMETERS, GRANT_DELAYS, MINIMUM_DELAYS } from "../../lib/governance/policy.js";
import { SAFE_ARTIFACTS } from "../../lib/governance/safe.js";
import { wiringOf } from "../../lib/ledger-deploy.js";

/**
 * A Safe multisig from the audited contracts of @safe-global/safe-smart-account, deployed from the package's own
 * bytecode: the SafeL2 singleton, the proxy factory, the compatibility fallback handler, and one Safe proxy set up
 * with `owners` and `threshold`.
 *
 * Parameters (module id `GovernanceSafe`): owners (addresses, required), threshold (required), saltNonce.
 */
export const GovernanceSafeModule = buildModule("GovernanceSafe", (m) => {
  const owners = m.getParameter<string[]>("owners");
  const threshold = m.getParameter<number>("threshold");
  const saltNonce = m.getParameter("saltNonce", 0);
  const singleton = m.contract("SafeL2", SAFE_ARTIFACTS.SafeL2, []);
  const factory = m.contract("SafeProxyFactory", SAFE_ARTIFACTS.SafeProxyFactory, []);
  const fallbackHandler = m.contract("CompatibilityFallbackHandler", SAFE_ARTIFACTS.CompatibilityFallbackHandler, []);
  const setup = m.encodeFunctionCall(singleton, "setup", [
    owners,
    threshold,
    ZeroAddress,
    "0x",
    fallbackHandler,
    ZeroAddress,
    0,
    ZeroAddress,
  ]);
  const create = m.call(factory, "createProxyWithNonce", [singleton, setup, saltNonce]);
  const proxy = m.readEventArgument(create, "ProxyCreation", "proxy");
  const safe = m.contractAt("Safe", SAFE_ARTIFACTS.SafeL2, proxy);
  return { safe, singleton, factory, fallbackHandler };
});

/**
 * Deploys ledger v2 with its governance: the OpenZeppelin AccessManager, the ERC2771Forwarder for relayed calls, the
 * scheme registry, the ledger's extension, claims module and core (one address) and the payment ledger; labels the
 * roles, assigns every restricted function its role from service/domain/roles.ts, connects the registry to the ledger,
 * grants GOVERNOR (`governor`, with the `governorDelay` execution delay) and GUARDIAN (`guardian`, none), hands ISSUER
 * and AUDITOR to GOVERNOR, sets the grant delays of GOVERNOR, ISSUER and FINANCE and the target admin delay of the
 * three contracts, and finally grants ADMIN to the Safe and has the deploying account renounce it. OpenZeppelin's
 * AccessManager makes a new grant or target admin delay take effect after its minimum setback (5 days): until then the
 * Safe's threshold of owners is what guards them.
 *
 * Parameters (module id `VoucherLedger`): governor, governorDelay, governorGrantDelay, issuerGrantDelay,
 * financeGrantDelay, targetAdminDelay (seconds; defaults: scripts/lib/governance/policy.ts), guardian, currency,
 * decimals, baseURI; with {@link VoucherLedgerOnExistingSafeModule}, safe.
 */
function buildLedger(m: IgnitionModuleBuilder, safe: ContractAtFuture) {
  const deployer = m.getAccount(0);
  const governor = m.getParameter("governor", deployer);
  const guardian = m.getParameter("guardian", deployer);
  const governorDelay = m.getParameter(DELAY_PARAMETERS.governorExecution, MINIMUM_DELAYS.governorExecution);
  const targetAdminDelay = m.getParameter(DELAY_PARAMETERS.targetAdmin, MINIMUM_DELAYS.targetAdmin);
  const currency = m.getParameter("currency", "CNY");
  const decimals = m.getParameter("decimals", 2);
  const baseURI = m.getParameter("baseURI", "https://vouchers.example.gov.cn/metadata/");

  const manager = m.contract("AccessManager", [deployer]);
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
  const targets = [["ledger", ledger], ["registry", registry], ["payments", payments]] as const;
  for (const [target, contract] of targets) {
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
  const settings = [];
  for (const [role, adminRole] of Object.entries(ROLE_ADMIN) as [Exclude<RoleName, "ADMIN">, RoleName][]) {
    if (adminRole !== "ADMIN") {
      settings.push(m.call(manager, "setRoleAdmin", [ROLE[role], ROLE[adminRole]], { id: `setRoleAdmin_${role}`, after: grants }));
    }
  }
  for (const [role, delay] of Object.entries(GRANT_DELAYS) as [RoleName, keyof typeof MINIMUM_DELAYS][]) {
    const seconds = m.getParameter(DELAY_PARAMETERS[delay], MINIMUM_DELAYS[delay]);
    settings.push(m.call(manager, "setGrantDelay", [ROLE[role], seconds], { id: `setGrantDelay_${role}`, after: grants }));
  }
  for (const [target, contract] of targets) {
    settings.push(
      m.call(manager, "setTargetAdminDelay", [contract, targetAdminDelay], { id: `setTargetAdminDelay_${target}`, after: grants }),
    );
  }
  const handOver = m.call(manager, "grantRole", [ROLE.ADMIN, safe, 0], { id: "grantRole_ADMIN_safe", after: settings });
  m.call(manager, "renounceRole", [ROLE.ADMIN, deployer], { id: "renounceRole_ADMIN_deployer", after: [handOver] });
  return { manager, forwarder, registry, extension, claims, ledger, payments };
}

/** Ledger v2 with a new Safe (module `GovernanceSafe`) holding ADMIN: the local chain and any fresh deployment. */
export default buildModule("VoucherLedger", (m) => {
  const { safe } = m.useModule(GovernanceSafeModule);
  return { safe, ...buildLedger(m, safe) };
});

/** Ledger v2 with an existing Safe holding ADMIN: its address is the `safe` parameter (a production chain). */
export const VoucherLedgerOnExistingSafeModule = buildModule("VoucherLedger", (m) => {
  const safe = m.contractAt("Safe", SAFE_ARTIFACTS.SafeL2, m.getParameter<string>("safe"));
  return { safe, ...buildLedger(m, safe) };
});
