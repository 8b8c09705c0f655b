import { roleName } from "../domain/roles-v1.js";
import type { DecodedArgs } from "../chain/abi.js";
import { DecodeError } from "../internal/errors.js";
import type { Queryable } from "./database.js";
import { type Version, writeVersions } from "./history.js";
import { type Column, deleteRows, insertRows, selectRows } from "./rows.js";

/** One event of the raw log, as the projection reads it (in chain order: block number, then log index). */
export interface StoredEvent {
  blockNumber: number;
  blockHash: string;
  logIndex: number;
  blockTimestamp: number;
  transactionHash: string;
  contract: string;
  eventName: string;
  args: DecodedArgs;
}

type Row = Record<string, string | number | boolean | null>;

const T = { n: "numeric", i: "int", b: "bigint", t: "text", bool: "boolean" } as const;

const TABLES = {
  cities: {
    key: [["city", T.i]],
    columns: [
      ["city", T.i], ["name", T.t], ["budget", T.n], ["appropriation", T.t], ["ratio_bps", T.i],
      ["holder_cap", T.n], ["default_validity", T.b], ["issued", T.n], ["redeemed", T.n], ["revoked", T.n],
      ["expired", T.n], ["voucher_count", T.i], ["registered_block", T.b], ["updated_block", T.b],
    ],
  },
  vouchers: {
    key: [["id", T.n]],
    columns: [
      ["id", T.n], ["city", T.i], ["holder", T.t], ["application_ref", T.t], ["face_value", T.n], ["remaining", T.n],
      ["redeemed", T.n], ["status", T.t], ["issued_at", T.b], ["expires_at", T.b], ["reissued_from", T.n],
      ["reissued_to", T.n], ["issued_block", T.b], ["issued_tx", T.t], ["updated_block", T.b],
    ],
  },
  accreditations: {
    key: [["data_center", T.t], ["city", T.i]],
    columns: [
      ["data_center", T.t], ["city", T.i], ["valid_from", T.b], ["valid_until", T.b], ["suspended", T.bool],
      ["reason", T.t], ["updated_block", T.b],
    ],
  },
  issuers: {
    key: [["issuer", T.t]],
    columns: [["issuer", T.t], ["city", T.i], ["bound_block", T.b]],
  },
  role_members: {
    key: [["role_id", T.n], ["account", T.t]],
    columns: [
      ["role_id", T.n], ["account", T.t], ["role_name", T.t], ["since", T.b], ["execution_delay", T.b],
      ["granted_block", T.b],
    ],
  },
} as const satisfies Record<string, { key: readonly Column[]; columns: readonly Column[] }>;

type Table = keyof typeof TABLES;

const REDEMPTION_COLUMNS: Column[] = [
  ["block_hash", T.t], ["log_index", T.i], ["block_number", T.b], ["block_timestamp", T.b], ["transaction_hash", T.t],
  ["voucher_id", T.n], ["city", T.i], ["data_center", T.t], ["holder", T.t], ["invoice_hash", T.t], ["amount", T.n],
  ["invoice_total", T.n], ["remaining", T.n],
];

const HISTORY_COLUMNS: Column[] = [
  ["block_hash", T.t], ["log_index", T.i], ["block_number", T.b], ["block_timestamp", T.b], ["transaction_hash", T.t],
  ["data_center", T.t], ["city", T.i], ["action", T.t], ["valid_from", T.b], ["valid_until", T.b], ["reason", T.t],
  ["actor", T.t],
];

/** The derived tables, emptied before a rebuild. */
export const DERIVED_TABLES = [
  "cities", "vouchers", "redemptions", "accreditations", "accreditation_history", "issuers", "role_members",
] as const;

const add = (a: unknown, b: unknown): string => (BigInt(String(a)) + BigInt(String(b))).toString();
const str = (args: DecodedArgs, name: string): string => {
  const value = args[name];
  if (value === undefined || value === null) throw new DecodeError(`event argument ${name} is missing`);
  return String(value);
};

/** Which rows of each table a batch of events touches. */
function keysOf(events: readonly StoredEvent[]): Record<Table, Map<string, string[]>> {
  const keys: Record<Table, Map<string, string[]>> = {
    cities: new Map(), vouchers: new Map(), accreditations: new Map(), issuers: new Map(), role_members: new Map(),
  };
  const put = (table: Table, ...key: string[]) => keys[table].set(key.join("|"), key);
  for (const { args, contract } of events) {
    if (contract === "accessManager") {
      if (args.roleId !== undefined && args.account !== undefined) put("role_members", str(args, "roleId"), str(args, "account"));
      continue;
    }
    if (args.city !== undefined) put("cities", str(args, "city"));
    if (args.id !== undefined) put("vouchers", str(args, "id"));
    if (args.newId !== undefined) put("vouchers", str(args, "newId"));
    if (args.dataCenter !== undefined && args.city !== undefined) put("accreditations", str(args, "dataCenter"), str(args, "city"));
    if (args.issuer !== undefined) put("issuers", str(args, "issuer"));
  }
  return keys;
}

