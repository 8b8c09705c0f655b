import { createDecoder, loadAbisV2 } from "../chain/abi.js";
import type { Rpc } from "../chain/rpc.js";
import { CLAIM_STATUS, ENTRY_KIND, INVOICE_FLAG, VOUCHER_FLAG, VOUCHER_STATUS_V2 } from "../domain/ledger-v2.js";
import { ChainRefusedError } from "../internal/errors.js";
import type { Logger } from "../internal/logger.js";
import type { Queryable } from "../store/database.js";
import { readerAt } from "../store/history.js";
import { registryMismatches } from "../store/registry.js";
import { inPool, readDecodedLogs, type VerifyTarget, viewCaller } from "./chain.js";
import type { Difference } from "./difference.js";
import type { FoldEvent } from "./fold.js";
import { applyV2Event, emptyV2State, type LedgerV2State } from "./fold-v2.js";
import { applyDailyEvent, type DailyState, emptyDailyState } from "./fold-v2-daily.js";
import { emptyGovernanceState, foldGovernance, type GovernanceState } from "./fold-governance.js";

export interface VerifyTargetV2 extends VerifyTarget {
  v2: { registry: string; payments: string; safe?: string };
}

export interface VerifyReportV2 {
  chainId: number;
  ledger: string;
  atBlock: number;
  events: number;
  checked: {
    programmes: number; periods: number; vouchers: number; claims: number; invoices: number; redemptions: number; payments: number;
    companies: number; accreditations: number; payees: number; registry: number;
  };
  /** The block whose state the contracts' views were read in (ledger v2 is verified only where past state can be read). */
  contractBlock: number;
  historicalCalls: true;
  /**
   * Whether the mirror's v2 tables were compared: their rows at its checkpoint, their versions (the store's history,
   * what `atBlock` reads) as of a past block that history holds.
   */
  mirrorCompared: boolean;
  mirrorTablesCompared: boolean;
  mirrorCheckpoint: number | null;
  differences: Difference[];
  ok: boolean;
}

export interface VerifyV2Deps {
  rpc: Rpc;
  target: VerifyTargetV2;
  logger: Logger;
  /** The mirror to compare; without it only the chain's logs and the contracts are compared. */
  db?: Queryable;
  atBlock: number;
  concurrency?: number;
  /** Whether the node reads past state (the chain profile): ledger v2's verify needs it. */
  historicalCalls?: boolean;
  /** The mirror's checkpoint, and whether its tables are to be compared (at the checkpoint, or as of a block its history holds). */
  mirror?: { checkpoint: number; tables: boolean } | undefined;
}

/** Every log of ledger v2's four contracts up to `atBlock`, decoded, in chain order. */
async function readEvents(deps: VerifyV2Deps): Promise<FoldEvent[]> {
  const { target } = deps;
  const decoder = createDecoder(await loadAbisV2(), { ...target, ...target.v2 });
  const addresses = [target.ledger, target.accessManager, target.v2.registry, target.v2.payments, ...(target.v2.safe === undefined ? [] : [target.v2.safe])];
  return readDecodedLogs(deps.rpc, decoder, addresses, target.deploymentBlock, deps.atBlock, deps.logger);
}

type Expected = Map<string, Record<string, unknown>>;

/**
 * What the fold says each v2 table holds, by key, in the mirror's column names (the columns compared), and the SQL
 * that reads the same columns (as text) with the same key.
 */
