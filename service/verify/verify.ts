import type { Rpc } from "../chain/rpc.js";
import type { Logger } from "../internal/logger.js";
import type { Queryable } from "../store/database.js";
import { inPool, readChainHistory, type VerifyTarget, viewCaller } from "./chain.js";
import { outstanding } from "./fold.js";
import type { Difference } from "./difference.js";
import { compareMirror } from "./mirror.js";
import { verifyLedgerV2, type VerifyReportV2 } from "./verify-v2.js";

export type { Difference };

/** A verification's report: ledger v1's, or ledger v2's (service/verify/verify-v2.ts). */
export type AnyVerifyReport = VerifyReport | VerifyReportV2;

export interface VerifyReport {
  chainId: number;
  ledger: string;
  atBlock: number;
  events: number;
  checked: { cities: number; vouchers: number; accreditations: number; issuers: number; roles: number; redemptions: number };
  mirrorCompared: boolean;
  differences: Difference[];
  ok: boolean;
}

export interface VerifyDeps {
  rpc: Rpc;
  target: VerifyTarget;
  logger: Logger;
  /** The mirror to compare; without it only the chain's logs and the contract are compared. */
  db?: Queryable;
  /** Verify as of this block; default: the mirror's checkpoint, or the head without a mirror. */
  atBlock?: number;
  concurrency?: number;
}

const STATUS = ["None", "Active", "Redeemed", "Revoked", "Expired", "Reissued"];

/**
 * Rebuilds the ledger's state from the chain's logs alone (no database), then compares it with the contract's own
 * views at the same block and with the mirror, and reports every difference.
 */
export async function verifyLedger(deps: VerifyDeps): Promise<AnyVerifyReport> {
  const checkpoint = async () => {
    const rows = await deps.db!.query<{ n: string }>("SELECT block_number::text AS n FROM sync_checkpoint WHERE id = 1");
    return rows[0] === undefined ? undefined : Number(rows[0].n);
  };
  if (deps.db === undefined || deps.atBlock !== undefined) return verifyAt(deps, deps.atBlock ?? (await rpc(deps)));
  // The mirror may move on while it is compared (a writer in this process): compare again at its new checkpoint.
  for (let attempt = 1; ; attempt++) {
    const at = (await checkpoint()) ?? (await rpc(deps));
    const report = await verifyAt(deps, at);
    if (report.ok || attempt >= 3 || (await checkpoint()) === at) return report;
  }
}

const rpc = (deps: VerifyDeps) => deps.rpc.blockNumber();

async function verifyAt(deps: VerifyDeps, atBlock: number): Promise<AnyVerifyReport> {
  const { rpc, target, db } = deps;
  // Ledger v2: its own fold and comparisons.
  if (target.v2 !== undefined) return verifyLedgerV2({ ...deps, target: { ...target, v2: target.v2 }, atBlock });
  const history = await readChainHistory(rpc, target, atBlock, deps.logger);
  const { state, abis } = history;
  const differences: Difference[] = [];
  const differ = (against: Difference["against"], entity: string, key: string, touchedKey: string) =>
    (field: string, expected: unknown, actual: unknown) => {
      if (String(expected) === String(actual)) return;
      differences.push({ against, entity, key, field, expected: String(expected), actual: String(actual), block: state.touched.get(touchedKey) ?? null });
    };
  const view = viewCaller(rpc, atBlock);
  const ledger = (fn: string, args: unknown[]) => view(abis.ledger, target.ledger, fn, args);
  /** The one struct a view of the ledger returns, read by field name (ethers' Result has them untyped). */
  const struct = async (fn: string, args: unknown[]) => (await ledger(fn, args))[0] as Record<string, unknown>;
  const pool = deps.concurrency ?? 8;

  const codes = state.cities.size === 0 ? [] : ((await ledger("cityCodes", []))[0] as bigint[]).map(Number);
  differ("contract", "cities", "codes", "")("codes", [...state.cities.keys()].join(","), codes.join(","));
  await inPool([...state.cities.values()], pool, async (c) => {
    const d = differ("contract", "city", String(c.city), `city:${c.city}`);
    const params = await struct("getCity", [c.city]);
    const counters = await struct("getCityCounters", [c.city]);
    d("name", c.name, params.name);
    d("budget", c.budget, params.budget);
    d("appropriation", c.appropriation, params.appropriation);
    d("ratioBps", c.ratioBps, params.ratioBps);
    d("holderCap", c.holderCap, params.holderCap);
    d("defaultValidity", c.defaultValidity, params.defaultValidity);
    for (const k of ["issued", "redeemed", "revoked", "expired"] as const) d(k, c[k], counters[k]);
    d("outstanding", outstanding(c), counters.outstanding);
  });
  await inPool([...state.vouchers.values()], pool, async (v) => {
    const d = differ("contract", "voucher", v.id, `voucher:${v.id}`);
    const r = await struct("getVoucher", [v.id]);
    d("city", v.city, r.city);
    d("holder", v.holder, r.holder);
    d("status", v.status, STATUS[Number(r.status)]);
    d("faceValue", v.faceValue, r.faceValue);
    d("remaining", v.remaining, r.remaining);
    d("issuedAt", v.issuedAt, r.issuedAt);
    d("expiresAt", v.expiresAt, r.expiresAt);
    d("reissuedFrom", v.reissuedFrom ?? "0", r.reissuedFrom);
    d("reissuedTo", v.reissuedTo ?? "0", r.reissuedTo);
  });
  await inPool([...state.accreditations.values()], pool, async (a) => {
    const key = `${a.dataCenter}|${a.city}`;
    const d = differ("contract", "accreditation", key, `accreditation:${key}`);
    const r = await struct("getAccreditation", [a.dataCenter, a.city]);
    d("validFrom", a.validFrom, r.validFrom);
    d("validUntil", a.validUntil, r.validUntil);
    d("suspended", a.suspended, r.suspended);
    d("reason", a.reason, r.reason);
  });
  const issuerKeys = [...state.touched.keys()].filter((k) => k.startsWith("issuer:")).map((k) => k.slice(7));
  await inPool(issuerKeys, pool, async (issuer) => {
    const [city] = await ledger("issuerCity", [issuer]);
    differ("contract", "issuer", issuer, `issuer:${issuer}`)("city", state.issuers.get(issuer)?.city ?? 0, city);
  });
  const roleKeys = [...state.touched.keys()].filter((k) => k.startsWith("role:")).map((k) => k.slice(5));
  await inPool(roleKeys, pool, async (key) => {
    const [roleId, account] = key.split("|") as [string, string];
    const member = state.roles.get(key);
    // getAccess's `since` is 0 for a non-member (a grant still pending counts as membership, as in the log).
    const since = (await view(abis.accessManager, target.accessManager, "getAccess", [roleId, account]))[0] as bigint;
    const d = differ("contract", "role", key, `role:${key}`);
    d("member", member !== undefined, BigInt(since) !== 0n);
    if (member !== undefined) d("since", member.since, since);
  });

  if (db !== undefined) differences.push(...(await compareMirror(db, history, atBlock)));

  return {
    chainId: target.chainId,
    ledger: target.ledger,
    atBlock,
    events: history.events.length,
    checked: {
      cities: state.cities.size, vouchers: state.vouchers.size, accreditations: state.accreditations.size,
      issuers: issuerKeys.length, roles: roleKeys.length, redemptions: state.redemptions.length,
    },
    mirrorCompared: db !== undefined,
    differences,
    ok: differences.length === 0,
  };
}
