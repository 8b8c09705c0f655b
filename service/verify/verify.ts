import { atSteadyHead, readHead } from "../chain/profile.js";
import type { Rpc } from "../chain/rpc.js";
import { NodeBehindError } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";
import type { Queryable } from "../store/database.js";
import { type ChainHistory, extendChainHistory, inPool, readChainHistory, type VerifyTarget, viewCaller } from "./chain.js";
import { type LedgerState, outstanding } from "./fold.js";
import type { Difference } from "./difference.js";
import { historyRange } from "../store/history.js";
import { compareMirror } from "./mirror.js";
import { verifyLedgerV2, type VerifyReportV2 } from "./verify-v2.js";

export type { Difference };

/** A verification's report: ledger v1's, or ledger v2's (service/verify/verify-v2.ts). */
export type AnyVerifyReport = VerifyReport | VerifyReportV2;

export interface VerifyReport {
  chainId: number;
  ledger: string;
  atBlock: number;
  /**
   * The block whose state the contract's views were read in: `atBlock`; where the node cannot read past state, the
   * head, checked not to have moved while it was read; null when the contract was not compared (a past block asked
   * of a node that cannot read past state).
   */
  contractBlock: number | null;
  /** Whether the node reads past state (`eth_call` at a block): the chain profile's verdict. */
  historicalCalls: boolean;
  events: number;
  checked: { cities: number; vouchers: number; accreditations: number; issuers: number; roles: number; redemptions: number };
  /** Whether the mirror's event log was compared (up to `atBlock`). */
  mirrorCompared: boolean;
  /**
   * Whether the mirror's derived tables were compared too: their rows at its checkpoint, their versions as of a past
   * block (from the first block of the mirror's history on).
   */
  mirrorTablesCompared: boolean;
  /** The mirror's checkpoint when it was compared. */
  mirrorCheckpoint: number | null;
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
  /**
   * Whether `eth_call` at a past block reads that block's state (the chain profile; default true). Without it the
   * contract is read at the head, checked not to have moved, and compared with the logs up to that head.
   */
  historicalCalls?: boolean;
}

/** The keys of the entities of one kind the logs touched (`issuer`, `role`). */
const keysOf = (state: LedgerState, kind: string): string[] =>
  [...state.touched.keys()].filter((k) => k.startsWith(`${kind}:`)).map((k) => k.slice(kind.length + 1));

const STATUS = ["None", "Active", "Redeemed", "Revoked", "Expired", "Reissued"];

/**
 * Rebuilds the ledger's state from the chain's logs alone (no database), then compares it with the contract's own
 * views at the same block and with the mirror, and reports every difference.
 */
export async function verifyLedger(deps: VerifyDeps): Promise<AnyVerifyReport> {
  const checkpoint = async () => {
    const range = await historyRange(deps.db!);
    return range?.to;
  };
  if (deps.db === undefined) return verifyAt(deps, deps.atBlock ?? (await rpc(deps)), undefined);
  if (deps.atBlock !== undefined) {
    // A block asked for: the mirror's log up to it, if the mirror has got that far; its tables at its checkpoint, or
    // their versions as of a block its history holds.
    const range = await historyRange(deps.db);
    const mirrored = range?.to;
    const tables = mirrored === deps.atBlock || deps.atBlock >= (range?.from ?? Infinity);
    const mirror = mirrored === undefined || mirrored < deps.atBlock ? undefined : { checkpoint: mirrored, tables };
    return verifyAt(deps, deps.atBlock, mirror);
  }
  // The mirror may move on while it is compared (a writer in this process): compare again at its new checkpoint.
  for (let attempt = 1; ; attempt++) {
    const mirrored = await checkpoint();
    const at = mirrored ?? (await rpc(deps));
    const report = await verifyAt(deps, at, mirrored === undefined ? undefined : { checkpoint: mirrored, tables: true });
    if (report.ok || attempt >= 3 || (await checkpoint()) === at) return report;
  }
}

const rpc = (deps: VerifyDeps) => deps.rpc.blockNumber();