/**
 * Applies events, in chain order, to the derived tables: loads the rows they touch, folds the events over them in
 * memory, and writes back what changed. The derived tables are a pure function of the raw log: applying the whole
 * log in order to empty tables gives the same rows as applying it batch by batch.
 */
export async function project(tx: Queryable, events: readonly StoredEvent[]): Promise<void> {
  if (events.length === 0) return;
  const keys = keysOf(events);
  // key -> row, or null once deleted; `dirty` holds what to write back.
  const state = {} as Record<Table, Map<string, Row | null>>;
  const dirty = {} as Record<Table, Set<string>>;
  for (const table of Object.keys(TABLES) as Table[]) {
    const spec = TABLES[table];
    const wanted = [...keys[table].values()];
    const columns = spec.columns.map(([name]) => `${name}::text AS ${name}`).join(", ");
    const rows = await selectRows<Row>(tx, table, spec.key, wanted, columns);
    state[table] = new Map(rows.map((row) => [spec.key.map(([name]) => String(row[name])).join("|"), row]));
    dirty[table] = new Set();
  }
  // Each row as it was at the end of each block of the batch: the versions the mirror keeps (service/store/history.ts).
  let block = 0;
  const versions = {} as Record<Table, Map<string, Version>>;
  for (const table of Object.keys(TABLES) as Table[]) versions[table] = new Map();
  const get = (table: Table, ...key: string[]) => state[table].get(key.join("|")) ?? null;
  const set = (table: Table, row: Row | null, ...key: string[]) => {
    state[table].set(key.join("|"), row);
    dirty[table].add(key.join("|"));
    const named = Object.fromEntries(TABLES[table].key.map(([name], i) => [name, key[i]!]));
    versions[table].set(`${key.join("|")}|${block}`, { key: named, row, block });
  };
  const redemptions: Row[] = [];
  const history: Row[] = [];

  for (const e of events) {
    block = e.blockNumber;
    const a = e.args;
    const at = { block_hash: e.blockHash, log_index: e.logIndex, block_number: e.blockNumber, block_timestamp: e.blockTimestamp, transaction_hash: e.transactionHash };
    if (e.contract === "accessManager") {
      if (e.eventName === "RoleGranted") {
        const role = str(a, "roleId");
        const account = str(a, "account");
        const before = get("role_members", role, account);
        set("role_members", {
          role_id: role, account, role_name: roleName(BigInt(role)), since: str(a, "since"), execution_delay: str(a, "delay"),
          granted_block: before === null ? e.blockNumber : before.granted_block ?? e.blockNumber,
        }, role, account);
      } else if (e.eventName === "RoleRevoked") {
        set("role_members", null, str(a, "roleId"), str(a, "account"));
      }
      continue;
    }
    const city = a.city === undefined ? "" : str(a, "city");
    const cityRow = (): Row => {
      const row = get("cities", city);
      if (row === null) throw new DecodeError(`${e.eventName} in block ${e.blockNumber} names unregistered city ${city}`);
      return { ...row, updated_block: e.blockNumber };
    };
    const voucher = (id: string): Row => {
      const row = get("vouchers", id);
      if (row === null) throw new DecodeError(`${e.eventName} in block ${e.blockNumber} names unknown voucher ${id}`);
      return { ...row, updated_block: e.blockNumber };
    };
    switch (e.eventName) {
      case "CityRegistered":
        set("cities", {
          city, name: str(a, "name"), budget: str(a, "budget"), appropriation: str(a, "appropriation"),
          ratio_bps: str(a, "ratioBps"), holder_cap: str(a, "holderCap"), default_validity: str(a, "defaultValidity"),
          issued: "0", redeemed: "0", revoked: "0", expired: "0", voucher_count: 0,
          registered_block: e.blockNumber, updated_block: e.blockNumber,
        }, city);
        break;
      case "CityBudgetSet":
        set("cities", { ...cityRow(), budget: str(a, "budget"), appropriation: str(a, "appropriation") }, city);
        break;
      case "CityRatioSet":
        set("cities", { ...cityRow(), ratio_bps: str(a, "ratioBps") }, city);
        break;
      case "CityHolderCapSet":
        set("cities", { ...cityRow(), holder_cap: str(a, "holderCap") }, city);
        break;
      case "CityDefaultValiditySet":
        set("cities", { ...cityRow(), default_validity: str(a, "defaultValidity") }, city);
        break;
      case "IssuerBound":
        set("issuers", { issuer: str(a, "issuer"), city, bound_block: e.blockNumber }, str(a, "issuer"));
        break;
      case "IssuerUnbound":
        set("issuers", null, str(a, "issuer"));
        break;
      case "DataCenterAccredited":
      case "DataCenterSuspended":
      case "DataCenterReinstated": {
        const dc = str(a, "dataCenter");
        const before = get("accreditations", dc, city);
        const zero = `0x${"0".repeat(64)}`;
        const row: Row =
          e.eventName === "DataCenterAccredited"
            ? { data_center: dc, city, valid_from: str(a, "validFrom"), valid_until: str(a, "validUntil"), suspended: false, reason: zero }
            : { ...(before ?? { data_center: dc, city, valid_from: 0, valid_until: 0, reason: zero }), suspended: e.eventName === "DataCenterSuspended" };
        if (e.eventName === "DataCenterSuspended") row.reason = str(a, "reason");
        set("accreditations", { ...row, updated_block: e.blockNumber }, dc, city);
        history.push({
          ...at, data_center: dc, city, action: e.eventName.replace("DataCenter", "").toLowerCase(),
          valid_from: (a.validFrom as string | undefined) ?? null, valid_until: (a.validUntil as string | undefined) ?? null,
          reason: (a.reason as string | undefined) ?? null, actor: str(a, "actor"),
        });
        break;
      }
      case "VoucherIssued": {
        const id = str(a, "id");
        set("vouchers", {
          id, city, holder: str(a, "holder"), application_ref: str(a, "applicationRef"), face_value: str(a, "faceValue"),
          remaining: str(a, "faceValue"), redeemed: "0", status: "Active", issued_at: e.blockTimestamp,
          expires_at: str(a, "expiresAt"), reissued_from: null, reissued_to: null, issued_block: e.blockNumber,
          issued_tx: e.transactionHash, updated_block: e.blockNumber,
        }, id);
        const c = cityRow();
        set("cities", { ...c, issued: add(c.issued, a.faceValue), voucher_count: Number(c.voucher_count) + 1 }, city);
        break;
      }
      case "VoucherRedeemed": {
        const id = str(a, "id");
        const v = voucher(id);
        const remaining = str(a, "remaining");
        set("vouchers", { ...v, remaining, redeemed: add(v.redeemed, a.amount), status: remaining === "0" ? "Redeemed" : (v.status ?? "Active") }, id);
        const c = cityRow();
        set("cities", { ...c, redeemed: add(c.redeemed, a.amount) }, city);
        redemptions.push({
          ...at, voucher_id: id, city, data_center: str(a, "dataCenter"), holder: str(a, "holder"),
          invoice_hash: str(a, "invoiceHash"), amount: str(a, "amount"), invoice_total: str(a, "invoiceTotal"), remaining,
        });
        break;
      }
      case "VoucherRevoked":
      case "VoucherExpired": {
        const id = str(a, "id");
        const revoked = e.eventName === "VoucherRevoked";
        set("vouchers", { ...voucher(id), remaining: "0", status: revoked ? "Revoked" : "Expired" }, id);
        const c = cityRow();
        const counter = revoked ? "revoked" : "expired";
        set("cities", { ...c, [counter]: add(c[counter], a.amount) }, city);
        break;
      }
      case "VoucherReissued": {
        const id = str(a, "id");
        const newId = str(a, "newId");
        set("vouchers", { ...voucher(id), remaining: "0", status: "Reissued", reissued_to: newId }, id);
        set("vouchers", {
          id: newId, city, holder: str(a, "newHolder"), application_ref: str(a, "applicationRef"), face_value: str(a, "amount"),
          remaining: str(a, "amount"), redeemed: "0", status: "Active", issued_at: e.blockTimestamp,
          expires_at: str(a, "expiresAt"), reissued_from: id, reissued_to: null, issued_block: e.blockNumber,
          issued_tx: e.transactionHash, updated_block: e.blockNumber,
        }, newId);
        const c = cityRow();
        set("cities", { ...c, voucher_count: Number(c.voucher_count) + 1 }, city);
        break;
      }
      default:
        // TransferSingle, Locked, Paused, BaseURISet, AuthorityUpdated…: in the raw log only.
        break;
    }
  }

  for (const table of Object.keys(TABLES) as Table[]) {
    const spec = TABLES[table];
    const upserts: Row[] = [];
    const deletes: string[][] = [];
    for (const key of dirty[table]) {
      const row = state[table].get(key);
      if (row === null || row === undefined) deletes.push(key.split("|"));
      else upserts.push(row);
    }
    await deleteRows(tx, table, spec.key, deletes);
    await insertRows(tx, table, spec.columns, upserts, { key: spec.key.map(([name]) => name) });
  }
  await insertRows(tx, "redemptions", REDEMPTION_COLUMNS, redemptions, { doNothing: true });
  await insertRows(tx, "accreditation_history", HISTORY_COLUMNS, history, { doNothing: true });

  for (const table of Object.keys(TABLES) as Table[]) {
    const list = [...versions[table].values()];
    // A city's version carries its generated column too, as the row read back would.
    if (table === "cities") {
      for (const v of list) {
        if (v.row === null) continue;
        const n = (k: string) => BigInt(String(v.row![k]));
        v.row = { ...v.row, outstanding: (n("issued") - n("redeemed") - n("revoked") - n("expired")).toString() };
      }
    }
    await writeVersions(tx, table, list);
  }
  const logged = (row: Row): Version => ({
    key: { block_hash: String(row.block_hash), log_index: Number(row.log_index) }, row, block: Number(row.block_number),
  });
  await writeVersions(tx, "redemptions", redemptions.map(logged));
  await writeVersions(tx, "accreditation_history", history.map(logged));
}
