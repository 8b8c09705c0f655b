import { ROLE } from "../../../scripts/lib/roles.js";
import type { Queryable } from "../../store/database.js";
import { ApiError } from "../problem.js";

/**
 * What an address may read, from its roles as the mirror knows them now:
 * - `all`: AUDITOR or GOVERNOR — everything;
 * - `city`: an ISSUER bound to a city — that city's cities, vouchers, redemptions, data centers and events;
 * - `dataCenter`: an address with an accreditation — its own redemptions and accreditations;
 * - `none`: anyone else (refused with 403).
 * When an address has several, the widest wins.
 */
export type Access =
  | { kind: "all"; address: string; roles: string[] }
  | { kind: "city"; address: string; city: number }
  | { kind: "dataCenter"; address: string }
  | { kind: "none"; address: string | null };

const ALL_ROLES = new Set([ROLE.GOVERNOR.toString(), ROLE.AUDITOR.toString()]);

/**
 * One query per request. A role counts once it is in effect (its `since` is not after the newest block the mirror
 * has read), and an issuer needs both the ISSUER role and a city binding.
 */
export async function resolveAccess(db: Queryable, address: string): Promise<Access> {
  const rows = await db.query<{ roles: string | null; city: number | null; dc: boolean }>(
    `SELECT (SELECT string_agg(role_id::text, ',') FROM role_members
              WHERE account = $1 AND since <= coalesce((SELECT timestamp FROM blocks ORDER BY number DESC LIMIT 1), 0)) AS roles,
            (SELECT city FROM issuers WHERE issuer = $1) AS city,
            EXISTS (SELECT 1 FROM accreditations WHERE data_center = $1) AS dc`,
    [address],
  );
  const row = rows[0];
  const roles = row?.roles ? row.roles.split(",") : [];
  if (roles.some((r) => ALL_ROLES.has(r))) return { kind: "all", address, roles };
  if (roles.includes(ROLE.ISSUER.toString()) && row?.city !== null && row?.city !== undefined) {
    return { kind: "city", address, city: Number(row.city) };
  }
  if (row?.dc === true) return { kind: "dataCenter", address };
  return { kind: "none", address };
}

export function forbidden(detail: string): ApiError {
  return new ApiError("FORBIDDEN", detail);
}

/** Only AUDITOR and GOVERNOR. */
export function requireAll(access: Access, what: string): void {
  if (access.kind !== "all") throw forbidden(`only auditors and governors may read ${what}`);
}

/**
 * The city a request may read: `requested` for everyone-readers (undefined = all cities), the issuer's own city
 * for an issuer (asking for another is refused); data centers are refused.
 */
export function cityScope(access: Access, requested: number | undefined, what: string): number | undefined {
  if (access.kind === "all") return requested;
  if (access.kind === "city") {
    if (requested !== undefined && requested !== access.city) {
      throw forbidden(`an issuer of city ${access.city} may not read ${what} of city ${requested}`);
    }
    return access.city;
  }
  throw forbidden(`a data center may not read ${what}`);
}
