/**
 * The roles of ledger v2 and which function each one may call, on the registry and on the ledger: the single source
 * of the AccessManager wiring (deployment, test fixtures, the deploy check, the admin tasks).
 */

/** AccessManager role ids. ADMIN (0) and PUBLIC (2^64 - 1) are OpenZeppelin's own. */
export const ROLE = {
  ADMIN: 0n,
  GOVERNOR: 1n,
  ISSUER: 2n,
  AUDITOR: 3n,
  GUARDIAN: 4n,
  FINANCE: 5n,
} as const;

export type RoleName = keyof typeof ROLE;

export const PUBLIC_ROLE = 2n ** 64n - 1n;

/** The role that administers (grants and revokes) each role. */
export const ROLE_ADMIN: Record<Exclude<RoleName, "ADMIN">, RoleName> = {
  GOVERNOR: "ADMIN",
  GUARDIAN: "ADMIN",
  FINANCE: "ADMIN",
  ISSUER: "GOVERNOR",
  AUDITOR: "GOVERNOR",
};

type Wiring = Partial<Record<RoleName | "PUBLIC", readonly string[]>>;

/** Registry functions and the role that may call each. */
export const REGISTRY_FUNCTION_ROLES: Wiring = {
  ADMIN: ["setLedger"],
  GOVERNOR: [
    "defineClass",
    "defineCategory",
    "registerProgramme",
    "updateProgramme",
    "setRatios",
    "resumeProgramme",
    "registerEntity",
    "setEntityCategory",
    "addAddress",
    "removeAddress",
    "recordRelation",
    "clearRelation",
    "accredit",
    "reinstate",
    "bindIssuer",
    "unbindIssuer",
  ],
  GUARDIAN: ["pauseProgramme", "suspend"],
};

/**
 * Ledger functions (core and extension, one address) and the role that may call each. Redemption, expiry and consent
 * cancellation are PUBLIC: their permission is the accreditation and the holder's signature, or time; being
 * `restricted` all the same, they stop when the ledger is closed in the AccessManager. The `configure…` functions are
 * not here: only the registry may call them, which the ledger checks itself.
 */
export const LEDGER_FUNCTION_ROLES: Wiring = {
  GOVERNOR: [
    "setBudget",
    "setBaseURI",
    "unpause",
    "unfreeze",
    "revokeByGovernor",
    "approveReissue",
    "clawBackRedemption",
    "clawBackClaim",
  ],
  GUARDIAN: ["pause", "freeze"],
  ISSUER: [
    "issue",
    "issueBatch",
    "revoke",
    "requestReissue",
    "executeReissue",
    "cancelReissue",
    "approveClaim",
    "rejectClaim",
  ],
  PUBLIC: ["redeem", "redeemBatch", "submitClaim", "settleClaim", "expire", "expireBatch", "cancelConsents"],
};

/** Payment ledger functions and the role that may call each: the finance bureau's. */
export const PAYMENT_FUNCTION_ROLES: Wiring = {
  FINANCE: ["recordPayment", "recordRepayment", "correctEntry"],
};

/** The role id of a wiring key. */
export function roleIdOf(role: RoleName | "PUBLIC"): bigint {
  return role === "PUBLIC" ? PUBLIC_ROLE : ROLE[role];
}

/** The role name of a role id, or the id in decimal for a role this project does not define. */
export function roleName(roleId: bigint): string {
  if (roleId === PUBLIC_ROLE) return "PUBLIC";
  const entry = Object.entries(ROLE).find(([, id]) => id === roleId);
  return entry === undefined ? roleId.toString() : entry[0];
}
