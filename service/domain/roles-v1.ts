/**
 * Ledger v1's (`ComputeVoucher`'s) roles and which function each one may call; ledger v2's are in `roles.ts`. This
 * table is the single source of v1's AccessManager wiring: the test fixtures, the Ignition module and the admin tasks
 * all read it, and the service reads the same role ids from chain events.
 */

/** AccessManager role ids. ADMIN (0) and PUBLIC (2^64 - 1) are OpenZeppelin's own. */
export const ROLE = {
  ADMIN: 0n,
  GOVERNOR: 1n,
  ISSUER: 2n,
  AUDITOR: 3n,
} as const;

export type RoleName = keyof typeof ROLE;

export const PUBLIC_ROLE = 2n ** 64n - 1n;

/** The role that administers (grants and revokes) each role: the regulator's multisig (ADMIN) manages governors,
 * governors manage issuers and auditors. */
export const ROLE_ADMIN: Record<Exclude<RoleName, "ADMIN">, RoleName> = {
  GOVERNOR: "ADMIN",
  ISSUER: "GOVERNOR",
  AUDITOR: "GOVERNOR",
};

/** Ledger functions and the role that may call them. Functions not listed (redeem, expire and the views) are not
 * restricted: accreditation and the holder's consent, or expiry itself, are their permission. */
export const LEDGER_FUNCTION_ROLES: Record<"GOVERNOR" | "ISSUER", readonly string[]> = {
  GOVERNOR: [
    "registerCity",
    "setCityBudget",
    "setCityRatio",
    "setCityHolderCap",
    "setCityDefaultValidity",
    "bindIssuer",
    "unbindIssuer",
    "accredit",
    "suspend",
    "reinstate",
    "setBaseURI",
    "pause",
    "unpause",
    "revokeByGovernor",
    "reissueByGovernor",
  ],
  ISSUER: ["issue", "issueBatch", "revoke", "reissue"],
};

/** The role name of a role id, or the id in decimal for a role this project does not define. */
export function roleName(roleId: bigint): string {
  if (roleId === PUBLIC_ROLE) return "PUBLIC";
  const entry = Object.entries(ROLE).find(([, id]) => id === roleId);
  return entry === undefined ? roleId.toString() : entry[0];
}

/** The role id of a role name (case-insensitive); throws with the list of names for an unknown one. */
export function roleId(name: string): bigint {
  const key = name.toUpperCase();
  if (!(key in ROLE)) {
    throw new Error(`unknown role "${name}": expected one of ${Object.keys(ROLE).join(", ")}`);
  }
  return ROLE[key as RoleName];
}
