import { ROLE } from "../../domain/roles-v1.js";
import type { Queryable } from "../../store/database.js";
import { ApiError } from "../problem.js";

/**
 * What an address may read, from its roles as the mirror knows them now:
 * - `all`: AUDITOR or GOVERNOR — everything;
 * - `city`: an ISSUER bound to a city — that city's cities, vouchers, redemptions, data centers and events;
 * - `dataCenter`: an address with an accreditation — its own redemptions and accreditations;
 * - `none`: anyone else (refused with 403 on every token endpoint).
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

/**
 * Two kinds of refusal, so that a caller learns nothing about records it may not see:
 * - 403 FORBIDDEN for what the caller's role may not ask at all (an endpoint, or a list filtered to a city or data
 *   center outside its scope), decided from the role and the request alone, before any record is read;
 * - 404 NOT_FOUND ({@link notFound}) for one record named in the path (a voucher id, a city code, a data center's
 *   address) that exists outside the caller's scope: the same answer, word for word, as for one that does not
 *   exist, at any `atBlock`.
 */
export function forbidden(detail: string): ApiError {
  return new ApiError("FORBIDDEN", detail);
}

/**
 * The answer for a record that does not exist, or that the caller may not see. The detail names neither the key
 * (the problem's `instance` has the path) nor anything read about the record.
 */
export function notFound(what: "voucher" | "city" | "data center", atBlock?: number): ApiError {
  return new ApiError("NOT_FOUND", atBlock === undefined ? `no such ${what}` : `no such ${what} at block ${atBlock}`);
}

/** Whether a record of `city` is within a scope from {@link cityScope} (undefined: every city). */
export function inScope(scope: number | undefined, city: number): boolean {
  return scope === undefined || scope === city;
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
      throw forbidden(`an issuer may read ${what} of its own city (${access.city}) only`);
    }
    return access.city;
  }
  throw forbidden(`a data center may not read ${what}`);
}