/** The contract's views, read at `blockTag`, against the state folded from the logs of `history`. */
async function compareContract(deps: VerifyDeps, history: ChainHistory, blockTag: string): Promise<Difference[]> {
  const { rpc, target } = deps;
  const { state, abis } = history;
  const differences: Difference[] = [];
  const differ = (against: Difference["against"], entity: string, key: string, touchedKey: string) =>
    (field: string, expected: unknown, actual: unknown) => {
      if (String(expected) === String(actual)) return;
      differences.push({ against, entity, key, field, expected: String(expected), actual: String(actual), block: state.touched.get(touchedKey) ?? null });
    };
  const view = viewCaller(rpc, blockTag);
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
  const issuerKeys = keysOf(state, "issuer");
  await inPool(issuerKeys, pool, async (issuer) => {
    const [city] = await ledger("issuerCity", [issuer]);
    differ("contract", "issuer", issuer, `issuer:${issuer}`)("city", state.issuers.get(issuer)?.city ?? 0, city);
  });
  const roleKeys = keysOf(state, "role");
  await inPool(roleKeys, pool, async (key) => {
    const [roleId, account] = key.split("|") as [string, string];
    const member = state.roles.get(key);
    // getAccess's `since` is 0 for a non-member (a grant still pending counts as membership, as in the log).
    const since = (await view(abis.accessManager, target.accessManager, "getAccess", [roleId, account]))[0] as bigint;
    const d = differ("contract", "role", key, `role:${key}`);
    d("member", member !== undefined, BigInt(since) !== 0n);
    if (member !== undefined) d("since", member.since, since);
  });
  return differences;
}

const hex = (n: number) => `0x${n.toString(16)}`;

interface ContractComparison {
  block: number | null;
  history: ChainHistory;
  differences: Difference[];
}

/**
 * The contract compared where the node cannot read past state: at its head, with the logs up to that head, the
 * views read between two reads of the head that must show the same block. A past block asked for explicitly cannot
 * be read there, and the contract is not compared (block null) rather than compared with the wrong state.
 */
async function compareAtHead(deps: VerifyDeps, history: ChainHistory, atBlock: number): Promise<ContractComparison> {
  let current = history;
  const { head, value } = await atSteadyHead(() => readHead(deps.rpc), async (at) => {
    if (at.number < atBlock) throw new NodeBehindError(`the node's head ${at.number} is below block ${atBlock}`);
    if (at.number !== atBlock && deps.atBlock !== undefined) return undefined;
    if (at.number < current.toBlock) current = history;
    if (at.number > current.toBlock) current = await extendChainHistory(deps.rpc, deps.target, current, at.number, deps.logger);
    return { history: current, differences: await compareContract(deps, current, "latest") };
  });
  return value === undefined ? { block: null, history, differences: [] } : { block: head.number, ...value };
}

async function verifyAt(deps: VerifyDeps, atBlock: number, mirror: { checkpoint: number; tables: boolean } | undefined): Promise<AnyVerifyReport> {
  const { rpc, target, db } = deps;
  // Ledger v2: its own fold and comparisons.
  if (target.v2 !== undefined) return verifyLedgerV2({ ...deps, db: mirror === undefined ? undefined : db, target: { ...target, v2: target.v2 }, atBlock, mirror });
  const history = await readChainHistory(rpc, target, atBlock, deps.logger);
  const historicalCalls = deps.historicalCalls ?? true;
  const contract: ContractComparison = historicalCalls
    ? { block: atBlock, history, differences: await compareContract(deps, history, hex(atBlock)) }
    : await compareAtHead(deps, history, atBlock);
  const differences = [...contract.differences];
  const { state } = contract.history;
  if (db !== undefined && mirror !== undefined) {
    const tables = !mirror.tables ? false : atBlock === mirror.checkpoint ? "current" : "versions";
    differences.push(...(await compareMirror(db, history, atBlock, { tables })));
  }

  return {
    chainId: target.chainId,
    ledger: target.ledger,
    atBlock,
    contractBlock: contract.block,
    historicalCalls,
    events: history.events.length,
    checked: {
      cities: state.cities.size, vouchers: state.vouchers.size, accreditations: state.accreditations.size,
      issuers: keysOf(state, "issuer").length, roles: keysOf(state, "role").length, redemptions: state.redemptions.length,
    },
    mirrorCompared: db !== undefined && mirror !== undefined,
    mirrorTablesCompared: db !== undefined && mirror !== undefined && mirror.tables,
    mirrorCheckpoint: mirror?.checkpoint ?? null,
    differences,
    ok: differences.length === 0,
  };
}