function expectations(s: LedgerV2State, g: GovernanceState, daily: DailyState): { entity: string; touched: string; expected: Expected; sql: string }[] {
  const map = <T>(m: Map<string, T>, f: (v: T, k: string) => Record<string, unknown>): Expected => new Map([...m].map(([k, v]) => [k, f(v, k)]));
  return [
    {
      entity: "programme", touched: "programme", sql: `SELECT id::text AS key, name, paused::text, issued::text, redeemed_by_suppliers::text,
        claimed_by_buyers::text, held::text, revoked::text, expired::text, clawed_back::text, voucher_count::text FROM v2_programmes`,
      expected: map(s.programmes, (p) => ({
        name: p.name, paused: p.paused, issued: p.issued, redeemed_by_suppliers: p.redeemedBySuppliers, claimed_by_buyers: p.claimedByBuyers,
        held: p.held, revoked: p.revoked, expired: p.expired, clawed_back: p.clawedBack, voucher_count: p.voucherCount,
      })),
    },
    {
      entity: "period", touched: "period", sql: `SELECT programme || '|' || year AS key, budget::text, issued::text, revoked::text, expired::text,
        clawed_back::text FROM v2_periods`,
      expected: map(s.periods, (p) => ({ budget: p.budget, issued: p.issued, revoked: p.revoked, expired: p.expired, clawed_back: p.clawedBack })),
    },
    {
      entity: "voucher", touched: "voucher", sql: `SELECT id::text AS key, programme::text, holder, remaining::text, held::text, redeemed::text,
        claimed::text, status, frozen::text, year::text, expires_at::text, reissue_to FROM v2_vouchers`,
      expected: map(s.vouchers, (v) => ({
        programme: v.programme, holder: v.holder, remaining: v.remaining, held: v.held, redeemed: v.redeemed, claimed: v.claimed,
        status: v.status, frozen: v.frozen, year: v.year, expires_at: v.expiresAt, reissue_to: v.reissueTo,
      })),
    },
    {
      entity: "claim", touched: "claim", sql: `SELECT claim_id::text AS key, voucher_id::text, programme::text, beneficiary_entity::text,
        supplier_entity::text, amount::text, status, clawed_back::text, invoice_key FROM v2_claims`,
      expected: map(s.claims, (c) => ({
        voucher_id: c.voucherId, programme: c.programme, beneficiary_entity: c.beneficiary, supplier_entity: c.supplier, amount: c.amount,
        status: c.status, clawed_back: c.clawedBack, invoice_key: c.invoiceKey,
      })),
    },
    {
      entity: "invoice", touched: "invoice", sql: `SELECT invoice_key AS key, total::text, subsidised::text, programme_count::text,
        paid_to_buyer::text, pending::text, beneficiary_entity::text FROM v2_invoices`,
      expected: map(s.invoices, (i) => ({
        total: i.total, subsidised: i.subsidised, programme_count: i.count, paid_to_buyer: i.buyer, pending: i.pending, beneficiary_entity: i.beneficiary,
      })),
    },
    {
      entity: "redemption", touched: "invoice", sql: "SELECT invoice_key || '|' || programme AS key, voucher_id::text, amount::text, clawed_back::text FROM v2_redemptions",
      expected: map(s.redemptions, (r) => ({ voucher_id: r.voucherId, amount: r.amount, clawed_back: r.clawedBack })),
    },
    {
      entity: "payment", touched: "entry", sql: `SELECT entry_id::text AS key, kind, programme::text, payee::text, year::text, amount::text,
        corrected::text FROM v2_payment_entries`,
      expected: map(s.entries, (p) => ({ kind: p.kind, programme: p.programme, payee: p.payee, year: p.year, amount: p.amount, corrected: p.corrected })),
    },
    {
      // The aggregates' roll-up, row by row: per company (0: the programme's whole), Shanghai day and programme.
      entity: "daily aggregate", touched: "daily", sql: `SELECT company || '|' || day || '|' || programme AS key, issued::text,
        issued_count::text, redeemed::text, redeemed_count::text, claimed::text, claimed_count::text, gpu_centihours::text, paid::text,
        revoked::text, expired::text, clawed_back::text FROM v2_daily`,
      expected: map(daily.rows, (r) => ({
        issued: r.issued, issued_count: r.issuedCount, redeemed: r.redeemed, redeemed_count: r.redeemedCount, claimed: r.claimed,
        claimed_count: r.claimedCount, gpu_centihours: r.gpuCentihours, paid: r.paid, revoked: r.revoked, expired: r.expired,
        clawed_back: r.clawedBack,
      })),
    },
    {
      entity: "company", touched: "entity", sql: "SELECT id::text AS key, credit_code_hash, roles::text, category::text, relations::text FROM v2_entities",
      expected: map(s.entities, (c) => ({ credit_code_hash: c.creditCodeHash, roles: c.roles, category: c.category, relations: c.relations })),
    },
    {
      entity: "address", touched: "address", sql: "SELECT account AS key, entity::text, active::text FROM v2_entity_addresses",
      expected: map(s.addresses, (a) => ({ entity: a.entity, active: a.active })),
    },
    {
      entity: "accreditation", touched: "accreditation", sql: `SELECT supplier || '|' || programme AS key, valid_from::text, valid_until::text,
        classes_mask::text, suspended::text, reason FROM v2_accreditations`,
      expected: map(s.accreditations, (a) => ({ valid_from: a.validFrom, valid_until: a.validUntil, classes_mask: a.classes, suspended: a.suspended, reason: a.reason })),
    },
    {
      entity: "relation", touched: "relation", sql: "SELECT beneficiary || '|' || supplier AS key, reason FROM v2_relations",
      expected: map(s.relations, (reason) => ({ reason })),
    },
    {
      entity: "operation", touched: "operation", sql: `SELECT operation_id || '|' || nonce AS key, caller, target, status, executable_from::text,
        closed_block::text, (SELECT count(*) FROM v2_acts a WHERE a.operation_id = o.operation_id AND a.operation_nonce = o.nonce)::text AS events
        FROM v2_operations o`,
      expected: map(g.operations, (o) => ({
        caller: o.caller, target: o.target, status: o.status, executable_from: o.executableFrom, closed_block: o.closedBlock, events: o.events,
      })),
    },
    {
      entity: "safe transaction", touched: "safe", sql: `SELECT transaction_hash || '|' || log_index AS key, safe_nonce::text AS nonce, target,
        success::text, array_to_string(signers, ',') AS signers,
        (SELECT count(*) FROM v2_acts a WHERE a.block_hash = s.block_hash AND a.safe_log_index = s.log_index)::text AS events
        FROM v2_safe_transactions s`,
      expected: map(g.safeTransactions, (t) => ({ nonce: t.nonce, target: t.target, success: t.success, signers: t.signers, events: t.events })),
    },
  ];
}

