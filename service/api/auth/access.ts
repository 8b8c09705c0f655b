import { ROLE } from "../../domain/roles-v1.js";
import { ROLE as ROLE_V2 } from "../../domain/roles.js";
import type { Queryable } from "../../store/database.js";
import { ApiError } from "../problem.js";

/**
 * What an address may read, from its roles as the mirror knows them now:
 * - `all`: AUDITOR or GOVERNOR — everything;
 * - `city`: an ISSUER bound to a city — that city's cities, vouchers, redemptions, data centers and events;
 * - `dataCenter`: an address with an accreditation — its own redemptions and accreditations;
 * - ledger v2 (`/v2/…`): `all` also for FINANCE (the payments it records answer for every redemption and claim);
 *   `programmes`: an ISSUER bound to programmes — their records; `company`: an address that acts for a registered
 *   company — the company's own vouchers, redemptions, claims and payments;
 * - `none`: anyone else (refused with 403 on every token endpoint).
 * When an address has several, the widest wins.
 */
export type Access =
  | { kind: "all"; address: string; roles: string[] }
  | { kind: "city"; address: string; city: number }
  | { kind: "dataCenter"; address: string }
  | { kind: "programmes"; address: string; programmes: number[] }
  | { kind: "company"; address: string; entity: number }
  | { kind: "none"; address: string | null };

const ALL_ROLES = new Set([ROLE.GOVERNOR.toString(), ROLE.AUDITOR.toString(), ROLE_V2.FINANCE.toString()]);

/**
 * One query per request. A role counts once it is in effect (its `since` is not after the newest block the mirror
 * has read), and an issuer needs both the ISSUER role and a city binding.
 */
export async function resolveAccess(db: Queryable, address: string): Promise<Access> {
  const rows = await db.query<{ roles: string | null; city: number | null; dc: boolean; programmes: string | null; entity: number | null }>(
    `SELECT (SELECT string_agg(role_id::text, ',') FROM role_members
              WHERE account = $1 AND since <= coalesce((SELECT timestamp FROM blocks ORDER BY number DESC LIMIT 1), 0)) AS roles,
            (SELECT city FROM issuers WHERE issuer = $1) AS city,
            EXISTS (SELECT 1 FROM accreditations WHERE data_center = $1) AS dc,
            (SELECT string_agg(programme::text, ',' ORDER BY programme) FROM v2_issuers WHERE issuer = $1) AS programmes,
            (SELECT entity FROM v2_entity_addresses WHERE account = $1 AND active) AS entity`,
    [address],
  );
  const row = rows[0];
  const roles = row?.roles ? row.roles.split(",") : [];
  if (roles.some((r) => ALL_ROLES.has(r))) return { kind: "all", address, roles };
  if (roles.includes(ROLE.ISSUER.toString()) && row?.city !== null && row?.city !== undefined) {
    return { kind: "city", address, city: Number(row.city) };
  }
  if (row?.dc === true) return { kind: "dataCenter", address };
  if (roles.includes(ROLE_V2.ISSUER.toString()) && row?.programmes) {
    return { kind: "programmes", address, programmes: row.programmes.split(",").map(Number) };
  }
  if (row?.entity !== null && row?.entity !== undefined) return { kind: "company", address, entity: Number(row.entity) };
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
export function notFound(what: "voucher" | "city" | "data center" | "programme", atBlock?: number): ApiError {
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

/**
 * What a caller may read of ledger v2's records: every programme and company (`programmes` and `entity` undefined),
 * an issuer's programmes, or one company's own records. Refuses v1's scopes (a v1 city issuer or data center).
 */
export function v2Scope(access: Access, what: string): { programmes: number[] | undefined; entity: number | undefined } {
  if (access.kind === "all") return { programmes: undefined, entity: undefined };
  if (access.kind === "programmes") return { programmes: access.programmes, entity: undefined };
  if (access.kind === "company") return { programmes: undefined, entity: access.entity };
  throw forbidden(`no role that reads ${what} of ledger v2`);
}

/** The programme filter a v2 list may apply: the one asked for, within an issuer's programmes (else 403). */
export function programmeFilter(scope: { programmes: number[] | undefined }, requested: number | undefined, what: string): number[] | undefined {
  if (scope.programmes === undefined) return requested === undefined ? undefined : [requested];
  if (requested === undefined) return scope.programmes;
  if (!scope.programmes.includes(requested)) throw forbidden(`an issuer may read ${what} of its own programmes (${scope.programmes.join(", ")}) only`);
  return [requested];
}

/** A company filter of a v2 list: a company may ask for its own records only (else 403). */
export function companyFilter(scope: { entity: number | undefined }, requested: number | undefined, what: string): number | undefined {
  if (scope.entity !== undefined && requested !== undefined && requested !== scope.entity) {
    throw forbidden(`a company may read its own ${what} only`);
  }
  return requested;
}
