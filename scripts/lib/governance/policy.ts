import type { RoleName } from "../../../service/domain/roles.js";

/**
 * The delays of ledger v2's governance, in seconds: what the Ignition module sets by default and the least the deploy
 * check accepts. Delays belong to roles in the AccessManager: an execution delay is a member's (every call that member
 * makes through its role waits), a grant delay is a role's (a new member waits before acting), and a target admin delay
 * is a contract's (re-wiring its functions or changing its authority waits). GUARDIAN acts at once, so its members have
 * no execution delay; what undoes a guardian's action (unpause, unfreeze, reinstate, resumeProgramme) is GOVERNOR's,
 * and waits.
 */
export interface GovernanceDelays {
  /** Execution delay of every GOVERNOR member: budgets, ratios, accreditations, programmes, and undoing a pause. */
  governorExecution: number;
  /** Grant delays: how long a new GOVERNOR, ISSUER or FINANCE member waits before the role counts. */
  governorGrant: number;
  issuerGrant: number;
  financeGrant: number;
  /** Target admin delay of the ledger, the registry and the payment ledger (authority changes, function re-wiring). */
  targetAdmin: number;
}

const DAY = 86_400;

/** The minimum delays (and the module's defaults). */
export const MINIMUM_DELAYS: GovernanceDelays = {
  governorExecution: DAY,
  governorGrant: 2 * DAY,
  issuerGrant: DAY,
  financeGrant: 2 * DAY,
  targetAdmin: 2 * DAY,
};

/** The roles with a grant delay, and which delay is theirs. */
export const GRANT_DELAYS: Partial<Record<RoleName, keyof GovernanceDelays>> = {
  GOVERNOR: "governorGrant",
  ISSUER: "issuerGrant",
  FINANCE: "financeGrant",
};

/** The roles whose members have an execution delay, and which. */
export const EXECUTION_DELAYS: Partial<Record<RoleName, keyof GovernanceDelays>> = {
  GOVERNOR: "governorExecution",
};

/** The roles that must act at once: their members may have no execution delay. */
export const INSTANT_ROLES: readonly RoleName[] = ["GUARDIAN"];

/** The fewest owners' signatures a Safe holding ADMIN may need: more than one person. */
export const MINIMUM_SAFE_THRESHOLD = 2;

/** The Ignition module's parameter name of each delay (module id `VoucherLedger`). */
export const DELAY_PARAMETERS: Record<keyof GovernanceDelays, string> = {
  governorExecution: "governorDelay",
  governorGrant: "governorGrantDelay",
  issuerGrant: "issuerGrantDelay",
  financeGrant: "financeGrantDelay",
  targetAdmin: "targetAdminDelay",
};

/** `delays` over the minimums, refusing anything that is not a whole number of seconds within uint32. */
export function resolveDelays(delays: Partial<GovernanceDelays> = {}): GovernanceDelays {
  const resolved = { ...MINIMUM_DELAYS, ...delays };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 0 || value > 2 ** 32 - 1) {
      throw new Error(`the delay ${name} must be a whole number of seconds (0 to 2^32 - 1), not ${value}`);
    }
  }
  return resolved;
}