const text = (v: unknown) => (v === null || v === undefined ? "null" : String(v));

/**
 * Rebuilds ledger v2's state from the chain's logs alone (its own fold, service/verify/fold-v2.ts), compares it with
 * the contracts' views at `atBlock` and, given a mirror, with the mirror's v2 tables row by row, and reports every
 * difference (a row on one side only, or a field that differs).
 */
export async function verifyLedgerV2(deps: VerifyV2Deps): Promise<VerifyReportV2> {
  const { rpc, target, atBlock } = deps;
  if (deps.historicalCalls === false) {
    throw new ChainRefusedError(
      "verifying ledger v2 reads the contracts' views at a past block, and this node cannot read past state (historical eth_call unavailable)",
    );
  }
  const db = deps.mirror?.tables === false ? undefined : deps.db;
  /** Below the mirror's checkpoint, the block its tables are read as of, from their versions (service/store/history.ts). */
  const pastBlock = deps.mirror !== undefined && deps.mirror.checkpoint !== atBlock ? atBlock : undefined;
  const events = await readEvents(deps);
  const s = emptyV2State();
  const daily = emptyDailyState();
  for (const e of events) {
    applyV2Event(s, e);
    applyDailyEvent(daily, e);
  }
  for (const [key, block] of daily.touched) s.touched.set(`daily:${key}`, block);
  const governance = emptyGovernanceState();
  foldGovernance(governance, events);
  const differences: Difference[] = [];
  const differ = (against: Difference["against"], entity: string, key: string, touched: string) =>
    (field: string, expected: unknown, actual: unknown) => {
      if (text(expected) === text(actual)) return;
      differences.push({ against, entity, key, field, expected: text(expected), actual: text(actual), block: s.touched.get(`${touched}:${key}`) ?? null });
    };
  const view = viewCaller(rpc, `0x${atBlock.toString(16)}`);
  const abis = await loadAbisV2();
  const ledger = async (fn: string, args: unknown[]) => (await view(abis.ledger, target.ledger, fn, args))[0] as Record<string, unknown>;
  const registry = async (fn: string, args: unknown[]) => (await view(abis.registry, target.v2.registry, fn, args))[0] as Record<string, unknown>;
  const payments = async (fn: string, args: unknown[]) => (await view(abis.payments, target.v2.payments, fn, args))[0] as unknown;
  const pool = deps.concurrency ?? 8;

  await inPool([...s.vouchers], pool, async ([id, v]) => {
    const d = differ("contract", "voucher", id, "voucher");
    const r = await ledger("getVoucher", [id]);
    d("holder", v.holder, r.holder);
    d("remaining", v.remaining, r.remaining);
    d("status", v.status, VOUCHER_STATUS_V2[Number(r.status)]);
    d("frozen", v.frozen, (Number(r.flags) & VOUCHER_FLAG.FROZEN) !== 0);
    d("reissuePending", v.reissueTo !== null, (Number(r.flags) & VOUCHER_FLAG.REISSUE_PENDING) !== 0);
    d("expiresAt", v.expiresAt, r.expiresAt);
  });
  await inPool([...s.programmes], pool, async ([id, p]) => {
    const d = differ("contract", "programme", id, "programme");
    const r = await ledger("programmeTotals", [id]);
    for (const k of ["issued", "redeemedBySuppliers", "claimedByBuyers", "held", "revoked", "expired", "clawedBack"] as const) d(k, p[k], r[k]);
    d("outstanding", p.issued - p.redeemedBySuppliers - p.claimedByBuyers - p.held - p.revoked - p.expired, r.outstanding);
  });
  await inPool([...s.periods], pool, async ([key, p]) => {
    const [programme, year] = key.split("|");
    const d = differ("contract", "period", key, "period");
    const r = await ledger("getPeriod", [programme, year]);
    for (const k of ["budget", "issued", "revoked", "expired", "clawedBack"] as const) d(k, p[k], r[k]);
  });
  await inPool([...s.claims], pool, async ([id, c]) => {
    const d = differ("contract", "claim", id, "claim");
    const r = await ledger("getClaim", [id]);
    d("status", c.status, CLAIM_STATUS[Number(r.status)]);
    d("amount", c.amount, r.amount);
    d("clawedBack", c.clawedBack, r.clawedBack);
    d("invoiceKey", c.invoiceKey, r.invoiceKey);
  });
  await inPool([...s.invoices], pool, async ([key, i]) => {
    const d = differ("contract", "invoice", key, "invoice");
    const r = await ledger("getInvoice", [key]);
    d("total", i.total, r.total);
    d("subsidised", i.subsidised, r.subsidised);
    d("count", i.count, r.count);
    d("buyer", i.buyer, (Number(r.flags) & INVOICE_FLAG.BUYER) !== 0);
    d("pending", i.pending, (Number(r.flags) & INVOICE_FLAG.PENDING) !== 0);
  });
  await inPool([...s.entries], pool, async ([id, p]) => {
    const d = differ("contract", "payment", id, "entry");
    const r = (await payments("getEntry", [id])) as Record<string, unknown>;
    d("kind", p.kind, ENTRY_KIND[Number(r.kind)]);
    d("amount", p.amount, r.amount);
    d("corrected", p.corrected, r.corrected);
  });
  await inPool([...s.entities], pool, async ([id, c]) => {
    const d = differ("contract", "company", id, "entity");
    const r = await registry("getEntity", [id]);
    d("creditCodeHash", c.creditCodeHash, r.creditCodeHash);
    d("category", c.category, r.category);
    d("relations", c.relations, r.relations);
  });
  await inPool([...s.accreditations], pool, async ([key, a]) => {
    const d = differ("contract", "accreditation", key, "accreditation");
    const r = await registry("getAccreditation", key.split("|"));
    d("validUntil", a.validUntil, r.validUntil);
    d("classes", a.classes, r.classes);
    d("suspended", a.suspended, r.suspended);
    d("reason", a.reason, r.reason);
  });
  const payees = [...new Set([...s.earned.keys(), ...s.paid.keys()])];
  await inPool(payees, pool, async (key) => {
    const [programme, payee] = key.split("|");
    const d = differ("contract", "payee", key, "payee");
    const earned = s.earned.get(key) ?? 0n;
    const onChain: unknown = (await view(abis.ledger, target.ledger, "earned", [programme, payee]))[0];
    d("earned", earned, onChain);
    const payable = BigInt(String(await payments("payableTo", [programme, payee])));
    const receivable = BigInt(String(await payments("receivable", [programme, payee])));
    d("payableLessReceivable", earned - (s.paid.get(key) ?? 0n), payable - receivable);
  });

  if (db !== undefined) {
    // Below the checkpoint, the same queries read the tables' versions as of the block.
    const tables = readerAt(db, pastBlock);
    for (const { entity, touched, expected, sql } of expectations(s, governance, daily)) {
      const rows = await tables.query<Record<string, unknown>>(sql);
      const actual = new Map(rows.map((r) => [String(r.key), r]));
      for (const [key, want] of expected) {
        const got = actual.get(key);
        const d = differ("mirror", entity, key, touched);
        if (got === undefined) {
          d("(row)", "present", "missing");
          continue;
        }
        for (const [field, value] of Object.entries(want)) d(field, value, got[field]);
      }
      for (const key of actual.keys()) if (!expected.has(key)) differ("mirror", entity, key, touched)("(row)", "missing", "present");
    }
  }

  // The identity registry: each record must still open a hash on chain, as the mirror (just compared) holds it — at
  // its checkpoint: the registry is of now, not of a past block.
  let registryChecked = 0;
  if (db !== undefined && pastBlock === undefined) {
    const { checked, mismatches } = await registryMismatches(db);
    registryChecked = checked;
    for (const m of mismatches) {
      const [entity, ...key] = m.path.split(" ");
      differences.push({ against: "registry", entity: entity!, key: key.join(" "), field: "(record)", expected: "a hash on chain", actual: m.message, block: null });
    }
  }

  return {
    chainId: target.chainId,
    ledger: target.ledger,
    atBlock,
    events: events.length,
    checked: {
      programmes: s.programmes.size, periods: s.periods.size, vouchers: s.vouchers.size, claims: s.claims.size, invoices: s.invoices.size,
      redemptions: s.redemptions.size, payments: s.entries.size, companies: s.entities.size, accreditations: s.accreditations.size, payees: payees.length,
      registry: registryChecked,
    },
    contractBlock: atBlock,
    historicalCalls: true,
    mirrorCompared: db !== undefined,
    mirrorTablesCompared: db !== undefined,
    mirrorCheckpoint: deps.mirror?.checkpoint ?? null,
    differences,
    ok: differences.length === 0,
  };
}
